"""Acting on one step: reading it with its form, claiming it, giving it back, assigning it and completing it.

The lists of steps (the inbox) are inbox.py's."""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app import engine
from app.services.budget import on_steps as budget_steps
from app.services.catalog import processes, served_forms
from app.services.kernel import access, hooks
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.letters import on_steps
from app.store.models import OPEN_STATUSES, Case, Group, Membership, Task, User
from app.store.ui_models import TaskDraft

from . import assignees, attachments, blob_store, history, revisable, round_review, rounds, step_runner
from .case_json import case_dict, task_dict


def _get_task(session: Session, actor: Actor, task_id: int) -> tuple[Task, Case]:
    # The step and its case in one statement (every step action starts here).
    row = session.execute(select(Task, Case).join(Case, Case.id == Task.case_id).where(Task.id == task_id)).first()
    if row is None:
        raise NotFound(f"no task {task_id}")
    task, case = row
    if not access.sees_case_through(actor, case, task):
        case = access.get_visible_case(session, actor, task.case_id)  # NotFound hides others' cases
    return task, case


def get_task(ctx: ServiceContext, actor: Actor, task_id: int) -> dict[str, Any]:
    """One step with its form (JSON Schema, a field naming who does a later step offering the members of
    that step's group, years and choices the case gives it: served_forms), instructions and the case's data."""
    with ctx.read() as session:
        task, case = _get_task(session, actor, task_id)
        process = processes.compiled(case.version)
        info = process.user_task(task.spec_id)
        result = task_dict(task, case)
        # Read from the row, not the shared cache: the caller may change the dict it is given.
        form = case.version.forms.get(task.form) if task.form else None
        form = served_forms.serve(form, case.fiscal_year, case.data)
        form = assignees.offer(form, assignees.choices_for(session, process, task, form))
        form = revisable.offer(form, process, info)
        result["form"] = form or {"type": "object", "properties": {}}
        result["instructions"] = info.instructions if info else None
        round_table = round_review.review_table(session, case, process, task.spec_id, form)
        if round_table is not None:
            result["round_review"] = round_table
        previous = round_review.previous_submission(session, case, process, task)
        if previous is not None:
            result["previous_submission"] = previous
        result["name_en"] = info.name_en if info else None
        result["case_data"] = case.data
        result["case_status"] = case.status
        return result


def _form_of(ctx: ServiceContext, case: Case, task: Task) -> dict[str, Any] | None:
    """The step's form for checking a submission (read-only use: the dict is shared between requests)."""
    return ctx.workflow_cache.forms(case.version).get(task.form) if task.form else None


def _require_running(case: Case) -> None:
    if case.status != "running":
        raise Conflict(f"the case is {case.status}")


def _require_open(task: Task) -> None:
    if task.status not in OPEN_STATUSES:
        raise Conflict(f"the step is already {task.status}")


def _record(session: Session, case: Case, actor: Actor, kind: str, task: Task, now, data: dict | None = None) -> None:
    previous = history.last_event(case)
    history.append(session, case, previous, now, actor.username, kind, data=data,
                   task_spec_id=task.spec_id, task_engine_id=task.engine_id)


@contextlib.contextmanager
def _acting_on(ctx: ServiceContext, actor: Actor, task_id: int,
               may_act: Callable[[Actor, Task], None]) -> Iterator[tuple[Session, Task, Case]]:
    """The transaction of an action on an open step of a running case, once `may_act` let the actor act."""
    with ctx.write() as session:
        task, case = _get_task(session, actor, task_id)
        may_act(actor, task)
        _require_running(case)
        _require_open(task)
        before = case.lock_version
        yield session, task, case
        session.flush()
        after = case.lock_version
    # Only the history changed (a claim, an assignment): the cached workflow is still the case's.
    ctx.workflow_cache.carry(case.id, before, after)


def _require_director(actor: Actor, task: Task) -> None:
    if not actor.supervises(task.group_code):
        raise Forbidden("only the group's director, supervisors and administrators assign steps")


def next_step_for(actor: Actor, case: dict[str, Any]) -> int | None:
    """The first open step of a case (as case_json gives it) that the actor holds or may claim from one of their
    groups: where the pages go once the actor has started the case or sent a step of it."""
    for task in case.get("open_tasks", []):
        if task["assignee"] == actor.username or (task["assignee"] is None and actor.in_group(task["group"])):
            return task["id"]
    return None


def claim(ctx: ServiceContext, actor: Actor, task_id: int) -> dict[str, Any]:
    """Take a step from the group queue; 409 if someone else holds it."""
    now = ctx.now()
    with _acting_on(ctx, actor, task_id, access.require_work_on) as (session, task, case):
        if task.assignee not in (None, actor.username):
            raise Conflict(f"the step is held by {task.assignee}")
        if task.assignee is None:
            task.assignee, task.status = actor.username, "claimed"
            task.claimed_at = task.claimed_at or now
            _record(session, case, actor, "task_claimed", task, now)
        return task_dict(task, case)


