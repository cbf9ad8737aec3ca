"""The mechanics every case-changing use case shares: load the workflow, run one engine step, write
the state back under the optimistic lock, re-project the open steps and what else the case waits on
(messages, timers), and record the event."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app import engine
from app.services.accounts.schools import SCHOOL_LANE, school_group
from app.services.calendar import deadlines
from app.services.catalog import processes
from app.services.kernel import access, hooks
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict, EngineTimeExceeded, Invalid, ServiceError
from app.store.models import OPEN_STATUSES, Case, CaseWait, DueTimer, Event, Group, Membership, Task, User

from . import history, state_store, waits


def load_workflow(ctx: ServiceContext, case: Case):
    """The case's parsed diagram and its workflow: from the cache when its lock version still holds, else
    loaded from its stored state (the live part on the row and its chunks)."""
    process = processes.compiled(case.version)
    workflow = ctx.workflow_cache.take(case.id, case.lock_version)
    if workflow is None:
        workflow = state_store.load(object_session(case), process, case)
    return process, workflow


def group_for(task: engine.HumanTask) -> str | None:
    """The group whose members may take a step: its lane, or for a school's step, that school."""
    if task.lane == SCHOOL_LANE and isinstance(task.instance, dict) and task.instance.get("code"):
        return school_group(str(task.instance["code"]))
    return task.lane


def project_tasks(session: Session, case: Case, process, workflow, now: datetime) -> list[Task]:
    """Make the tasks table match the workflow's ready human steps (new ones opened, vanished ones
    cancelled); returns the case's open steps."""
    ready = engine.ready_human_tasks(workflow, process) if case.status == "running" else []
    open_rows = {row.engine_id: row for row in session.scalars(
        select(Task).where(Task.case_id == case.id, Task.status.in_(OPEN_STATUSES)))}
    ready_ids = set()
    still_open: list[Task] = []
    opened: list[Task] = []
    for step in ready:
        ready_ids.add(step.engine_id)
        if step.engine_id in open_rows:
            still_open.append(open_rows[step.engine_id])
            continue
        row = Task(
            case_id=case.id, engine_id=step.engine_id, spec_id=step.element_id, name=step.name, lane=step.lane,
            group_code=group_for(step), status="open", form=step.info.form if step.info else None,
            instance=step.instance if isinstance(step.instance, dict) else None, created_at=now, due_at=None,
        )
        opened.append(row)
        still_open.append(row)
    _preassign(session, case, process, opened)
    session.add_all(opened)
    for engine_id, row in open_rows.items():
        if engine_id not in ready_ids:
            row.status = "cancelled"
            row.completed_at = now
    # Due dates (working days, closures, urgency, dates from case data) and their reminders.
    deadlines.on_steps_opened(session, case, process, opened, now)
    return still_open


def _preassign(session: Session, case: Case, process, opened: list[Task]) -> None:
    """A step whose diagram names `assigneeField` goes straight to the active member of its group that the
    case's data names there (the director's instruction on a letter names who acts on it; the step that
    fills the field offers and checks those members, see assignees)."""
    for row in opened:
        info = process.user_task(row.spec_id)
        field = (info.properties.get(engine.ASSIGNEE_FIELD) or "").strip() if info else None
        username = case.data.get(field) if field else None
        if not isinstance(username, str) or not username or row.group_code is None:
            continue
        member = session.scalar(select(User.username).join(Membership, Membership.user_id == User.id)
                                .join(Group, Group.id == Membership.group_id)
                                .where(User.username == username, User.active.is_(True),
                                       Group.code == row.group_code))
        if member is not None:
            row.assignee, row.status, row.claimed_at = member, "claimed", row.created_at


def save_state(session: Session, case: Case, workflow, now: datetime) -> str:
    """Write the workflow back; the flush fails with a conflict if someone else changed the case since
    we read it (`lock_version` is the mapper's version column). Returns the new state's digest."""
    saved = set_state(case, workflow, now)
    session.flush()
    state_store.write_chunks(session, case, saved)
    _schedule_timer(session, case, processes.compiled(case.version), workflow)
    return saved.digest


