"""What the group director needs at a glance: running cases, overdue steps and timers, stalled cases, each
person's and group's workload, the schools that have not submitted (with a one-click reminder)."""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    BigInteger,
    and_,
    any_,
    exists,
    func,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.services.calendar.working_days import subtract_working_days
from app.services.cases import history, rounds, waits
from app.services.cases.case_json import wait_dict
from app.services.catalog import processes
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Forbidden, Invalid
from app.services.scheduling import notifications
from app.services.scheduling.reminders import Recipients
from app.store.models import OPEN_STATUSES, Case, CaseWait, Group, ProcessVersion, Task
from app.thaidate import BANGKOK

from .scope import case_scope, group_scope, reading, require_viewer, task_scope


def open_cases(ctx: ServiceContext, actor: Actor) -> list[dict[str, Any]]:
    """Running cases counted by process and fiscal year."""
    require_viewer(actor)
    query = (select(Case.process_key, Case.fiscal_year, func.count())
             .where(Case.status == "running", case_scope(actor))
             .group_by(Case.process_key, Case.fiscal_year).order_by(Case.fiscal_year.desc(), Case.process_key))
    with reading(ctx) as session:
        return [{"process_key": k, "fiscal_year": y, "open": n} for k, y, n in session.execute(query)]


def overdue_steps(ctx: ServiceContext, actor: Actor, limit: int = 500) -> list[dict[str, Any]]:
    """Open steps past their due date with who holds them, and timers past their due time that have not
    fired (see waits.TIMER_GRACE), most overdue first; `kind` tells them apart."""
    require_viewer(actor)
    now = ctx.now()
    timers = (waits.overdue_timers(now).where(group_scope(actor, CaseWait.lane), access.visible_cases_clause(actor))
              .limit(limit))
    # Columns, not entities: a Case row brings its process version (XML and forms) and its data along.
    query = (select(Task.id, Task.case_id, Task.name, Task.group_code, Task.assignee, Task.due_at,
                    Case.number, Case.title, Case.process_key).join(Case, Case.id == Task.case_id)
             .where(Task.status.in_(OPEN_STATUSES), Task.due_at < now, Case.status == "running", task_scope(actor),
                    access.visible_cases_clause(actor))
             .order_by(Task.due_at).limit(limit))
    with reading(ctx) as session:
        steps = [{"kind": "step", "task_id": r.id, "case_id": r.case_id, "case_number": r.number,
                  "case_title": r.title, "process_key": r.process_key, "step": r.name, "group": r.group_code,
                  "assignee": r.assignee, "due_at": r.due_at.isoformat(), "days_overdue": (now - r.due_at).days,
                  "_due": r.due_at} for r in session.execute(query)]
        late = [{"kind": "timer", "task_id": None, "case_id": w.case_id, "case_number": w.number,
                 "case_title": w.title, "process_key": w.process_key, "step": w.name, "group": w.lane,
                 "assignee": None, "due_at": w.due_at.isoformat(), "days_overdue": (now - w.due_at).days,
                 "wait": wait_dict(w), "_due": w.due_at} for w in session.execute(timers)]
    rows = sorted(steps + late, key=lambda r: r["_due"])[:limit] if late else steps
    for row in rows:
        del row["_due"]
    return rows


def stalled_cases(ctx: ServiceContext, actor: Actor, working_days: int = 5, limit: int = 500) -> list[dict[str, Any]]:
    """Running cases with no event for `working_days` working days, or waiting that long for a message from
    outside (whatever else happened to them meanwhile), longest first, with the steps and the messages and
    timers they wait on. `stalled_since`: the last event, or when the oldest message wait began."""
    require_viewer(actor)
    cutoff = subtract_working_days(ctx.now(), max(working_days, 0))
    # Each way of being stalled read in its own index's order and cut at the limit, then merged.
    quiet = (select(Case.id.label("case_id"), Case.last_event_at.label("since"))
             .where(Case.status == "running", Case.last_event_at < cutoff, case_scope(actor))
             .order_by(Case.last_event_at).limit(limit).subquery())
    waiting = waits.stalled_messages(cutoff).where(case_scope(actor)).limit(limit).subquery()
    both = union_all(select(quiet.c.case_id, quiet.c.since), select(waiting.c.case_id, waiting.c.since)).subquery()
    stalled_since = func.min(both.c.since)
    query = (select(Case.id, Case.number, Case.title, Case.process_key, Case.last_event_at,
                    stalled_since.label("stalled_since"))
             .join(both, both.c.case_id == Case.id)
             .group_by(Case.id, Case.number, Case.title, Case.process_key, Case.last_event_at)
             .order_by(stalled_since, Case.id).limit(limit))
    with reading(ctx) as session:
        found = session.execute(query).all()
        holders: dict[int, list[dict[str, Any]]] = {c.id: [] for c in found}
        waiting_for: dict[int, list] = {}
        if found:
            page = _among(session, Task.case_id, list(holders))
            for t in session.execute(select(Task.id, Task.case_id, Task.name, Task.group_code, Task.assignee)
                                     .where(page, Task.status.in_(OPEN_STATUSES)).order_by(Task.id)):
                holders[t.case_id].append({"task_id": t.id, "step": t.name, "group": t.group_code,
                                           "assignee": t.assignee})
            waiting_for = waits.of_cases(session, list(holders))
        return [{"case_id": c.id, "case_number": c.number, "title": c.title, "process_key": c.process_key,
                 "last_event_at": c.last_event_at.isoformat(), "waiting_on": holders[c.id],
                 "stalled_since": c.stalled_since.isoformat() if c.stalled_since else None,
                 "waiting_for": [wait_dict(w) for w in waiting_for.get(c.id, [])]} for c in found]


