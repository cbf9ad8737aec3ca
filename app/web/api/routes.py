"""API.md's routes. Each parses the request, calls one use case, and returns its JSON."""
from __future__ import annotations

import re
from datetime import datetime

from flask import Response, jsonify, request, send_file

from app.services.accounts import users
from app.services.audit import inspection, verification
from app.services.cases import attachments, inbox, lifecycle, messages, step_actions
from app.services.catalog import processes
from app.services.dashboard import overview, step_times
from app.services.editor import deployment, diagram_check, diagram_drafts, diagram_imports, migration, versions
from app.services.kernel.errors import Invalid, NotFound, TooLarge
from app.thaidate import BANGKOK

from ..auth import current_actor, services
from ..input_safety import json_body
from .schemas import AssignBody, CompleteBody, MessageBody, MigrateBody, ReasonBody, StartCaseBody, load_body
from .table import route


def _json_body() -> dict:
    """The request's JSON body (after authentication: 401 comes before any complaint about the body)."""
    current_actor()
    return json_body()


_WHOLE_NUMBER = re.compile(r"[0-9]{1,4}")


def _int_arg(name: str) -> int | None:
    """A small whole number from the query string (day counts); anything else is a 400."""
    value = request.args.get(name)
    if value in (None, ""):
        return None
    if not _WHOLE_NUMBER.fullmatch(value):
        raise Invalid(f"{name} must be a whole number from 0 to 9999",
                      {name: ["ต้องเป็นจำนวนเต็ม 0–9999 (whole number from 0 to 9999)"]})
    return int(value)


@route("GET", "/processes", "Deployed processes (latest version of each)", response="Process", many=True,
       errors=(401,))
def list_processes():
    current_actor()
    return jsonify(processes.list_processes(services()))


@route("POST", "/processes/<key>/versions", "Deploy a BPMN diagram as a new version (200: unchanged, not redeployed)",
       body_kind="xml-or-multipart", ok=201, also_ok=(200,), errors=(400, 401, 403, 409, 413))
def deploy_version(key: str):
    xml = _uploaded_diagram()
    version, created = deployment.deploy_version(services(), current_actor(), key, xml)
    return jsonify(version), 201 if created else 200


@route("GET", "/processes/<key>/versions/<int:version>/bpmn", "The XML of one version", body_kind="none",
       errors=(401, 404))
def version_bpmn(key: str, version: int):
    current_actor()
    if version > 2**31 - 1:  # the column holds 32-bit numbers; no such version
        raise NotFound(f"no version {version} of {key}")
    return Response(processes.version_xml(services(), key, version), mimetype="application/xml")


@route("POST", "/cases", "Start a case", body=StartCaseBody, ok=201, response="Case", errors=(400, 401, 403, 404))
def start_case():
    body = load_body(StartCaseBody(), _json_body())
    case = lifecycle.start_case(services(), current_actor(), body["process_key"], body["title"], body["data"])
    return jsonify(case), 201


@route("GET", "/cases", "Cases the caller may see", response="Case", many=True, errors=(400, 401),
       query=(("status", "string"), ("process_key", "string"), ("overdue", "boolean"), ("stalled_days", "integer")))
def list_cases():
    actor = current_actor()
    overdue = request.args.get("overdue", "").lower() in ("1", "true", "yes")
    found = lifecycle.list_cases(services(), actor, status=request.args.get("status") or None,
                             process_key=request.args.get("process_key") or None, overdue=overdue,
                             stalled_days=_int_arg("stalled_days"))
    return jsonify(found)


@route("GET", "/cases/<int:case_id>", "One case", response="Case")
def get_case(case_id: int):
    return jsonify(lifecycle.get_case(services(), current_actor(), case_id))


def _status_change(case_id: int, action: str):
    body = load_body(ReasonBody(), _json_body())
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
    body = load_body(MessageBody(), _json_body())
    return jsonify(messages.deliver_message(services(), current_actor(), case_id, body["name"], body["data"]))


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
    body = load_body(AssignBody(), _json_body())
    return jsonify(step_actions.assign(services(), current_actor(), task_id, body["username"]))


