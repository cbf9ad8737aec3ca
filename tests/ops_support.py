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
from app.services.audit import verification
from app.services.cases import step_runner
from app.services.kernel.context import ServiceContext
from app.store.models import OPEN_STATUSES, Case, Task

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
    verdicts = verification.verify_all(ctx)
    assert [v.as_dict() for v in verdicts if not v.ok] == []
    with ctx.read() as session:
        for case in session.scalars(select(Case)):
            process, workflow = step_runner.load_workflow(ctx, case)
            ready = {t.engine_id for t in engine.ready_human_tasks(workflow, process)} \
                if case.status == "running" else set()
            open_rows = set(session.scalars(select(Task.engine_id).where(
                Task.case_id == case.id, Task.status.in_(OPEN_STATUSES))))
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

    settings = Settings(database_url=ctx.db.url, secret_key="test-secret",
                        attachments_dir=ctx.attachments_dir, forms_dir=ctx.forms_dir,
                        processes_dir=ctx.processes_dir, instance_dir=folder / "instance",
                        max_upload_bytes=ctx.max_upload_bytes, testing=True)
    return create_app(settings, context=ctx)


def bearer(ctx: ServiceContext, username: str) -> dict[str, str]:
    from app.services.accounts import users

    return {"Authorization": f"Bearer {users.create_token(ctx, username)}"}


NOTE_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "บันทึก", "x-title-en": "Note", "type": "object", "required": ["note"],
    "properties": {"note": {"type": "string", "title": "บันทึก", "x-title-en": "Note", "maxLength": 500}},
}


def linear_diagram(key: str, steps: int, lane: str = "plan_staff") -> bytes:
    """A process of `steps` note-taking steps one after the other, all in one lane."""
    ids = [f"step{n:02d}" for n in range(1, steps + 1)]
    nodes = ["start", *ids, "end"]
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
    tasks = "".join(
        f'<bpmn:userTask id="{t}" name="ขั้นที่ {i}"><bpmn:extensionElements><spiffworkflow:properties>'
        f'<spiffworkflow:property name="formJsonSchemaFilename" value="note.json" />'
        f'</spiffworkflow:properties></bpmn:extensionElements>'
        f'<bpmn:incoming>f{i - 1}</bpmn:incoming><bpmn:outgoing>f{i}</bpmn:outgoing></bpmn:userTask>'
        for i, t in enumerate(ids, start=1))
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}" />'
                    for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False)))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Definitions_{key}"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="Collaboration_{key}">
    <bpmn:participant id="Participant_{key}" name="{key}" processRef="{key}" />
  </bpmn:collaboration>
  <bpmn:process id="{key}" name="{key}" isExecutable="true">
    <bpmn:laneSet id="LaneSet_{key}">
      <bpmn:lane id="Lane_{lane}" name="{lane}">{refs}</bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    {tasks}
    <bpmn:endEvent id="end"><bpmn:incoming>f{steps}</bpmn:incoming></bpmn:endEvent>
    {flows}
  </bpmn:process>
</bpmn:definitions>""".encode()


def deploy_linear(ctx: ServiceContext, key: str, steps: int, folder: Path, lane: str = "plan_staff") -> dict:
    """Deploy a linear note-taking process (its form written to a folder of its own)."""
    import dataclasses
    import json

    from app.services.editor import deployment
    from app.services.kernel.actors import SYSTEM

    forms = folder / "forms"
    forms.mkdir(parents=True, exist_ok=True)
    (forms / "note.json").write_text(json.dumps(NOTE_FORM, ensure_ascii=False), encoding="utf-8")
    version, _ = deployment.deploy_version(dataclasses.replace(ctx, forms_dir=forms), SYSTEM, key,
                                           linear_diagram(key, steps, lane))
    return version


class PrivatePostgres:
    """A PostgreSQL server of the test's own (initdb in a temporary folder, another port), which the
    test may stop and start at will; the shared server of the test run is never touched."""

    def __init__(self, folder: Path):
        import glob
        import pwd
        import shutil

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
        self.bin = Path(found[0]).parent if found else (Path(shutil.which("initdb")).parent
                                                        if shutil.which("initdb") else None)
        self.folder = folder
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as its own account
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                self.user = None

    @property
    def available(self) -> bool:
        return self.bin is not None and (os.geteuid() != 0 or self.user is not None)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user.pw_name, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=60)

    def init(self) -> PrivatePostgres:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
        self._run("initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8", "--locale=C")
        return self.start()

    def start(self) -> PrivatePostgres:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off "
                   "-c full_page_writes=off -c max_connections=100")
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "server.log"), "-w",
                  "-t", "30", "-o", options, "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "-t", "30", "stop",
                  check=False)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        from sqlalchemy import create_engine

        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)
