"""The diagram editor's pages (issue 7) for process owners and administrators: the list of processes and
the bpmn-js modeler of one of them.

The pages only render; the modeler's script does the work through the JSON API (drafts, check, deploy,
versions), which holds the same permission rule, so a page and its API never disagree about who may edit.
"""
from __future__ import annotations

from pathlib import Path

from flask import render_template

from app.services.editor import workbench

from ..auth import current_actor, services
from . import check_messages, vendor
from .blueprint import pages
from .session import signed_in

# The form editor (JSON Schema) fills the panel's #form-editor when its script is installed; without it
# the panel offers the form select alone.
FORM_EDITOR = Path(__file__).resolve().parents[1] / "static" / "js" / "form_editor.js"


@pages.get("/processes")
@signed_in
def process_list():
    found = workbench.process_list(services(), current_actor())
    return render_template("editor/processes.html", processes=found["processes"], drafts=found["drafts"])


@pages.get("/processes/<key>/edit")
@signed_in
def edit_process(key: str):
    opened = workbench.editing(services(), current_actor(), key)
    return render_template("editor/edit.html", key=key, current=opened["current"], draft=opened["draft"],
                           options=opened["options"], modeler=vendor.available("bpmn-modeler.js"),
                           messages=check_messages.catalog(), form_editor=FORM_EDITOR.is_file())
