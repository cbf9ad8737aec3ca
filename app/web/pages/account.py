"""The signed-in user's security settings: change the password, and list, create and revoke API tokens."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.services.accounts import users
from app.services.kernel.errors import Invalid, NotFound, Unauthenticated

from ..auth import current_actor, services
from .blueprint import pages
from .session import signed_in


def _render(status: int = 200, error: str | None = None, new_token: str | None = None):
    actor = current_actor()
    return render_template("account.html", tokens=users.list_tokens(services(), actor.username),
                           error=error, new_token=new_token), status


@pages.get("/settings/security")
@signed_in
def account_security():
    return _render()


@pages.post("/settings/password")
@signed_in
def change_password():
    actor = current_actor()
    new = request.form.get("new_password") or ""
    if new != (request.form.get("confirm_password") or ""):
        return _render(400, _("The two new passwords are not the same."))
    try:
        users.change_password(services(), actor.username, request.form.get("current_password") or "", new)
    except Unauthenticated:
        return _render(400, _("The current password is wrong."))
    except Invalid as exc:
        return _render(400, exc.message)
    flash(_("Your password has been changed."), "info")
    return redirect(url_for("pages.account_security"))


@pages.post("/settings/tokens")
@signed_in
def create_token():
    name = (request.form.get("name") or "").strip()[:100]
    made = users.issue_token(services(), current_actor().username, name)
    return _render(201, new_token=made["token"])


@pages.post("/settings/tokens/<int:token_id>/revoke")
@signed_in
def revoke_token(token_id: int):
    try:
        users.revoke_token(services(), current_actor().username, token_id)
    except NotFound:
        return _render(404, _("No such token."))
    flash(_("The token has been revoked."), "info")
    return redirect(url_for("pages.account_security"))
