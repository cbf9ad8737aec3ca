"""gunicorn settings for PlanFlow's web processes.

    gunicorn -c deploy/gunicorn.conf.py app.web.wsgi:app

Every setting comes from the environment (deploy/planflow.env.example lists them), so one file
serves systemd, the compose file and the tests. The scheduler is not started here: it runs as its
own process (`planflow scheduler`).
"""
import os
import shutil
import tempfile
from pathlib import Path

from gunicorn.glogging import Logger


def _int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


bind = os.environ.get("PLANFLOW_BIND", "127.0.0.1:8000")
# A step's completion is CPU work (the workflow engine) plus a few database round trips: about one
# worker per core, plus one to cover the waits. WEB_CONCURRENCY is the name hosting platforms use.
workers = _int("PLANFLOW_WORKERS", _int("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))
# A request spends much of its time waiting for PostgreSQL (a completion makes about twenty round
# trips); with a few threads per worker another request uses the CPU meanwhile. On 2 cores this
# doubled the completions per second of the load benchmark. PLANFLOW_THREADS=1 gives sync workers.
threads = _int("PLANFLOW_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"
# Off: each worker opens its own database connections after the fork, and a deploy restarts workers
# one by one with new code (HUP) without stopping the master.
preload_app = False
timeout = _int("PLANFLOW_WORKER_TIMEOUT", 60)  # a worker silent this long is killed and replaced
graceful_timeout = _int("PLANFLOW_GRACEFUL_TIMEOUT", 30)  # finish requests in flight on stop/reload
keepalive = 5
max_requests = _int("PLANFLOW_MAX_REQUESTS", 5000)  # recycle workers now and then (memory growth)
max_requests_jitter = max_requests // 10
# X-Forwarded-For/-Proto are believed only from the proxy in front (nginx on the same machine).
forwarded_allow_ips = os.environ.get("PLANFLOW_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # the workers' heartbeat files; a slow disk must not look like a hang

accesslog = os.environ.get("PLANFLOW_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("PLANFLOW_LOG_LEVEL", "info").lower()
proc_name = "planflow-web"
# gunicorn 25+ opens a control socket in the home folder; systemd or compose is the control here,
# and two instances on one machine would fight over one socket path. PLANFLOW_CONTROL_SOCKET=PATH opens it.
control_socket = os.environ.get("PLANFLOW_CONTROL_SOCKET") or "gunicorn.ctl"
control_socket_disable = not os.environ.get("PLANFLOW_CONTROL_SOCKET")

# Prometheus counters of every worker are kept in files here and added up by /metrics. The variable
# must be set before a worker first imports prometheus_client, so it is set here, in the master.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="planflow-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir
raw_env = [f"PROMETHEUS_MULTIPROC_DIR={_metrics_dir}"]


def on_starting(server):
    """Counts from a previous run would add to this one's: start from an empty folder."""
    path = Path(_metrics_dir)
    path.mkdir(parents=True, exist_ok=True)
    for entry in path.iterdir():
        if entry.is_file() and entry.suffix == ".db":
            entry.unlink()
        elif entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess  # after the variable is set, never before

    multiprocess.mark_process_dead(worker.pid)


class JsonLogger(Logger):
    """gunicorn's own lines and its access log as JSON objects, one per line, with the request id."""

    def setup(self, cfg):
        super().setup(cfg)
        from app.logs import JsonFormatter

        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        enabled = getattr(self, "access_log_enabled", None)
        if enabled is None:
            enabled = bool(self.cfg.accesslog)
        if not enabled:
            return
        status = str(resp.status).split(None, 1)[0]
        headers = dict((name.lower(), value) for name, value in resp.headers)
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        self.access_log.info("%s %s %s", method, path, status, extra={
            "request_id": headers.get("x-request-id"),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or None,
            "status": int(status) if status.isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "pid": os.getpid(),
        })


logger_class = JsonLogger