def unclaim(ctx: ServiceContext, actor: Actor, task_id: int) -> dict[str, Any]:
    """Give a step back to its group queue (its holder, or a supervisor of the group)."""
    now = ctx.now()
    with _acting_on(ctx, actor, task_id, access.require_work_on) as (session, task, case):
        if task.assignee not in (None, actor.username) and not actor.supervises(task.group_code):
            raise Conflict(f"the step is held by {task.assignee}")
        if task.assignee is not None:
            _record(session, case, actor, "task_unclaimed", task, now, {"from": task.assignee})
            task.assignee, task.status = None, "open"
        return task_dict(task, case)


def assign(ctx: ServiceContext, actor: Actor, task_id: int, username: str) -> dict[str, Any]:
    """A group director or supervisor gives a step to a member of its group."""
    now = ctx.now()
    with _acting_on(ctx, actor, task_id, _require_director) as (session, task, case):
        user = session.scalar(select(User).where(User.username == (username or ""), User.active.is_(True)))
        if user is None:
            raise Invalid(f"no user {username}", {"username": ["ไม่พบผู้ใช้ (unknown user)"]})
        if task.group_code and not session.scalar(select(Membership).join(Group).where(
                Membership.user_id == user.id, Group.code == task.group_code)):
            raise Invalid(f"{username} is not a member of {task.group_code}",
                          {"username": ["ไม่ได้อยู่ในกลุ่มผู้ปฏิบัติของขั้นตอนนี้ (not in the step's group)"]})
        _record(session, case, actor, "task_assigned", task, now, {"from": task.assignee, "to": user.username})
        task.assignee, task.status = user.username, "claimed"
        task.claimed_at = task.claimed_at or now
        return task_dict(task, case)


def _step_data(workflow, task: Task) -> dict[str, Any]:
    try:
        return engine.task_data(workflow, task.engine_id)
    except engine.TaskNotReady as exc:
        raise Conflict(str(exc)) from None


def complete(ctx: ServiceContext, actor: Actor, task_id: int, data: Any) -> dict[str, Any]:
    """Submit a step's form: checked against its JSON Schema (and a field naming who does a later step
    against the members of that step's group), then the workflow moves on.

    One transaction, through the API and the pages alike: the files sent with the form (attachments.Upload
    in place of their ids), their `attachment_added` events, the step and the removal of the step's drafts
    commit together or not at all, and the files are put in place on disk only once it committed.
    Two people completing one step at once: one wins, the other gets a conflict; never both.
    """
    now = ctx.now()
    with blob_store.pending(ctx.attachments_dir) as blobs, ctx.write() as session:
        task, case = _get_task(session, actor, task_id)
        access.require_work_on(actor, task)
        rounds.refuse_if_closed(session, case, task)
        _require_open(task)
        _require_running(case)
        if task.assignee not in (None, actor.username):
            raise Conflict(f"the step is held by {task.assignee}")
        form = served_forms.serve(_form_of(ctx, case, task), case.fiscal_year, case.data)
        choices = assignees.choices_for(session, processes.compiled(case.version), task, form)
        loaded = None
        if attachments.uploads_in(data):
            attachments.refuse_before_writing(lambda stand_in: assignees.validate(form, choices, stand_in), data)
            # Recording the files updates the case row (its last event time), which moves its lock
            # version: take the workflow from the cache while its key still holds.
            loaded = step_runner.load_workflow(ctx, case)
            data = attachments.record_uploads(session, ctx, blobs, actor, case, data, now)
        data = assignees.validate(form, choices, data)
        process = processes.compiled(case.version)
        info = process.user_task(task.spec_id)
        revisable.check(form, process, info, data)
        round_review.check_returns(session, case, process, task, form, data)
        attachments.require_files_of(session, case, form, data)
        if on_steps.concerns(info):  # a letter signed, sent or received: its number, in this transaction
            loaded = loaded or step_runner.load_workflow(ctx, case)
            data = on_steps.before_completion(session, ctx, actor, case, info, _step_data(loaded[1], task),
                                              data, now)
        if budget_steps.concerns(info):  # who approves a budget transfer: the authority table, now
            loaded = loaded or step_runner.load_workflow(ctx, case)
            data = budget_steps.before_completion(session, _step_data(loaded[1], task), data)
        task.status, task.assignee = "completed", actor.username
        task.claimed_at = task.claimed_at or now
        task.completed_at, task.completed_by = now, actor.username
        step = step_runner.run_step(
            ctx, session, case, actor.username, "task_completed", now,
            lambda wf, seed: engine.complete(wf, task.engine_id, data, now, seed),
            data=data, task_spec_id=task.spec_id, task_engine_id=task.engine_id, loaded=loaded)
        # Everyone's drafts of the step: it is closed now, so none of them can be sent any more.
        session.execute(delete(TaskDraft).where(TaskDraft.task_id == task.id))
        session.flush()
        result = case_dict(case, step.open_tasks, waits=step.waits)
    step_runner.remember(ctx, case, step.workflow)
    hooks.emit(hooks.step_completed, case=result)
    return result
