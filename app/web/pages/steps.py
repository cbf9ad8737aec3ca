"""The step page: the case around the step, its instructions and form; save a draft, submit, claim,
give back, reassign."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from app.services.cases import attachments, page_data, step_actions, step_drafts
from app.services.kernel.errors import Invalid, ServiceError, StorageFull, TooLarge

from ..auth import current_actor, services
from . import formdata
from .blueprint import pages
from .inbox import flash_invalid
from .session import signed_in
from .widgets import ordered_fields, widget_of


def _initial_values(view: dict[str, Any]) -> dict[str, Any]:
    """The user's draft; else, for a school's correction, what it sent before; else, for a step done before (a
    revision), what the case holds for its fields (a review's schools sent back start empty each time)."""
    if view["draft"]:
        return view["draft"]["data"]
    if view.get("previous_submission"):
        return view["previous_submission"]
    data = view["case"]["data"] or {}
    return {name: data[name] for name, prop in ordered_fields(view["task"]["form"])
            if name in data and widget_of(prop) != "schoolreturns"}


def _render(view: dict[str, Any], values: dict[str, Any], errors: dict[str, list[str]] | None = None,
            status: int = 200):
    return render_template("step.html", view=view, task=view["task"], case=view["case"], values=values,
                           errors=errors or {}), status


@pages.get("/tasks/<int:task_id>")
@signed_in
def step(task_id: int):
    view = page_data.step_view(services(), current_actor(), task_id)
    return _render(view, _initial_values(view) if view["may_work"] else {})


def received_file(path: str, sent: FileStorage) -> attachments.Upload:
    """A file sent with the form, held in its field's place; the use case attaches it when it accepts the form."""
    return attachments.Upload(sent.filename or "file", sent.mimetype, sent.stream, field=path)


def refused_form(data: dict[str, Any], exc: ServiceError) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A refused form's values and its errors, each beside its field. Nothing sent with it was kept, so each
    file the browser cannot offer again is named beside its field, to be chosen again."""
    errors = {field: list(messages) for field, messages in exc.fields.items()} or {"_form": [exc.message]}
    uploads = attachments.uploads_in(data)
    for upload in uploads:
        if upload.field not in errors:
            errors[upload.field] = [_("Choose the file “%(name)s” again: files are kept only with a form that "
                                      "is accepted.", name=attachments.safe_filename(upload.filename))]
    return attachments.with_ids(data, {id(upload): "" for upload in uploads}), errors


def _refused(view: dict[str, Any], data: dict[str, Any], exc: ServiceError):
    values, errors = refused_form(data, exc)
    return _render(view, values, errors, exc.status)


@pages.post("/tasks/<int:task_id>")
@signed_in
def submit_step(task_id: int):
    actor = current_actor()
    view = page_data.step_view(services(), actor, task_id)
    data = formdata.parse(view["task"]["form"], request.form, request.files, received_file)
    data = {k: v for k, v in data.items() if v != ""}
    saving = request.form.get("action") == "draft"
    try:
        if saving:
            step_drafts.save_draft(services(), actor, task_id, data)
        else:
            case = step_actions.complete(services(), actor, task_id, data)
    except (Invalid, TooLarge, StorageFull) as exc:
        return _refused(view, data, exc)
    if saving:
        flash(_("Draft saved. Only you can see it until you send the step."), "success")
        return redirect(url_for("pages.step", task_id=task_id))
    flash(_("Step “%(name)s” of case %(number)s was sent.", name=view["task"]["name"],
            number=view["case"]["number"]), "success")
    following = step_actions.next_step_for(actor, case)
    if following is not None:
        flash(_("The next step is yours to do."), "info")
        return redirect(url_for("pages.step", task_id=following))
    return redirect(url_for("pages.inbox"))


@pages.post("/tasks/<int:task_id>/claim")
@signed_in
def claim(task_id: int):
    step_actions.claim(services(), current_actor(), task_id)
    flash(_("You have claimed this step."), "success")
    return redirect(url_for("pages.step", task_id=task_id))


@pages.post("/tasks/<int:task_id>/unclaim")
@signed_in
def unclaim(task_id: int):
    step_actions.unclaim(services(), current_actor(), task_id)
    flash(_("The step is back in its group's queue."), "info")
    return redirect(url_for("pages.step", task_id=task_id))


@pages.post("/tasks/<int:task_id>/assign")
@signed_in
def assign(task_id: int):
    try:
        task = step_actions.assign(services(), current_actor(), task_id, request.form.get("username", ""))
    except Invalid as exc:
        flash_invalid(exc)
    else:
        flash(_("The step was assigned to %(name)s.", name=task["assignee"]), "success")
    return redirect(url_for("pages.step", task_id=task_id))


@pages.post("/tasks/<int:task_id>/draft/delete")
@signed_in
def discard_draft(task_id: int):
    step_drafts.discard_draft(services(), current_actor(), task_id)
    flash(_("Draft discarded."), "info")
    return redirect(url_for("pages.step", task_id=task_id))
