"""PostgreSQL goes away under load (a restart, a failover, connections cut by an administrator):
requests fail quickly and cleanly (503, or 409 for a step someone else finished), never hang and
never answer 500, and PlanFlow serves again as soon as the database is back, without a restart."""
from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from app.services.accounts import users
from app.services.cases import lifecycle
from app.services.kernel.context import ServiceContext
from app.services.ops import demo, ticks
from app.store import db, schema

from ..conftest import ROOT, _admin_engine
from ..ops_support import Gunicorn, PrivatePostgres, assert_every_case_whole, deploy_linear

CLIENTS = 6
# A request still unanswered after this long is hung, and shows as status -1, which `check` refuses.
# connect_timeout (5 s) and pool_timeout (10 s) bound every wait; the rest is room for a loaded machine,
# so that what is asserted is that no request hangs, not how fast the machine is.
HUNG_AFTER = 60.0


@dataclass
class Load:
    """Clients reading their inbox and completing steps until told to stop; every answer is kept."""

    url: str
    token: str
    answers: list[tuple[float, str, int, float]] = field(default_factory=list)  # (at, kind, status, seconds)
    stop: threading.Event = field(default_factory=threading.Event)

    def _client(self, n: int) -> None:
        with httpx.Client(base_url=self.url, timeout=HUNG_AFTER,
                          headers={"Authorization": f"Bearer {self.token}"}) as http:
            while not self.stop.is_set():
                for kind in ("inbox", "complete"):
                    began = time.monotonic()
                    try:
                        answer = http.get("/api/v1/tasks?scope=group")
                        if kind == "complete" and answer.status_code == 200 and answer.json():
                            tasks = answer.json()
                            task = tasks[n % len(tasks)]
                            answer = http.post(f"/api/v1/tasks/{task['id']}/complete",
                                           json={"data": {"note": "ok"}})
                        status = answer.status_code
                    except httpx.HTTPError as exc:
                        status = -1 if isinstance(exc, httpx.TimeoutException) else -2
                    self.answers.append((began, kind, status, time.monotonic() - began))
                time.sleep(0.01)

    def run(self, fault, before: float = 1.5, after: float = 4.0) -> tuple[float, float]:
        """Load, then the fault (a callable returning when the database is back), then more load."""
        threads = [threading.Thread(target=self._client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(before)
            fault_began = time.monotonic()
            fault()
            back = time.monotonic()
            time.sleep(after)
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(60)
        return fault_began, back

    def check(self, fault_began: float, back: float, recovery: float = 1.5) -> dict[str, int]:
        statuses = {status for _, _, status, _ in self.answers}
        assert statuses <= {200, 409, 503}, sorted(statuses)
        during = [s for at, _, s, _ in self.answers if fault_began <= at < back]
        assert 503 in during, "the fault was not felt"
        settled = [s for at, _, s, _ in self.answers if at >= back + recovery]
        assert settled and set(settled) <= {200, 409}, settled
        assert settled.count(200) >= 5
        counts = {str(s): sum(1 for _, _, x, _ in self.answers if x == s) for s in sorted(statuses)}
        recovered = min((at + took for at, _, s, took in self.answers if s == 200 and at >= back), default=None)
        return {**counts, "slowest_ms": round(1000 * max(took for *_, took in self.answers)),
                "first_success_after_back_ms": round(1000 * (recovered - back)) if recovered else None,
                "outage_ms": round(1000 * (back - fault_began))}


def _seed(ctx: ServiceContext, folder: Path, cases_count: int = 12) -> str:
    deploy_linear(ctx, "outage_linear", 40, folder)
    plan1 = users.actor_for_username(ctx, "plan1")
    for n in range(cases_count):
        lifecycle.start_case(ctx, plan1, "outage_linear", f"เรื่องที่ {n}")
    return users.create_token(ctx, "plan1")


@pytest.mark.parametrize("backend", ["postgresql"])  # only PostgreSQL has connections to lose
def test_connections_cut_and_refused_for_a_while_then_service_resumes(live_ctx, tmp_path, backend):
    token = _seed(live_ctx, tmp_path)
    name = live_ctx.db.engine.url.database
    admin = _admin_engine()

    def outage():
        """Refuse new connections to this test's database and cut the open ones, for two seconds."""
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            for _ in range(4):
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
                time.sleep(0.5)
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

    try:
        with Gunicorn(live_ctx.db.url, tmp_path, workers=2, threads=4) as server:
            workers = server.worker_pids()
            load = Load(server.url, token)
            began, back = load.run(outage)
            counts = load.check(began, back)
            assert server.worker_pids() == workers, "PlanFlow was restarted"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    print(f"answers during the outage test: {counts}")
    assert_every_case_whole(live_ctx)


@pytest.fixture
def private_postgres():
    folder = Path(tempfile.mkdtemp(prefix="planflow-pg-"))
    server = PrivatePostgres(folder)
    if not server.available:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip("no PostgreSQL server binaries to start a private server with")
    try:
        yield server.init()
    finally:
        server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def test_the_database_server_restarts_under_load_and_planflow_carries_on(private_postgres, tmp_path):
    url = private_postgres.create_database(f"planflow_{uuid.uuid4().hex[:6]}")
    ctx = ServiceContext(db=db.connect(url), attachments_dir=tmp_path / "attachments",
                         forms_dir=ROOT / "forms", processes_dir=ROOT / "processes")
    try:
        schema.upgrade(ctx.db.writer.kw["bind"])
        demo.create_demo(ctx)
        token = _seed(ctx, tmp_path)

        def restart():
            private_postgres.stop("fast")
            time.sleep(2)
            private_postgres.start()

        with Gunicorn(url, tmp_path, workers=2, threads=4) as server:
            workers = server.worker_pids()
            load = Load(server.url, token)
            began, back = load.run(restart)
            counts = load.check(began, back)
            assert server.worker_pids() == workers, "PlanFlow was restarted"
            ticks.run_tick(ctx, "scheduler-1")  # production runs a scheduler beside the web workers
            assert httpx.get(f"{server.url}/readyz").status_code == 200
        print(f"answers during the restart test: {counts}")
        assert_every_case_whole(ctx)
    finally:
        ctx.db.dispose()
