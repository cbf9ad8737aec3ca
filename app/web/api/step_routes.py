"""Steps: the caller's inbox, one step with its form, claiming, giving back, assigning and completing."""
from __future__ import annotations

from flask import jsonify, request

from app.services.cases import inbox, step_actions

from ..auth import current_actor, services
from .arguments import caller_json_body
from .schemas import AssignBody, CompleteBody, load_body
from .table import route


@route("GET", "/tasks", "The caller's inbox", response="Task", many=True, errors=(400, 401, 403),
       query=(("scope", "string"),))
def list_tasks():
    return jsonify(inbox.list_tasks(services(), current_actor(), request.args.get("scope", "mine")))


@route("GET", "/tasks/<int:task_id>", "One step with its form", response="Task")
def get_task(task_id: int):
    return jsonify(step_actions.get_task(services(), current_actor(), task_id))


@route("POST", "/tasks/<int:task_id>/claim", "Claim a step", body_kind="none", response="Task",
       errors=(401, 403, 404, 409))
def claim_task(task_id: int):
    return jsonify(step_actions.claim(services(), current_actor(), task_id))


@route("POST", "/tasks/<int:task_id>/unclaim", "Give a step back to its group", body_kind="none",
       response="Task", errors=(401, 403, 404, 409))
def unclaim_task(task_id: int):
    return jsonify(step_actions.unclaim(services(), current_actor(), task_id))


@route("POST", "/tasks/<int:task_id>/assign", "Assign a step to a member of its group", body=AssignBody,
       response="Task", errors=(400, 401, 403, 404, 409))
def assign_task(task_id: int):
    body = load_body(AssignBody(), caller_json_body())
    return jsonify(step_actions.assign(services(), current_actor(), task_id, body["username"]))


@route("POST", "/tasks/<int:task_id>/complete", "Complete a step with its form data", body=CompleteBody,
       response="Case", errors=(400, 401, 403, 404, 409))
def complete_task(task_id: int):
    body = load_body(CompleteBody(), caller_json_body())
    return jsonify(step_actions.complete(services(), current_actor(), task_id, body["data"]))
