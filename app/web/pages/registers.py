"""The registers of official letters as pages: the outgoing register (ทะเบียนหนังสือส่ง) and the incoming
register (ทะเบียนหนังสือรับ), searched by number, year, subject, recipient or sender and dates, and exported
with ?format=csv|xlsx. Read only, for plan staff, the directors, supervisors and auditors."""
from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import gettext as _

from app.services.kernel.errors import Invalid
from app.services.letters import registers

from ..auth import current_actor, services
from . import exports
from .blueprint import pages
from .display import show_date
from .session import signed_in

FILTERS = ("year", "number", "q", "party", "from", "to")


def labels() -> dict[str, dict[str, str]]:
    """The words for the registers' codes, in the reader's language."""
    return {
        "kind": {"letter": _("Letter"), "circular": _("Circular"), "announcement": _("Announcement"),
                 "submission": _("Submission")},
        "urgency": {"normal": _("Normal"), "urgent": _("Urgent"), "very_urgent": _("Very urgent"),
                    "most_urgent": _("Most urgent")},
        "secrecy": {"normal": _("Not classified"), "confidential": _("Confidential"), "secret": _("Secret"),
                    "top_secret": _("Top secret")},
        "signed_as": {"director": "", "on_behalf": _("on behalf of"), "acting": _("acting for")},
        "channel": {"e_office": _("E-correspondence"), "email": _("E-mail"), "post": _("Post"), "hand": _("By hand"),
                    "paper": _("Paper or post")},
        "status": {"signed": _("Signed, not yet sent"), "dispatched": _("Sent"), "cancelled": _("Cancelled")},
    }


def _word(kind: str, code: str | None, words: dict[str, dict[str, str]]) -> str:
    return words[kind].get(code or "", code or "")


def _signer(row: dict[str, Any], words: dict[str, dict[str, str]]) -> str:
    if row["masked"]:
        return ""
    capacity = _word("signed_as", row["signed_as"], words)
    return f"{row['signer_name']} ({capacity} {row['signed_for']})" if capacity else row["signer_name"]


def _outgoing_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    words = labels()
    columns = [_("Letter number"), _("Dated"), _("Kind"), _("Subject"), _("To"), _("Urgency"), _("Secrecy"),
               _("Signed by"), _("Status"), _("Sent on"), _("Sent through"), _("Case number")]
    return columns, [[r["number"], r["date"], _word("kind", r["kind"], words), r["subject"], r["recipients"],
                      _word("urgency", r["urgency"], words), _word("secrecy", r["secrecy"], words), _signer(r, words),
                      _word("status", r["status"], words), r["dispatched_on"],
                      _word("channel", r["dispatch_channel"], words), r["case_number"]] for r in rows]


def _incoming_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    words = labels()
    columns = [_("Register number"), _("Received at"), _("Their number"), _("Dated"), _("Sender"), _("To"),
               _("Subject"), _("Urgency"), _("Secrecy"), _("Received through"), _("Registered by"), _("Case number")]
    return columns, [[f"{r['seq']}/{r['year']}", show_date(r["received_at"], with_time=True), r["document_number"],
                      r["document_date"], r["sender"], r["addressee"], r["subject"],
                      _word("urgency", r["urgency"], words), _word("secrecy", r["secrecy"], words),
                      _word("channel", r["channel"], words), r["registered_by"], r["case_number"]] for r in rows]


def _register_page(which: str):
    actor, ctx = current_actor(), services()
    filters = {name: request.args.get(name, "").strip() for name in FILTERS}
    read = registers.outgoing if which == "outgoing" else registers.incoming
    try:
        rows = read(ctx, actor, registers.search_from(request.args))
    except Invalid as exc:
        if not registers.may_read(actor):
            raise
        return render_template("registers.html", which=which, rows=[], filters=filters, words=labels(),
                               errors=exc.fields or {"_form": [exc.message]}), 400
    fmt = request.args.get("format")
    if fmt in exports.FORMATS:
        columns, table = (_outgoing_table if which == "outgoing" else _incoming_table)(rows)
        return exports.table_response(f"register-{which}", which, columns, table, fmt)
    return render_template("registers.html", which=which, rows=rows, filters=filters, words=labels(), errors={})


@pages.get("/registers/outgoing")
@signed_in
def outgoing_register():
    return _register_page("outgoing")


@pages.get("/registers/incoming")
@signed_in
def incoming_register():
    return _register_page("incoming")
