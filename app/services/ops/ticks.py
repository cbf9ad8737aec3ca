"""One scheduler tick: fire due diagram timers, carry out due jobs, send waiting e-mail, then say so.

Whatever runs the tick (APScheduler in `planflow scheduler` or inside `planflow serve`, or a test)
only calls `run_tick`; everything it does is in the database, so any number of scheduler processes
may tick against one database, and one that is killed loses nothing. Each tick writes its worker's
heartbeat row, which a readiness check can read.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.services.audit import verification
from app.services.calendar import jobs
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.scheduling import mail, schedules, timers
from app.store.deadline_models import SchedulerHeartbeat

log = logging.getLogger("planflow.scheduler")

TICK_BUDGET_SECONDS = 25.0  # under the 30-second interval, so ticks do not pile up
TIMERS_PER_ROUND = 100


def worker_name() -> str:
    """This process, as it appears on job rows and its heartbeat."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_tick(ctx: ServiceContext, worker: str, budget_seconds: float = TICK_BUDGET_SECONDS) -> dict[str, Any]:
    """Do the work that is due now; a failure in one part is logged and the others still run."""
    started = time.monotonic()
    deadline = started + budget_seconds
    result: dict[str, Any] = {}
    errors: list[str] = []
    parts = (
        ("timers", lambda: _fire_timers(ctx, deadline)),
        ("jobs", lambda: _run_jobs(ctx, worker, deadline)),
        ("verification", lambda: _verify_nightly(ctx)),
        ("mail", lambda: _send_mail(ctx, worker, deadline)),
    )
    for name, part in parts:
        try:
            result[name] = part()
        except Exception as exc:  # noqa: BLE001 - the tick must go on; the error is logged and kept
            log.exception("scheduler %s: %s failed", worker, name)
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
    _beat(ctx, worker, time.monotonic() - started, result, "; ".join(errors) or None)
    return result


def _run_jobs(ctx: ServiceContext, worker: str, deadline: float) -> dict[str, int]:
    size = int(ctx.settings.get("scheduler_batch") or jobs.BATCH_SIZE)
    return jobs.run_due(ctx, worker, budget_seconds=max(deadline - time.monotonic(), 0.1), batch_size=size)


def _fire_timers(ctx: ServiceContext, deadline: float) -> dict[str, int]:
    total = {"fired": 0, "failed": 0, "busy": 0}
    while True:
        batch = timers.fire_due_timers(ctx, limit=TIMERS_PER_ROUND)
        total = {k: total[k] + batch[k] for k in total}
        # Fewer than a full round, or only cases someone else holds: the rest waits for the next tick.
        if sum(batch.values()) < TIMERS_PER_ROUND or not batch["fired"] or time.monotonic() > deadline:
            return total


def _verify_nightly(ctx: ServiceContext) -> dict[str, int]:
    run = verification.run_nightly(ctx)
    return {"runs": 1 if run else 0, "failed": run["failed"] if run else 0}


def _send_mail(ctx: ServiceContext, worker: str, deadline: float) -> dict[str, int]:
    total = {"sent": 0, "failed": 0}
    while time.monotonic() < deadline:
        batch = mail.send_pending(ctx, worker)
        total = {k: total[k] + batch[k] for k in total}
        if not batch["sent"] and not batch["failed"]:
            break
    return total


def work_done(result: dict[str, Any]) -> int:
    """How many things a tick did (failures excluded: they wait for their back-off)."""
    timer = result.get("timers", {})
    job = result.get("jobs", {})
    sent = result.get("mail", {})
    return timer.get("fired", 0) + job.get("done", 0) + job.get("skipped", 0) + sent.get("sent", 0)


def run_until_idle(ctx: ServiceContext, worker: str, max_ticks: int = 10_000) -> dict[str, dict[str, int]]:
    """Tick back to back until a tick finds nothing to do (tests, cron, `planflow scheduler --until-idle`)."""
    totals: dict[str, dict[str, int]] = {}
    for _ in range(max_ticks):
        result = run_tick(ctx, worker)
        for name, part in result.items():
            bucket = totals.setdefault(name, {})
            for key, value in part.items():
                bucket[key] = bucket.get(key, 0) + value
        if not work_done(result):
            break
    return totals


def _beat(
    ctx: ServiceContext, worker: str, seconds: float, result: dict[str, Any], error: str | None
) -> None:
    now = ctx.now()
    values = {
        "worker": worker,
        "started_at": now,
        "last_tick_at": now,
        "ticks": 1,
        "last_tick_seconds": seconds,
        "last_result": result,
        "last_error": error,
    }
    try:
        with ctx.write() as session:
            dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
            statement = dialect.insert(SchedulerHeartbeat).values(**values)
            statement = statement.on_conflict_do_update(
                index_elements=["worker"],
                set_={
                    "last_tick_at": now,
                    "ticks": SchedulerHeartbeat.ticks + 1,
                    "last_tick_seconds": seconds,
                    "last_result": result,
                    "last_error": error,
                },
            )
            session.execute(statement)
    except Exception:  # noqa: BLE001 - a missed heartbeat is reported by its absence
        log.exception("scheduler %s: heartbeat not written", worker)


def heartbeats(ctx: ServiceContext, stale_after: timedelta = timedelta(minutes=2)) -> list[dict[str, Any]]:
    """Every scheduler that has ticked, with whether it ticked recently (for /readyz)."""
    now = ctx.now()
    with ctx.read() as session:
        rows = session.scalars(select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.last_tick_at.desc()))
        return [
            {
                "worker": r.worker,
                "started_at": r.started_at.isoformat(),
                "last_tick_at": r.last_tick_at.isoformat(),
                "ticks": r.ticks,
                "last_tick_seconds": r.last_tick_seconds,
                "last_result": r.last_result,
                "last_error": r.last_error,
                "alive": now - r.last_tick_at <= stale_after,
            }
            for r in rows
        ]


def scheduler_state(ctx: ServiceContext, actor: Actor) -> dict[str, Any]:
    """For administrators: the schedulers' heartbeats, jobs by status, the failing ones, the outbox and the
    registered start schedules."""
    access.require_admin(actor, "see the scheduler")
    return {
        "heartbeats": heartbeats(ctx),
        "jobs": jobs.counts_by_status(ctx),
        "failing": jobs.list_jobs(ctx, failing=True, limit=50),
        "mail": mail.outbox_counts(ctx),
        "schedules": schedules.list_schedules(ctx),
    }


def last_tick_at(ctx: ServiceContext) -> datetime | None:
    """When any scheduler last ticked."""
    with ctx.read() as session:
        rows = session.scalars(
            select(SchedulerHeartbeat.last_tick_at).order_by(SchedulerHeartbeat.last_tick_at.desc()).limit(1)
        )
        return next(iter(rows), None)
