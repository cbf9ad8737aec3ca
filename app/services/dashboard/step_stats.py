"""Keeps the dashboard's projections (store.dashboard_models) in step with the tasks table.

Why in the flush, not a trigger or a nightly refresh: every path that completes a step (the inbox, the
API, bulk actions) goes through the ORM, so an `after_flush` hook sees each step the moment it becomes
completed and writes its rows in the same transaction — a rolled-back step leaves no trace, a
committed one is counted at once, and no refresh can miss a transaction that committed late. A
database trigger would do the same but would also fire when a backup is restored table by table,
counting every step twice (the projections are restored from the backup like any other table).
Writers that bypass the ORM (the case generator's bulk inserts) call `record` themselves. The hook is
installed by the services' start-up wiring (app.services.startup), not by importing this module.

A month's total is one row per process and group, updated with an upsert: two steps of the same
process and group completed at the same moment wait on that row until the first commits — a few
milliseconds, at an office's pace of work.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, event, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.store.base import UTCDateTime
from app.store.dashboard_models import StepDuration, StepMonthTotal
from app.store.models import Case, Task
from app.thaidate import BANGKOK

_MICRO = timedelta(microseconds=1)


def month_of(at: datetime) -> str:
    """The Bangkok month a step was completed in (the trend is read by the office's calendar)."""
    return at.astimezone(BANGKOK).strftime("%Y-%m")


def duration_row(task_id: int, process_key: str, spec_id: str, name: str, group_code: str | None,
                 created: datetime, claimed: datetime | None, completed: datetime) -> dict[str, Any]:
    """The projection row of one completed step (durations in microseconds)."""
    return {"task_id": task_id, "process_key": process_key, "spec_id": spec_id, "name": name,
            "group_code": group_code, "completed_at": completed,
            "claim_us": ((claimed or completed) - created) // _MICRO,
            "work_us": (completed - claimed) // _MICRO if claimed is not None else None}


# The statements of one step's completion, as SQL text (the same on SQLite and PostgreSQL): SQLAlchemy
# cannot cache the dialects' INSERT … ON CONFLICT constructs, and building and compiling them again cost
# more than half a millisecond on every completion. Text statements are compiled once.
_DURATION_COLUMNS = ("task_id", "process_key", "spec_id", "name", "group_code", "completed_at", "claim_us",
                     "work_us")
_ADD_DURATION = text(
    f"INSERT INTO {StepDuration.__tablename__} ({', '.join(_DURATION_COLUMNS)})"
    f" VALUES ({', '.join(':' + c for c in _DURATION_COLUMNS)})"
    " ON CONFLICT (task_id) DO NOTHING RETURNING task_id"
).bindparams(bindparam("completed_at", type_=UTCDateTime()))
_ADD_TO_MONTH = text(
    f"INSERT INTO {StepMonthTotal.__tablename__} AS t (month, process_key, group_code, completed, total_us)"
    " VALUES (:month, :process_key, :group_code, :completed, :total_us)"
    " ON CONFLICT (month, process_key, group_code)"
    " DO UPDATE SET completed = t.completed + excluded.completed, total_us = t.total_us + excluded.total_us")


def record(connection: Connection, rows: list[dict[str, Any]], created: dict[int, datetime]) -> None:
    """Write completed steps' durations and add them to their months' totals.

    `created` gives each task's creation time (the trend's duration runs from it to completion)."""
    if not rows:
        return
    # A step already projected is left alone: when two people send the same step at once, the second
    # transaction waits for the first and then finds its row here. It must go on to the case's optimistic
    # lock, which turns it into a conflict for that person, not fail on this table's key.
    if len(rows) == 1:  # a step's completion
        added = set(connection.execute(_ADD_DURATION, rows[0]).scalars())
    else:  # bulk writers: one multi-row statement
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        durations = StepDuration.__table__
        added = set(connection.execute(
            dialect.insert(durations).on_conflict_do_nothing(index_elements=[durations.c.task_id])
            .returning(durations.c.task_id), rows).scalars())
    totals: dict[tuple[str, str, str], list[int]] = {}
    for row in (r for r in rows if r["task_id"] in added):
        key = (month_of(row["completed_at"]), row["process_key"], row["group_code"] or "")
        total = totals.setdefault(key, [0, 0])
        total[0] += 1
        total[1] += (row["completed_at"] - created[row["task_id"]]) // _MICRO
    for (month, process_key, group), (count, micros) in sorted(totals.items()):  # sorted: no deadlock between writers
        connection.execute(_ADD_TO_MONTH, {"month": month, "process_key": process_key, "group_code": group,
                                           "completed": count, "total_us": micros})


def _newly_completed(objects: Iterable[Any]) -> list[Task]:
    found = []
    for obj in objects:
        if isinstance(obj, Task) and obj.status == "completed":
            history = inspect(obj).attrs.status.history
            if history.added and "completed" not in history.deleted:
                found.append(obj)
    return found


def _process_keys(session: Session, connection: Connection, case_ids: set[int]) -> dict[int, str]:
    keys = {}
    for case_id in case_ids:
        case = session.identity_map.get(identity_key(Case, case_id))
        if case is not None:
            keys[case_id] = case.process_key
    missing = case_ids - set(keys)
    if missing:
        keys.update(connection.execute(select(Case.id, Case.process_key).where(Case.id.in_(missing))).tuples())
    return keys


def listen() -> None:
    """Keep the projections in every write from now on: the start-up wiring calls this (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def _after_flush(session: Session, _context) -> None:
    # Still the pre-flush view here: session.new and .dirty and each attribute's history are those
    # the flush just wrote, and every new row has its id.
    done = _newly_completed(list(session.new) + list(session.dirty))
    if not done:
        return
    connection = session.connection()
    keys = _process_keys(session, connection, {t.case_id for t in done})
    rows = [duration_row(t.id, keys[t.case_id], t.spec_id, t.name, t.group_code, t.created_at, t.claimed_at,
                         t.completed_at) for t in done]
    record(connection, rows, {t.id: t.created_at for t in done})

