"""The form editor's routes: read a step form and save a new version of it (process owners and
administrators). The form itself is JSON Schema, checked by the service; only the envelope is marshmallow."""
from __future__ import annotations

from flask import jsonify
from marshmallow import fields, validate

from app.services.editor import form_editing

from ..auth import current_actor, services
from ..input_safety import json_body
from .schemas import Strict, load_body
from .table import route


class FormBody(Strict):
    schema = fields.Dict(keys=fields.String(), required=True)
    # The digest of the form as it was read (null for a new form): a save over someone else's change is a 409.
    base_sha256 = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))


@route("GET", "/forms/<key>", "A step form (JSON Schema) with the digest a save must name", errors=(400, 401, 403, 404))
def read_form(key: str):
    return jsonify(form_editing.read_form(services(), current_actor(), key))


@route("PUT", "/forms/<key>", "Save a new version of a step form (used by the next deploy of its diagrams)",
       body=FormBody, errors=(400, 401, 403, 409))
def save_form(key: str):
    actor = current_actor()
    form_editing.require_editor(actor)  # 403 before any complaint about the body
    body = load_body(FormBody(), json_body())
    return jsonify(form_editing.save_form(services(), actor, key, body["schema"], body["base_sha256"]))