@route("POST", "/tasks/<int:task_id>/complete", "Complete a step with its form data", body=CompleteBody,
       response="Case", errors=(400, 401, 403, 404, 409))
def complete_task(task_id: int):
    body = load_body(CompleteBody(), _json_body())
    return jsonify(step_actions.complete(services(), current_actor(), task_id, body["data"]))


@route("POST", "/cases/<int:case_id>/attachments", "Attach a file to a case", body_kind="multipart", ok=201,
       errors=(400, 401, 404, 413))
def add_attachment(case_id: int):
    actor = current_actor()
    if request.content_length and request.content_length > services().max_upload_bytes + 64 * 1024:
        raise TooLarge(f"the file is larger than {attachments.human_size(services().max_upload_bytes)}")
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
    return jsonify(lifecycle.case_history(services(), current_actor(), case_id))


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


def _date_arg(name: str):
    value = request.args.get(name)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{name} must be an ISO date", {name: ["รูปแบบวันที่ไม่ถูกต้อง (ISO date expected)"]}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=BANGKOK)


@route("GET", "/events", "Events across cases, filtered by user, dates, process and kind", many=True,
       errors=(400, 401), query=(("user", "string"), ("from", "string"), ("to", "string"),
                                 ("process_key", "string"), ("kind", "string")))
def search_events():
    actor = current_actor()
    return jsonify(inspection.search_events(services(), actor, username=request.args.get("user") or None,
                                       date_from=_date_arg("from"), date_to=_date_arg("to"),
                                       process_key=request.args.get("process_key") or None,
                                       kind=request.args.get("kind") or None))


@route("GET", "/audit/runs", "The latest verifications of every case", many=True, errors=(401, 403))
def verification_runs():
    return jsonify(verification.latest_runs(services(), current_actor()))


@route("GET", "/dashboard/open-cases", "Running cases by process and fiscal year", many=True, errors=(401, 403))
def dashboard_open_cases():
    return jsonify(overview.open_cases(services(), current_actor()))


@route("GET", "/dashboard/overdue", "Open steps past their due date", many=True, errors=(401, 403))
def dashboard_overdue():
    return jsonify(overview.overdue_steps(services(), current_actor()))


@route("GET", "/dashboard/stalled", "Cases with no event for N working days", many=True, errors=(400, 401, 403),
       query=(("days", "integer"),))
def dashboard_stalled():
    days = _int_arg("days")
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


# The diagram editor (issue 7): check, drafts, versions and their differences, moving running cases to a
# newer version, and imports from Camunda Modeler and spiff-arena. Process owners and administrators only,
# except reading versions and differences, which every signed-in user may.

def _uploaded_diagram() -> bytes:
    """The diagram in the body (application/xml) or in the multipart field `file`, after authentication."""
    current_actor()
    if request.mimetype.startswith("multipart/"):
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("send the diagram in the multipart field 'file'", {"file": ["required"]})
        xml = upload.read()
    else:
        xml = request.get_data(cache=False)
    if not xml:
        raise Invalid("the body is empty: send the BPMN XML", {"file": ["required"]})
    return xml


@route("POST", "/processes/<key>/check", "Check a diagram without deploying it: every problem by element id",
       body_kind="xml-or-multipart", errors=(400, 401, 403, 413))
def check_diagram(key: str):
    problems = diagram_check.check_diagram(services(), current_actor(), key, _uploaded_diagram())
    return jsonify({"ok": not problems, "problems": problems})


@route("GET", "/editor/options", "The groups a lane may name and the forms a step may use", errors=(401, 403))
def editor_options():
    return jsonify(diagram_check.editor_options(services(), current_actor()))


@route("GET", "/drafts", "The caller's diagram drafts", many=True, errors=(401, 403))
def list_drafts():
    return jsonify(diagram_drafts.list_drafts(services(), current_actor()))


