"""Helpers for the production tests: empty databases, a real gunicorn serving PlanFlow, and checks
that every case's record is whole."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from app import engine
from app.services import audit, casework
from app.services.context import ServiceContext
from app.store.models import Case, Task

from .conftest import ROOT, _admin_engine, pg_url

GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


@contextlib.contextmanager
def empty_database(kind: str, folder: Path) -> Iterator[str]:
    """A new database with nothing in it (no schema either), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'empty-{uuid.uuid4().hex[:6]}.db'}"
        return
    name = f"planflow_e_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def assert_every_case_whole(ctx: ServiceContext) -> int:
    """Every case's chain and replay verify, and its open steps are exactly its workflow's ready steps."""
    verdicts = audit.verify_all(ctx)
    assert [v.as_dict() for v in verdicts if not v.ok] == []
    with ctx.read() as session:
        for case in session.scalars(select(Case)):
            process, workflow = casework.load_workflow(ctx, case)
            ready = {t.engine_id for t in engine.ready_human_tasks(workflow, process)} \
                if case.status == "running" else set()
            open_rows = set(session.scalars(select(Task.engine_id).where(
                Task.case_id == case.id, Task.status.in_(casework.OPEN_STATUSES))))
            assert open_rows == ready, f"case {case.number}: open steps {open_rows} but workflow has {ready}"
    return len(verdicts)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """PlanFlow under gunicorn with deploy/gunicorn.conf.py, on a free loopback port."""

    def __init__(self, database_url: str, folder: Path, workers: int = 1, app: str = "app.web.wsgi:app",
                 env: dict[str, str] | None = None, threads: int = 1):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = folder
        metrics_dir = folder / f"metrics-{self.port}"
        metrics_dir.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ, "DATABASE_URL": database_url, "PLANFLOW_INSTANCE_DIR": str(folder / "instance"),
            "PLANFLOW_ATTACHMENTS_DIR": str(folder / "attachments"), "PLANFLOW_SECRET_KEY": "test-secret",
            "PLANFLOW_BIND": f"127.0.0.1:{self.port}", "PLANFLOW_WORKERS": str(workers),
            "PLANFLOW_THREADS": str(threads), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "PLANFLOW_ACCESS_LOG": "", "PLANFLOW_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        self.app = app
        self.log = folder / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Gunicorn:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), self.app],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer: {self.log.read_text()[-3000:]}")

    def worker_pids(self) -> set[int]:
        """The master's worker processes."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(p) for p in children.read_text().split()} if children.exists() else set()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def web_app(ctx: ServiceContext, folder: Path):
    """The Flask application over the test's database and clock."""
    from app.config import Settings
    from app.web import create_app

    settings = Settings(database_url=ctx.db.url, secret_key="test-secret", attachments_dir=ctx.attachments_dir,
                        forms_dir=ctx.forms_dir, processes_dir=ctx.processes_dir, instance_dir=folder / "instance",
                        max_upload_bytes=ctx.max_upload_bytes, testing=True)
    return create_app(settings, context=ctx)


def bearer(ctx: ServiceContext, username: str) -> dict[str, str]:
    from app.services import users

    return {"Authorization": f"Bearer {users.create_token(ctx, username)}"}
