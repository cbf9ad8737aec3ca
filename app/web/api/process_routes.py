"""Processes: the deployed catalogue and deploying, and the diagram editor's routes (check, drafts, versions
and their differences, moving running cases to a newer version, imports from Camunda Modeler and
spiff-arena). Process owners and administrators edit; every signed-in user reads versions and differences."""
from __future__ import annotations

from flask import Response, jsonify, request

from app.services.cases import attachments
from app.services.catalog import processes
from app.services.editor import deployment, diagram_check, diagram_drafts, diagram_imports, migration, versions
from app.services.kernel.errors import Invalid, NotFound, TooLarge

from ..auth import current_actor, services
from .arguments import WHOLE_NUMBER, caller_json_body, int_arg, uploaded_diagram
from .schemas import MigrateBody, load_body
from .table import route


@route("GET", "/processes", "Deployed processes (latest version of each)", response="Process", many=True,
       errors=(401,))
def list_processes():
    current_actor()
    return jsonify(processes.list_processes(services()))


@route("POST", "/processes/<key>/versions", "Deploy a BPMN diagram as a new version (200: unchanged, not redeployed)",
       body_kind="xml-or-multipart", ok=201, also_ok=(200,), errors=(400, 401, 403, 409, 413))
def deploy_version(key: str):
    xml = uploaded_diagram()
    version, created = deployment.deploy_version(services(), current_actor(), key, xml)
    return jsonify(version), 201 if created else 200


@route("GET", "/processes/<key>/versions/<int:version>/bpmn", "The XML of one version", body_kind="none",
       errors=(401, 404))
def version_bpmn(key: str, version: int):
    current_actor()
    if version > 2**31 - 1:  # the column holds 32-bit numbers; no such version
        raise NotFound(f"no version {version} of {key}")
    return Response(processes.version_xml(services(), key, version), mimetype="application/xml")


@route("POST", "/processes/<key>/check", "Check a diagram without deploying it: every problem by element id",
       body_kind="xml-or-multipart", errors=(400, 401, 403, 413))
def check_diagram(key: str):
    problems = diagram_check.check_diagram(services(), current_actor(), key, uploaded_diagram())
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
    xml = uploaded_diagram()
    base = request.args.get("base_version")
    if base not in (None, "") and not WHOLE_NUMBER.fullmatch(base):
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
        value = int_arg(name)
        if value is None or value < 1:
            raise Invalid(f"{name} must be a version number", {name: ["เลขฉบับ (version number) required"]})
        numbers[name] = value
    return jsonify(versions.diff_versions(services(), actor, key, numbers["from"], numbers["to"]))


@route("POST", "/processes/<key>/migrate", "Move running cases to a newer version where safe (dry_run: only say)",
       body=MigrateBody, many=True, errors=(400, 401, 403, 404))
def migrate_cases(key: str):
    body = load_body(MigrateBody(), caller_json_body())
    return jsonify(migration.migrate_cases(services(), current_actor(), key, body["case_ids"],
                                           body["to_version"], body["dry_run"]))


@route("POST", "/processes/<key>/import/camunda", "Import a Camunda Modeler diagram as the next version",
       body_kind="xml-or-multipart", ok=201, also_ok=(200,), errors=(400, 401, 403, 409, 413))
def import_camunda(key: str):
    version, created = diagram_imports.import_camunda(services(), current_actor(), key, uploaded_diagram())
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
