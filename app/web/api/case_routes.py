"""Cases: starting, listing and reading them, cancelling, suspending and resuming, the messages they wait
for, their per-school rounds, and their history."""
from __future__ import annotations

from flask import jsonify, request

from app.services.cases import lifecycle, messages, rounds

from ..auth import current_actor, services
from ..input_safety import json_body
from .arguments import caller_json_body, int_arg
from .schemas import CloseRoundBody, MessageBody, ReasonBody, StartCaseBody, load_body
from .table import route


@route("POST", "/cases", "Start a case", body=StartCaseBody, ok=201, response="Case", errors=(400, 401, 403, 404))
def start_case():
    body = load_body(StartCaseBody(), caller_json_body())
    case = lifecycle.start_case(services(), current_actor(), body["process_key"], body["title"], body["data"])
    return jsonify(case), 201


@route("GET", "/cases", "Cases the caller may see", response="Case", many=True, errors=(400, 401),
       query=(("status", "string"), ("process_key", "string"), ("overdue", "boolean"), ("stalled_days", "integer")))
def list_cases():
    actor = current_actor()
    overdue = request.args.get("overdue", "").lower() in ("1", "true", "yes")
    found = lifecycle.list_cases(services(), actor, status=request.args.get("status") or None,
                                 process_key=request.args.get("process_key") or None, overdue=overdue,
                                 stalled_days=int_arg("stalled_days"))
    return jsonify(found)


@route("GET", "/cases/<int:case_id>", "One case", response="Case")
def get_case(case_id: int):
    return jsonify(lifecycle.get_case(services(), current_actor(), case_id))


def _status_change(case_id: int, action: str):
    body = load_body(ReasonBody(), caller_json_body())
    return jsonify(lifecycle.change_status(services(), current_actor(), case_id, action, body["reason"]))


@route("POST", "/cases/<int:case_id>/cancel", "Cancel a case", body=ReasonBody, response="Case",
       errors=(400, 401, 403, 404, 409))
def cancel_case(case_id: int):
    return _status_change(case_id, "cancel")


@route("POST", "/cases/<int:case_id>/suspend", "Suspend a case", body=ReasonBody, response="Case",
       errors=(400, 401, 403, 404, 409))
def suspend_case(case_id: int):
    return _status_change(case_id, "suspend")


@route("POST", "/cases/<int:case_id>/resume", "Resume a suspended case", body=ReasonBody, response="Case",
       errors=(400, 401, 403, 404, 409))
def resume_case(case_id: int):
    return _status_change(case_id, "resume")


@route("POST", "/cases/<int:case_id>/messages",
       "Deliver a message the case waits for (e.g. OBEC's allocation notice)", body=MessageBody,
       response="Case", errors=(400, 401, 403, 404, 409))
def deliver_message(case_id: int):
    body = load_body(MessageBody(), caller_json_body())
    return jsonify(messages.deliver_message(services(), current_actor(), case_id, body["name"], body["data"]))


@route("GET", "/cases/<int:case_id>/rounds",
       "The case's per-school rounds still open: closing time, schools asked, received and still missing",
       many=True)
def case_rounds(case_id: int):
    return jsonify(rounds.list_rounds(services(), current_actor(), case_id))


@route("POST", "/cases/<int:case_id>/rounds/<spec_id>/close",
       "Close a per-school round now: the case moves on with what was received (plan staff, group director)",
       body=CloseRoundBody, response="Case", errors=(400, 401, 403, 404, 409))
def close_round(case_id: int, spec_id: str):
    actor = current_actor()  # 401 before any complaint about the body
    body = load_body(CloseRoundBody(), json_body(optional=True))
    return jsonify(rounds.close_round(services(), actor, case_id, spec_id, body["reason"]))


@route("GET", "/cases/<int:case_id>/history", "The case's events in order", response="Event", many=True)
def case_history(case_id: int):
    return jsonify(lifecycle.case_history(services(), current_actor(), case_id))