def _among(session: Session, column, ids: list[int]):
    """`column` is one of the page's ids. On PostgreSQL one array parameter (`= ANY`): binding and sending
    500 separate parameters costs more than the query (and more than running the page's query again)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(ids, ARRAY(BigInteger)))
    return column.in_(ids)


def month_start(now: datetime) -> datetime:
    """The first moment of the Bangkok month `now` falls in (what 'done this month' counts from)."""
    local = now.astimezone(BANGKOK)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def workload(ctx: ServiceContext, actor: Actor) -> dict[str, list[dict[str, Any]]]:
    """Per person and per group: steps open, overdue, and done this month.

    Everyone who holds or held a step of a running or completed case is listed, with zeros if nothing
    is open or done this month. The counts read only the open steps and this month's completions
    (partial indexes); who is listed comes from walking the distinct holders and groups in their
    indexes, one probe each, rather than from grouping every step ever done."""
    require_viewer(actor)
    now, month = ctx.now(), month_start(ctx.now())
    counted = and_(task_scope(actor), _in_live_cases())
    holder = func.coalesce(Task.assignee, Task.completed_by)
    overdue = func.sum(sql_case((Task.due_at < now, 1), else_=0))
    open_steps = (select(holder, Task.group_code, func.count(), overdue, literal(0))
                  .where(Task.status.in_(OPEN_STATUSES), counted).group_by(holder, Task.group_code))
    done_steps = (select(holder, Task.group_code, literal(0), literal(0), func.count())
                  .where(Task.status == "completed", Task.completed_at >= month, counted)
                  .group_by(holder, Task.group_code))
    people: dict[str, list[int]] = {}
    groups: dict[str | None, list[int]] = {}
    with reading(ctx) as session:
        # A step's holder is its assignee, or whoever completed it if nobody holds it.
        for username in session.scalars(_distinct_walk(Task.assignee, counted)):
            people[username] = [0, 0, 0]
        for username in session.scalars(_distinct_walk(Task.completed_by, and_(Task.assignee.is_(None), counted))):
            people[username] = [0, 0, 0]
        for code in session.scalars(_distinct_walk(Task.group_code, counted)):
            groups[code] = [0, 0, 0]
        if session.scalar(select(exists().where(Task.group_code.is_(None), counted))):
            groups[None] = [0, 0, 0]
        for username, code, *counts in session.execute(union_all(open_steps, done_steps)):
            for totals in (people.get(username) if username is not None else None, groups.get(code)):
                if totals is not None:
                    totals[:] = [a + int(b or 0) for a, b in zip(totals, counts, strict=True)]
    by_overdue = lambda item: (-item[1][1], item[0] or "")  # noqa: E731 - most overdue first, then by name
    return {
        "people": [{"username": u, "open": o, "overdue": d, "done_this_month": m}
                   for u, (o, d, m) in sorted(people.items(), key=by_overdue)],
        "groups": [{"group": g, "open": o, "overdue": d, "done_this_month": m}
                   for g, (o, d, m) in sorted(groups.items(), key=by_overdue)],
    }


def _in_live_cases():
    """The step's case is running or completed. Said as "not one of the others" because those
    (suspended, cancelled) are few: a small hashed list of ids instead of a join with every case."""
    return Task.case_id.not_in(select(Case.id).where(Case.status.not_in(("running", "completed"))))


def _distinct_walk(column, where):
    """The distinct non-null values of an indexed tasks column among the rows matching `where`, found
    by a recursive query that jumps from each value to the next in the index (a loose index scan):
    one short probe per value instead of reading every row."""
    def next_after(previous):
        query = select(column).where(column.is_not(None), where)
        if previous is not None:
            query = query.where(column > previous)
        return query.order_by(column).limit(1).scalar_subquery()

    walk = select(next_after(None).label("value")).cte("walk", recursive=True)
    walk = walk.union_all(select(next_after(walk.c.value)).where(walk.c.value.is_not(None)))
    return select(walk.c.value).where(walk.c.value.is_not(None))


def missing_submissions(ctx: ServiceContext, actor: Actor, limit: int = 500) -> list[dict[str, Any]]:
    """For each per-school step still open, the schools that have not submitted: the first `limit`
    steps, oldest case first (as the other lists, a page's worth: at 100k cases there are thousands).
    `closes_round`: the step is a round the actor may close now (cases.rounds)."""
    require_viewer(actor)
    waiting = (Task.instance.is_not(None), Task.status.in_(OPEN_STATUSES), Case.status == "running",
               access.visible_cases_clause(actor))
    # The steps first, read in the order of their partial index and cut at the limit; then their schools.
    steps = (select(Task.case_id, Task.spec_id).join(Case, Case.id == Task.case_id).where(*waiting)
             .group_by(Task.case_id, Task.spec_id).order_by(Task.case_id, Task.spec_id).limit(limit).subquery())
    query = (select(Task.id, Task.spec_id, Task.name, Task.group_code, Task.due_at, Case.id.label("case_id"),
                    Case.number, Case.title, Case.process_version_id, Group.name.label("school_name"))
             .join(steps, and_(steps.c.case_id == Task.case_id, steps.c.spec_id == Task.spec_id))
             .join(Case, Case.id == Task.case_id)
             .outerjoin(Group, Group.code == Task.group_code)
             .where(*waiting)
             .order_by(Case.id, Task.spec_id, Task.group_code))
    grouped: dict[tuple[int, str], dict[str, Any]] = {}
    with reading(ctx) as session:
        for r in session.execute(query):
            entry = grouped.setdefault((r.case_id, r.spec_id), {
                "case_id": r.case_id, "case_number": r.number, "title": r.title, "step": r.name,
                "spec_id": r.spec_id, "due_at": r.due_at.isoformat() if r.due_at else None, "schools": [],
                "version_id": r.process_version_id})
            entry["schools"].append({"group": r.group_code, "name": r.school_name or r.group_code,
                                     "task_id": r.id})
        _mark_rounds(session, actor, list(grouped.values()))
    return list(grouped.values())


def _mark_rounds(session: Session, actor: Actor, entries: list[dict[str, Any]]) -> None:
    """Which of the steps are rounds the actor may close (each diagram version parsed once)."""
    ids = {entry["version_id"] for entry in entries}
    versions = {v.id: v for v in session.scalars(select(ProcessVersion).where(ProcessVersion.id.in_(ids)))} \
        if ids else {}
    for entry in entries:
        process = processes.compiled(versions[entry.pop("version_id")])
        entry["closes_round"] = rounds.may_close(actor, process, entry["spec_id"])


def remind_missing(ctx: ServiceContext, actor: Actor, case_id: int, spec_id: str) -> dict[str, Any]:
    """One click from the dashboard: remind every school that has not yet submitted a per-school step.

    Each school's users get an in-app notification and the case's history records one `reminder_sent`
    event per school, exactly as the scheduler's reminders do (a reminder is not progress: the case's
    last_event_at stays, so it can still show as stalled)."""
    require_viewer(actor)
    now = ctx.now()
    with ctx.write() as session:
        case = access.get_visible_case(session, actor, case_id)
        steps = session.scalars(select(Task).where(
            Task.case_id == case.id, Task.spec_id == spec_id, Task.instance.is_not(None),
            Task.status.in_(OPEN_STATUSES)).order_by(Task.group_code)).all()
        if not steps:
            raise Invalid("every school has submitted this step", {"spec_id": ["ไม่มีโรงเรียนที่ยังไม่ส่ง"]})
        if case.status != "running":
            raise Invalid("the case is not running", {"case_id": ["เรื่องนี้ไม่ได้อยู่ระหว่างดำเนินการ"]})
        if not (actor.is_admin or "supervisor" in actor.roles
                or any(actor.supervises(t.group_code) for t in session.scalars(
                    select(Task).where(Task.case_id == case.id)))):
            raise Forbidden("only supervisors of the case's groups and administrators send reminders")
        people = Recipients(session, steps, escalations=False)  # the scheduler's recipients, reused
        previous = history.last_event(case)
        stand_in = SimpleNamespace(id=case.id, number=case.number, last_event_at=None)
        reminded = []
        for step in steps:
            recipients = people.for_step(step, escalation=False)
            title = f"โปรดส่งงาน: {step.name} ({case.number})"
            body = (f"ขั้นตอน «{step.name}» ของเรื่องเลขที่ {case.number} ({case.title}) "
                    f"ยังไม่ได้รับงานจากหน่วยงานของท่าน โปรดดำเนินการและส่งงาน")
            for person in recipients:
                notifications.add(session, user_id=person.user_id, kind="reminder", title=title, body=body,
                                  link=f"/tasks/{step.id}", case_id=case.id, task_id=step.id, job_key=None,
                                  now=now)
            previous = history.append(
                session, stand_in, previous, now, actor.username, "reminder_sent",
                data={"stage": "manual", "group": step.group_code, "to": [p.username for p in recipients],
                      "due_at": step.due_at.isoformat() if step.due_at else None},
                task_spec_id=step.spec_id, task_engine_id=step.engine_id)
            reminded.append({"group": step.group_code, "task_id": step.id,
                             "to": [p.username for p in recipients]})
        session.execute(update(Case.__table__).where(Case.__table__.c.id == case.id)
                        .values(lock_version=Case.__table__.c.lock_version + 1, last_seq=previous.seq,
                                last_hash=previous.hash))
        return {"case_id": case.id, "spec_id": spec_id, "schools": reminded}
