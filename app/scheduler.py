"""The scheduler only ticks: each tick asks the services for due work (diagram timers for now)."""
from __future__ import annotations

import logging
import signal
import threading

from apscheduler.schedulers.background import BackgroundScheduler

from app.config import Settings
from app.services import timers
from app.services.context import ServiceContext

log = logging.getLogger("planflow.scheduler")


def tick(ctx: ServiceContext) -> dict:
    result = timers.fire_due_timers(ctx)
    if result["fired"] or result["failed"]:
        log.info("timers fired=%s failed=%s", result["fired"], result["failed"])
    return result


def start_in_background(ctx: ServiceContext, settings: Settings) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(tick, "interval", seconds=settings.scheduler_interval_seconds, args=[ctx],
                      max_instances=1, coalesce=True, id="planflow-tick")
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
