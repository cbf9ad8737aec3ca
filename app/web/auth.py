"""Finding who is calling: a bearer token (scripts) or the session cookie (browser)."""
from __future__ import annotations

from flask import current_app, g, request, session

from app.services.accounts import users
from app.services.kernel.actors import Actor
from app.services.kernel.errors import Unauthenticated


def services():
    return current_app.extensions["planflow"]


def current_actor(required: bool = True) -> Actor | None:
    """The actor of this request, looked up once; Unauthenticated when required and absent."""
    if "actor" in g:
        return g.actor
    actor = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        actor = users.actor_for_token(services(), header[7:].strip())
    elif session.get("username"):
        try:
            actor = users.actor_for_username(services(), session["username"])
        except Unauthenticated:
            session.clear()
    if actor is None and required:
        raise Unauthenticated("sign in or send an API token")
    g.actor = actor
    return actor
