"""The rows of one generated case, cloned from a template snapshot, and their bulk insert.

A clone takes the template's events (same seed, times and data, so replay reaches the same states),
its own number, its own holders for every step (the claim and completion events name them), a status
(running, suspended, cancelled or completed) and its own hash chain. Rows are written a batch at a
time with multi-row INSERTs and one case-number reservation per fiscal year and batch.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app import engine
from app.services.calendar.working_days import add_working_days
from app.services.cases import history, step_runner
from app.services.dashboard import step_stats
from app.services.kernel.context import ServiceContext
from app.store.models import Case, CaseCounter, CaseStateChunk, CaseWait, DueTimer, Event, Task
from app.thaidate import fiscal_year

REASON = "ข้อมูลตัวอย่าง"
_EVENT_COLUMNS = ("seq", "at", "actor", "kind", "task_spec_id", "task_engine_id", "data", "state_digest")


def case_rows(template, snap, rng: random.Random, members: dict[str, list[str]], now: datetime,
              cancelled: Callable) -> tuple[dict, list[dict], list[dict], list[dict]]:
    """(case, events, steps, waits) of one clone; events carry no hashes yet (they need the case number)."""
    status = "completed" if snap.completed else rng.choices(["running", "suspended", "cancelled"], [90, 5, 5])[0]
    events = [dict(e) for e in snap.events]
    state = snap.state
    holders: dict[str, str | None] = {}
    tasks = []
    for done in snap.done:
        holder = _holder(done.step, rng, members)
        holders[done.step.engine_id] = holder
        tasks.append(_task_row(done.step, "completed", done.created, holder, claimed=done.claimed,
                               completed=done.completed))
    if status == "cancelled":
        event, state = cancelled(template, snap)
        events.append(dict(event, actor="director"))
        tasks += [_task_row(step, "cancelled", created, None, completed=event["at"]) for step, created in snap.ready]
    elif status in ("running", "suspended"):
        for step, created in snap.ready:
            if rng.random() < 0.5:
                tasks.append(_task_row(step, "open", created, None))
                continue
            # A claimed step: its claim is an event of the history, after everything before it.
            holder = _holder(step, rng, members)
            claimed = min(now, events[-1]["at"] + timedelta(hours=rng.randint(0, 30), minutes=rng.randint(1, 59)))
            holders[step.engine_id] = holder
            tasks.append(_task_row(step, "claimed", created, holder, claimed=claimed))
            events.append({"seq": events[-1]["seq"] + 1, "at": claimed, "kind": "task_claimed", "data": {},
                           "task_spec_id": step.element_id, "task_engine_id": step.engine_id})
        if status == "suspended":
            at = min(now, events[-1]["at"] + timedelta(hours=rng.randint(1, 72)))
            events.append({"seq": events[-1]["seq"] + 1, "at": at, "kind": "case_suspended", "actor": "director",
                           "data": {"reason": REASON}, "task_spec_id": None, "task_engine_id": None})
    for event in events:
        if "actor" not in event:
            event["actor"] = "plan1" if event["kind"] == "case_started" else holders.get(event["task_engine_id"])
    last = events[-1]["at"]
    chunks, live = state
    case = {"fiscal_year": fiscal_year(snap.events[0]["at"]), "process_version_id": template.version.id,
            "process_key": template.version.key, "title": f"{template.version.name} (ตัวอย่าง)",
            "status": status, "state": live, "state_format": engine.FLAT_STATE_FORMAT, "data": snap.data,
            "flat_since_seq": 1, "chunks": chunks,
            "lock_version": 1, "started_by": "plan1", "started_at": snap.events[0]["at"],
            "completed_at": snap.at if status == "completed" else None, "last_event_at": last,
            "status_reason": REASON if status in ("suspended", "cancelled") else None,
            "seed": template.seed, "secrecy": None}
    waiting = [_wait_row(w) for w in snap.waits] if status in ("running", "suspended") else []
    return case, events, tasks, waiting


def _wait_row(wait: engine.Wait) -> dict:
    return {"engine_id": wait.engine_id, "kind": wait.kind, "element_id": wait.element_id, "name": wait.name,
            "name_en": wait.name_en, "lane": wait.lane, "message": wait.message, "form": wait.form,
            "since": wait.since, "due_at": wait.due_at}


def _holder(step: engine.HumanTask, rng: random.Random, members: dict[str, list[str]]) -> str | None:
    return rng.choice(members.get(step_runner.group_for(step) or "", []) or [None])


def _task_row(step: engine.HumanTask, status: str, created: datetime, holder: str | None,
              claimed: datetime | None = None, completed: datetime | None = None) -> dict:
    days = step.info.due_working_days if step.info and step.info.due_working_days else None
    return {"engine_id": step.engine_id, "spec_id": step.element_id, "name": step.name, "lane": step.lane,
            "group_code": step_runner.group_for(step), "assignee": holder, "status": status,
            "form": step.info.form if step.info else None,
            "instance": step.instance if isinstance(step.instance, dict) else None, "created_at": created,
            "due_at": add_working_days(created, days) if days else None, "claimed_at": claimed,
            "completed_at": completed, "completed_by": holder if status == "completed" else None}


def _reserve_numbers(session: Session, year: int, count: int) -> list[str]:
    """`count` consecutive case numbers of a fiscal year, reserved with one statement."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(CaseCounter).values(fiscal_year=year, last_seq=count).on_conflict_do_update(
        index_elements=[CaseCounter.fiscal_year], set_={"last_seq": CaseCounter.last_seq + count},
    ).returning(CaseCounter.last_seq)
    last = session.execute(statement).scalar_one()
    return [f"{year}/{seq:04d}" for seq in range(last - count + 1, last + 1)]


