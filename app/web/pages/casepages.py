"""The case page (status, diagram, timeline, open steps, its per-school rounds, what else it waits for),
recording a message the case waits for, closing a round, starting a case, attachments and comments."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.services.cases import attachments, comments, lifecycle, messages, page_data, rounds, step_actions
from app.services.documents import publication
from app.services.kernel.errors import Conflict, Invalid, StorageFull, TooLarge

from ..auth import current_actor, services
from . import formdata, vendor
from .blueprint import pages
from .inbox import flash_invalid
from .session import signed_in
from .steps import received_file, refused_form


def _render_case(view: dict[str, Any], values: dict[str, dict] | None = None,
                 errors: dict[str, dict[str, list[str]]] | None = None, status: int = 200):
    """The case page; `values` and `errors` are keyed by message name (a form for each message it waits for)."""
    return render_template("case.html", view=view, case=view["case"], diagram=vendor.available(),
                           has_document=view["process"]["key"] in publication.DOCUMENTS,
                           values=values or {}, errors=errors or {}), status


@pages.get("/cases/<int:case_id>")
@signed_in
def case(case_id: int):
    return _render_case(page_data.case_view(services(), current_actor(), case_id))


@pages.post("/cases/<int:case_id>/messages/<name>")
@signed_in
def record_message(case_id: int, name: str):
    """Record a message the case waits for (OBEC's notice) with its form, through the API's own service."""
    actor, ctx = current_actor(), services()
    view = page_data.case_view(ctx, actor, case_id)
    wait = next((w for w in view["waiting_for"] if w["kind"] == "message" and w["message"] == name), None)
    # A message taken in rounds has its own form while the case is not waiting for it (an early notice, a later round).
    wait = wait or next((r for r in view["message_rounds"] if r["message"] == name and r["may_record"]), None)
    data: dict[str, Any] = {}
    if wait is not None and wait["may_record"]:  # otherwise the service refuses; nothing is read
        data = formdata.parse(wait["form"], request.form, request.files, received_file)
        data = {k: v for k, v in data.items() if v != ""}
    try:
        result = messages.deliver_message(ctx, actor, case_id, name, data)
    except (Invalid, TooLarge, StorageFull) as exc:
        if wait is None:  # no form on the page to put the message beside
            flash(_("This case is not waiting for that message."), "error")
            return redirect(url_for("pages.case", case_id=case_id))
        values, errors = refused_form(data, exc)
        return _render_case(view, {name: values}, {name: errors}, exc.status)
    except Conflict:
        flash(_("This case is no longer waiting for that message; someone may have recorded it already."), "error")
        return redirect(url_for("pages.case", case_id=case_id))
    if result.get("recorded_as") == "pending":
        flash(_("The notice was recorded in case %(number)s and is kept until the case reaches the step that "
                "waits for it.", number=result["number"]), "success")
        return redirect(url_for("pages.case", case_id=case_id) + "#message-rounds")
    if result.get("recorded_as") == "round":
        flash(_("The round was recorded in case %(number)s.", number=result["number"]), "success")
        return redirect(url_for("pages.case", case_id=case_id) + "#message-rounds")
    flash(_("The message was recorded in case %(number)s and the case has moved on.", number=result["number"]),
          "success")
    following = step_actions.next_step_for(actor, result)
    if following is not None:
        flash(_("The next step is yours to do."), "info")
        return redirect(url_for("pages.step", task_id=following))
    return redirect(url_for("pages.case", case_id=case_id))


@pages.post("/cases/<int:case_id>/rounds/<spec_id>/close")
@signed_in
def close_round(case_id: int, spec_id: str):
    """Close a per-school round now, from the case page or the dashboard's missing submissions (the API's rule)."""
    back = url_for("pages.dashboard_page") + "#missing" if request.form.get("back") == "dashboard" else \
        url_for("pages.case", case_id=case_id) + "#rounds"
    try:
        result = rounds.close_round(services(), current_actor(), case_id, spec_id, request.form.get("reason", ""))
    except Invalid as exc:
        flash_invalid(exc)
    except Conflict:
        flash(_("This round is no longer open: every school has sent, or someone closed it already."), "error")
    else:
        missing = result["round_closed"]["missing"]
        flash(ngettext("The round was closed; %(num)d school had not sent and is named in the case's history.",
                       "The round was closed; %(num)d schools had not sent and are named in the case's history.",
                       len(missing)) if missing else _("The round was closed."), "success")
    return redirect(back)


@pages.get("/cases/new")
@signed_in
def new_case():
    return render_template("start.html", processes=page_data.startable(services(), current_actor()),
                           chosen=request.args.get("process", ""), title="", errors={})


@pages.post("/cases/new")
@signed_in
def start_case():
    actor = current_actor()
    key, title = request.form.get("process_key", ""), request.form.get("title", "")
    try:
        started = lifecycle.start_case(services(), actor, key, title)
    except Invalid as exc:
        return render_template("start.html", processes=page_data.startable(services(), actor), chosen=key,
                               title=title, errors=exc.fields or {"process_key": [exc.message]}), 400
    flash(_("Case %(number)s was started.", number=started["number"]), "success")
    following = step_actions.next_step_for(actor, started)
    if following is not None:
        return redirect(url_for("pages.step", task_id=following))
    return redirect(url_for("pages.case", case_id=started["id"]))


@pages.post("/cases/<int:case_id>/comments")
@signed_in
def add_comment(case_id: int):
    task_id = request.form.get("task_id", "")
    try:
        comments.add_comment(services(), current_actor(), case_id, request.form.get("body", ""),
                             int(task_id) if task_id.isdecimal() and len(task_id) <= 18 else None)
    except Invalid as exc:
        flash_invalid(exc)
    else:
        flash(_("Comment added."), "success")
    return redirect(_back(case_id) + "#comments")


@pages.post("/cases/<int:case_id>/attachments")
@signed_in
def add_attachment(case_id: int):
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise Invalid("choose a file", {"file": [_("Please choose a file.")]})
        row = attachments.attach_file(services(), current_actor(), case_id, upload.filename, upload.mimetype,
                                      upload.stream)
    except Invalid as exc:
        flash_invalid(exc)
    except TooLarge as exc:
        flash(exc.message, "error")
    else:
        flash(_("File “%(name)s” attached.", name=row["filename"]), "success")
    return redirect(_back(case_id) + "#attachments")


@pages.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@signed_in
def download_attachment(case_id: int, attachment_id: int):
    meta, path = attachments.open_attachment(services(), current_actor(), case_id, attachment_id)
    return send_file(path, mimetype=meta["content_type"], as_attachment=True, download_name=meta["filename"])


def _back(case_id: int) -> str:
    """Back to the step page the form was on, or to the case page."""
    task_id = request.form.get("task_id", "")
    if task_id.isdecimal() and len(task_id) <= 18:
        return url_for("pages.step", task_id=int(task_id))
    return url_for("pages.case", case_id=case_id)
