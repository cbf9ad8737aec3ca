"""Two scheduler processes, one PostgreSQL, 10,000 due reminders: how long, and how many duplicates.

    .venv/bin/python tests/benchmarks/bench_scheduler.py [--reminders N] [--workers W]

Uses the server of PLANFLOW_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test), in a
database of its own that it creates and drops. The schedulers are real `planflow scheduler --until-idle`
processes. "seconds" is from the first reminder done to the last (what the schedulers spent), and
"wall_seconds" also counts starting the two Python processes. The last line is one JSON object.
Target: seconds <= 5, duplicates == 0.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _server_url() -> str:
    url = os.environ.get("PLANFLOW_TEST_PG_URL", DEFAULT_URL)
    return (
        url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    )


def _prepare(url: str, reminders: int) -> None:
    from argon2 import PasswordHasher

    from app.services import startup
    from app.services.accounts import users
    from app.services.kernel.context import ServiceContext
    from app.services.ops import demo
    from app.store import db, schema
    from tests.scheduler_load import seed_due_reminders

    users.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    startup.install()  # what every entry point installs (flush hook, job handlers)
    ctx = ServiceContext(
        db=db.connect(url),
        attachments_dir=Path(tempfile.mkdtemp()),
        forms_dir=ROOT / "forms",
        processes_dir=ROOT / "processes",
    )
    schema.upgrade(ctx.db.writer.kw["bind"])
    demo.create_demo(ctx)
    ctx.db.dispose()
    seed_due_reminders(url, reminders, datetime.now(UTC) - timedelta(minutes=1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from tests.scheduler_load import tally

    name = f"planflow_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(_server_url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_server_url()).set(database=name).render_as_string(hide_password=False)
    try:
        _prepare(url, args.reminders)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "PLANFLOW_SECRET_KEY": "bench",
            "PLANFLOW_INSTANCE_DIR": tempfile.mkdtemp(),
        }
        env.pop("PLANFLOW_SMTP_URL", None)
        started = time.perf_counter()
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers = [
            subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "planflow"), "scheduler", "--until-idle"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(args.workers)
        ]
        outputs = [w.communicate(timeout=600) for w in workers]
        wall = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        worker_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        for worker, (_, err) in zip(workers, outputs, strict=True):
            if worker.returncode != 0:
                print(err.decode(errors="replace"), file=sys.stderr)
                return 1
        counts = tally(url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    seconds = (counts["last_done"] - counts["first_done"]).total_seconds()
    duplicates = counts["duplicate_notifications"] + counts["duplicate_events"]
    done = counts["jobs"].get("done", 0)
    print(f"{args.reminders} due reminders, {args.workers} scheduler processes on PostgreSQL")
    print(f"done: {done}, per worker: {sorted(counts['workers'].values())}")
    print(f"notifications: {counts['notifications']}, history events: {counts['reminder_events']}")
    print(f"seconds (first to last reminder): {seconds:.2f}; wall, with process start: {wall:.2f}")
    print(f"reminders per second: {done / seconds if seconds else 0:.0f}; duplicates: {duplicates}")
    print(
        f"CPU seconds used by the scheduler processes (with their start-up): {worker_cpu:.2f}; "
        f"machine load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        json.dumps(
            {
                "benchmark": "scheduler",
                "reminders": args.reminders,
                "workers": args.workers,
                "done": done,
                "seconds": round(seconds, 3),
                "wall_seconds": round(wall, 3),
                "worker_cpu_seconds": round(worker_cpu, 3),
                "load_average": round(os.getloadavg()[0], 2),
                "per_second": round(done / seconds) if seconds else None,
                "duplicates": duplicates,
                "lost": args.reminders - done,
                "target_seconds": 5,
                "ok": duplicates == 0 and done == args.reminders and seconds <= 5,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
