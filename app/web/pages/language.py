"""Which language a page is shown in: the signed-in user's choice, before sign-in the one chosen on the
sign-in page, Thai otherwise."""
from __future__ import annotations

from flask import g, session

from app.services.accounts.users import LANGUAGES


def locale() -> str:
    """The signed-in user's language; before sign-in, the one chosen on the login page; Thai otherwise."""
    actor = g.get("actor")
    if actor is not None and actor.language in LANGUAGES:
        return actor.language
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else "th"
