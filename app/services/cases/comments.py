"""Comments on a case (ความเห็น): anyone who may see the case may read and add them."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Invalid
from app.store.models import Task
from app.store.ui_models import Comment

MAX_COMMENT = 5000


def _dict(row: Comment) -> dict[str, Any]:
    return {"id": row.id, "case_id": row.case_id, "task_id": row.task_id, "author": row.author, "body": row.body,
            "created_at": row.created_at}


def add_comment(ctx: ServiceContext, actor: Actor, case_id: int, body: str,
                task_id: int | None = None) -> dict[str, Any]:
    """Add a remark to a case the actor may see, at one of its steps when `task_id` names one."""
    body = (body or "").strip()
    if not body or len(body) > MAX_COMMENT:
        raise Invalid(f"a comment of 1 to {MAX_COMMENT} characters is required",
                      {"body": ["กรุณาพิมพ์ความเห็น (required)"]})
    with ctx.write() as session:
        case = access.get_visible_case(session, actor, case_id)
        if task_id is not None and session.scalar(select(Task.id).where(Task.id == task_id,
                                                                      Task.case_id == case.id)) is None:
            task_id = None
        row = Comment(case_id=case.id, task_id=task_id, author=actor.username, body=body, created_at=ctx.now())
        session.add(row)
        session.flush()
        return _dict(row)


def comments_of(session: Session, case_id: int) -> list[dict[str, Any]]:
    """A case's comments, oldest first (the caller has checked that the case may be seen)."""
    return [_dict(r) for r in session.scalars(select(Comment).where(Comment.case_id == case_id).order_by(Comment.id))]


def list_comments(ctx: ServiceContext, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    """The comments on a case the actor may see, oldest first."""
    with ctx.read() as session:
        access.get_visible_case(session, actor, case_id)
        return comments_of(session, case_id)
