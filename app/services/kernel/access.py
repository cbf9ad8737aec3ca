"""Who may see and act on which case and step. Every use case asks here; the web layer never decides."""
from __future__ import annotations

from sqlalchemy import and_, exists, or_, select, true
from sqlalchemy.orm import Session, aliased

from app.store.models import Case, Task

from .actors import Actor
from .errors import Forbidden, Invalid, NotFound

CASE_WIDE_ROLES = ("admin", "auditor", "supervisor")
# Secrecy levels of the 1983 Correspondence Regulation and the 1974 National Security Regulation.
SECRET_LEVELS = ("confidential", "secret", "top_secret")  # ลับ, ลับมาก, ลับที่สุด
CLEARED_ROLE = "cleared"  # holds a clearance for secret documents (auditors who may read them)


def sees_every_case(actor: Actor) -> bool:
    """Administrators, auditors, supervisors and group directors see every ordinary case."""
    return any(role in actor.roles for role in CASE_WIDE_ROLES) or bool(actor.supervised_groups)


# Where case data declares secrecy: the letter a case is about (correspondence) and a letter it sends
# (the official_letter process's `letter_secrecy`).
SECRECY_FIELDS = ("secrecy", "letter_secrecy")


def secrecy_of(data: dict, current: str | None = None) -> str | None:
    """The highest secrecy level case data declares, never below `current` (a case that held a secret letter
    stays secret: its history holds what was secret), or None for an ordinary case."""
    found = [current] if current in SECRET_LEVELS else []
    if isinstance(data, dict):
        found += [data.get(name) for name in SECRECY_FIELDS if data.get(name) in SECRET_LEVELS]
    return max(found, key=SECRET_LEVELS.index) if found else None


# Its own alias of the tasks table, so the clause also works inside queries that select tasks. Made
# once: building an alias's column proxies costs more than the rest of the clause.
_STEP = aliased(Task)


def visible_cases_clause(actor: Actor):
    """A WHERE clause limiting cases to those the actor may see.

    A secret case is seen only by the people it was given to (its registrar, assignees and those who
    completed its steps), the directors of its groups, and cleared auditors — not by the rest of its
    groups, and not by supervisors or administrators elsewhere.
    """
    if CLEARED_ROLE in actor.roles:
        return True
    step = _STEP
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
    """Steps of secret cases wait for their director to assign them: no group queue or office-wide
    list shows them, only their holder, the directors of their group and cleared auditors."""
    if CLEARED_ROLE in actor.roles:
        return true()
    secret_cases = select(Case.id).where(Case.secrecy.is_not(None))
    return or_(Task.case_id.not_in(secret_cases), Task.assignee == actor.username,
               Task.group_code.in_(actor.supervised_groups))


def sees_case_through(actor: Actor, case: Case, task: Task) -> bool:
    """A quick yes without a query, for the common case: an ordinary case, seen through one of its
    steps that the actor's group holds (or by someone who sees every case). False means: ask the
    database (`get_visible_case`), not necessarily no."""
    if case.secrecy is not None:
        return False
    return sees_every_case(actor) or task.assignee == actor.username or actor.in_group(task.group_code)


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
    """403 unless the actor may work on the step (see may_work_on)."""
    if not may_work_on(actor, task):
        raise Forbidden("this step belongs to another group")


def require_admin(actor: Actor, doing: str) -> None:
    """Administrators only (`doing` finishes the refusal: "only administrators ...")."""
    if not actor.is_admin:
        raise Forbidden(f"only administrators {doing}")


def require_owner(actor: Actor, doing: str) -> None:
    """Process owners and administrators edit, check, deploy, migrate and import diagrams."""
    if not (actor.has_role("process_owner") or actor.is_admin):
        raise Forbidden(f"only process owners and administrators {doing}")


def require_supervisor(actor: Actor, group_code: str | None = None) -> None:
    """403 unless the actor supervises the group (or is a supervisor or administrator)."""
    if not actor.supervises(group_code) and "supervisor" not in actor.roles:
        raise Forbidden("only supervisors and administrators may do this")


INBOX_SCOPES = ("mine", "group", "all")


def inbox_branches(actor: Actor, scope: str) -> list:
    """Which open steps an inbox shows, as disjoint conditions: `mine` = held by me, and waiting
    unclaimed in my groups; `group` = the latter; `all` = every step (for supervisors: those of the
    groups they direct). The inbox page answers each branch from its own index."""
    held = Task.assignee == actor.username
    waiting = Task.group_code.in_(actor.groups) & Task.assignee.is_(None) & visible_tasks_clause(actor)
    if scope == "mine":
        return [held, waiting]
    if scope == "group":
        return [waiting]
    if scope != "all":
        raise Invalid("scope must be mine, group or all", {"scope": [f"choose from {', '.join(INBOX_SCOPES)}"]})
    if not (actor.is_admin or actor.is_supervisor or actor.is_auditor):
        raise Forbidden("only supervisors see every step")
    if actor.is_admin or "supervisor" in actor.roles or actor.is_auditor:
        return [visible_tasks_clause(actor)]
    return [Task.group_code.in_(actor.supervised_groups)]


def inbox_clause(actor: Actor, scope: str):
    """The inbox's steps (see inbox_branches) as one condition."""
    return or_(*inbox_branches(actor, scope))


# --- Auditors: read-only over every case; secret correspondence as metadata only unless cleared. ---

def is_read_only(actor: Actor) -> bool:
    """Auditors look and never act (an auditor who is also an administrator keeps the admin's hands)."""
    return actor.is_auditor and not actor.is_admin


def require_may_write(actor: Actor) -> None:
    """403 for auditors: they read every case and change none."""
    if is_read_only(actor):
        raise Forbidden("auditors may read cases but not change them")


def audit_cases_clause(actor: Actor):
    """Cases the audit pages list: every case for auditors, the usual visible cases for everyone else."""
    if actor.is_auditor:
        return true()
    return visible_cases_clause(actor)


def masked_for(actor: Actor, case: Case) -> bool:
    """True when the actor may know the case exists but not its content: secret correspondence shown to an
    auditor without the clearance (number, process, status and dates only)."""
    return case.secrecy is not None and CLEARED_ROLE not in actor.roles


def get_audit_case(session: Session, actor: Actor, case_id: int) -> tuple[Case, bool]:
    """The case for the audit pages and whether its content must be masked; NotFound as get_visible_case."""
    if not actor.is_auditor:
        return get_visible_case(session, actor, case_id), False
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    # An auditor sees a secret case whole only with the clearance, or when it was given to them.
    if masked_for(actor, case) and session.scalar(
            select(Case.id).where(Case.id == case_id, visible_cases_clause(actor))) is not None:
        return case, False
    return case, masked_for(actor, case)
