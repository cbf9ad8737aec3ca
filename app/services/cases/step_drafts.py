"""Step drafts (บันทึกร่าง): a form half filled in, kept per user per step until the step is done (the
step's completion, step_actions.complete, removes every draft of it in the same transaction)."""
from __future__ import annotations

import json
from typing import Any

from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict, Invalid, NotFound
from app.store.models import OPEN_STATUSES, Case, Task
from app.store.ui_models import TaskDraft

from . import attachments, blob_store

MAX_DRAFT_BYTES = 256 * 1024


def _visible_task(session, actor: Actor, task_id: int) -> tuple[Task, Case]:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    return task, access.get_visible_case(session, actor, task.case_id)  # NotFound hides steps of others' cases


def save_draft(ctx: ServiceContext, actor: Actor, task_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Keep what the user typed so far; nothing is checked against the form until they submit.

    Files sent with the draft (attachments.Upload in place of their ids) are attached to the case in the
    same transaction as the draft, so a refused file leaves neither the file nor a changed draft."""
    if not isinstance(data, dict):
        raise Invalid("a draft must be an object", {"_form": ["must be an object"]})
    now = ctx.now()
    with blob_store.pending(ctx.attachments_dir) as blobs, ctx.write() as session:
        task, case = _visible_task(session, actor, task_id)
        access.require_work_on(actor, task)
        if task.status not in OPEN_STATUSES:
            raise Conflict(f"the step is already {task.status}")
        uploads = attachments.uploads_in(data)
        if uploads:
            refused = attachments.type_refusals(uploads)
            if refused:
                raise Invalid("this kind of file cannot be attached: " + ", ".join(sorted(refused)), refused)
            data = attachments.record_uploads(session, ctx, blobs, actor, case, data, now)
        if len(json.dumps(data, ensure_ascii=False).encode("utf-8")) > MAX_DRAFT_BYTES:
            raise Invalid("the draft is too large", {"_form": ["ร่างมีขนาดใหญ่เกินไป (too large)"]})
        row = session.get(TaskDraft, (task.id, actor.username))
        if row is None:
            row = TaskDraft(task_id=task.id, username=actor.username, data=data, saved_at=now)
            session.add(row)
        else:
            row.data, row.saved_at = data, now
        return {"task_id": task.id, "saved_at": now.isoformat()}


def get_draft(ctx: ServiceContext, actor: Actor, task_id: int) -> dict[str, Any] | None:
    """The actor's own draft of the step, with when it was saved, or None."""
    with ctx.read() as session:
        _visible_task(session, actor, task_id)
        row = session.get(TaskDraft, (task_id, actor.username))
        return {"data": row.data, "saved_at": row.saved_at} if row else None


def discard_draft(ctx: ServiceContext, actor: Actor, task_id: int) -> None:
    """Throw away the actor's draft of a step."""
    with ctx.write() as session:
        _visible_task(session, actor, task_id)
        row = session.get(TaskDraft, (task_id, actor.username))
        if row is None:
            raise NotFound("no draft of this step")
        session.delete(row)
