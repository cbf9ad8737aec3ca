"""The scheduler's due jobs (reminders, escalations, scheduled case starts): planned, claimed, done once.

Exactly once comes from three things together:
* a job's `key` names its occurrence and is unique, so planning it twice leaves one row;
* a worker claims one job with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL; on SQLite the write
  transaction already excludes every other writer), so two schedulers never hold the same job;
* the job's effects (notifications, history event, e-mail intents, the next job) and its `done`
  mark are written in that same transaction: a crash before the commit leaves no trace and the job
  is still pending; after the commit it is done and never claimed again.

A job that fails is rolled back and kept pending with `attempts`, `last_error` and a later `run_at`
(1, 2, 4 … minutes, at most a day); it is never dropped.

Locks are taken in one order everywhere, job row then case row; the use cases that open or close
steps lock the case and only ever insert jobs, so the two cannot deadlock.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.store.deadline_models import DueJob

from .context import ServiceContext

log = logging.getLogger("planflow.jobs")

MAX_BACKOFF_MINUTES = 24 * 60
_PENDING = text("due_jobs.status = 'pending'")  # a literal, so the partial index serves prepared statements too


@dataclass(frozen=True)
class Outcome:
    """What a handler did: `done`, or `skipped` when the job no longer applies (the step was completed)."""

    status: str
    result: dict[str, Any]


Handler = Callable[[ServiceContext, Session, DueJob, datetime], Outcome]

# kind -> the use case that carries a job out, inside the job's transaction (filled by the modules
# that own each kind: reminders, schedules).
HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function
    return register


def enqueue(session: Session, jobs: Iterable[dict[str, Any]], now: datetime) -> None:
    """Plan jobs; a job whose key is already planned is left as it is."""
    rows = [{"status": "pending", "run_at": job["due_at"], "attempts": 0, "created_at": now, "case_id": None,
             "task_id": None, "payload": {}, **job} for job in jobs]
    if not rows:
        return
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(DueJob).on_conflict_do_nothing(index_elements=["key"]), rows)


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def _claim(session: Session, now: datetime) -> DueJob | None:
    return session.scalar(select(DueJob).where(_PENDING, DueJob.run_at <= now)
                          .order_by(DueJob.run_at, DueJob.id).limit(1).with_for_update(skip_locked=True))


def run_one(ctx: ServiceContext, worker: str) -> str | None:
    """Claim and carry out the next due job in its own transaction: 'done', 'skipped', 'failed', or None."""
    now = ctx.now()
    claimed: tuple[int, int] | None = None
    try:
        with ctx.write() as session:
            job = _claim(session, now)
            if job is None:
                return None
            claimed = (job.id, job.attempts)
            handler = HANDLERS.get(job.kind)
            if handler is None:
                raise LookupError(f"no handler for jobs of kind {job.kind!r}")
            outcome = handler(ctx, session, job, now)
            job.status, job.result, job.done_at, job.done_by = outcome.status, outcome.result, now, worker
            job.attempts += 1
            job.last_error = None
        return outcome.status
    except Exception as exc:  # noqa: BLE001 - one bad job must not stop the others; it is recorded below
        if claimed is None:
            raise
        log.warning("job %s failed: %s", claimed[0], exc)
        _record_failure(ctx, claimed[0], f"{type(exc).__name__}: {exc}", now)
        return "failed"


def _record_failure(ctx: ServiceContext, job_id: int, message: str, now: datetime) -> None:
    with ctx.write() as session:
        job = session.get(DueJob, job_id)
        if job is None or job.status != "pending":
            return
        job.attempts += 1
        job.last_error = message[:2000]
        job.run_at = now + backoff(job.attempts)


def run_due(ctx: ServiceContext, worker: str, budget_seconds: float | None = None,
            limit: int | None = None) -> dict[str, int]:
    """Carry out due jobs one transaction each until none is due, the budget is spent or `limit` reached."""
    counts = {"done": 0, "skipped": 0, "failed": 0}
    deadline = time.monotonic() + budget_seconds if budget_seconds else None
    # A failed job moves at least a minute ahead, so this loop meets each job once per tick.
    while limit is None or sum(counts.values()) < limit:
        if deadline is not None and time.monotonic() > deadline:
            break
        status = run_one(ctx, worker)
        if status is None:
            break
        counts[status] += 1
    return counts


def list_jobs(ctx: ServiceContext, status: str | None = None, failing: bool = False,
              limit: int = 200) -> list[dict[str, Any]]:
    """Jobs for administrators: what is due, what failed and why."""
    query = select(DueJob)
    if status:
        query = query.where(DueJob.status == status)
    if failing:
        query = query.where(_PENDING, DueJob.attempts > 0)
    with ctx.read() as session:
        rows = session.scalars(query.order_by(DueJob.run_at.desc(), DueJob.id.desc())
                               .limit(min(max(limit, 1), 1000))).all()
        return [job_dict(job) for job in rows]


def counts_by_status(ctx: ServiceContext) -> dict[str, int]:
    with ctx.read() as session:
        return dict(session.execute(select(DueJob.status, func.count()).group_by(DueJob.status)).all())


def cancel_pending(session: Session, *conditions) -> int:
    """Cancel pending jobs matching `conditions` (e.g. a schedule that a new diagram version dropped)."""
    result = session.execute(update(DueJob).where(_PENDING, *conditions).values(status="cancelled")
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0


def job_dict(job: DueJob) -> dict[str, Any]:
    iso = lambda moment: moment.isoformat() if moment else None  # noqa: E731
    return {"id": job.id, "key": job.key, "kind": job.kind, "status": job.status, "due_at": iso(job.due_at),
            "run_at": iso(job.run_at), "case_id": job.case_id, "task_id": job.task_id, "payload": job.payload,
            "attempts": job.attempts, "last_error": job.last_error, "result": job.result,
            "done_by": job.done_by, "done_at": iso(job.done_at)}
