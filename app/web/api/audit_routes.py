"""The audit: verifying a case, its replay and its history as CSV, events across cases, and the nightly
verification runs."""
from __future__ import annotations

from flask import Response, jsonify, request

from app.services.audit import inspection, verification

from ..auth import current_actor, services
from .arguments import date_arg
from .table import route


@route("GET", "/cases/<int:case_id>/verify", "Check the hash chain and replay the case", response="Verdict")
def verify_case(case_id: int):
    return jsonify(verification.verify_case(services(), current_actor(), case_id).as_dict())


@route("GET", "/cases/<int:case_id>/replay", "The case step by step: data changes and diagram path at each event")
def replay_case(case_id: int):
    return jsonify(inspection.replay_case(services(), current_actor(), case_id))


@route("GET", "/cases/<int:case_id>/history.csv", "The case's events as CSV with the chain's final digest",
       body_kind="none")
def case_history_csv(case_id: int):
    text = inspection.history_csv(services(), current_actor(), case_id)
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="case-{case_id}-history.csv"'})


@route("GET", "/events", "Events across cases, filtered by user, dates, process and kind", many=True,
       errors=(400, 401), query=(("user", "string"), ("from", "string"), ("to", "string"),
                                 ("process_key", "string"), ("kind", "string")))
def search_events():
    actor = current_actor()
    return jsonify(inspection.search_events(services(), actor, username=request.args.get("user") or None,
                                            date_from=date_arg("from"), date_to=date_arg("to"),
                                            process_key=request.args.get("process_key") or None,
                                            kind=request.args.get("kind") or None))


@route("GET", "/audit/runs", "The latest verifications of every case", many=True, errors=(401, 403))
def verification_runs():
    return jsonify(verification.latest_runs(services(), current_actor()))
