"""What operators need from every web process: a request id on each request and its log lines,
readiness for the load balancer (/readyz), and metrics for Prometheus (/metrics).

/healthz (in the application factory) only says the process is alive; /readyz says whether it can
serve: the database answers, its migrations are current, and the scheduler reports in.
"""
from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, jsonify, request

from app import logs
from app.services.kernel import hooks
from app.services.ops import health

from . import metrics
from .auth import services

log = logging.getLogger("planflow.request")

REQUEST_ID_HEADER = "X-Request-Id"
_GOOD_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_QUIET_PATHS = ("/healthz", "/readyz", "/metrics")  # polled every few seconds: logged at debug level


def _start_request() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _GOOD_REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    g.request_id_token = logs.request_id.set(g.request_id)


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # a request that failed before our first hook ran
        return response
    response.headers[REQUEST_ID_HEADER] = request_id
    elapsed = time.perf_counter() - g.request_started
    endpoint = request.endpoint or "unmatched"
    metrics.REQUEST_SECONDS.labels(endpoint=endpoint, method=request.method).observe(elapsed)
    metrics.REQUESTS.labels(endpoint=endpoint, method=request.method, status=str(response.status_code)).inc()
    actor = g.get("actor")
    level = logging.DEBUG if request.path in _QUIET_PATHS and response.status_code < 500 else logging.INFO
    log.log(level, "%s %s %s", request.method, request.path, response.status_code, extra={
        "method": request.method, "path": request.path, "endpoint": endpoint, "status": response.status_code,
        "duration_ms": round(elapsed * 1000, 2), "user": actor.username if actor else None,
        "remote_addr": request.remote_addr})
    return response


def _forget_request_id(_exc) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        try:
            logs.request_id.reset(token)
        except ValueError:  # set in another context (a server that switches them); nothing to undo
            logs.request_id.set(None)


def readyz():
    result = health.readiness(services())
    if result["ready"]:
        return jsonify({"status": "ready", "checks": result["checks"]})
    reasons = [f"{name}: {value}" for name, value in result["checks"].items() if not value.startswith("ok")]
    return jsonify({"status": "not_ready", "checks": result["checks"], "reasons": reasons}), 503


def metrics_page():
    return Response(metrics.exposition(services()), mimetype="text/plain; version=0.0.4; charset=utf-8")


def init_app(app: Flask) -> None:
    """Register the request id, request log and metrics hooks, /readyz and /metrics on the application."""
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_forget_request_id)
    app.add_url_rule("/readyz", "readyz", readyz)
    app.add_url_rule("/metrics", "metrics", metrics_page)
    hooks.listen(hooks.step_completed, metrics.count_completed_step)
