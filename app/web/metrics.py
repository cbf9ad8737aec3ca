"""Prometheus metrics: request latency by endpoint, steps completed, and cases by status.

Under gunicorn every worker is its own process, so counters and histograms are kept in files under
PROMETHEUS_MULTIPROC_DIR (set before the workers start; deploy/gunicorn.conf.py does) and /metrics
adds up every worker's. Cases by status are counted in the database when Prometheus scrapes, so any
worker gives the same answer.
"""
from __future__ import annotations

import logging
import os

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import ServiceError
from app.services.ops import health

log = logging.getLogger("planflow.metrics")
disable_created_metrics()  # the *_created series only double what Prometheus stores
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # the counters below open their files there at once
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REQUEST_SECONDS = Histogram(
    "planflow_http_request_duration_seconds", "Time to answer a web request, by endpoint",
    ["endpoint", "method"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
REQUESTS = Counter("planflow_http_requests_total", "Web requests answered, by endpoint and status",
                   ["endpoint", "method", "status"])
STEPS_COMPLETED = Counter("planflow_steps_completed_total", "Steps completed, by process", ["process_key"])


def count_completed_step(case: dict) -> None:
    """Listener of services.hooks.step_completed."""
    STEPS_COMPLETED.labels(process_key=case.get("process_key") or "unknown").inc()


class CaseCollector:
    """Counts cases by status in the database at each scrape."""

    def __init__(self, ctx: ServiceContext):
        self.ctx = ctx

    def collect(self):
        cases = GaugeMetricFamily("planflow_cases", "Cases, by status", labels=["status"])
        up = GaugeMetricFamily("planflow_database_up", "1 when the database answered this scrape")
        try:
            counts = health.cases_by_status(self.ctx)
        except ServiceError as exc:
            log.warning("cannot count cases: %s", exc.message)
            up.add_metric([], 0)
            yield up
            return
        for status in sorted(set(counts) | {"running", "completed", "cancelled", "suspended", "error"}):
            cases.add_metric([status], counts.get(status, 0))
        up.add_metric([], 1)
        yield cases
        yield up


def exposition(ctx: ServiceContext) -> bytes:
    """The text Prometheus reads: this process's (or every worker's) metrics, then the case counts."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        process_metrics = generate_latest(registry)
    else:
        process_metrics = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(CaseCollector(ctx))
    return process_metrics + generate_latest(database)