@route("GET", "/processes/<key>/draft", "The caller's draft of a diagram, with its XML", errors=(401, 403, 404))
def load_draft(key: str):
    return jsonify(diagram_drafts.load_draft(services(), current_actor(), key))


@route("PUT", "/processes/<key>/draft", "Save the caller's draft of a diagram (replaces the previous one)",
       body_kind="xml-or-multipart", errors=(400, 401, 403, 409, 413), query=(("base_version", "integer"),))
def save_draft(key: str):
    xml = _uploaded_diagram()
    base = request.args.get("base_version")
    if base not in (None, "") and not _WHOLE_NUMBER.fullmatch(base):
        raise Invalid("base_version must be a version number", {"base_version": ["whole number expected"]})
    return jsonify(diagram_drafts.save_draft(services(), current_actor(), key, xml, int(base) if base else None))


@route("DELETE", "/processes/<key>/draft", "Throw away the caller's draft of a diagram", body_kind="none",
       errors=(401, 403, 404))
def delete_draft(key: str):
    return jsonify(diagram_drafts.delete_draft(services(), current_actor(), key))


@route("POST", "/processes/<key>/draft/deploy", "Check the caller's draft and deploy it as the next version",
       body_kind="none", ok=201, also_ok=(200,), errors=(400, 401, 403, 404, 409))
def deploy_draft(key: str):
    version, created = diagram_drafts.deploy_draft(services(), current_actor(), key)
    return jsonify(version), 201 if created else 200


@route("GET", "/processes/<key>/versions", "Every deployed version: who, when, digest, running cases", many=True,
       errors=(401, 404))
def list_versions(key: str):
    return jsonify(versions.list_versions(services(), current_actor(), key))


@route("GET", "/processes/<key>/diff", "Elements added, removed and changed between two versions",
       errors=(400, 401, 404), query=(("from", "integer"), ("to", "integer")))
def diff_versions(key: str):
    actor = current_actor()
    numbers = {}
    for name in ("from", "to"):
        value = _int_arg(name)
        if value is None or value < 1:
            raise Invalid(f"{name} must be a version number", {name: ["เลขฉบับ (version number) required"]})
        numbers[name] = value
    return jsonify(versions.diff_versions(services(), actor, key, numbers["from"], numbers["to"]))


@route("POST", "/processes/<key>/migrate", "Move running cases to a newer version where safe (dry_run: only say)",
       body=MigrateBody, many=True, errors=(400, 401, 403, 404))
def migrate_cases(key: str):
    body = load_body(MigrateBody(), _json_body())
    return jsonify(migration.migrate_cases(services(), current_actor(), key, body["case_ids"],
                                                body["to_version"], body["dry_run"]))


@route("POST", "/processes/<key>/import/camunda", "Import a Camunda Modeler diagram as the next version",
       body_kind="xml-or-multipart", ok=201, also_ok=(200,), errors=(400, 401, 403, 409, 413))
def import_camunda(key: str):
    version, created = diagram_imports.import_camunda(services(), current_actor(), key, _uploaded_diagram())
    return jsonify(version), 201 if created else 200


@route("POST", "/processes/<key>/import/spiff-arena",
       "Import a spiff-arena process model (zip of the .bpmn and its JSON Schema forms) as the next version",
       body_kind="multipart", ok=201, also_ok=(200,), errors=(400, 401, 403, 409, 413))
def import_spiff_arena(key: str):
    actor = current_actor()
    if request.content_length and request.content_length > diagram_imports.MAX_ZIP_BYTES + 64 * 1024:
        raise TooLarge(f"the zip is larger than {attachments.human_size(diagram_imports.MAX_ZIP_BYTES)}")
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("send the zip in the multipart field 'file'", {"file": ["required"]})
    version, created = diagram_imports.import_spiff_arena(services(), actor, key, upload.stream)
    return jsonify(version), 201 if created else 200
