"""Starting, reading and stopping cases."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app import engine
from app.services.accounts import schools
from app.services.calendar.working_days import subtract_working_days
from app.services.catalog import processes
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict, Forbidden, Invalid
from app.services.letters import on_steps
from app.store.models import OPEN_STATUSES, Case, CaseCounter, Event, Task
from app.thaidate import fiscal_year

from . import history, rounds, step_runner, waits
from .case_json import case_dict

MAX_TITLE = 500


def next_case_number(session: Session, year: int) -> str:
    """The next case number of the fiscal year, e.g. 2570/0001; safe when two cases start at once."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(CaseCounter).values(fiscal_year=year, last_seq=1)
    statement = statement.on_conflict_do_update(
        index_elements=[CaseCounter.fiscal_year], set_={"last_seq": CaseCounter.last_seq + 1},
    ).returning(CaseCounter.last_seq)
    seq = session.execute(statement).scalar_one()
    return f"{year}/{seq:04d}"


def may_start(actor: Actor, version) -> bool:
    """Members of the process's lanes (other than schools), supervisors and administrators."""
    if actor.is_admin or actor.is_supervisor:
        return True
    lanes = {lane for lane in processes.compiled(version).lanes if lane != schools.SCHOOL_LANE}
    return bool(lanes & actor.groups) or not lanes


def start_case(ctx: ServiceContext, actor: Actor, process_key: str, title: str,
               data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Start a case on the newest version of the process; its first steps open at once."""
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise Invalid("a title of 1 to 500 characters is required", {"title": ["กรุณากรอกชื่อเรื่อง (required)"]})
    if data is not None and not isinstance(data, dict):
        raise Invalid("data must be a JSON object", {"data": ["must be an object"]})
    now = ctx.now()
    with ctx.write() as session:
        result, case, workflow = start_case_in_session(session, actor, process_key, title, data, now)
    step_runner.remember(ctx, case, workflow)
    return result


def start_case_in_session(session: Session, actor: Actor, process_key: str, title: str,
                          data: dict[str, Any] | None, now: datetime):
    """Start a case inside the caller's transaction (the scheduler's timed starts share their job's)."""
    version = processes.latest_version(session, process_key)
    if not may_start(actor, version):
        raise Forbidden("you are not in a group that starts this process")
    process = processes.compiled(version)
    start_data = dict(data or {})
    if schools.SCHOOL_LANE in process.lanes and "schools" not in start_data:
        start_data["schools"] = schools.school_register(session)
    year = fiscal_year(now)
    case = Case(number=next_case_number(session, year), fiscal_year=year, process_version_id=version.id,
                process_key=version.key, title=title, status="running", state="", state_format=engine.FLAT_STATE_FORMAT,
                data={}, started_by=actor.username, started_at=now, last_event_at=now)
    case.version = version
    session.add(case)
    session.flush()
    seed = step_runner.seed(case, 1)
    try:
        workflow = engine.start(process, start_data, now, seed)
    except (engine.StepFailed, engine.EngineStall, engine.RunTooLong) as exc:
        raise step_runner.engine_refusal(exc, "the case could not start") from None
    digest = step_runner.save_state(session, case, workflow, now)
    step_runner.project_tasks(session, case, process, workflow, now)
    waiting = waits.project(session, case, process, workflow)
    history.append(session, case, None, now, actor.username, "case_started",
                   data={"title": title, "data": engine.json_safe(start_data)}, state_digest=digest)
    session.flush()
    return case_dict(case, _open_tasks(session, case), waits=waiting), case, workflow


def _open_tasks(session: Session, case: Case) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case.id, Task.status.in_(OPEN_STATUSES))
                                .order_by(Task.id)))


def get_case(ctx: ServiceContext, actor: Actor, case_id: int) -> dict[str, Any]:
    """One case with its data, its open steps and what else it waits for (a message's form in full)."""
    with ctx.read() as session:
        case = access.get_visible_case(session, actor, case_id)
        waiting = waits.of_case(session, case.id)
        forms = ctx.workflow_cache.forms(case.version) if any(w.kind == "message" for w in waiting) else None
        return case_dict(case, _open_tasks(session, case), with_data=True, waits=waiting, forms=forms)


