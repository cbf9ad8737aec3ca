"""`planflow demo --cases N`: fill the database with N realistic cases of every process, in every state.

Running each case through the services would take hours for 100k cases. Instead the engine runs a
few hundred *template* trajectories in memory (each process, several decision variants, several start
days), recording every intermediate state; each generated case copies one template cut at some step,
with its own number, holders and status, and its own hash chain. A generated case keeps its template's
seed and event times, so `verify` replays it like any other case.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from app import engine
from app.store.models import Case, Event, Group, Membership, ProcessVersion, Task, User
from app.thaidate import fiscal_year

from . import casework, history, processes
from .cases import next_case_number
from .context import ServiceContext
from .sample_data import fill
from .working_days import add_working_days

MAX_STEPS = 40
VARIANTS = 3
START_DAYS = 24
BATCH = 500


@dataclass
class _Snapshot:
    events: list[dict[str, Any]]
    state: str
    data: dict[str, Any]
    ready: list[engine.HumanTask]
    done: list[tuple[engine.HumanTask, datetime]]
    at: datetime
    completed: bool


@dataclass
class _Template:
    version: ProcessVersion
    seed: str
    snapshots: list[_Snapshot] = field(default_factory=list)


def _simulate(version: ProcessVersion, schools: list[dict], start: datetime, variant: int) -> _Template:
    process = processes.compiled(version)
    rng = random.Random(f"{version.key}:{variant}:{start.isoformat()}")
    seed = f"tmpl-{version.key}-{variant}-{start:%Y%m%d}"
    template = _Template(version=version, seed=seed)
    at, seq = start, 1
    data = {"schools": schools} if casework.SCHOOL_LANE in process.lanes else {}
    workflow = engine.start(process, data, at, f"{seed}:{seq}")
    events = [{"seq": 1, "at": at, "kind": "case_started", "data": {"title": version.name, "data": data},
               "task_spec_id": None, "task_engine_id": None}]
    done: list[tuple[engine.HumanTask, datetime]] = []

    def snap():
        text = engine.dump(workflow)
        events[-1]["state_digest"] = engine.digest(text)
        template.snapshots.append(_Snapshot(events=list(events), state=text, data=engine.case_data(workflow),
                                            ready=engine.ready_human_tasks(workflow, process), done=list(done),
                                            at=at, completed=engine.is_completed(workflow)))

    snap()
    pick = (lambda options: options[0]) if variant == 0 else (lambda options: rng.choice(options))
    for _ in range(MAX_STEPS):
        ready = engine.ready_human_tasks(workflow, process)
        seq += 1
        if ready:
            step = ready[0]
            form = version.forms.get(step.info.form) if step.info and step.info.form else None
            submitted = fill(form, pick=pick) if form else {}
            at = at + timedelta(hours=rng.randint(2, 60))
            try:
                engine.complete(workflow, step.engine_id, submitted, at, f"{seed}:{seq}")
            except engine.EngineError:
                break
            done.append((step, at))
            events.append({"seq": seq, "at": at, "kind": "task_completed", "data": submitted,
                           "task_spec_id": step.element_id, "task_engine_id": step.engine_id})
        elif (due := engine.next_timer_at(workflow)) is not None:
            at = max(at, due) + timedelta(minutes=1)
            engine.fire_timers(workflow, at, f"{seed}:{seq}")
            events.append({"seq": seq, "at": at, "kind": "timers_fired", "data": {},
                           "task_spec_id": None, "task_engine_id": None})
        else:
            break
        snap()
        if template.snapshots[-1].completed:
            break
    return template


def _templates(ctx: ServiceContext, now: datetime) -> list[_Template]:
    with ctx.read() as session:
        newest = select(ProcessVersion.key, func.max(ProcessVersion.version).label("v")).group_by(
            ProcessVersion.key).subquery()
        versions = list(session.scalars(select(ProcessVersion).join(
            newest, (ProcessVersion.key == newest.c.key) & (ProcessVersion.version == newest.c.v))))
        schools = [{"code": g.code.removeprefix("school-"), "name": g.name}
                   for g in session.scalars(select(Group).where(Group.kind == "school").order_by(Group.code))]
        for version in versions:
            processes.compiled(version)  # parse now, while called processes can still be read
    found = []
    for version in versions:
        for day in range(START_DAYS):
            start = now - timedelta(days=15 * day + 3)
            found.append(_simulate(version, schools, start, day % VARIANTS))
    return found


def _people_by_group(ctx: ServiceContext) -> dict[str, list[str]]:
    with ctx.read() as session:
        rows = session.execute(select(Group.code, User.username).join(Membership, Membership.group_id == Group.id)
                               .join(User, User.id == Membership.user_id))
        grouped: dict[str, list[str]] = {}
        for code, username in rows:
            grouped.setdefault(code, []).append(username)
        return grouped


def generate_cases(ctx: ServiceContext, count: int, rng_seed: int = 2570) -> dict[str, int]:
    """Insert `count` generated cases (with their steps and events); returns what was written."""
    rng = random.Random(rng_seed)
    now = ctx.now()
    templates = [t for t in _templates(ctx, now) if t.snapshots]
    members = _people_by_group(ctx)
    written = {"cases": 0, "events": 0, "tasks": 0}
    pending: list[tuple[dict, list[dict], list[dict]]] = []
    for _ in range(count):
        template = rng.choice(templates)
        snapshot = rng.choice(template.snapshots)
        pending.append(_case_rows(template, snapshot, rng, members, now))
        if len(pending) >= BATCH:
            _write(ctx, pending, written)
            pending = []
    if pending:
        _write(ctx, pending, written)
    return written


def _case_rows(template: _Template, snap: _Snapshot, rng: random.Random, members: dict[str, list[str]],
               now: datetime) -> tuple[dict, list[dict], list[dict]]:
    status = "completed" if snap.completed else rng.choices(["running", "suspended", "cancelled"], [90, 5, 5])[0]
    started = snap.events[0]["at"]
    case = {"fiscal_year": fiscal_year(started), "process_version_id": template.version.id,
            "process_key": template.version.key, "title": f"{template.version.name} (ตัวอย่าง)",
            "status": status, "state": snap.state, "state_format": engine.STATE_FORMAT, "data": snap.data,
            "lock_version": 1, "started_by": "plan1", "started_at": started,
            "completed_at": snap.at if status == "completed" else None, "last_event_at": snap.at,
            "status_reason": "ข้อมูลตัวอย่าง" if status in ("suspended", "cancelled") else None,
            "seed": template.seed, "secrecy": None}
    tasks = []
    for step, at in snap.done:
        tasks.append(_task_row(step, "completed", at, rng, members, now, completed_at=at))
    if status == "running":
        for step in snap.ready:
            tasks.append(_task_row(step, rng.choice(["open", "claimed"]), snap.at, rng, members, now))
    return case, list(snap.events), tasks


def _task_row(step: engine.HumanTask, status: str, at: datetime, rng: random.Random,
              members: dict[str, list[str]], now: datetime, completed_at: datetime | None = None) -> dict:
    group = casework.group_for(step)
    holder = rng.choice(members.get(group or "", []) or [None])
    days = step.info.due_working_days if step.info and step.info.due_working_days else None
    created = (completed_at - timedelta(hours=rng.randint(1, 72))) if completed_at else at
    claimed = created + timedelta(hours=rng.randint(0, 24)) if status != "open" else None
    return {"engine_id": step.engine_id, "spec_id": step.element_id, "name": step.name, "lane": step.lane,
            "group_code": group, "assignee": holder if status != "open" else None, "status": status,
            "form": step.info.form if step.info else None,
            "instance": step.instance if isinstance(step.instance, dict) else None, "created_at": created,
            "due_at": add_working_days(created, days) if days else None, "claimed_at": claimed,
            "completed_at": completed_at, "completed_by": holder if completed_at else None}


def _write(ctx: ServiceContext, pending: list[tuple[dict, list[dict], list[dict]]], written: dict[str, int]) -> None:
    with ctx.write() as session:
        for case_row, events, tasks in pending:
            year = case_row["fiscal_year"]
            number = next_case_number(session, year)
            case_id = session.execute(insert(Case).values(number=number, **case_row).returning(Case.id)).scalar_one()
            prev = history.GENESIS
            event_rows = []
            for raw in events:
                event = Event(case_id=case_id, seq=raw["seq"], at=raw["at"], actor=_actor_of(raw, tasks),
                              kind=raw["kind"], task_spec_id=raw["task_spec_id"],
                              task_engine_id=raw["task_engine_id"], data=raw["data"],
                              state_digest=raw.get("state_digest"), prev_hash=prev)
                event.hash = history.event_hash(number, event)
                prev = event.hash
                event_rows.append({c: getattr(event, c) for c in ("case_id", "seq", "at", "actor", "kind",
                                   "task_spec_id", "task_engine_id", "data", "state_digest", "prev_hash", "hash")})
            session.execute(insert(Event), event_rows)
            if tasks:
                session.execute(insert(Task), [{**t, "case_id": case_id} for t in tasks])
            written["cases"] += 1
            written["events"] += len(event_rows)
            written["tasks"] += len(tasks)


def _actor_of(raw: dict, tasks: list[dict]) -> str | None:
    if raw["kind"] == "case_started":
        return "plan1"
    for task in tasks:
        if task["engine_id"] == raw["task_engine_id"]:
            return task["completed_by"]
    return None


