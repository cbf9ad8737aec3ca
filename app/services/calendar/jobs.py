"""The scheduler's due jobs (reminders, escalations, scheduled case starts): planned, claimed, done once.

Exactly once comes from three things together:
* a job's `key` names its occurrence and is unique, so planning it twice leaves one row;
* a worker claims jobs with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL; on SQLite the write
  transaction already excludes every other writer), so two schedulers never hold the same job;
* a job's effects (notifications, history event, e-mail intents, the next job) and its `done` mark
  are written in the transaction that claimed it: a crash before the commit leaves no trace and the
  job is still pending; after the commit it is done and never claimed again.

Jobs are claimed and carried out up to `BATCH_SIZE` per transaction: one transaction per reminder
costs about ten round trips to the database, and the office's first-of-the-month morning can bring
thousands at once. Each job's effects still stand or fall with its own `done` mark. If anything in a
batch fails, the batch is rolled back and its jobs are done again one transaction each, so only the
job that fails is kept pending, with `attempts`, `last_error` and a later `run_at` (1, 2, 4 …
minutes, at most a day); it is never dropped. `batch_size=1` gives one transaction per job throughout.

Locks are taken in one order everywhere: job rows, then case rows in ascending id. The use cases
that open or close steps lock their one case and only ever insert jobs, so nothing can deadlock.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.services.kernel.context import ServiceContext
from app.store.deadline_models import DueJob

log = logging.getLogger("planflow.jobs")

MAX_BACKOFF_MINUTES = 24 * 60
# A literal, not a bound value, so the partial index on pending jobs serves prepared statements too.
_PENDING = text("due_jobs.status = 'pending'")


@dataclass(frozen=True)
class Outcome:
    """What a handler did: `done`, or `skipped` when the job no longer applies (the step was completed)."""

    status: str
    result: dict[str, Any]


# Carries out a batch of jobs of one kind inside the batch's transaction; answers an outcome per job id.
Handler = Callable[[ServiceContext, Session, list[DueJob], datetime], dict[int, Outcome]]

# kind -> the use case that carries its jobs out. Filled at start-up (app.services.startup) with the
# handlers of the modules that own each kind: reminders, schedules.
HANDLERS: dict[str, Handler] = {}

BATCH_SIZE = 100


def register(handler: Handler, *kinds: str) -> None:
    """Have `handler` carry out the due jobs of `kinds` (the start-up wiring registers every kind)."""
    for kind in kinds:
        HANDLERS[kind] = handler


def enqueue(session: Session, jobs: Iterable[dict[str, Any]], now: datetime) -> None:
    """Plan jobs; a job whose key is already planned is left as it is."""
    rows = [
        {
            "status": "pending",
            "run_at": job["due_at"],
            "attempts": 0,
            "created_at": now,
            "case_id": None,
            "task_id": None,
            "payload": {},
            **job,
        }
        for job in jobs
    ]
    if not rows:
        return
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(DueJob).on_conflict_do_nothing(index_elements=["key"]), rows)


def backoff(attempts: int) -> timedelta:
    """How long a job waits after its n-th failure: 1, 2, 4 ... minutes, at most a day."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def _claim(session: Session, now: datetime, size: int, job_id: int | None) -> list[DueJob]:
    query = select(DueJob).where(_PENDING, DueJob.run_at <= now)
    if job_id is not None:
        query = query.where(DueJob.id == job_id)
    return list(session.scalars(query.order_by(DueJob.run_at).limit(size).with_for_update(skip_locked=True)))


