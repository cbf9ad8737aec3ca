"""The catalogue of deployed processes: their versions, each version parsed once, and what a process key may be.

Read-only: a new version is stored by the editor's deployment, which builds on this module.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, defer, object_session

from app import engine
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Invalid, NotFound
from app.store.models import ProcessVersion

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,79}$")

# Thai and English names of the groups the office's lanes stand for.
LANE_NAMES: dict[str, tuple[str, str]] = {
    "plan_staff": ("เจ้าหน้าที่กลุ่มนโยบายและแผน", "Plan staff"),
    "group_director": ("ผู้อำนวยการกลุ่มนโยบายและแผน", "Group director"),
    "office_director": ("ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", "Office director"),
    "committee_secretary": ("ฝ่ายเลขานุการ กศจ.", "Committee secretary"),
    "school": ("สถานศึกษา", "Schools"),
}

_compiled: dict[tuple, engine.CompiledProcess] = {}


def require_key(key: str) -> str:
    """The key, if a process may be named so (lower-case letters, digits, underscores); Invalid otherwise."""
    if not KEY_PATTERN.match(key or ""):
        raise Invalid("the process key must be lower-case letters, digits and underscores", {"key": ["invalid"]})
    return key


def compiled(version: ProcessVersion) -> engine.CompiledProcess:
    """The parsed diagram of a deployed version, with the versions of the processes it calls that were
    pinned when it was deployed (parsed once, then shared by every case of the version)."""
    calls = version.metadata_json.get("calls") or {}
    cache_key = (version.sha256, tuple(sorted((k, c["sha256"]) for k, c in calls.items())))
    found = _compiled.get(cache_key)
    if found is None:
        called = _called_xml(object_session(version), calls) if calls else None
        found = engine.compile_diagram(version.xml.encode("utf-8"), version.key, called)
        _compiled[cache_key] = found
    return found


def _called_xml(session: Session | None, calls: dict[str, dict[str, Any]]) -> dict[str, bytes]:
    if session is None:
        raise RuntimeError("a version that calls other processes must be read in a session")
    pinned_versions = [(k, c["version"]) for k, c in calls.items()]
    rows = session.scalars(select(ProcessVersion).where(
        tuple_(ProcessVersion.key, ProcessVersion.version).in_(pinned_versions)))
    found = {row.key: row for row in rows}
    for key, pinned in calls.items():
        row = found.get(key)
        if row is None or row.sha256 != pinned["sha256"]:
            raise RuntimeError(f"version {pinned['version']} of the called process {key} "
                               "is missing or altered")
    return {key: row.xml.encode("utf-8") for key, row in found.items()}


def resolve_calls(session: Session, key: str,
                  xml: bytes) -> tuple[dict[str, dict[str, Any]], dict[str, bytes]]:
    """The versions a new version of `key` will call: the latest of each process it calls, and for the
    processes those call in turn, the versions they were deployed with. Missing ones are left out
    (compiling then names the call activity)."""
    calls: dict[str, dict[str, Any]] = {}
    called: dict[str, bytes] = {}

    def pin(row: ProcessVersion) -> None:
        calls[row.key] = {"version": row.version, "sha256": row.sha256}
        called[row.key] = row.xml.encode("utf-8")

    direct = [find_latest(session, k) for k in engine.called_processes(xml) if k != key]
    for row in [r for r in direct if r is not None]:
        pin(row)
    for row in [r for r in direct if r is not None]:
        for nested_key, nested in (row.metadata_json.get("calls") or {}).items():
            nested_row = session.scalar(select(ProcessVersion).where(
                ProcessVersion.key == nested_key, ProcessVersion.version == nested["version"]))
            if nested_key not in calls and nested_key != key and nested_row is not None:
                pin(nested_row)
    return calls, called


def compiled_by_id(session: Session, version_id: int) -> engine.CompiledProcess:
    """The parsed diagram of a version by its id, reading the stored XML only when not parsed yet."""
    return compiled(session.get(ProcessVersion, version_id))  # the XML is deferred: read only if not parsed


def find_latest(session: Session, key: str) -> ProcessVersion | None:
    """The newest version of `key`, or None when it was never deployed."""
    return session.scalar(select(ProcessVersion).where(ProcessVersion.key == key)
                          .order_by(ProcessVersion.version.desc()).limit(1))


def latest_version(session: Session, key: str) -> ProcessVersion:
    """The newest version of `key`; NotFound when it was never deployed."""
    row = find_latest(session, key)
    if row is None:
        raise NotFound(f"no process {key}")
    return row


def list_processes(ctx: ServiceContext) -> list[dict[str, Any]]:
    """The latest version of every deployed process, with its manual section and metadata."""
    with ctx.read() as session:
        newest = (select(ProcessVersion.key, func.max(ProcessVersion.version).label("v"))
                  .group_by(ProcessVersion.key).subquery())
        rows = session.scalars(select(ProcessVersion).join(
            newest, (ProcessVersion.key == newest.c.key) & (ProcessVersion.version == newest.c.v))
            .options(defer(ProcessVersion.xml), defer(ProcessVersion.forms))  # listed on every inbox page
            .order_by(ProcessVersion.manual_section, ProcessVersion.key)).all()
        return [{
            "key": r.key, "name": r.name, "version": r.version, "manual_section": r.manual_section,
            "name_en": r.metadata_json.get("name_en"), "expected_outcome": r.metadata_json.get("expected_outcome"),
            "expected_outcome_en": r.metadata_json.get("expected_outcome_en"),
            "legal_references": r.metadata_json.get("legal_references", []),
            "legal_references_in_force": r.metadata_json.get("legal_references_in_force", []),
            "deployed_at": r.deployed_at.isoformat(), "deployed_by": r.deployed_by, "sha256": r.sha256,
        } for r in rows]


def version_xml(ctx: ServiceContext, key: str, version: int) -> str:
    """The stored XML of one version of a process."""
    with ctx.read() as session:
        row = session.scalar(select(ProcessVersion).where(ProcessVersion.key == key,
                                                          ProcessVersion.version == version))
        if row is None:
            raise NotFound(f"no version {version} of process {key}")
        return row.xml
