"""Which running cases the migration page offers to move, grouped by the version they run on.

The move itself and its checks are migration's; this only lists the cases an owner could ask about:
running (a suspended case must be resumed first), of the process, on a version older than the target,
and visible to the owner (the move answers "not found" for any other, so offering it would mislead).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import NotFound
from app.store.models import OPEN_STATUSES, Case, ProcessVersion, Task

MAX_LISTED = 500


def migration_candidates(ctx: ServiceContext, actor: Actor, key: str, to_version: int | None) -> dict[str, Any]:
    """The process's versions, the chosen target (the latest unless given) and the running cases older than it,
    each with its open steps (what a move would relabel)."""
    access.require_owner(actor, "move cases to another version")
    with ctx.read() as session:
        listed = session.execute(select(ProcessVersion.version, ProcessVersion.name, ProcessVersion.manual_section,
                                        ProcessVersion.metadata_json)
                                 .where(ProcessVersion.key == key).order_by(ProcessVersion.version.desc())).all()
        if not listed:
            raise NotFound(f"no process {key}")
        numbers = [row.version for row in listed]
        target = numbers[0] if to_version is None else to_version
        if target not in numbers:
            raise NotFound(f"no version {target} of process {key}")
        rows = session.scalars(
            select(Case).join(ProcessVersion, Case.process_version_id == ProcessVersion.id)
            .where(Case.process_key == key, Case.status == "running", ProcessVersion.version < target,
                   access.visible_cases_clause(actor))
            .order_by(ProcessVersion.version, Case.id).limit(MAX_LISTED)).all()
        steps: dict[int, list[str]] = {c.id: [] for c in rows}
        if rows:
            for task in session.scalars(select(Task).where(Task.case_id.in_(list(steps)),
                                                           Task.status.in_(OPEN_STATUSES))
                                        .order_by(Task.id)):
                steps[task.case_id].append(task.name)
        cases = [{"id": c.id, "number": c.number, "title": c.title, "version": c.version.version,
                  "started_at": c.started_at.isoformat(), "open_steps": steps[c.id],
                  "secret": c.secrecy is not None} for c in rows]
    latest = listed[0]
    return {"key": key, "name": latest.name, "name_en": (latest.metadata_json or {}).get("name_en"),
            "manual_section": latest.manual_section, "versions": numbers, "to_version": target, "cases": cases}


def may_migrate(actor: Actor) -> bool:
    """Whether the pages offer moving cases (owners and administrators; an auditor only reads)."""
    return actor.has_role("process_owner") and not access.is_read_only(actor)


def require_mover(actor: Actor) -> None:
    """Asked before a move's form is read, so that staff hear "not allowed" rather than "invalid"."""
    access.require_owner(actor, "move cases to another version")


def case_numbers(ctx: ServiceContext, actor: Actor, case_ids: list[int]) -> dict[int, str]:
    """The case numbers of the cases the actor may see, for naming each answer of a move."""
    ids = [i for i in case_ids if isinstance(i, int)][:MAX_LISTED]
    if not ids:
        return {}
    with ctx.read() as session:
        return dict(session.execute(select(Case.id, Case.number).where(
            Case.id.in_(ids), access.visible_cases_clause(actor))).all())