def _carry_out(
    ctx: ServiceContext,
    session: Session,
    batch: list[DueJob],
    now: datetime,
    worker: str,
    counts: dict[str, int],
) -> None:
    by_kind: dict[str, list[DueJob]] = {}
    for job in batch:
        by_kind.setdefault(job.kind, []).append(job)
    # Jobs that ended alike (most of a batch: done, nothing more to say) are marked in one statement.
    marks: dict[tuple[str, str], list[int]] = {}
    for kind, jobs_of_kind in by_kind.items():
        handler = HANDLERS.get(kind)
        if handler is None:
            raise LookupError(f"no handler for jobs of kind {kind!r}")
        outcomes = handler(ctx, session, jobs_of_kind, now)
        for job in jobs_of_kind:
            outcome = outcomes[job.id]
            marks.setdefault((outcome.status, json.dumps(outcome.result, sort_keys=True)), []).append(job.id)
            counts[outcome.status] += 1
    for (status, result), ids in marks.items():
        session.execute(
            update(DueJob)
            .where(DueJob.id.in_(ids))
            .values(
                status=status,
                result=json.loads(result),
                done_at=now,
                done_by=worker,
                attempts=DueJob.attempts + 1,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )


def run_batch(
    ctx: ServiceContext, worker: str, size: int = BATCH_SIZE, job_id: int | None = None
) -> dict[str, int] | None:
    """Claim up to `size` due jobs and carry them out in one transaction; None when nothing is due."""
    now = ctx.now()
    counts = {"done": 0, "skipped": 0, "failed": 0}
    claimed: list[int] = []
    try:
        with ctx.write() as session:
            batch = _claim(session, now, size, job_id)
            if not batch:
                return None
            claimed = [job.id for job in batch]
            _carry_out(ctx, session, batch, now, worker, counts)
        return counts
    except Exception as exc:  # noqa: BLE001 - one bad job must not stop the others; it is recorded below
        if not claimed:
            raise
        if len(claimed) > 1:
            # Something in the batch failed and took the batch with it: do each job on its own, so that
            # only the failing one waits for its back-off.
            counts = {"done": 0, "skipped": 0, "failed": 0}
            for one in claimed:
                for key, value in (run_batch(ctx, worker, 1, one) or {}).items():
                    counts[key] += value
            return counts
        log.warning("job %s failed: %s", claimed[0], exc)
        _record_failure(ctx, claimed[0], f"{type(exc).__name__}: {exc}", now)
        return {"done": 0, "skipped": 0, "failed": 1}


def _record_failure(ctx: ServiceContext, job_id: int, message: str, now: datetime) -> None:
    with ctx.write() as session:
        job = session.get(DueJob, job_id)
        if job is None or job.status != "pending":
            return
        job.attempts += 1
        job.last_error = message[:2000]
        job.run_at = now + backoff(job.attempts)


def run_due(
    ctx: ServiceContext, worker: str, budget_seconds: float | None = None, batch_size: int = BATCH_SIZE
) -> dict[str, int]:
    """Carry out due jobs, batch after batch, until none is due or the time budget is spent."""
    counts = {"done": 0, "skipped": 0, "failed": 0}
    deadline = time.monotonic() + budget_seconds if budget_seconds else None
    # A failed job moves at least a minute ahead, so this loop meets each job once per tick.
    while deadline is None or time.monotonic() < deadline:
        batch = run_batch(ctx, worker, batch_size)
        if batch is None:
            break
        for key, value in batch.items():
            counts[key] += value
    return counts


def list_jobs(
    ctx: ServiceContext, status: str | None = None, failing: bool = False, limit: int = 200
) -> list[dict[str, Any]]:
    """Jobs for administrators: what is due, what failed and why."""
    query = select(DueJob)
    if status:
        query = query.where(DueJob.status == status)
    if failing:
        query = query.where(_PENDING, DueJob.attempts > 0)
    with ctx.read() as session:
        rows = session.scalars(
            query.order_by(DueJob.run_at.desc(), DueJob.id.desc()).limit(min(max(limit, 1), 1000))
        ).all()
        return [job_dict(job) for job in rows]


def counts_by_status(ctx: ServiceContext) -> dict[str, int]:
    """How many jobs are pending, done, skipped or cancelled."""
    with ctx.read() as session:
        return dict(session.execute(select(DueJob.status, func.count()).group_by(DueJob.status)).all())


def cancel_pending(session: Session, *conditions) -> int:
    """Cancel pending jobs matching `conditions` (e.g. a schedule that a new diagram version dropped)."""
    result = session.execute(
        update(DueJob)
        .where(_PENDING, *conditions)
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def job_dict(job: DueJob) -> dict[str, Any]:
    """A due job as administrators see it."""
    iso = lambda moment: moment.isoformat() if moment else None  # noqa: E731
    return {
        "id": job.id,
        "key": job.key,
        "kind": job.kind,
        "status": job.status,
        "due_at": iso(job.due_at),
        "run_at": iso(job.run_at),
        "case_id": job.case_id,
        "task_id": job.task_id,
        "payload": job.payload,
        "attempts": job.attempts,
        "last_error": job.last_error,
        "result": job.result,
        "done_by": job.done_by,
        "done_at": iso(job.done_at),
    }
