"""Waking cases whose diagram timers are due (a hearing closes, a boundary timer on an overdue step).

`due_timers` keeps one row per case: when its next timer is due (written with every step). A tick
fires each due case in its own transaction, holding the case row: on PostgreSQL it is taken with
`FOR UPDATE SKIP LOCKED`, so a second scheduler, or a person's step in progress, makes us pass the
case by until the next tick instead of waiting or firing twice. The engine step itself is guarded by
the case's lock version as every step is, so a timer fires once.

Locks: the case row first, then its timer row, the order every step takes them in.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update

from app import engine
from app.services.calendar import jobs
from app.services.cases import step_runner
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict
from app.store.models import Case, DueTimer

log = logging.getLogger("planflow.timers")



def fire_due_timers(ctx: ServiceContext, limit: int = 100) -> dict[str, int]:
    """Fire every timer due now, each case in its own transaction; failures are kept with their error."""
    now = ctx.now()
    with ctx.read() as session:
        due = session.execute(
            select(DueTimer.case_id, DueTimer.due_at)
            .join(Case, Case.id == DueTimer.case_id)
            .where(DueTimer.due_at <= now, Case.status == "running")
            .order_by(DueTimer.due_at)
            .limit(limit)
        ).all()
    counts = {"fired": 0, "failed": 0, "busy": 0}
    for case_id, seen_due in due:
        try:
            counts[_fire_one(ctx, case_id, now)] += 1
        except Conflict:
            counts["busy"] += 1  # someone changed the case at this moment: the next tick tries again
        except Exception as exc:  # noqa: BLE001 - kept on the timer row, retried with back-off
            counts["failed"] += 1
            log.warning("timer of case %s failed: %s", case_id, exc)
            _record_failure(ctx, case_id, seen_due, f"{type(exc).__name__}: {exc}")
    return counts


def _fire_one(ctx: ServiceContext, case_id: int, now: datetime) -> str:
    with ctx.write() as session:
        case = session.scalar(
            select(Case).where(Case.id == case_id).with_for_update(skip_locked=True, of=Case)
        )
        if case is None:
            return "busy"
        timer = session.get(DueTimer, case_id)
        if timer is None or timer.due_at > now or case.status != "running":
            return "busy"
        workflow = step_runner.run_step(ctx, session, case, None, "timers_fired", now,
                                        lambda wf, seed: engine.fire_timers(wf, now, seed)).workflow
    step_runner.remember(ctx, case, workflow)
    return "fired"


def _record_failure(ctx: ServiceContext, case_id: int, seen_due: datetime, message: str) -> None:
    """Push the timer back (1, 2, 4 … minutes, at most a day), unless a step has meanwhile rescheduled it."""
    with ctx.write() as session:
        timer = session.get(DueTimer, case_id)
        if timer is None or timer.due_at != seen_due:
            return
        attempts = timer.attempts + 1
        session.execute(
            update(DueTimer)
            .where(DueTimer.case_id == case_id, DueTimer.due_at == seen_due)
            .values(attempts=attempts, last_error=message[:2000], due_at=ctx.now() + jobs.backoff(attempts))
            .execution_options(synchronize_session=False)
        )