def _project(session: Session, pending, case_ids: list[int], task_rows: list[dict], task_ids: list[int]) -> None:
    """The dashboard's projections of the completed steps (bulk inserts bypass the ORM's flush hook)."""
    process_of = {case_id: row[0]["process_key"] for case_id, row in zip(case_ids, pending, strict=True)}
    done = [(task_id, t) for task_id, t in zip(task_ids, task_rows, strict=True) if t["status"] == "completed"]
    rows = [step_stats.duration_row(task_id, process_of[t["case_id"]], t["spec_id"], t["name"], t["group_code"],
                                    t["created_at"], t["claimed_at"], t["completed_at"]) for task_id, t in done]
    step_stats.record(session.connection(), rows, {task_id: t["created_at"] for task_id, t in done})


def _chained(number: str, events: list[dict]) -> list[dict]:
    """A clone's event rows, hash-chained under its case number."""
    rows, prev = [], history.GENESIS
    for raw in events:
        row = {c: raw.get(c) for c in _EVENT_COLUMNS}
        row["prev_hash"] = prev
        row["hash"] = prev = history.event_hash(number, SimpleNamespace(**row))
        rows.append(row)
    return rows


def write(ctx: ServiceContext, pending: list[tuple[dict, list[dict], list[dict], list[dict]]],
          written: dict[str, int]) -> None:
    """Insert a batch of generated cases with their events, steps, waits and timers, and project their steps."""
    with ctx.write() as session:
        by_year: dict[int, list[int]] = {}
        for position, (case_row, *_) in enumerate(pending):
            by_year.setdefault(case_row["fiscal_year"], []).append(position)
        numbers: list[str] = [""] * len(pending)
        for year, positions in sorted(by_year.items()):
            for position, number in zip(positions, _reserve_numbers(session, year, len(positions)), strict=True):
                numbers[position] = number
        # Core inserts on the connection: the ORM's bulk path would rebuild rows it has no use for. Each
        # case's events are chained first: its row keeps the last one's seq and hash.
        connection = session.connection()
        cases, tasks_table = Case.__table__, Task.__table__
        chained = [_chained(number, events) for number, (_, events, *_) in zip(numbers, pending, strict=True)]
        case_rows_numbered = [{**{k: v for k, v in c.items() if k != "chunks"}, "number": n,
                               "last_seq": e[-1]["seq"], "last_hash": e[-1]["hash"]}
                              for (c, *_), n, e in zip(pending, numbers, chained, strict=True)]
        ids = connection.execute(insert(cases).returning(cases.c.id, sort_by_parameter_order=True),
                                 case_rows_numbered).scalars().all()
        event_rows, task_rows, wait_rows, timer_rows, chunk_rows = [], [], [], [], []
        for case_id, events, (case_row, _, tasks, waiting) in zip(ids, chained, pending, strict=True):
            event_rows += [{**e, "case_id": case_id} for e in events]
            chunk_rows += [{"case_id": case_id, "seq": c.seq, "text": c.text, "chain": c.chain}
                           for c in case_row["chunks"]]
            task_rows += [{**t, "case_id": case_id} for t in tasks]
            wait_rows += [{**w, "case_id": case_id} for w in waiting]
            timers = [w["due_at"] for w in waiting if w["due_at"] is not None]
            if timers:  # so the scheduler wakes the clone as it would a real case
                timer_rows.append({"case_id": case_id, "due_at": min(timers), "attempts": 0})
        if chunk_rows:
            connection.execute(insert(CaseStateChunk.__table__), chunk_rows)
        connection.execute(insert(Event.__table__), event_rows)
        if wait_rows:
            connection.execute(insert(CaseWait.__table__), wait_rows)
        if timer_rows:
            connection.execute(insert(DueTimer.__table__), timer_rows)
        if task_rows:
            task_ids = connection.execute(insert(tasks_table).returning(tasks_table.c.id, sort_by_parameter_order=True),
                                          task_rows).scalars().all()
            _project(session, pending, ids, task_rows, task_ids)
        written["cases"] += len(pending)
        written["events"] += len(event_rows)
        written["tasks"] += len(task_rows)
