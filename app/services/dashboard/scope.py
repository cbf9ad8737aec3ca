"""Who sees what on the dashboard, and the read every dashboard question runs in.

Group directors see the steps and cases of their groups; supervisors office-wide; administrators and
auditors everything (auditors read only)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import (
    and_,
    exists,
    or_,
    text,
)
from sqlalchemy.orm import Session

from app.services.cases import waits
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Forbidden
from app.store.models import Case, Task


@contextlib.contextmanager
def reading(ctx: ServiceContext) -> Iterator[Session]:
    """A read for the dashboard. On PostgreSQL without JIT compilation: the planner's estimates for
    these index-driven queries pass jit_above_cost, and compiling takes 10-40 ms, longer than the
    queries themselves run (SET LOCAL: only for this transaction)."""
    with ctx.read() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL jit = off"))
        yield session


def require_viewer(actor: Actor) -> None:
    """Group directors, supervisors, administrators and auditors see the dashboard; 403 for anyone else."""
    if not (actor.is_supervisor or actor.is_admin or actor.is_auditor):
        raise Forbidden("the dashboard is for supervisors, group directors and auditors")


def group_scope(actor: Actor, column):
    """Directors see their groups' steps; supervisors office-wide, administrators and auditors everything.
    `column` names a step's group, in the tasks table or a projection of it."""
    if actor.is_admin or actor.is_auditor or "supervisor" in actor.roles:
        return True
    return column.in_(actor.supervised_groups)


def task_scope(actor: Actor):
    """group_scope on the tasks table's group."""
    return group_scope(actor, Task.group_code)


def case_scope(actor: Actor):
    """Directors follow the cases with a step of their groups, or waiting at an element of their groups' lanes."""
    if actor.is_admin or actor.is_auditor or "supervisor" in actor.roles:
        return access.visible_cases_clause(actor)
    return and_(access.visible_cases_clause(actor), or_(
        exists().where(Task.case_id == Case.id, Task.group_code.in_(actor.supervised_groups)),
        waits.in_lanes_clause(actor.supervised_groups)))