def list_cases(ctx: ServiceContext, actor: Actor, status: str | None = None, process_key: str | None = None,
               overdue: bool = False, stalled_days: int | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Cases the actor may see, newest first, filtered as the supervisors' lists need."""
    now = ctx.now()
    with ctx.read() as session:
        query = select(Case).where(access.visible_cases_clause(actor))
        if status:
            query = query.where(Case.status == status)
        if process_key:
            query = query.where(Case.process_key == process_key)
        if overdue:
            query = query.where(or_(Case.id.in_(select(Task.case_id).where(
                Task.status.in_(OPEN_STATUSES), Task.due_at < now)), waits.overdue_clause(now)))
        if stalled_days is not None:
            cutoff = subtract_working_days(now, stalled_days)
            query = query.where(Case.status == "running",
                                or_(Case.last_event_at < cutoff, waits.stalled_clause(cutoff)))
        cases = session.scalars(query.order_by(Case.id.desc()).limit(min(max(limit, 1), 5000))).all()
        open_by_case: dict[int, list[Task]] = {c.id: [] for c in cases}
        if cases:
            for task in session.scalars(select(Task).where(Task.case_id.in_(list(open_by_case)),
                                                           Task.status.in_(OPEN_STATUSES))):
                open_by_case[task.case_id].append(task)
        waiting = waits.of_cases(session, list(open_by_case)) if cases else {}
        return [case_dict(c, open_by_case[c.id], waits=waiting.get(c.id)) for c in cases]


_TRANSITIONS = {"cancel": ({"running", "suspended"}, "cancelled", "case_cancelled"),
                "suspend": ({"running"}, "suspended", "case_suspended"),
                "resume": ({"suspended"}, "running", "case_resumed")}


def change_status(ctx: ServiceContext, actor: Actor, case_id: int, action: str, reason: str) -> dict[str, Any]:
    """Cancel, suspend or resume a case with a reason; 409 when its status does not allow it."""
    allowed_from, new_status, kind = _TRANSITIONS[action]
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("a reason is required", {"reason": ["กรุณาระบุเหตุผล (required)"]})
    now = ctx.now()
    with ctx.write() as session:
        case = access.get_visible_case(session, actor, case_id)
        groups = {t.group_code for t in _open_tasks(session, case)} or {None}
        if not actor.is_admin and not any(actor.supervises(g) for g in groups) and "supervisor" not in actor.roles:
            raise Forbidden("only supervisors of the case's groups and administrators may do this")
        if case.status not in allowed_from:
            raise Conflict(f"a {case.status} case cannot be {new_status}")
        case.status, case.status_reason = new_status, reason
        workflow = None
        if action == "cancel":
            workflow = step_runner.run_step(ctx, session, case, actor.username, kind, now,
                                            lambda wf, seed: engine.cancel(wf, now, seed),
                                            data={"reason": reason}).workflow
            on_steps.case_cancelled(session, case.id)
        else:
            previous = history.last_event(case)
            history.append(session, case, previous, now, actor.username, kind, data={"reason": reason})
            if action == "resume":
                rounds.close_overdue_on_resume(session, case, now)
        session.flush()
        result = case_dict(case, _open_tasks(session, case), waits=waits.of_case(session, case.id))
    if workflow is not None:
        step_runner.remember(ctx, case, workflow)
    return result


def case_history(ctx: ServiceContext, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    """The events of a case the actor may see, in order."""
    with ctx.read() as session:
        case = access.get_visible_case(session, actor, case_id)
        events = session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq)).all()
        return [history.event_dict(e) for e in events]



def get_case_in_session(session: Session, case: Case) -> dict[str, Any]:
    """A case as docs/api.md shows it, read in the caller's session."""
    return case_dict(case, _open_tasks(session, case), waits=waits.of_case(session, case.id))
