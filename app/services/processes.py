"""Deploying diagram versions and reading what is deployed."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import engine
from app.store.models import ProcessVersion

from . import forms
from .actors import Actor
from .context import ServiceContext
from .errors import Conflict, Forbidden, Invalid, InvalidDiagramError, NotFound
from .users import ensure_group

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,79}$")

# Thai and English names of the groups the office's lanes stand for.
LANE_NAMES: dict[str, tuple[str, str]] = {
    "plan_staff": ("เจ้าหน้าที่กลุ่มนโยบายและแผน", "Plan staff"),
    "group_director": ("ผู้อำนวยการกลุ่มนโยบายและแผน", "Group director"),
    "office_director": ("ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", "Office director"),
    "committee_secretary": ("ฝ่ายเลขานุการ กศจ.", "Committee secretary"),
    "school": ("สถานศึกษา", "Schools"),
}

_compiled: dict[str, engine.CompiledProcess] = {}


def compiled(version: ProcessVersion) -> engine.CompiledProcess:
    """The parsed diagram of a deployed version (parsed once per process, then shared)."""
    found = _compiled.get(version.sha256)
    if found is None:
        found = engine.compile_diagram(version.xml.encode("utf-8"), version.key)
        _compiled[version.sha256] = found
    return found


def _check_forms(ctx: ServiceContext, process: engine.CompiledProcess) -> dict[str, Any]:
    frozen: dict[str, Any] = {}
    problems: list[dict[str, Any]] = []
    for task in process.user_tasks.values():
        if not task.form:
            continue
        try:
            frozen[task.form] = forms.load_form(ctx.forms_dir, task.form)
        except Invalid as exc:
            problems.append({"element_id": task.element_id, "message": exc.message})
    if problems:
        raise InvalidDiagramError("the diagram refers to forms that are missing or invalid", problems)
    return frozen


def deploy_version(ctx: ServiceContext, actor: Actor, key: str, xml: bytes) -> tuple[dict[str, Any], bool]:
    """Check and store a diagram as the next version of `key`; (version, created) — unchanged XML is not redeployed."""
    if not (actor.has_role("process_owner") or actor.is_admin):
        raise Forbidden("only process owners and administrators deploy diagrams")
    if not KEY_PATTERN.match(key or ""):
        raise Invalid("the process key must be lower-case letters, digits and underscores",
                      {"key": ["invalid"]})
    try:
        process = engine.compile_diagram(xml, key)
    except engine.InvalidDiagram as exc:
        raise InvalidDiagramError("the diagram is not valid", [p.as_dict() for p in exc.problems]) from None
    frozen_forms = _check_forms(ctx, process)
    try:
        with ctx.write() as session:
            latest = _latest(session, key)
            if latest is not None and latest.sha256 == process.sha256:
                return _version_dict(latest), False
            for lane in process.lanes:
                name, name_en = LANE_NAMES.get(lane, (lane, lane))
                ensure_group(session, lane, name, name_en, kind="lane")
            row = ProcessVersion(
                key=key, version=(latest.version + 1) if latest else 1, name=process.name,
                xml=xml.decode("utf-8"), sha256=process.sha256,
                manual_section=process.metadata.get("manual_section"), metadata_json=process.metadata,
                forms=frozen_forms, deployed_by=actor.username, deployed_at=ctx.now(),
            )
            session.add(row)
            session.flush()
            from . import schedules  # late: schedules starts cases, which needs this module

            schedules.register_version(session, key, process, row.version, ctx.now())
            return _version_dict(row), True
    except IntegrityError:
        raise Conflict("another version of this process was deployed at the same moment; try again") from None


def _latest(session: Session, key: str) -> ProcessVersion | None:
    return session.scalar(select(ProcessVersion).where(ProcessVersion.key == key)
                          .order_by(ProcessVersion.version.desc()).limit(1))


def latest_version(session: Session, key: str) -> ProcessVersion:
    row = _latest(session, key)
    if row is None:
        raise NotFound(f"no process {key}")
    return row


def _version_dict(row: ProcessVersion) -> dict[str, Any]:
    return {"key": row.key, "version": row.version, "sha256": row.sha256}


def list_processes(ctx: ServiceContext) -> list[dict[str, Any]]:
    """The latest version of every deployed process, with its manual section and metadata."""
    with ctx.read() as session:
        newest = (select(ProcessVersion.key, func.max(ProcessVersion.version).label("v"))
                  .group_by(ProcessVersion.key).subquery())
        rows = session.scalars(select(ProcessVersion).join(
            newest, (ProcessVersion.key == newest.c.key) & (ProcessVersion.version == newest.c.v))
            .order_by(ProcessVersion.manual_section, ProcessVersion.key)).all()
        return [{
            "key": r.key, "name": r.name, "version": r.version, "manual_section": r.manual_section,
            "name_en": r.metadata_json.get("name_en"), "expected_outcome": r.metadata_json.get("expected_outcome"),
            "expected_outcome_en": r.metadata_json.get("expected_outcome_en"),
            "legal_references": r.metadata_json.get("legal_references", []),
            "deployed_at": r.deployed_at.isoformat(), "deployed_by": r.deployed_by, "sha256": r.sha256,
        } for r in rows]


def version_xml(ctx: ServiceContext, key: str, version: int) -> str:
    with ctx.read() as session:
        row = session.scalar(select(ProcessVersion).where(ProcessVersion.key == key,
                                                          ProcessVersion.version == version))
        if row is None:
            raise NotFound(f"no version {version} of process {key}")
        return row.xml


def load_directory(ctx: ServiceContext, actor: Actor, directory: Path | None = None) -> list[dict[str, Any]]:
    """Deploy every diagram in the directory whose content changed; the file name is the process key."""
    results = []
    for path in sorted((directory or ctx.processes_dir).glob("*.bpmn")):
        version, created = deploy_version(ctx, actor, path.stem, path.read_bytes())
        results.append({**version, "created": created})
    return results
