"""Closing per-school rounds on their closing date: the scheduler's handler for `round_close` jobs.

The job is planned with the round's schools' steps (calendar/deadlines.py) for the time they are due. It runs
inside the jobs' transaction (see `jobs.py`), so a round is closed exactly once however many schedulers run:
only one of them claims the job, and the close is the same `round_closed` event as when staff close it.
A job whose round no longer waits (every school sent, staff closed it, the case stopped) or whose closing
time moved (the office calendar changed; a job for the new time was planned then) is skipped.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.calendar import jobs
from app.services.cases import rounds
from app.services.kernel.context import ServiceContext
from app.store.deadline_models import DueJob
from app.store.models import OPEN_STATUSES, Case, Task


def _skipped(reason: str) -> jobs.Outcome:
    return jobs.Outcome("skipped", {"reason": reason})


def _close(ctx: ServiceContext, session: Session, job: DueJob, now: datetime) -> jobs.Outcome:
    case = session.scalar(select(Case).where(Case.id == job.case_id).with_for_update(of=Case))
    if case is None or case.status != "running":
        return _skipped(f"the case is {case.status if case else 'gone'}")
    spec_id = job.payload["spec_id"]
    opened = datetime.fromisoformat(job.payload["opened_at"])
    waiting = [t for t in session.scalars(select(Task).where(Task.case_id == case.id, Task.spec_id == spec_id,
                                                             Task.status.in_(OPEN_STATUSES)))
               if t.created_at == opened]
    if not waiting:
        return _skipped("the round no longer waits for any school")
    if min((t.due_at for t in waiting if t.due_at), default=None) != datetime.fromisoformat(job.payload["closes_at"]):
        return _skipped("the round's closing time moved")
    closed = rounds.close_in_session(ctx, session, case, spec_id, None, now, rounds.BY_CLOSING_DATE)
    return jobs.Outcome("done", {"event_seq": closed.step.event.seq, "missing": len(closed.data["missing"])})


def close_due_rounds(ctx: ServiceContext, session: Session, batch: list[DueJob],
                     now: datetime) -> dict[int, jobs.Outcome]:
    """The handler of due `round_close` jobs (registered at start-up); cases are taken in ascending id."""
    return {job.id: _close(ctx, session, job, now) for job in sorted(batch, key=lambda j: (j.case_id or 0, j.id))}
