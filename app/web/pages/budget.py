"""The transfer authority table as a page (ตารางอำนาจการโอนเปลี่ยนแปลงงบประมาณ): everyone who works on budget
transfers reads it; process owners add, change and remove its rows (the service decides who may)."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.services.budget import authority
from app.services.kernel.errors import Invalid

from ..auth import current_actor, services
from .blueprint import pages
from .inbox import flash_invalid
from .session import signed_in


def _whole(value: str) -> Any:
    value = (value or "").strip().replace(",", "")
    return int(value) if value.isdigit() else (value or None)


def _rule_from(form) -> dict[str, Any]:
    return {"position": _whole(form.get("position", "")), "scope": form.get("scope", ""),
            "category_from": form.get("category_from", ""), "category_to": form.get("category_to", ""),
            "max_amount": _whole(form.get("max_amount", "")), "decided_by": form.get("decided_by", ""),
            "citation": form.get("citation", ""), "citation_is_example": form.get("citation_is_example") == "on",
            "note": form.get("note", "")}


def _page(status: int = 200):
    actor = current_actor()
    rules = authority.list_rules(services(), actor)
    return render_template("transfer_authority.html", rules=rules, may_edit=authority.may_edit(actor),
                           scopes=authority.SCOPE_TITLES, categories=authority.CATEGORY_TITLES,
                           deciders=authority.DECIDER_TITLES), status


@pages.get("/transfer-authority")
@signed_in
def transfer_authority():
    return _page()


@pages.post("/transfer-authority")
@signed_in
def save_transfer_authority():
    rule_id = _whole(request.form.get("rule_id", ""))
    try:
        authority.save_rule(services(), current_actor(), _rule_from(request.form),
                            rule_id if isinstance(rule_id, int) else None)
    except Invalid as exc:
        flash_invalid(exc)  # the page again, saying what was wrong; nothing was saved
        return _page(400)
    flash(_("The transfer authority table was saved."), "success")
    return redirect(url_for("pages.transfer_authority"))


@pages.post("/transfer-authority/<int:rule_id>/delete")
@signed_in
def delete_transfer_authority(rule_id: int):
    authority.delete_rule(services(), current_actor(), rule_id)
    flash(_("The row was removed from the transfer authority table."), "success")
    return redirect(url_for("pages.transfer_authority"))
