"""Who may see and act on which case and step. Every use case asks here; the web layer never decides."""
from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from app.store.models import Case, Task

from .actors import Actor
from .errors import Forbidden, NotFound

CASE_WIDE_ROLES = ("admin", "auditor", "supervisor")


def sees_every_case(actor: Actor) -> bool:
    return any(role in actor.roles for role in CASE_WIDE_ROLES) or bool(actor.supervised_groups)


def visible_cases_clause(actor: Actor):
    """A WHERE clause limiting cases to those the actor may see."""
    if sees_every_case(actor):
        return True
    involved = exists().where(Task.case_id == Case.id, or_(Task.group_code.in_(actor.groups),
                                                           Task.assignee == actor.username,
                                                           Task.completed_by == actor.username))
    return or_(Case.started_by == actor.username, involved)


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
