"""Signing in and out, and choosing the language of the pages."""
from __future__ import annotations

from functools import wraps

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.services.accounts import signin, users
from app.services.kernel.errors import Unauthenticated

from ..auth import current_actor, services
from .blueprint import pages
from .errors import safe_next


def signed_in(view):
    """Pages for signed-in users only: anyone else is sent to the sign-in page and brought back."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_actor(required=False) is None:
            return redirect(url_for("pages.login", next=safe_next(request.full_path)))
        return view(*args, **kwargs)
    return wrapper


@pages.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next")) or url_for("pages.inbox")
    if request.method == "GET":
        if current_actor(required=False) is not None:
            return redirect(target)
        return render_template("login.html", next=target, username="")
    username = (request.form.get("username") or "").strip()
    try:
        actor = signin.sign_in(services(), username, request.form.get("password") or "",
                               request.remote_addr or "unknown")
    except signin.TooManyAttempts:
        return render_template("login.html", next=target, username=username, throttled=True,
                               error=_("Too many failed attempts. Please wait 15 minutes and try again.")), 429
    except Unauthenticated:
        return render_template("login.html", next=target, username=username,
                               error=_("Wrong username or password.")), 401
    lang = session.get("lang")
    session.clear()  # a fresh session on sign-in: nothing from before carries over
    session["username"] = actor.username
    session.permanent = True  # ends after PERMANENT_SESSION_LIFETIME without a request
    if lang in ("th", "en") and lang != actor.language:
        users.set_language(services(), actor, lang)
    return redirect(target)


@pages.post("/logout")
def logout():
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("pages.login"))


@pages.post("/language")
def language():
    """Switch between Thai and English; kept on the user's account, or in the session before sign-in."""
    chosen = request.form.get("lang", "th")
    actor = current_actor(required=False)
    if actor is not None:
        users.set_language(services(), actor, chosen)
        g.pop("actor", None)
    elif chosen in ("th", "en"):
        session["lang"] = chosen
    return redirect(safe_next(request.form.get("next")) or url_for("pages.inbox"))
