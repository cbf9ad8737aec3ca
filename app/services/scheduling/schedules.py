"""Processes that start cases by themselves, from a timer start event in their diagram.

A quarterly monitoring process whose start event carries `R/2026-10-01T08:00:00+07:00/P3M` is
registered when its version is deployed: the registry row keeps the cycle, and one pending `start` job
waits for the next occurrence, keyed by the process and the occurrence's time. When it comes due the
scheduler starts the case and plans the occurrence after it, both in the job's transaction, so each
occurrence starts exactly one case however many schedulers run. A scheduler that was down starts the
missed occurrences late, one by one; occurrences before the deploy are not started.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import engine
from app.services.calendar import jobs
from app.services.cases import lifecycle
from app.services.catalog import processes
from app.services.kernel.actors import SYSTEM
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import InvalidDiagramError
from app.store.deadline_models import DueJob, ProcessSchedule
from app.thaidate import format_date


def _job(process_key: str, schedule: engine.StartSchedule, index: int, at: datetime) -> dict[str, Any]:
    return {
        "key": f"start:{process_key}:{at.astimezone(UTC).isoformat()}",
        "kind": "start",
        "due_at": at,
        "payload": {
            "process_key": process_key,
            "occurrence": at.isoformat(),
            "index": index,
            "expression": schedule.expression,
        },
    }


def schedule_for(process: engine.CompiledProcess) -> engine.StartSchedule | None:
    """The diagram's start schedule; a timer the scheduler cannot follow refuses the deploy."""
    try:
        return engine.schedule_of(process)
    except engine.InvalidDiagram as exc:
        raise InvalidDiagramError(
            "the diagram's timer start event cannot be scheduled", [p.as_dict() for p in exc.problems]
        ) from None


def register_version(
    session: Session, process_key: str, process: engine.CompiledProcess, version: int, now: datetime
) -> None:
    """At deploy: follow the new version's timer start event (or stop, if it has none)."""
    schedule = schedule_for(process)
    upcoming = schedule.next_at_or_after(now) if schedule else None
    keep = _job(process_key, schedule, *upcoming) if upcoming else None
    # Jobs first, then the registry row: the order the scheduler's start job takes them in.
    jobs.cancel_pending(
        session,
        DueJob.kind == "start",
        DueJob.key.like(f"start:{process_key}:%"),
        *([DueJob.key != keep["key"]] if keep else []),
    )
    row = session.get(ProcessSchedule, process_key)
    if schedule is None:
        if row is not None:
            row.active, row.next_at, row.version, row.updated_at = False, None, version, now
        return
    if row is None:
        row = ProcessSchedule(
            process_key=process_key,
            version=version,
            expression=schedule.expression,
            active=True,
            updated_at=now,
        )
        session.add(row)
    row.version, row.expression, row.active, row.updated_at = version, schedule.expression, True, now
    row.next_at = upcoming[1] if upcoming else None
    if keep:
        jobs.enqueue(session, [keep], now)


def start_scheduled_cases(
    ctx: ServiceContext, session: Session, batch: list[DueJob], now: datetime
) -> dict[int, jobs.Outcome]:
    """Start the case of each occurrence, and plan the occurrence after it."""
    return {job.id: _start_one(session, job, now) for job in sorted(batch, key=lambda j: (j.run_at, j.id))}


def _start_one(session: Session, job: DueJob, now: datetime) -> jobs.Outcome:
    key = job.payload["process_key"]
    row = session.get(ProcessSchedule, key)
    if row is None or not row.active or row.expression != job.payload["expression"]:
        return jobs.Outcome("skipped", {"reason": "the process no longer starts on this schedule"})
    occurrence = datetime.fromisoformat(job.payload["occurrence"])
    version = processes.latest_version(session, key)
    process = processes.compiled(version)
    title = f"{process.name} (รอบวันที่ {format_date(occurrence)})"
    result, case, _ = lifecycle.start_case_in_session(
        session, SYSTEM, key, title, {"scheduled_for": occurrence.isoformat()}, now
    )
    schedule = schedule_for(process)
    index = int(job.payload["index"]) + 1
    following = schedule.occurrence(index) if schedule and schedule.expression == row.expression else None
    row.next_at, row.updated_at = following, now
    if following is not None:
        jobs.enqueue(session, [_job(key, schedule, index, following)], now)
    return jobs.Outcome("done", {"case_id": case.id, "number": result["number"]})


def list_schedules(ctx: ServiceContext) -> list[dict[str, Any]]:
    """Every registered start schedule (administrators' view)."""
    with ctx.read() as session:
        return [
            {
                "process_key": r.process_key,
                "version": r.version,
                "expression": r.expression,
                "active": r.active,
                "next_at": r.next_at.isoformat() if r.next_at else None,
            }
            for r in session.scalars(select(ProcessSchedule).order_by(ProcessSchedule.process_key))
        ]
