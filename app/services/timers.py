"""Waking cases whose diagram timers are due (a hearing closes, a deadline passes)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import engine
from app.store.models import Case, DueTimer

from . import casework
from .context import ServiceContext
from .errors import ServiceError


def fire_due_timers(ctx: ServiceContext, limit: int = 100) -> dict[str, int]:
    """Fire every timer due now, each case in its own transaction; failures are kept with their error."""
    now = ctx.now()
    with ctx.read() as session:
        due = list(session.scalars(select(DueTimer.case_id).where(DueTimer.due_at <= now)
                                   .order_by(DueTimer.due_at).limit(limit)))
    fired = failed = 0
    for case_id in due:
        try:
            _fire_one(ctx, case_id, now)
            fired += 1
        except ServiceError as exc:
            failed += 1
            _record_failure(ctx, case_id, str(exc))
    return {"fired": fired, "failed": failed}


def _fire_one(ctx: ServiceContext, case_id: int, now) -> None:
    with ctx.write() as session:
        timer = session.get(DueTimer, case_id)
        case = session.get(Case, case_id)
        if timer is None or timer.due_at > now or case is None or case.status != "running":
            return
        _, workflow = casework.run_step(ctx, session, case, None, "timers_fired", now,
                                        lambda wf, seed: engine.fire_timers(wf, now, seed))
    casework.remember(ctx, case, workflow)


def _record_failure(ctx: ServiceContext, case_id: int, message: str) -> None:
    with ctx.write() as session:
        timer = session.get(DueTimer, case_id)
        if timer is not None:
            timer.attempts += 1
            timer.last_error = message[:2000]
            # Back off so one broken case does not starve the others: 1, 2, 4 … minutes, at most a day.
            timer.due_at = ctx.now() + timedelta(minutes=min(2 ** (timer.attempts - 1), 1440))
