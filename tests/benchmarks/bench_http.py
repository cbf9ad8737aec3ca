"""HTTP load on PlanFlow as production runs it: gunicorn (2 workers) against PostgreSQL on loopback.

    .venv/bin/python tests/benchmarks/bench_http.py [--duration 20] [--concurrency 8] [--database postgresql]

It creates a fresh database (on PLANFLOW_TEST_PG_URL's server, dropped afterwards, or a SQLite file),
seeds many users in several groups, each group with its own process and open cases, starts gunicorn
on a free loopback port, and then drives it with its own asyncio HTTP client:
- a mixed phase: each virtual user reads an inbox and completes one of its steps (with a note),
- a read phase: inbox reads only.
It prints completions/s, inbox reads/s and latency percentiles, and as its last line one JSON object.
Targets on 2 cores: >= 300 completions/s, >= 1,000 inbox reads/s, p95 <= 100 ms.

Every request goes to 127.0.0.1 only; each phase stops after its duration.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.services import startup  # noqa: E402
from app.services.accounts import users  # noqa: E402
from app.services.cases import lifecycle  # noqa: E402
from app.services.kernel.context import ServiceContext  # noqa: E402
from app.store import db, schema  # noqa: E402
from tests.conftest import pg_url  # noqa: E402
from tests.ops_support import Gunicorn, deploy_linear  # noqa: E402

TARGETS = {"completions_per_s": 300, "inbox_reads_per_s": 1000, "p95_ms": 100}


# --- the database and its people -----------------------------------------------------------------------

def create_database(kind: str, folder: Path) -> tuple[str, callable]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}", lambda: None
    name = f"planflow_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(pg_url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(pg_url()).set(database=name).render_as_string(hide_password=False), drop


def seed(url: str, folder: Path, people: int, groups: int, cases_per_group: int, steps: int) -> list[str]:
    """Groups with a process each, `people` users spread over them, open cases; returns the users' tokens."""
    startup.install()  # what every entry point installs (flush hook, job handlers)
    ctx = ServiceContext(db=db.connect(url), attachments_dir=folder / "attachments", forms_dir=ROOT / "forms",
                         processes_dir=ROOT / "processes")
    schema.upgrade(ctx.db.writer.kw["bind"])
    tokens, starters = [], {}
    for g in range(groups):
        deploy_linear(ctx, f"bench_g{g:02d}", steps, folder, lane=f"bench_g{g:02d}")
    for n in range(people):
        group = f"bench_g{n % groups:02d}"
        actor = users.create_user(ctx, f"clerk{n:03d}", None, groups=[group], display_name=f"เจ้าหน้าที่ {n}")
        starters.setdefault(group, actor)
        tokens.append(users.create_token(ctx, actor.username, name="bench"))
    for group, actor in starters.items():
        for n in range(cases_per_group):
            lifecycle.start_case(ctx, actor, group, f"เรื่องทดสอบภาระงาน {group} {n}")
    ctx.db.dispose()
    return tokens


# --- CPU used by the server side (the machine may be shared, so rates alone can mislead) --------------

