"""API.md's routes. Each parses the request, calls one use case, and returns its JSON."""
from __future__ import annotations

from flask import Response, jsonify, request, send_file

from app.services import attachments, audit, cases, messages, processes, tasks, users
from app.services.errors import Invalid, TooLarge

from ..auth import current_actor, services
from .schemas import AssignBody, CompleteBody, MessageBody, ReasonBody, StartCaseBody, load_body
from .table import route


def _json_body() -> dict:
    payload = request.get_json(silent=True)
    if payload is None:
        raise Invalid("the body must be JSON (Content-Type: application/json)", {"_body": ["not JSON"]})
    return payload


def _int_arg(name: str) -> int | None:
    value = request.args.get(name)
    if value in (None, ""):
        return None
    if not value.isdigit() or len(value) > 6:
        raise Invalid(f"{name} must be a whole number", {name: ["ต้องเป็นจำนวนเต็ม (whole number)"]})
    return int(value)


@route("GET", "/processes", "Deployed processes (latest version of each)", response="Process", many=True,
       errors=(401,))
def list_processes():
    current_actor()
    return jsonify(processes.list_processes(services()))


@route("POST", "/processes/<key>/versions", "Deploy a BPMN diagram as a new version", body_kind="xml-or-multipart",
       ok=201, errors=(400, 401, 403, 409, 413))
def deploy_version(key: str):
    actor = current_actor()
    if request.mimetype.startswith("multipart/"):
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("send the diagram in the multipart field 'file'", {"file": ["required"]})
        xml = upload.read()
    else:
        xml = request.get_data(cache=False)
    if not xml:
        raise Invalid("the body is empty: send the BPMN XML", {"file": ["required"]})
    version, created = processes.deploy_version(services(), actor, key, xml)
    return jsonify(version), 201 if created else 200


@route("GET", "/processes/<key>/versions/<int:version>/bpmn", "The XML of one version", body_kind="none",
       errors=(401, 404))
def version_bpmn(key: str, version: int):
    current_actor()
    return Response(processes.version_xml(services(), key, version), mimetype="application/xml")


@route("POST", "/cases", "Start a case", body=StartCaseBody, ok=201, response="Case", errors=(400, 401, 403, 404))
def start_case():
    body = load_body(StartCaseBody(), _json_body())
    case = cases.start_case(services(), current_actor(), body["process_key"], body["title"], body["data"])
    return jsonify(case), 201


@route("GET", "/cases", "Cases the caller may see", response="Case", many=True, errors=(400, 401),
       query=(("status", "string"), ("process_key", "string"), ("overdue", "boolean"), ("stalled_days", "integer")))
def list_cases():
    actor = current_actor()
    overdue = request.args.get("overdue", "").lower() in ("1", "true", "yes")
    found = cases.list_cases(services(), actor, status=request.args.get("status") or None,
                             process_key=request.args.get("process_key") or None, overdue=overdue,
                             stalled_days=_int_arg("stalled_days"))
    return jsonify(found)


@route("GET", "/cases/<int:case_id>", "One case", response="Case")
def get_case(case_id: int):
    return jsonify(cases.get_case(services(), current_actor(), case_id))


def _status_change(case_id: int, action: str):
    body = load_body(ReasonBody(), _json_body())
    return jsonify(cases.change_status(services(), current_actor(), case_id, action, body["reason"]))


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
    body = load_body(MessageBody(), _json_body())
    return jsonify(messages.deliver_message(services(), current_actor(), case_id, body["name"], body["data"]))


@route("GET", "/tasks", "The caller's inbox", response="Task", many=True, errors=(400, 401, 403),
       query=(("scope", "string"),))
def list_tasks():
    return jsonify(tasks.list_tasks(services(), current_actor(), request.args.get("scope", "mine")))


@route("GET", "/tasks/<int:task_id>", "One step with its form", response="Task")
def get_task(task_id: int):
    return jsonify(tasks.get_task(services(), current_actor(), task_id))


@route("POST", "/tasks/<int:task_id>/claim", "Claim a step", body_kind="none", response="Task",
       errors=(401, 403, 404, 409))
def claim_task(task_id: int):
    return jsonify(tasks.claim(services(), current_actor(), task_id))


@route("POST", "/tasks/<int:task_id>/unclaim", "Give a step back to its group", body_kind="none",
       response="Task", errors=(401, 403, 404, 409))
def unclaim_task(task_id: int):
    return jsonify(tasks.unclaim(services(), current_actor(), task_id))


@route("POST", "/tasks/<int:task_id>/assign", "Assign a step to a member of its group", body=AssignBody,
       response="Task", errors=(400, 401, 403, 404, 409))
def assign_task(task_id: int):
    body = load_body(AssignBody(), _json_body())
    return jsonify(tasks.assign(services(), current_actor(), task_id, body["username"]))


@route("POST", "/tasks/<int:task_id>/complete", "Complete a step with its form data", body=CompleteBody,
       response="Case", errors=(400, 401, 403, 404, 409))
def complete_task(task_id: int):
    body = load_body(CompleteBody(), _json_body())
    return jsonify(tasks.complete(services(), current_actor(), task_id, body["data"]))


@route("POST", "/cases/<int:case_id>/attachments", "Attach a file to a case", body_kind="multipart", ok=201,
       errors=(400, 401, 404, 413))
def add_attachment(case_id: int):
    actor = current_actor()
    if request.content_length and request.content_length > services().max_upload_bytes + 64 * 1024:
        raise TooLarge(f"the file is larger than {services().max_upload_bytes // (1024 * 1024)} MB")
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("send the file in the multipart field 'file'", {"file": ["required"]})
    row = attachments.attach_file(services(), actor, case_id, upload.filename or "file", upload.mimetype,
                                  upload.stream)
    return jsonify(row), 201


@route("GET", "/cases/<int:case_id>/attachments", "The case's attachments", response="Attachment", many=True)
def list_attachments(case_id: int):
    return jsonify(attachments.list_attachments(services(), current_actor(), case_id))


@route("GET", "/cases/<int:case_id>/attachments/<int:attachment_id>", "Download an attachment", body_kind="none")
def download_attachment(case_id: int, attachment_id: int):
    meta, path = attachments.open_attachment(services(), current_actor(), case_id, attachment_id)
    return send_file(path, mimetype=meta["content_type"], as_attachment=True, download_name=meta["filename"])


@route("GET", "/groups", "Every group with its members", response="Group", many=True, errors=(401,))
def list_groups():
    current_actor()
    return jsonify(users.list_groups(services()))


@route("GET", "/cases/<int:case_id>/history", "The case's events in order", response="Event", many=True)
def case_history(case_id: int):
    return jsonify(cases.case_history(services(), current_actor(), case_id))


@route("GET", "/cases/<int:case_id>/verify", "Check the hash chain and replay the case", response="Verdict")
def verify_case(case_id: int):
    return jsonify(audit.verify_case(services(), current_actor(), case_id).as_dict())
