"""Who may see and act on which case and step. Every use case asks here; the web layer never decides."""
from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from app.store.models import Case, Task

from .actors import Actor
from .errors import Forbidden, NotFound

CASE_WIDE_ROLES = ("admin", "auditor", "supervisor")
# Secrecy levels of the 1983 Correspondence Regulation and the 1974 National Security Regulation.
SECRET_LEVELS = ("confidential", "secret", "top_secret")  # ลับ, ลับมาก, ลับที่สุด
CLEARED_ROLE = "cleared"  # holds a clearance for secret documents (auditors who may read them)


def sees_every_case(actor: Actor) -> bool:
    return any(role in actor.roles for role in CASE_WIDE_ROLES) or bool(actor.supervised_groups)


def secrecy_of(data: dict) -> str | None:
    value = data.get("secrecy") if isinstance(data, dict) else None
    return value if value in SECRET_LEVELS else None


def visible_cases_clause(actor: Actor):
    """A WHERE clause limiting cases to those the actor may see.

    A secret case is seen only by the people it was given to (its registrar, assignees and those who
    completed its steps), the directors of its groups, and cleared auditors — not by the rest of its
    groups, and not by supervisors or administrators elsewhere.
    """
    if CLEARED_ROLE in actor.roles:
        return True
    step = aliased(Task)  # its own alias, so the clause also works inside queries that select tasks
    personally = or_(Case.started_by == actor.username, exists().where(
        step.case_id == Case.id, or_(step.assignee == actor.username, step.completed_by == actor.username)))
    directs = exists().where(step.case_id == Case.id, step.group_code.in_(actor.supervised_groups))
    secret_allowed = or_(personally, directs)
    ordinary = Case.secrecy.is_(None)
    if sees_every_case(actor):
        return or_(ordinary, secret_allowed)
    in_groups = exists().where(step.case_id == Case.id, step.group_code.in_(actor.groups))
    return or_(and_(ordinary, or_(personally, in_groups)), secret_allowed)


def visible_tasks_clause(actor: Actor):
    """Steps of secret cases wait for their director to assign them; the group queue does not show them."""
    if CLEARED_ROLE in actor.roles:
        return True
    return or_(Case.secrecy.is_(None), Task.assignee == actor.username, Task.group_code.in_(actor.supervised_groups))


def get_visible_case(session: Session, actor: Actor, case_id: int) -> Case:
    """The case, or NotFound when it does not exist or the actor may not know it exists."""
    case = session.scalar(select(Case).where(Case.id == case_id, visible_cases_clause(actor)))
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def may_work_on(actor: Actor, task: Task) -> bool:
    """Members of the step's group, its assignee, and the group's supervisors."""
    return (task.assignee == actor.username or actor.in_group(task.group_code)
            or actor.supervises(task.group_code))


def require_work_on(actor: Actor, task: Task) -> None:
    if not may_work_on(actor, task):
        raise Forbidden("this step belongs to another group")


def require_supervisor(actor: Actor, group_code: str | None = None) -> None:
    if not actor.supervises(group_code) and "supervisor" not in actor.roles:
        raise Forbidden("only supervisors and administrators may do this")
