"""Signing in through the browser, with failed attempts throttled per username and per address.

Attempts are rows in the database (not counters in memory) so that every web process sees the same
count and a restart forgives nothing.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Invalid, ServiceError, Unauthenticated
from app.store.ui_models import LoginAttempt

from . import users

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_ADDRESS = 20
KEEP = timedelta(days=30)


class TooManyAttempts(ServiceError):
    """Too many failed sign-ins lately; the form refuses to check passwords for a while."""

    code = "too_many_attempts"
    status = 429


def _normal(username: str) -> str:
    return (username or "").strip()[:80]


def _failures_since(session, column, value, since) -> int:
    return session.scalar(select(func.count()).select_from(LoginAttempt).where(
        column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))) or 0


def is_throttled(ctx: ServiceContext, username: str, address: str) -> bool:
    """Whether the username or the address has failed too often in the last WINDOW."""
    username, now = _normal(username), ctx.now()
    with ctx.read() as session:
        last_success = session.scalar(select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)))
        since = max(now - WINDOW, last_success) if last_success else now - WINDOW
        return (_failures_since(session, LoginAttempt.username, username, since) >= MAX_FAILURES_PER_USERNAME
                or _failures_since(session, LoginAttempt.address, address, now - WINDOW) >= MAX_FAILURES_PER_ADDRESS)


def sign_in(ctx: ServiceContext, username: str, password: str, address: str) -> Actor:
    """The actor for the credentials; Unauthenticated when wrong, TooManyAttempts when throttled."""
    username, address = _normal(username), (address or "unknown")[:64]
    if is_throttled(ctx, username, address):
        raise TooManyAttempts("too many failed sign-ins; wait 15 minutes and try again")
    try:
        actor = users.authenticate(ctx, username, password or "")
    except Unauthenticated:
        _record(ctx, username, address, False)
        raise
    _record(ctx, username, address, True)
    return actor


def _record(ctx: ServiceContext, username: str, address: str, succeeded: bool) -> None:
    now = ctx.now()
    with ctx.write() as session:
        session.add(LoginAttempt(username=username, address=address, at=now, succeeded=succeeded))
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - KEEP))


def recent(ctx: ServiceContext, actor: Actor, username: str | None = None, failed_only: bool = False,
           limit: int | str = 200) -> list[dict]:
    """The latest sign-ins and failed sign-ins (kept 30 days), newest first, for administrators; `limit` may
    come as the query string's text (1 to 1000)."""
    access.require_admin(actor, users.OTHERS_TOKENS)
    text = str(limit)
    if not text.isdecimal() or not 1 <= int(text) <= 1000:
        raise Invalid("limit must be a whole number from 1 to 1000", {"limit": ["1-1000"]})
    limit = int(text)
    query = select(LoginAttempt).order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(limit)
    if username:
        query = query.where(LoginAttempt.username == _normal(username))
    if failed_only:
        query = query.where(LoginAttempt.succeeded.is_(False))
    with ctx.read() as session:
        return [{"username": row.username, "address": row.address, "at": row.at.isoformat(),
                 "succeeded": row.succeeded} for row in session.scalars(query)]
