"""How fast the inbox and the step page answer with 10,000 open steps (not part of the test run).

    .venv/bin/python tests/benchmarks/bench_pages.py [--tasks 10000] [--requests 200]
    PLANFLOW_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench ...   # an empty database

One real budget-transfer case is started through the services; its row and its open step are then
copied in bulk to reach the wanted number of open steps, all in the plan staff's queue, with due dates
spread over the past and the coming weeks and amounts in the case data. Server time is measured around
each request through Flask's test client (in process: no network, no browser), after a warm-up.
Prints the figures, and as its last line one JSON object. Target: p95 <= 50 ms for both pages.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from app.config import Settings  # noqa: E402
from app.services import startup  # noqa: E402
from app.services.accounts import users  # noqa: E402
from app.services.cases import lifecycle  # noqa: E402
from app.services.kernel.context import ServiceContext  # noqa: E402
from app.services.ops import demo  # noqa: E402
from app.store import db, schema  # noqa: E402
from app.store.models import Case, Task  # noqa: E402
from app.web import create_app  # noqa: E402

TARGET_P95_MS = 50.0
BATCH = 1000


def _fill(ctx: ServiceContext, count: int) -> list[int]:
    """Open steps up to `count`, copied from one real case; returns every open step's id."""
    plan1 = users.actor_for_username(ctx, "plan1")
    first = lifecycle.start_case(ctx, plan1, "budget_transfer", "โอนงบประมาณ โครงการต้นแบบ")
    rng = random.Random(2570)
    now = ctx.now()
    with ctx.write() as session:
        case = session.get(Case, first["id"])
        task = session.scalars(select(Task).where(Task.case_id == case.id)).one()
        case_rows, task_rows = [], []
        for n in range(2, count + 1):
            case_rows.append({
                "number": f"{case.fiscal_year}/{n:05d}", "fiscal_year": case.fiscal_year,
                "process_version_id": case.process_version_id, "process_key": case.process_key,
                "title": f"โอนเปลี่ยนแปลงงบประมาณ โครงการที่ {n}", "status": "running", "state": case.state,
                "state_format": case.state_format, "lock_version": 1, "started_by": "plan1",
                "started_at": now, "last_event_at": now,
                "data": {**case.data, "amount": rng.randrange(1000, 5_000_000), "fiscal_year": case.fiscal_year},
            })
        for start in range(0, len(case_rows), BATCH):
            ids = session.scalars(insert(Case).returning(Case.id, sort_by_parameter_order=True),
                                  case_rows[start:start + BATCH]).all()
            for case_id in ids:
                due = now + timedelta(days=rng.randint(-10, 30), hours=rng.randint(0, 8))
                task_rows.append({
                    "case_id": case_id, "engine_id": task.engine_id, "spec_id": task.spec_id, "name": task.name,
                    "lane": task.lane, "group_code": task.group_code, "status": "open", "form": task.form,
                    "instance": None, "created_at": now, "due_at": due,
                })
        for start in range(0, len(task_rows), BATCH):
            session.execute(insert(Task), task_rows[start:start + BATCH])
    # The tables as autovacuum (PostgreSQL) or `ANALYZE` (SQLite) leave them: a planner that still
    # believes the tables are empty picks nested loops over 10,000 rows, and index-only scans need the
    # visibility map that VACUUM sets.
    bind = ctx.db.writer.kw["bind"]
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE" if ctx.db.is_sqlite else "VACUUM ANALYZE")
    with ctx.read() as session:
        return list(session.scalars(select(Task.id).where(Task.status == "open")))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _measure(client, paths: list[str]) -> tuple[list[float], list[float]]:
    """Wall time and this thread's CPU time of each request, in ms. On a shared machine the CPU time
    says what the server itself spent; the wall time adds the waits for a core."""
    wall, cpu = [], []
    for path in paths:
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(path)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    users.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))  # setup speed only

    folder = Path(tempfile.mkdtemp(prefix="planflow-bench-"))
    url = os.environ.get("PLANFLOW_BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.db'}"
    database = db.connect(url)
    schema.upgrade(database.writer.kw["bind"])
    startup.install()  # what every entry point installs (flush hook, job handlers)
    ctx = ServiceContext(db=database, attachments_dir=folder / "attachments", forms_dir=ROOT / "forms",
                         processes_dir=ROOT / "processes")
    demo.create_demo(ctx)
    started = time.perf_counter()
    task_ids = _fill(ctx, args.tasks)
    print(f"{len(task_ids)} open steps on {database.engine.dialect.name} in {time.perf_counter() - started:.1f} s")

    settings = Settings(database_url=url, secret_key="bench", attachments_dir=folder / "attachments",
                        forms_dir=ROOT / "forms", processes_dir=ROOT / "processes", instance_dir=folder)
    app = create_app(settings, context=ctx)
    client = app.test_client()
    client.get("/login")
    token = client.get("/login").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    signed = client.post("/login", data={"username": "plan1", "password": demo.DEMO_PASSWORD, "csrf_token": token})
    assert signed.status_code == 302, signed.get_data(as_text=True)[:300]

    rng = random.Random(7)
    views = ["/inbox", "/inbox?due=overdue", "/inbox?due=soon", "/inbox?process=budget_transfer&fy=2570",
             "/inbox?q=2570/01234", "/inbox?q=โครงการที่ 99", "/inbox?page=100", "/inbox?status=open&page=3"]
    inbox_paths = [views[i % len(views)] for i in range(args.requests)]
    step_paths = [f"/tasks/{rng.choice(task_ids)}" for _ in range(args.requests)]
    _measure(client, inbox_paths[:20] + step_paths[:20])  # warm-up: parsed diagram, catalogs, templates

    results: dict[str, float] = {}
    for name, paths in (("inbox", inbox_paths), ("step", step_paths)):
        wall, cpu = _measure(client, paths)
        results.update({f"{name}_p50_ms": round(statistics.median(wall), 2),
                        f"{name}_p95_ms": round(_percentile(wall, .95), 2),
                        f"{name}_cpu_p50_ms": round(statistics.median(cpu), 2),
                        f"{name}_cpu_p95_ms": round(_percentile(cpu, .95), 2)})
        print(f"{name:>5} page: p50 {results[f'{name}_p50_ms']:.1f} ms, p95 {results[f'{name}_p95_ms']:.1f} ms "
              f"(server CPU p50 {results[f'{name}_cpu_p50_ms']:.1f} ms, p95 {results[f'{name}_cpu_p95_ms']:.1f} ms) "
              f"over {len(wall)} requests")
    database.dispose()
    load = os.getloadavg()[0]
    print(f"load average while measuring: {load:.2f} on {os.cpu_count()} cores")
    ok = results["inbox_p95_ms"] <= TARGET_P95_MS and results["step_p95_ms"] <= TARGET_P95_MS
    print(json.dumps({"benchmark": "pages", "backend": database.engine.dialect.name, "open_tasks": len(task_ids),
                      **results, "target_p95_ms": TARGET_P95_MS, "load_average": round(load, 2), "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
