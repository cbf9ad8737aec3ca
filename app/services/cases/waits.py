"""What a case waits on besides people: OBEC's allocation notice, the end of a hearing period.

The engine says what the workflow waits on; every step writes it into `case_waits` in the step's own
transaction (as open steps are written into `tasks`), so the case JSON, case lists and the dashboard
read it without loading workflows. Verify and replay never read or write this table: it is a
projection of the stored state, rebuilt by the next step.

What counts as stalled or overdue here (the dashboard and `GET /cases?stalled_days=&overdue=` share it):
- a message waited on since before the stalled cut-off makes its case stalled, whatever else happened
  to the case since (a file attached, a step claimed): nothing moves until the message comes;
- a timer still waiting TIMER_GRACE after its due time makes its case overdue. The scheduler fires a
  due timer within a tick (30 s), so such a timer means no scheduler is running, or firing it keeps
  failing (the scheduler's page shows why); a suspended case's timers wait for its resumption and are
  not counted, as its steps are not.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from app import engine
from app.store.models import Case, CaseWait

TIMER_GRACE = timedelta(minutes=10)
# Its own alias of the table for the EXISTS clauses below, so they also work inside queries of case_waits.
_WAIT = aliased(CaseWait)
_FIELDS = ("kind", "element_id", "name", "name_en", "lane", "message", "form", "since", "due_at")


def project(session: Session, case: Case, process: engine.CompiledProcess, workflow) -> list[CaseWait]:
    """Make `case_waits` match what the workflow waits on now (new waits added, ended ones removed);
    returns the case's waits, the longest-waiting first. Processes without catch events cost nothing."""
    if not process.catch_events:
        return []
    waiting = engine.waiting_for(workflow, process) if case.status in ("running", "suspended") else []
    rows = {row.engine_id: row for row in session.scalars(select(CaseWait).where(CaseWait.case_id == case.id))}
    current = []
    for wait in waiting:
        row = rows.pop(wait.engine_id, None)
        if row is None:
            row = CaseWait(case_id=case.id, engine_id=wait.engine_id)
            session.add(row)
        for name in _FIELDS:  # a migrated case's wait keeps its row and takes the new version's names
            if getattr(row, name) != getattr(wait, name):
                setattr(row, name, getattr(wait, name))
        current.append(row)
    for ended in rows.values():
        session.delete(ended)
    return current


# What the case JSON shows of a wait, read as plain rows (lists and the dashboard read many; no ORM objects).
_SHOWN = (CaseWait.case_id, CaseWait.kind, CaseWait.element_id, CaseWait.name, CaseWait.name_en, CaseWait.lane,
          CaseWait.message, CaseWait.form, CaseWait.since, CaseWait.due_at)
_ORDER = (CaseWait.since, CaseWait.element_id, CaseWait.id)


def of_case(session: Session, case_id: int) -> list:
    """The case's waits as last projected, the longest-waiting first."""
    return list(session.execute(select(*_SHOWN).where(CaseWait.case_id == case_id).order_by(*_ORDER)))


def of_cases(session: Session, case_ids: list[int]) -> dict[int, list]:
    """The waits of several cases (a list's page), by case."""
    found: dict[int, list] = {}
    if not case_ids:
        return found
    for row in session.execute(select(*_SHOWN).where(CaseWait.case_id.in_(case_ids)).order_by(*_ORDER)):
        found.setdefault(row.case_id, []).append(row)
    return found


def timer_overdue(row, now: datetime) -> bool:
    """A timer wait (a CaseWait or a row of its columns) still waiting TIMER_GRACE after its due time."""
    return row.kind == "timer" and row.due_at is not None and row.due_at + TIMER_GRACE < now


def stalled_clause(cutoff: datetime):
    """The case waits for a message since before `cutoff`."""
    return exists().where(_WAIT.case_id == Case.id, _WAIT.kind == "message", _WAIT.since < cutoff)


def overdue_clause(now: datetime):
    """The case is running and waits on a timer past its due time (see TIMER_GRACE)."""
    return and_(Case.status == "running", exists().where(
        _WAIT.case_id == Case.id, _WAIT.kind == "timer", _WAIT.due_at < now - TIMER_GRACE))


def in_lanes_clause(groups):
    """The case waits at an element of one of these lanes (its group director follows it)."""
    return exists().where(_WAIT.case_id == Case.id, _WAIT.lane.in_(groups))


def stalled_messages(cutoff: datetime):
    """(case id, since) of messages waited on since before `cutoff`, the longest first: the index's order."""
    return (select(CaseWait.case_id, CaseWait.since).join(Case, Case.id == CaseWait.case_id)
            .where(CaseWait.kind == "message", CaseWait.since < cutoff, Case.status == "running")
            .order_by(CaseWait.since))


def overdue_timers(now: datetime):
    """Timer waits past due (see TIMER_GRACE) of running cases, the most overdue first, with their case's columns."""
    return (select(*_SHOWN, Case.number, Case.title, Case.process_key).join(Case, Case.id == CaseWait.case_id)
            .where(CaseWait.kind == "timer", CaseWait.due_at < now - TIMER_GRACE, Case.status == "running")
            .order_by(CaseWait.due_at))
