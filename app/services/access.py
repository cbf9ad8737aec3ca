"""Who may see and act on which case and step. Every use case asks here; the web layer never decides."""
from __future__ import annotations

from sqlalchemy import exists, or_, select, true
from sqlalchemy.orm import Session

from app.store.models import Case, Task

from .actors import Actor
from .errors import Forbidden, Invalid, NotFound

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


INBOX_SCOPES = ("mine", "group", "all")


def inbox_branches(actor: Actor, scope: str) -> list:
    """Which open steps an inbox shows, as disjoint conditions: `mine` = held by me, and waiting
    unclaimed in my groups; `group` = the latter; `all` = every step (for supervisors: those of the
    groups they direct). The inbox page answers each branch from its own index."""
    held = Task.assignee == actor.username
    waiting = Task.group_code.in_(actor.groups) & Task.assignee.is_(None)
    if scope == "mine":
        return [held, waiting]
    if scope == "group":
        return [waiting]
    if scope != "all":
        raise Invalid("scope must be mine, group or all", {"scope": [f"choose from {', '.join(INBOX_SCOPES)}"]})
    if not (actor.is_admin or actor.is_supervisor or actor.is_auditor):
        raise Forbidden("only supervisors see every step")
    if actor.is_admin or "supervisor" in actor.roles or actor.is_auditor:
        return [true()]
    return [Task.group_code.in_(actor.supervised_groups)]


def inbox_clause(actor: Actor, scope: str):
    """The inbox's steps (see inbox_branches) as one condition."""
    return or_(*inbox_branches(actor, scope))
