"""The scheduler only ticks: every tick asks the services for due work (timers, reminders, escalations,
timed case starts, e-mail). Production runs it as its own process (`planflow scheduler`); `planflow serve`
runs it in-process unless told not to. Any number may run against one database."""
from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from app.config import Settings
from app.services.kernel.context import ServiceContext
from app.services.ops import ticks

log = logging.getLogger("planflow.scheduler")


def tick(ctx: ServiceContext, worker: str | None = None) -> dict:
    worker = worker or ticks.worker_name()
    result = ticks.run_tick(ctx, worker)
    if ticks.work_done(result) or any(part.get("failed") for part in result.values()):
        log.info("tick %s", result)
    return result


def start_in_background(ctx: ServiceContext, settings: Settings) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(tick, "interval", seconds=settings.scheduler_interval_seconds, args=[ctx],
                      max_instances=1, coalesce=True, id="planflow-tick",
                      next_run_time=datetime.now(UTC))  # the first tick at once, not after 30 s
    scheduler.start()
    return scheduler


def run_forever(ctx: ServiceContext, settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO)
    scheduler = start_in_background(ctx, settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    scheduler.shutdown(wait=True)
