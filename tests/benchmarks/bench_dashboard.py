"""How fast the supervisors' dashboard answers on a PostgreSQL database filled with generated cases.

Run:  .venv/bin/python tests/benchmarks/bench_dashboard.py [--cases 20000] [--repeat 30] [--keep]
      (or PLANFLOW_BENCH_CASES=100000 for --cases)

Creates its own database next to PLANFLOW_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test),
migrates it, loads the demo (processes, users, schools), writes --cases generated cases with
app.services.ops.generator.generate_cases (each with its steps and hash-chained events), runs VACUUM ANALYZE
(as autovacuum would have by then: the dashboard's covering indexes answer without visiting rows only
once the visibility map is set), then
calls every dashboard service --repeat times as the group director (after two warm-up calls) and reports
p50/p95 in milliseconds. The target is p95 <= 100 ms at 100 000 cases / 1 000 000 events; filling that
many takes a long while, so the default is 20 000 cases and the figures say which size they were measured
at. The database is dropped at the end unless --keep. The LAST line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.services import startup  # noqa: E402
from app.services.accounts import users  # noqa: E402
from app.services.dashboard import overview, step_times  # noqa: E402
from app.services.kernel.context import ServiceContext  # noqa: E402
from app.services.ops import demo, generator  # noqa: E402
from app.store import db, schema  # noqa: E402
from app.store.models import Case, Event, Task  # noqa: E402

TARGET_P95_MS = 100.0
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_url() -> str:
    url = os.environ.get("PLANFLOW_TEST_PG_URL", DEFAULT_PG_URL)
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=int(os.environ.get("PLANFLOW_BENCH_CASES", "20000")))
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--existing", metavar="NAME",
                        help="time a database kept by an earlier --keep run (migrated to the latest first)")
    args = parser.parse_args()
    users.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))  # setup speed only

    base = make_url(_pg_url())
    name = args.existing or f"planflow_bench_dash_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    if not args.existing:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    folder = Path(tempfile.mkdtemp(prefix="planflow-bench-"))
    database = db.connect(url)
    try:
        schema.upgrade(database.writer.kw["bind"])
        startup.install()  # what every entry point installs (flush hook, job handlers)
        ctx = ServiceContext(db=database, attachments_dir=folder / "attachments", forms_dir=ROOT / "forms",
                             processes_dir=ROOT / "processes")
        started = time.perf_counter()
        written = {"cases": 0, "events": 0, "tasks": 0}
        chunk = 5000
        if not args.existing:
            demo.create_demo(ctx)
        # In chunks, each with its own seed, to show progress.
        for offset in range(0, 0 if args.existing else args.cases, chunk):
            part = generator.generate_cases(ctx, min(chunk, args.cases - offset), rng_seed=2570 + offset)
            for key in written:
                written[key] += part[key]
            print(f"  {written['cases']} cases, {written['events']} events, {written['tasks']} steps "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
        fill_s = time.perf_counter() - started
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        with ctx.read() as session:
            counted = {"cases": session.scalar(select(func.count()).select_from(Case)),
                       "events": session.scalar(select(func.count()).select_from(Event)),
                       "tasks": session.scalar(select(func.count()).select_from(Task))}
            busiest = session.execute(select(Case.process_key, func.count()).group_by(Case.process_key)
                                      .order_by(func.count().desc()).limit(1)).one()[0]
        print(f"database {name}")
        print(f"filled {counted['cases']} cases, {counted['events']} events, {counted['tasks']} steps "
              f"in {fill_s:.0f} s; VACUUM ANALYZE done")

        director = users.actor_for_username(ctx, "director")
        admin_actor = users.actor_for_username(ctx, "admin")
        calls = {
            "open_cases": lambda: overview.open_cases(ctx, director),
            "overdue_steps": lambda: overview.overdue_steps(ctx, director),
            "stalled_cases": lambda: overview.stalled_cases(ctx, director, 5),
            "workload": lambda: overview.workload(ctx, director),
            "missing_submissions": lambda: overview.missing_submissions(ctx, director),
            "wait_times": lambda: step_times.wait_times(ctx, director, busiest),
            "monthly_trend": lambda: step_times.monthly_trend(ctx, director, busiest),
            "monthly_trend_all": lambda: step_times.monthly_trend(ctx, admin_actor),
        }
        results = {}
        print(f"{'service':22} {'rows':>6} {'p50 ms':>8} {'p95 ms':>8}")
        for label, call in calls.items():
            for _ in range(2):
                answer = call()
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                call()
                times.append((time.perf_counter() - t0) * 1000)
            rows = len(answer) if isinstance(answer, list) else sum(len(v) for v in answer.values())
            results[label] = {"p50_ms": round(statistics.median(times), 1),
                              "p95_ms": round(_percentile(times, 0.95), 1), "rows": rows}
            print(f"{label:22} {rows:>6} {results[label]['p50_ms']:>8} {results[label]['p95_ms']:>8}", flush=True)
        worst = max(r["p95_ms"] for r in results.values())
        print(f"worst p95 {worst} ms at {counted['cases']} cases / {counted['events']} events "
              f"(target {TARGET_P95_MS} ms at 100000 / 1000000)")
        print(json.dumps({"cases": counted["cases"], "events": counted["events"], "tasks": counted["tasks"],
                          "fill_seconds": round(fill_s), "repeat": args.repeat, "process": busiest,
                          "worst_p95_ms": worst, "target_p95_ms": TARGET_P95_MS, "services": results},
                         ensure_ascii=False))
    finally:
        database.dispose()
        if not args.keep and not args.existing:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
