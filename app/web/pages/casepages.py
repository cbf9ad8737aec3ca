"""The case page (status, diagram, timeline, open steps), starting a case, attachments and comments."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from app.services import attachments, casefile, cases, comments, publication
from app.services.errors import Invalid, TooLarge

from ..auth import current_actor, services
from . import pages, vendor
from .inbox import flash_invalid
from .session import signed_in


@pages.get("/cases/<int:case_id>")
@signed_in
def case(case_id: int):
    view = casefile.case_view(services(), current_actor(), case_id)
    return render_template("case.html", view=view, case=view["case"], diagram=vendor.available(),
                           has_document=view["process"]["key"] in publication.DOCUMENTS)


@pages.get("/cases/new")
@signed_in
def new_case():
    return render_template("start.html", processes=casefile.startable(services(), current_actor()),
                           chosen=request.args.get("process", ""), title="", errors={})


@pages.post("/cases/new")
@signed_in
def start_case():
    actor = current_actor()
    key, title = request.form.get("process_key", ""), request.form.get("title", "")
    try:
        started = cases.start_case(services(), actor, key, title)
    except Invalid as exc:
        return render_template("start.html", processes=casefile.startable(services(), actor), chosen=key,
                               title=title, errors=exc.fields or {"process_key": [exc.message]}), 400
    flash(_("Case %(number)s was started.", number=started["number"]), "success")
    for task in started["open_tasks"]:
        if task["assignee"] in (None, actor.username) and actor.in_group(task["group"]):
            return redirect(url_for("pages.step", task_id=task["id"]))
    return redirect(url_for("pages.case", case_id=started["id"]))


@pages.post("/cases/<int:case_id>/comments")
@signed_in
def add_comment(case_id: int):
    task_id = request.form.get("task_id", "")
    try:
        comments.add_comment(services(), current_actor(), case_id, request.form.get("body", ""),
                             int(task_id) if task_id.isdigit() else None)
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
    if task_id.isdigit():
        return url_for("pages.step", task_id=int(task_id))
    return url_for("pages.case", case_id=case_id)
