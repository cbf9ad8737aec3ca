"""`planflow demo --cases N`: fill the database with N realistic cases of every process, in every state.

Running each case through the services would take hours for 100k cases. Instead the engine runs a
few hundred *template* trajectories in memory (each process, several decision variants, several start
days), recording every intermediate state; each generated case copies one template cut at some step,
with its own number, holders and status, and its own hash chain (see generator_rows). A generated case
keeps its template's seed and event times, so `verify` replays it like any other case.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app import engine
from app.services.accounts.schools import SCHOOL_LANE
from app.services.budget import on_steps as budget_steps
from app.services.catalog import processes
from app.services.kernel.context import ServiceContext
from app.store.models import Group, Membership, ProcessVersion, User

from .generator_rows import case_rows, write
from .sample_data import fill

MAX_STEPS = 40
VARIANTS = 3
START_DAYS = 24
BATCH = 1000
SETTLED_DAYS = 60  # a case older than this ...
UNSETTLED_SHARE = 0.1  # ... is still in progress only this often


@dataclass
class Done:
    """A step the template completed: when it became ready, was claimed and was completed."""

    step: engine.HumanTask
    created: datetime
    claimed: datetime
    completed: datetime


@dataclass
class Snapshot:
    events: list[dict[str, Any]]
    state: tuple[tuple[engine.Chunk, ...], str]  # as stored: the chunks and the live part (state format 2)
    data: dict[str, Any]
    ready: list[tuple[engine.HumanTask, datetime]]  # with when each became ready
    done: list[Done]
    at: datetime
    completed: bool
    # (event, state) once a clone was cancelled here
    cancelled: tuple[dict[str, Any], tuple[tuple[engine.Chunk, ...], str]] | None = None
    waits: list[engine.Wait] = field(default_factory=list)  # the messages and timers it waits on here


@dataclass
class Template:
    version: ProcessVersion
    seed: str
    snapshots: list[Snapshot] = field(default_factory=list)


def _simulate(version: ProcessVersion, schools: list[dict], start: datetime, variant: int,
              now: datetime, answered: Callable[[Any, dict, dict], dict]) -> Template:
    process = processes.compiled(version)
    rng = random.Random(f"{version.key}:{variant}:{start.isoformat()}")
    seed = f"tmpl-{version.key}-{variant}-{start:%Y%m%d}"
    template = Template(version=version, seed=seed)
    at, seq = start, 1
    data = {"schools": schools} if SCHOOL_LANE in process.lanes else {}
    workflow = engine.start(process, data, at, f"{seed}:{seq}")
    events = [{"seq": 1, "at": at, "kind": "case_started", "data": {"title": version.name, "data": data},
               "task_spec_id": None, "task_engine_id": None}]
    done: list[Done] = []
    ready_since: dict[str, datetime] = {}

    stored: list[engine.Chunk] = []

    def snap():
        # Saved after every engine event, as a real case is (replay saves at the same points).
        saved = engine.save_flat(workflow)
        stored[:] = [*([] if saved.replaces else stored), *saved.chunks]
        events[-1]["state_digest"] = saved.digest
        ready = engine.ready_human_tasks(workflow, process)
        for step in ready:
            ready_since.setdefault(step.engine_id, at)
        template.snapshots.append(Snapshot(
            events=list(events), state=(tuple(stored), saved.live), data=engine.case_data(workflow),
            ready=[(s, ready_since[s.engine_id]) for s in ready], done=list(done), at=at,
            completed=engine.is_completed(workflow), waits=engine.waiting_for(workflow, process)))

    snap()
    pick = (lambda options: options[0]) if variant == 0 else (lambda options: rng.choice(options))
    closed: set[str] = set()
    for _ in range(MAX_STEPS):
        ready = engine.ready_human_tasks(workflow, process)
        # The third variant's office closes each schools' round once two schools have sent.
        closing = [r for r in engine.open_rounds(workflow) if variant == 2 and r.received >= 2 and r.waiting
                   and r.element_id in process.rounds and r.element_id not in closed]
        if closing:
            moment = at + timedelta(hours=rng.randint(2, 30))
            if moment > now:
                break
            seq, at = seq + 1, moment
            events.append(_round_closed(closing[0], seq, at))
            engine.close_round(workflow, closing[0].round_id, at, f"{seed}:{seq}")
            closed.add(closing[0].element_id)
        elif ready:
            # Claimed first (an event of its own, as in the inbox), then worked on and sent.
            step = ready[0]
            form = version.forms.get(step.info.form) if step.info and step.info.form else None
            submitted = _with_empty_files(form, fill(form, pick=pick)) if form else {}
            submitted = answered(step.info, engine.task_data(workflow, step.engine_id), submitted)
            claimed = at + timedelta(hours=rng.randint(0, 30), minutes=rng.randint(0, 59))
            finished = claimed + timedelta(hours=rng.randint(1, 48), minutes=rng.randint(0, 59))
            if finished > now:
                break  # no history in the future: the case is cut where it stands today
            try:
                engine.complete(workflow, step.engine_id, submitted, finished, f"{seed}:{seq + 2}")
            except engine.EngineError:
                break
            events.append({"seq": seq + 1, "at": claimed, "kind": "task_claimed", "data": {},
                           "task_spec_id": step.element_id, "task_engine_id": step.engine_id})
            seq, at = seq + 2, finished
            done.append(Done(step, ready_since.get(step.engine_id, at), claimed, finished))
            events.append({"seq": seq, "at": at, "kind": "task_completed", "data": submitted,
                           "task_spec_id": step.element_id, "task_engine_id": step.engine_id})
        elif (due := engine.next_timer_at(workflow)) is not None:
            if max(at, due) + timedelta(minutes=1) > now:
                break
            seq, at = seq + 1, max(at, due) + timedelta(minutes=1)
            engine.fire_timers(workflow, at, f"{seed}:{seq}")
            events.append({"seq": seq, "at": at, "kind": "timers_fired", "data": {},
                           "task_spec_id": None, "task_engine_id": None})
        else:
            break
        snap()
        if template.snapshots[-1].completed:
            break
    return template


def _round_closed(round_: engine.OpenRound, seq: int, at: datetime) -> dict[str, Any]:
    """The event of the office closing a round with the schools still silent named (as cases.rounds records it)."""
    missing = [{"code": (item or {}).get("code"), "name": (item or {}).get("name"), "task_id": None}
               for _, item in round_.waiting]
    data = {"round": round_.element_id, "closed_by": "staff", "expected": round_.received + len(missing),
            "received": round_.received, "missing": missing, "closes_at": None}
    return {"seq": seq, "at": at, "kind": "round_closed", "actor": "plan1", "data": data,
            "task_spec_id": round_.element_id, "task_engine_id": round_.round_id}


def _with_empty_files(form: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """A generated step attaches no file, but its file fields are there (empty): a step's scripts read
    them, and without them the template would stop at the first step that asks for a file."""
    files = [name for name, prop in (form.get("properties") or {}).items()
             if prop.get("format") == "attachment" or (prop.get("items") or {}).get("format") == "attachment"]
    return {**{name: None for name in files}, **data}


def cancelled_at(template: Template, snap: Snapshot) -> tuple[dict[str, Any], str]:
    """The case_cancelled event and state of a clone cancelled at `snap`; computed once per snapshot
    (the engine step is the same for every clone: same seed, same time)."""
    if snap.cancelled is None:
        process = processes.compiled(template.version)
        chunks, live = snap.state
        workflow = engine.attach(engine.load_flat(process, [c.text for c in chunks], live))
        seq, at = snap.events[-1]["seq"] + 1, snap.at + timedelta(hours=3)
        engine.cancel(workflow, at, f"{template.seed}:{seq}")
        saved = engine.save_flat(workflow)
        event = {"seq": seq, "at": at, "kind": "case_cancelled", "data": {"reason": "ข้อมูลตัวอย่าง: ยกเลิก"},
                 "task_spec_id": None, "task_engine_id": None, "state_digest": saved.digest}
        snap.cancelled = (event, ((() if saved.replaces else chunks) + saved.chunks, saved.live))
    return snap.cancelled


def _templates(ctx: ServiceContext, now: datetime) -> list[Template]:
    with ctx.read() as session:
        newest = select(ProcessVersion.key, func.max(ProcessVersion.version).label("v")).group_by(
            ProcessVersion.key).subquery()
        # In the order of their keys: the same templates, and so the same cases, on every database.
        versions = list(session.scalars(select(ProcessVersion).join(
            newest, (ProcessVersion.key == newest.c.key) & (ProcessVersion.version == newest.c.v))
            .order_by(ProcessVersion.key)))
        schools = [{"code": g.code.removeprefix("school-"), "name": g.name}
                   for g in session.scalars(select(Group).where(Group.kind == "school").order_by(Group.code))]
        for version in versions:
            processes.compiled(version)  # parse now, while called processes can still be read
            version.forms  # noqa: B018 - load the deferred forms while the session is open
    found = []
    with ctx.read() as session:  # what the services add to a step as it is sent (who approves a transfer)
        def answered(info, step_data: dict, submitted: dict) -> dict:
            if budget_steps.concerns(info):
                return budget_steps.before_completion(session, step_data, submitted)
            return submitted

        for version in versions:
            for day in range(START_DAYS):
                start = now - timedelta(days=15 * day + 3)
                found.append(_simulate(version, schools, start, day % VARIANTS, now, answered))
    return found


def _people_by_group(ctx: ServiceContext) -> dict[str, list[str]]:
    with ctx.read() as session:
        rows = session.execute(select(Group.code, User.username).join(Membership, Membership.group_id == Group.id)
                               .join(User, User.id == Membership.user_id))
        grouped: dict[str, list[str]] = {}
        for code, username in rows:
            grouped.setdefault(code, []).append(username)
        return grouped


def _cut(template: Template, rng: random.Random, now: datetime) -> Snapshot:
    """Where a generated case stands today. The office finishes most cases within weeks, so a case
    started long ago is usually as far as its template goes (done, or waiting on what never came);
    some are still somewhere along the way (stalled, forgotten). A recent case may be at any step."""
    if (now - template.snapshots[0].at).days > SETTLED_DAYS and rng.random() > UNSETTLED_SHARE:
        return template.snapshots[-1]
    return rng.choice(template.snapshots)


def generate_cases(ctx: ServiceContext, count: int, rng_seed: int = 2570) -> dict[str, int]:
    """Insert `count` generated cases (with their steps and events); returns what was written."""
    rng = random.Random(rng_seed)
    now = ctx.now()
    templates = [t for t in _templates(ctx, now) if t.snapshots]
    members = _people_by_group(ctx)
    written = {"cases": 0, "events": 0, "tasks": 0}
    pending = []
    for _ in range(count):
        template = rng.choice(templates)
        pending.append(case_rows(template, _cut(template, rng, now), rng, members, now, cancelled_at))
        if len(pending) >= BATCH:
            write(ctx, pending, written)
            pending = []
    if pending:
        write(ctx, pending, written)
    return written
