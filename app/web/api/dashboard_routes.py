"""The supervisors' dashboard: running, overdue and stalled work, workload, missing school submissions,
how long steps wait and the monthly trend."""
from __future__ import annotations

from flask import jsonify, request

from app.services.dashboard import overview, step_times

from ..auth import current_actor, services
from .arguments import int_arg
from .table import route


@route("GET", "/dashboard/open-cases", "Running cases by process and fiscal year", many=True, errors=(401, 403))
def dashboard_open_cases():
    return jsonify(overview.open_cases(services(), current_actor()))


@route("GET", "/dashboard/overdue", "Open steps past their due date", many=True, errors=(401, 403))
def dashboard_overdue():
    return jsonify(overview.overdue_steps(services(), current_actor()))


@route("GET", "/dashboard/stalled", "Cases with no event for N working days", many=True, errors=(400, 401, 403),
       query=(("days", "integer"),))
def dashboard_stalled():
    days = int_arg("days")
    return jsonify(overview.stalled_cases(services(), current_actor(), 5 if days is None else days))


@route("GET", "/dashboard/workload", "Open, overdue and done-this-month steps per person and group",
       errors=(401, 403))
def dashboard_workload():
    return jsonify(overview.workload(services(), current_actor()))


@route("GET", "/dashboard/missing-submissions", "Schools that have not submitted their step", many=True,
       errors=(401, 403))
def dashboard_missing():
    return jsonify(overview.missing_submissions(services(), current_actor()))


@route("GET", "/dashboard/wait-times/<key>", "How long each step of a process waits (p50, p90)", many=True,
       errors=(401, 403))
def dashboard_wait_times(key: str):
    return jsonify(step_times.wait_times(services(), current_actor(), key))


@route("GET", "/dashboard/trend", "Steps completed per month", many=True, errors=(401, 403),
       query=(("process_key", "string"),))
def dashboard_trend():
    return jsonify(step_times.monthly_trend(services(), current_actor(), request.args.get("process_key") or None))