def set_state(case: Case, workflow, now: datetime) -> engine.Saved:
    """Put the workflow's state (its live part) and data on the case row, unflushed; the save's chunks go
    in with `state_store.write_chunks` once the row's UPDATE went through."""
    saved = state_store.put(case, workflow)
    if engine.is_completed(workflow) and case.status == "running":
        case.status, case.completed_at = "completed", now
    case.data = engine.case_data(workflow)
    case.secrecy = access.secrecy_of(case.data, case.secrecy)
    return saved


def _schedule_timer(session: Session, case: Case, process, workflow) -> None:
    if not process.has_timers:
        return
    due = engine.next_timer_at(workflow) if case.status in ("running", "suspended") else None
    row = session.get(DueTimer, case.id)
    if due is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(DueTimer(case_id=case.id, due_at=due))
    else:
        row.due_at, row.attempts, row.last_error = due, 0, None


@dataclass(frozen=True)
class StepResult:
    event: Event
    workflow: Any  # to keep in the cache once the transaction has committed
    open_tasks: list[Task]
    waits: list[CaseWait]  # the messages and timers the case waits on after the step


def run_step(ctx: ServiceContext, session: Session, case: Case, actor: str | None, kind: str, now: datetime,
             step: Callable[[Any, str], None], data: dict[str, Any] | None = None,
             task_spec_id: str | None = None, task_engine_id: str | None = None,
             loaded: tuple[Any, Any] | None = None) -> StepResult:
    """Run one engine step on the case and record it; `loaded` is load_workflow's answer when the caller
    had to take it before changing the case row in the same transaction."""
    process, workflow = loaded or load_workflow(ctx, case)
    previous = history.last_event(case)
    seq = history.seq_after(previous)
    try:
        step(workflow, seed(case, seq))
    except (engine.TaskNotReady, engine.NotWaiting) as exc:
        raise Conflict(str(exc)) from None
    except (engine.StepFailed, engine.EngineStall, engine.RunTooLong) as exc:
        raise engine_refusal(exc, "the step could not be carried out") from None
    saved = set_state(case, workflow, now)
    event = history.chained_event(case, previous, now, actor, kind, data=data, task_spec_id=task_spec_id,
                                  task_engine_id=task_engine_id, state_digest=saved.digest)
    # One UPDATE of the case row carries the live state, the event's time, seq and hash (and one
    # lock_version bump). The chunks and the event are added only after that version-checked UPDATE: a
    # request that lost the race must fail there (a 409), not on their (case_id, seq) keys.
    case.last_event_at = event.at
    session.flush()
    state_store.write_chunks(session, case, saved)
    session.add(event)
    _schedule_timer(session, case, process, workflow)
    open_tasks = project_tasks(session, case, process, workflow, now)
    waiting = waits.project(session, case, process, workflow)
    hooks.emit(hooks.step_applied, case=case, event=event)
    return StepResult(event, workflow, open_tasks, waiting)


def engine_refusal(exc: engine.EngineError, doing: str) -> ServiceError:
    """What a failed engine call is refused with: the diagram's fault (a failing script, a loop that never
    reaches a person) is a 400 naming the element; running out of time may be the machine's, so a 503."""
    element = getattr(exc, "element_id", None)
    if isinstance(exc, engine.RunTooLong) and exc.limit == "seconds":
        return EngineTimeExceeded(f"{doing}: {exc}", element_id=element)
    return Invalid(f"{doing}: {exc}", element_id=element)


def seed(case: Case, seq: int) -> str:
    """The seed of a case's step: the same on replay, different for every step of every case."""
    return f"{case.seed or case.number}:{seq}"


def remember(ctx: ServiceContext, case: Case, workflow) -> None:
    """After the transaction committed: keep the workflow for the case's next step."""
    ctx.workflow_cache.put(case.id, case.lock_version, workflow)
