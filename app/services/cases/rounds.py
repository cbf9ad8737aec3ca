"""Per-school rounds that close: one silent school never stalls a case.

A round is a per-school step marked in its diagram (see engine/round_specs.py). It closes on its closing
date (the scheduler, `scheduling/round_closing.py`) or earlier when the plan staff or the group's director
close it. Either way one `round_closed` event is recorded: the engine cancels the schools' steps still open
and the case moves on with what was received; the event names the schools that had not sent, and replay
repeats it like any step. A school that sends its step after that is refused with a clear message.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import engine
from app.services.calendar import deadlines, jobs
from app.services.catalog import processes
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict, Forbidden, Invalid, NotFound, RoundClosed
from app.store.models import OPEN_STATUSES, Case, Event, Task
from app.thaidate import format_datetime

from . import step_runner
from .case_json import case_dict, iso

KIND = "round_closed"
BY_STAFF, BY_CLOSING_DATE = "staff", "closing_date"
MAX_REASON = 1000
DEFAULT_STAFF_LANE = "plan_staff"


def staff_lane(process: engine.CompiledProcess, spec_id: str) -> str:
    """The group that runs a round: the lane of the step that reviews it (for a correction round, the
    review of the round it corrects)."""
    info = process.rounds.get(spec_id)
    target = (info.corrects if info else None) or spec_id
    for review, reviewed in sorted(process.reviews.items()):
        step = process.user_task(review)
        if reviewed == target and step is not None and step.lane:
            return step.lane
    return DEFAULT_STAFF_LANE


def may_close(actor: Actor, process: engine.CompiledProcess, spec_id: str) -> bool:
    """The round's staff (the plan staff) and those who direct them (the group's director); never an auditor."""
    if access.is_read_only(actor) or spec_id not in process.rounds:
        return False
    lane = staff_lane(process, spec_id)
    return actor.in_group(lane) or actor.supervises(lane)


def _school(item: Any) -> dict[str, Any]:
    return item if isinstance(item, dict) else {}


def open_rounds(session: Session, case: Case, actor: Actor | None = None) -> list[dict[str, Any]]:
    """The case's rounds still waiting for schools, read from its steps (the workflow is never loaded): when each
    opened and closes, how many schools were asked and have sent, and which have not."""
    process = processes.compiled(case.version)
    if not process.rounds or case.status not in ("running", "suspended"):
        return []
    rows = session.scalars(select(Task).where(Task.case_id == case.id, Task.spec_id.in_(list(process.rounds)))
                           .order_by(Task.id)).all()
    found = []
    for spec_id in dict.fromkeys(r.spec_id for r in rows if r.status in OPEN_STATUSES):
        waiting = [r for r in rows if r.spec_id == spec_id and r.status in OPEN_STATUSES]
        opened = max(r.created_at for r in waiting)
        members = [r for r in rows if r.spec_id == spec_id and r.created_at == opened]
        info = process.rounds[spec_id]
        step = process.user_task(spec_id)
        found.append({
            "spec_id": spec_id, "name": info.name, "name_en": step.name_en if step else None,
            "corrects": info.corrects, "opened_at": iso(opened),
            "closes_at": iso(min((r.due_at for r in waiting if r.due_at), default=None)),
            "expected": len(members), "received": sum(1 for r in members if r.status == "completed"),
            "waiting": [{"code": _school(r.instance).get("code"), "name": _school(r.instance).get("name"),
                         "task_id": r.id, "group": r.group_code} for r in waiting],
            "may_close": actor is not None and case.status == "running" and may_close(actor, process, spec_id),
        })
    return found


def list_rounds(ctx: ServiceContext, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    """The open rounds of a case the actor may see."""
    with ctx.read() as session:
        case = access.get_visible_case(session, actor, case_id)
        return open_rounds(session, case, actor)


@dataclass(frozen=True)
class Closed:
    step: step_runner.StepResult
    data: dict[str, Any]  # what the event records: the round, who closed it, the schools missing by name


def close_in_session(ctx: ServiceContext, session: Session, case: Case, spec_id: str, actor: str | None,
                     now: datetime, closed_by: str, reason: str = "") -> Closed:
    """Close the case's open round of step `spec_id` in the caller's transaction; 409 when none is open."""
    process, workflow = step_runner.load_workflow(ctx, case)
    found = [r for r in engine.open_rounds(workflow) if r.element_id == spec_id]
    if not found:
        raise Conflict(f"no round of {spec_id} is open in this case: every school has sent, or it was closed")
    round_ = found[0]
    ids = [engine_id for engine_id, _ in round_.waiting]
    rows = {t.engine_id: t for t in session.scalars(select(Task).where(Task.case_id == case.id,
                                                                       Task.engine_id.in_(ids)))}
    missing = [{"code": _school(item).get("code"), "name": _school(item).get("name"),
                "task_id": rows[engine_id].id if engine_id in rows else None}
               for engine_id, item in round_.waiting]
    due = [t.due_at for t in rows.values() if t.due_at is not None]
    data = {"round": spec_id, "closed_by": closed_by, "expected": round_.received + len(missing),
            "received": round_.received, "missing": missing, "closes_at": iso(min(due)) if due else None}
    if reason:
        data["reason"] = reason
    step = step_runner.run_step(
        ctx, session, case, actor, KIND, now, lambda wf, seed: engine.close_round(wf, round_.round_id, now, seed),
        data=data, task_spec_id=spec_id, task_engine_id=round_.round_id, loaded=(process, workflow))
    return Closed(step, data)


def close_round(ctx: ServiceContext, actor: Actor, case_id: int, spec_id: str, reason: str = "") -> dict[str, Any]:
    """The plan staff or the group's director close a round now: the case moves on with what was received and its
    history names the schools that had not sent. 403 for anyone else, 409 when the round is not open."""
    reason = (reason or "").strip() if isinstance(reason, str) else reason
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise Invalid(f"the reason is text of at most {MAX_REASON} characters",
                      {"reason": [f"ข้อความไม่เกิน {MAX_REASON} ตัวอักษร (at most {MAX_REASON} characters)"]})
    now = ctx.now()
    with ctx.write() as session:
        case = access.get_visible_case(session, actor, case_id)
        access.require_may_write(actor)
        process = processes.compiled(case.version)
        if spec_id not in process.rounds:
            raise NotFound(f"the process {case.process_key} has no school round {spec_id}")
        if not may_close(actor, process, spec_id):
            raise Forbidden("only the plan staff and the group's director close a school round")
        if case.status != "running":
            raise Conflict(f"the case is {case.status}")
        closed = close_in_session(ctx, session, case, spec_id, actor.username, now, BY_STAFF, reason)
        session.flush()
        result = {**case_dict(case, closed.step.open_tasks, waits=closed.step.waits), "round_closed": closed.data}
    step_runner.remember(ctx, case, closed.step.workflow)
    return result


def close_overdue_on_resume(session: Session, case: Case, now: datetime) -> None:
    """A round whose closing time passed while its case was suspended closes as soon as the case resumes (its
    job found the case suspended and let it be)."""
    process = processes.compiled(case.version)
    late = session.scalars(select(Task).where(Task.case_id == case.id, Task.status.in_(OPEN_STATUSES),
                                              Task.spec_id.in_(list(process.rounds)), Task.due_at <= now))
    jobs.enqueue(session, [deadlines.round_close_job(task, now) for task in late], now)


def refuse_if_closed(session: Session, case: Case, task: Task) -> None:
    """A school's step that a round's close cancelled: refuse what it sends with a clear message (409)."""
    if task.status != "cancelled":
        return
    events = session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == KIND,
                                                 Event.task_spec_id == task.spec_id).order_by(Event.seq.desc()))
    for event in events:
        if any(isinstance(m, dict) and m.get("task_id") == task.id for m in event.data.get("missing", [])):
            when = format_datetime(event.at)
            raise RoundClosed(
                f"ปิดรับแล้ว: สำนักงานปิดรอบ «{task.name}» ของเรื่องเลขที่ {case.number} เมื่อ {when} "
                "จึงไม่รับข้อมูลที่ส่งหลังปิดรอบ หากจำเป็นโปรดติดต่อกลุ่มนโยบายและแผน "
                f"(the round closed on {event.at.isoformat()}; a submission after the close is not accepted)",
                closed_at=event.at.isoformat())


def closed_notice(session: Session, case: Case, task: Task) -> dict[str, Any] | None:
    """When and how the round of a cancelled school step closed, for its step page; None otherwise."""
    try:
        refuse_if_closed(session, case, task)
    except RoundClosed as exc:
        return {"message": exc.message, "closed_at": exc.extra.get("closed_at")}
    return None