def cpu_seconds(pids: set[int]) -> float:
    """User and system CPU time of these processes so far."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def database_backends(url: str) -> set[int]:
    """The PostgreSQL server processes serving this database (empty for SQLite)."""
    if url.startswith("sqlite"):
        return set()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(text(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalars())
    finally:
        engine.dispose()


class CpuMeter:
    """Server-side CPU over one phase: the gunicorn workers, and their PostgreSQL backends."""

    def __init__(self, server: Gunicorn, url: str):
        self.server, self.url = server, url

    def _pids(self) -> tuple[set[int], set[int]]:
        return self.server.worker_pids(), database_backends(self.url)

    def __enter__(self):
        self.workers, self.database = self._pids()
        self.before = {pid: cpu_seconds({pid}) for pid in self.workers | self.database}
        return self

    def __exit__(self, *exc):
        workers, database = self._pids()
        self.workers |= workers
        self.database |= database
        spent = {pid: cpu_seconds({pid}) - self.before.get(pid, 0.0) for pid in self.workers | self.database}
        self.web = sum(spent[pid] for pid in self.workers)
        self.db = sum(spent[pid] for pid in self.database - self.workers)
        self.used = self.web + self.db


# --- a small HTTP/1.1 client (cheap on CPU, which the server needs) -------------------------------------

class Http:
    def __init__(self, port: int):
        self.port = port

    async def call(self, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, bytes]:
        payload = json.dumps(body).encode() if body is not None else b""
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                "Connection: close\r\n\r\n")
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(head.encode() + payload)
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            length = None
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            data = await (reader.readexactly(length) if length is not None else reader.read())
            return status, data
        finally:
            writer.close()


class Recorder:
    def __init__(self):
        self.samples: dict[str, list[float]] = {}
        self.statuses: dict[str, dict[int, int]] = {}

    def add(self, kind: str, status: int, seconds: float) -> None:
        self.samples.setdefault(f"{kind}:{status}", []).append(seconds)
        counts = self.statuses.setdefault(kind, {})
        counts[status] = counts.get(status, 0) + 1

    def ok(self, kind: str) -> list[float]:
        return self.samples.get(f"{kind}:200", [])

    def all(self) -> list[float]:
        return [s for values in self.samples.values() for s in values]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] * 1000


async def drive(http: Http, tokens: list[str], seconds: float, concurrency: int, complete: bool,
                recorder: Recorder | None, seed_value: int) -> None:
    """`concurrency` virtual users, each a random person per round, until the time is up."""
    deadline = time.monotonic() + seconds
    rng = random.Random(seed_value)

    async def one_user():
        while time.monotonic() < deadline:
            token = rng.choice(tokens)
            began = time.perf_counter()
            status, body = await http.call("GET", "/api/v1/tasks", token)
            if recorder:
                recorder.add("inbox", status, time.perf_counter() - began)
            if not complete or status != 200:
                continue
            inbox = json.loads(body)
            if not inbox:
                continue
            task = rng.choice(inbox[:8])
            began = time.perf_counter()
            status, _ = await http.call("POST", f"/api/v1/tasks/{task['id']}/complete", token,
                                        {"data": {"note": "ตรวจแล้ว ถูกต้อง"}})
            if recorder:
                recorder.add("complete", status, time.perf_counter() - began)

    await asyncio.gather(*(one_user() for _ in range(concurrency)))


def summary(recorder: Recorder, seconds: float) -> dict:
    result = {"seconds": seconds, "statuses": recorder.statuses}
    for kind in ("inbox", "complete"):
        ok = recorder.ok(kind)
        result[kind] = {"per_s": round(len(ok) / seconds, 1), "p50_ms": round(percentile(ok, 50), 1),
                        "p95_ms": round(percentile(ok, 95), 1), "p99_ms": round(percentile(ok, 99), 1)}
    result["p95_ms_all"] = round(percentile(recorder.all(), 95), 1)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of the mixed phase")
    parser.add_argument("--read-duration", type=float, default=10.0, help="seconds of the read-only phase")
    parser.add_argument("--warmup", type=float, default=8.0,
                        help="seconds of load before measuring (fills each worker's caches)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4,
                        help="threads per worker, as deploy/gunicorn.conf.py has them (1: sync workers)")
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--cases-per-group", type=int, default=15)
    parser.add_argument("--steps", type=int, default=40, help="steps in each case's process")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="planflow-bench-"))
    url, drop = create_database(args.database, folder)
    try:
        began = time.monotonic()
        tokens = seed(url, folder, args.people, args.groups, args.cases_per_group, args.steps)
        print(f"seeded {args.people} users, {args.groups} groups, {args.groups * args.cases_per_group} cases "
              f"in {time.monotonic() - began:.1f} s ({args.database})", flush=True)
        server = Gunicorn(url, folder, workers=args.workers, threads=args.threads,
                          env={"PLANFLOW_LOG_LEVEL": "WARNING", "PLANFLOW_ACCESS_LOG": ""})
        with server:
            http = Http(server.port)
            asyncio.run(drive(http, tokens, args.warmup, args.concurrency, True, None, 1))
            mixed = Recorder()
            with CpuMeter(server, url) as mixed_cpu:
                asyncio.run(drive(http, tokens, args.duration, args.concurrency, True, mixed, 2))
            reads = Recorder()
            with CpuMeter(server, url) as read_cpu:
                asyncio.run(drive(http, tokens, args.read_duration, args.concurrency, False, reads, 3))
        mixed_summary, read_summary = summary(mixed, args.duration), summary(reads, args.read_duration)
        load = os.getloadavg()[0]
        raw_steps_per_s = raw_spiff_steps_per_s()
    finally:
        drop()
        shutil.rmtree(folder, ignore_errors=True)

    print(f"mixed phase ({args.duration:.0f} s, {args.concurrency} in flight):")
    complete = mixed_summary["complete"]
    print(f"  completions/s {complete['per_s']}  (p50 {complete['p50_ms']} ms, p95 {complete['p95_ms']} ms); "
          f"conflicts {mixed.statuses.get('complete', {}).get(409, 0)}")
    print(f"  inbox reads/s {mixed_summary['inbox']['per_s']}  (p95 {mixed_summary['inbox']['p95_ms']} ms)")
    print(f"  p95 of every request {mixed_summary['p95_ms_all']} ms")
    print(f"read phase ({args.read_duration:.0f} s): inbox reads/s {read_summary['inbox']['per_s']} "
          f"(p50 {read_summary['inbox']['p50_ms']} ms, p95 {read_summary['inbox']['p95_ms']} ms)")
    # What the server side spent, and so what 2 cores given to it alone would carry (the load client's
    # own CPU not counted): a figure that holds even when other work shares the machine.
    rounds = max(1, len(mixed.ok("complete")) + len(mixed.ok("inbox")))
    completions = max(1, len(mixed.ok("complete")))
    read_ms = 1000 * read_cpu.used / max(1, len(reads.ok("inbox")))
    reads_per_completion = len(mixed.ok("inbox")) / completions
    complete_ms = max(0.0, 1000 * mixed_cpu.used / completions - read_ms * reads_per_completion)
    print(f"server CPU: {read_ms:.1f} ms per inbox read, {complete_ms:.1f} ms per completion "
          f"({1000 * mixed_cpu.used / rounds:.1f} ms per request in the mixed phase, "
          f"{100 * mixed_cpu.db / max(mixed_cpu.used, 1e-9):.0f}% of it in PostgreSQL); "
          f"load average {load:.1f} on {os.cpu_count()} cores")
    result = {
        "completions_per_s": mixed_summary["complete"]["per_s"],
        "inbox_reads_per_s": read_summary["inbox"]["per_s"],
        "inbox_reads_per_s_mixed": mixed_summary["inbox"]["per_s"],
        "p95_ms": mixed_summary["p95_ms_all"],
        "p95_ms_complete": mixed_summary["complete"]["p95_ms"],
        "p95_ms_inbox_read_phase": read_summary["inbox"]["p95_ms"],
        "conflicts": mixed.statuses.get("complete", {}).get(409, 0),
        "errors": sum(n for kind in (mixed, reads) for counts in kind.statuses.values()
                      for status, n in counts.items() if status not in (200, 409)),
        "database": args.database, "workers": args.workers, "threads": args.threads,
        "concurrency": args.concurrency, "cores": os.cpu_count(), "load_average": round(load, 2),
        "server_cpu_ms_per_inbox_read": round(read_ms, 2),
        "database_share_of_server_cpu": round(mixed_cpu.db / max(mixed_cpu.used, 1e-9), 2),
        "server_cpu_ms_per_completion": round(complete_ms, 2),
        "completions_per_s_on_2_free_cores": round(2000 / complete_ms, 1) if complete_ms else None,
        "inbox_reads_per_s_on_2_free_cores": round(2000 / read_ms, 1) if read_ms else None,
        "raw_spiff_steps_per_s": raw_steps_per_s,
        "targets": TARGETS,
    }
    result["targets_met"] = (result["completions_per_s"] >= TARGETS["completions_per_s"]
                             and result["inbox_reads_per_s"] >= TARGETS["inbox_reads_per_s"]
                             and result["p95_ms"] <= TARGETS["p95_ms"])
    print(f"raw SpiffWorkflow in this run: {raw_steps_per_s} steps/s in memory (one thread, linear20)")
    print(json.dumps(result))
    return 0


def raw_spiff_steps_per_s(seconds: float = 3.0) -> float:
    """SpiffWorkflow on its own, in memory in this process, right after the load: steps per second of the
    20-step bench diagram (no storage, no HTTP), the yardstick beside the completions per second."""
    from tests.benchmarks.bench_engine import BENCH, Diagram, raw_case

    forms = Path(tempfile.mkdtemp(prefix="planflow-bench-forms-"))
    (forms / "note-schema.json").write_bytes((BENCH / "note-schema.json").read_bytes())
    diagram = Diagram("linear20", "linear20", (BENCH / "linear20.bpmn").read_bytes(), forms)
    steps, spent, stop = 0, 0.0, time.monotonic() + seconds
    while time.monotonic() < stop:
        times = raw_case(diagram, False)
        steps, spent = steps + len(times), spent + sum(wall for wall, _ in times)
    shutil.rmtree(forms, ignore_errors=True)
    return round(steps / spent, 1) if spent else 0.0


if __name__ == "__main__":
    sys.exit(main())
