"""The inbox (งานของฉัน): filters, search, saved filters, bulk claim and reassign."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.services.cases import inbox as inbox_service
from app.services.cases import saved_filters
from app.services.kernel.errors import Invalid

from ..auth import current_actor, services
from .blueprint import pages
from .session import signed_in


def flash_invalid(exc: Invalid) -> None:
    """Say on the next page what was wrong, field by field."""
    messages = [m for ms in exc.fields.values() for m in ms] or [exc.message]
    for message in messages:
        flash(message, "error")


def task_ids(values: list[str]) -> list[int]:
    """The steps a form chose, as ids; a value that is not one is a 400 naming the field."""
    ids = [int(v) for v in values if v.isdecimal() and len(v) <= 12]
    if len(ids) != len(values):
        raise Invalid("step ids must be numbers", {"task_id": ["not a number"]})
    return ids


@pages.get("/inbox")
@signed_in
def inbox():
    actor = current_actor()
    if request.args.get("saved", "").isdecimal():
        filters = saved_filters.get_filter(services(), actor, int(request.args["saved"]))
    else:
        filters = inbox_service.InboxFilters.parse(request.args)
    page = inbox_service.list_inbox(services(), actor, filters)
    return render_template(
        "inbox.html", page=page, filters=filters, choices=inbox_service.filter_choices(services()),
        saved=saved_filters.list_filters(services(), actor),
        assignable=inbox_service.assignable_users(services(), actor))


@pages.post("/inbox/bulk")
@signed_in
def inbox_bulk():
    actor = current_actor()
    action = request.form.get("action", "")
    back = request.form.get("back") or ""
    back = back if back.startswith("/inbox") else url_for("pages.inbox")
    try:
        result = inbox_service.bulk(services(), actor, action, task_ids(request.form.getlist("task_id")),
                                    request.form.get("username") or None)
    except Invalid as exc:
        flash_invalid(exc)
        return redirect(back)
    if result.done:
        message = (ngettext("Claimed %(num)d step.", "Claimed %(num)d steps.", len(result.done))
                   if action == "claim" else
                   ngettext("Assigned %(num)d step.", "Assigned %(num)d steps.", len(result.done)))
        flash(message, "success")
    for failure in result.failed:
        flash(_("Step %(id)s: %(message)s", id=failure["id"], message=failure["message"]), "error")
    return redirect(back)


@pages.post("/inbox/filters")
@signed_in
def save_filter():
    actor = current_actor()
    filters = inbox_service.InboxFilters.parse(request.form)
    try:
        saved = saved_filters.save_filter(services(), actor, request.form.get("name", ""), filters)
    except Invalid as exc:
        flash_invalid(exc)
        return redirect(url_for("pages.inbox", **filters.as_args()))
    flash(_("Filter “%(name)s” saved.", name=saved["name"]), "success")
    return redirect(url_for("pages.inbox", saved=saved["id"]))


@pages.post("/inbox/filters/<int:filter_id>/delete")
@signed_in
def delete_filter(filter_id: int):
    saved_filters.delete_filter(services(), current_actor(), filter_id)
    flash(_("Filter deleted."), "info")
    return redirect(url_for("pages.inbox"))
