"""The form editor on its own page (`/forms/<key>/edit`), and the preview that draws a form exactly as the
step page does. The diagram editor's side panel embeds the same editor (static/js/form_editor.js) and
uses the same preview and save routes."""
from __future__ import annotations

from flask import jsonify, render_template

from app.services.editor import form_editing
from app.services.kernel.errors import Invalid, NotFound

from ..auth import current_actor, services
from ..input_safety import json_body
from .blueprint import pages
from .session import signed_in


@pages.get("/forms/<key>/edit")
@signed_in
def form_editor(key: str):
    actor = current_actor()
    form_editing.require_editor(actor)
    try:
        form = form_editing.read_form(services(), actor, key)
    except NotFound:  # a new form: the editor starts empty and the first save creates it
        form = {"key": form_editing.form_key(key), "schema": form_editing.new_form(), "sha256": None}
    return render_template("forms/edit.html", form=form)


@pages.post("/forms/<key>/preview")
@signed_in
def form_preview(key: str):
    """The form as the step page would draw it (an HTML fragment in JSON), or 400 naming each problem."""
    actor = current_actor()
    form_editing.require_editor(actor)
    form_editing.form_key(key)
    payload = json_body()
    if not isinstance(payload, dict) or not isinstance(payload.get("schema"), dict):
        raise Invalid("send the form as JSON: {\"schema\": {...}}", {"_body": ["not JSON"]})
    schema = form_editing.check_form(actor, payload["schema"])
    return jsonify({"ok": True, "html": render_template("forms/_preview.html", schema=schema)})
