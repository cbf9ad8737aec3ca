"""A process's deployed versions and what changed between any two of them (the editor's versions page)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app import engine
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Forbidden, Invalid, NotFound
from app.store.models import Case, ProcessVersion


def may_read_versions(actor: Actor) -> bool:
    """The versions and differences pages: those who change diagrams (owners, administrators) and those who
    answer for the record without changing it (auditors: versions are part of what a replay rests on;
    supervisors: they see why cases of one process differ). Staff work from their inbox and need neither."""
    return (actor.has_role("process_owner") or actor.is_admin or actor.is_auditor or actor.is_supervisor)


def require_version_reader(actor: Actor) -> None:
    """403 unless the actor may read a process's versions (owners, administrators, auditors, supervisors)."""
    if not may_read_versions(actor):
        raise Forbidden("only process owners, administrators, auditors and supervisors see the versions pages")


def list_versions(ctx: ServiceContext, actor: Actor, key: str) -> list[dict[str, Any]]:
    """Every version of the process, newest first: who deployed it, when, its digest, and how many cases
    run on it."""
    with ctx.read() as session:
        rows = session.scalars(select(ProcessVersion).where(ProcessVersion.key == key)
                               .order_by(ProcessVersion.version.desc())).all()
        if not rows:
            raise NotFound(f"no process {key}")
        counts = dict(session.execute(
            select(Case.process_version_id, func.count()).where(Case.process_key == key, Case.status == "running")
            .group_by(Case.process_version_id)).all())
        return [{
            "key": r.key, "version": r.version, "name": r.name, "name_en": r.metadata_json.get("name_en"),
            "sha256": r.sha256, "deployed_by": r.deployed_by,
            "deployed_at": r.deployed_at.isoformat(), "manual_section": r.manual_section,
            "calls": r.metadata_json.get("calls") or {}, "running_cases": counts.get(r.id, 0),
        } for r in rows]


def _version(session, key: str, number: int) -> ProcessVersion:
    row = session.scalar(select(ProcessVersion).where(ProcessVersion.key == key, ProcessVersion.version == number))
    if row is None:
        raise NotFound(f"no version {number} of process {key}")
    return row


def diff_versions(ctx: ServiceContext, actor: Actor, key: str, from_version: int, to_version: int) -> dict[str, Any]:
    """Elements added, removed and changed from one version to another, by element id (either direction)."""
    if from_version == to_version:
        raise Invalid("choose two different versions", {"to": ["same as from"]})
    with ctx.read() as session:
        before, after = _version(session, key, from_version), _version(session, key, to_version)
        result = engine.element_diff(before.xml.encode("utf-8"), after.xml.encode("utf-8"))
        return {"key": key, "from": from_version, "to": to_version, "from_sha256": before.sha256,
                "to_sha256": after.sha256, **result}
