"""A person's own settings: whether reminders also come by e-mail, and the secret address of their calendar.

The calendar address works without signing in (calendar programs cannot sign in), so its token is
the only key: long and random, shown to its owner on request, and replaced when they ask (the old
address stops working at once). It gives read access to due dates and step names only.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Invalid, Unauthenticated
from app.store.deadline_models import UserSetting
from app.store.models import User


def _user(session: Session, actor: Actor) -> User:
    user = session.scalar(select(User).where(User.username == actor.username))
    if user is None:
        raise Unauthenticated("no such user")
    return user


def _settings(session: Session, user: User, now) -> UserSetting:
    row = session.get(UserSetting, user.id)
    if row is None:
        row = UserSetting(user_id=user.id, email_notifications=True, calendar_token=None, updated_at=now)
        session.add(row)
    return row


def calendar_path(token: str) -> str:
    """The path of the calendar feed with this secret token."""
    return f"/calendar/{token}.ics"


def _as_dict(user: User, row: UserSetting | None) -> dict[str, Any]:
    token = row.calendar_token if row else None
    return {
        "username": user.username,
        "email": user.email,
        "email_notifications": row.email_notifications if row else True,
        "calendar_url": calendar_path(token) if token else None,
    }


def get_preferences(ctx: ServiceContext, actor: Actor) -> dict[str, Any]:
    """The actor's own settings: reminder e-mail on or off, and their calendar address if they have one."""
    with ctx.read() as session:
        user = _user(session, actor)
        return _as_dict(user, session.get(UserSetting, user.id))


def update_preferences(ctx: ServiceContext, actor: Actor, email_notifications: Any) -> dict[str, Any]:
    """Turn reminder and escalation e-mails on or off for the actor (in-app notifications stay)."""
    if not isinstance(email_notifications, bool):
        raise Invalid(
            "email_notifications must be true or false",
            {"email_notifications": ["ต้องเป็น true หรือ false (true or false)"]},
        )
    now = ctx.now()
    with ctx.write() as session:
        user = _user(session, actor)
        row = _settings(session, user, now)
        row.email_notifications, row.updated_at = email_notifications, now
        session.flush()
        return _as_dict(user, row)


def calendar_feed(ctx: ServiceContext, actor: Actor, renew: bool = False) -> dict[str, Any]:
    """The actor's calendar address, made on first request; `renew` replaces it with a new one."""
    now = ctx.now()
    with ctx.write() as session:
        user = _user(session, actor)
        row = _settings(session, user, now)
        if renew or not row.calendar_token:
            row.calendar_token, row.updated_at = secrets.token_urlsafe(32), now
        session.flush()
        return {"url": calendar_path(row.calendar_token), "token": row.calendar_token}
