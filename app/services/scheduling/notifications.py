"""In-app notifications: what the scheduler told each person (reminders, escalations), read or not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import NotFound, Unauthenticated
from app.store.deadline_models import Notification
from app.store.models import User


def add(
    session: Session,
    *,
    user_id: int,
    kind: str,
    title: str,
    body: str,
    link: str | None,
    case_id: int | None,
    task_id: int | None,
    job_key: str | None,
    now: datetime,
) -> None:
    """Record a notification for one user (in the caller's transaction)."""
    session.add(
        Notification(
            user_id=user_id,
            kind=kind,
            title=title,
            body=body,
            link=link,
            case_id=case_id,
            task_id=task_id,
            job_key=job_key,
            created_at=now,
        )
    )


def notification_dict(row: Notification) -> dict[str, Any]:
    """A notification as the API shows it."""
    return {
        "id": row.id,
        "kind": row.kind,
        "title": row.title,
        "body": row.body,
        "link": row.link,
        "case_id": row.case_id,
        "task_id": row.task_id,
        "created_at": row.created_at.isoformat(),
        "read_at": row.read_at.isoformat() if row.read_at else None,
        "read": row.read_at is not None,
    }


def _user_id(session: Session, actor: Actor) -> int:
    user_id = session.scalar(select(User.id).where(User.username == actor.username))
    if user_id is None:
        raise Unauthenticated("no such user")
    return user_id


def list_notifications(
    ctx: ServiceContext, actor: Actor, unread_only: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    """The actor's notifications, newest first."""
    with ctx.read() as session:
        query = select(Notification).where(Notification.user_id == _user_id(session, actor))
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        rows = session.scalars(query.order_by(Notification.id.desc()).limit(min(max(limit, 1), 500)))
        return [notification_dict(row) for row in rows]


def unread_count(ctx: ServiceContext, actor: Actor) -> int:
    """How many of the actor's notifications are unread."""
    with ctx.read() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.user_id == _user_id(session, actor), Notification.read_at.is_(None))
            )
            or 0
        )


def mark_read(ctx: ServiceContext, actor: Actor, notification_id: int) -> dict[str, Any]:
    """Mark one of the actor's notifications read; someone else's is as good as missing (404)."""
    now = ctx.now()
    with ctx.write() as session:
        row = session.get(Notification, notification_id)
        if row is None or row.user_id != _user_id(session, actor):
            raise NotFound(f"no notification {notification_id}")
        if row.read_at is None:
            row.read_at = now
        return notification_dict(row)


def mark_all_read(ctx: ServiceContext, actor: Actor) -> int:
    """Mark every notification of the actor read; how many were unread."""
    now = ctx.now()
    with ctx.write() as session:
        result = session.execute(
            update(Notification)
            .where(Notification.user_id == _user_id(session, actor), Notification.read_at.is_(None))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0
