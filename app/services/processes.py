"""Deploying diagram versions and reading what is deployed."""
from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, object_session

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

_compiled: dict[tuple, engine.CompiledProcess] = {}


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


def _resolve_calls(session: Session, key: str,
                   xml: bytes) -> tuple[dict[str, dict[str, Any]], dict[str, bytes]]:
    """The versions a new version of `key` will call: the latest of each process it calls, and for the
    processes those call in turn, the versions they were deployed with. Missing ones are left out
    (compiling then names the call activity)."""
    calls: dict[str, dict[str, Any]] = {}
    called: dict[str, bytes] = {}

    def pin(row: ProcessVersion) -> None:
        calls[row.key] = {"version": row.version, "sha256": row.sha256}
        called[row.key] = row.xml.encode("utf-8")

    direct = [_latest(session, k) for k in engine.called_processes(xml) if k != key]
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


def _check_forms(ctx: ServiceContext, process: engine.CompiledProcess) -> dict[str, Any]:
    frozen: dict[str, Any] = {}
    problems: list[dict[str, Any]] = []
    named = [(t.element_id, t.form) for t in process.user_tasks.values()]
    named += [(m.element_ids[0], m.form) for m in process.messages.values()]  # what a message must carry
    for element_id, form in named:
        if not form:
            continue
        try:
            frozen[form] = forms.load_form(ctx.forms_dir, form)
        except Invalid as exc:
            problems.append({"element_id": element_id, "message": exc.message})
    if problems:
        raise InvalidDiagramError("the diagram refers to forms that are missing or invalid", problems)
    return frozen


def deploy_version(ctx: ServiceContext, actor: Actor, key: str, xml: bytes) -> tuple[dict[str, Any], bool]:
    """Check and store a diagram as the next version of `key`; (version, created) — unchanged XML is not redeployed."""
    with deploying(ctx) as session:
        return deploy_in(ctx, session, actor, key, xml)


@contextlib.contextmanager
def deploying(ctx: ServiceContext) -> Iterator[Session]:
    """The transaction of a deploy: a version of the same process stored at the same moment is a 409."""
    try:
        with ctx.write() as session:
            yield session
    except IntegrityError:
        raise Conflict("another version of this process was deployed at the same moment; try again") from None


def deploy_in(ctx: ServiceContext, session: Session, actor: Actor, key: str,
              xml: bytes) -> tuple[dict[str, Any], bool]:
    """deploy_version inside the caller's transaction (opened with `deploying`), for a use case whose other
    changes must commit with the new version or not at all (a draft's deploy removes the draft)."""
    if not (actor.has_role("process_owner") or actor.is_admin):
        raise Forbidden("only process owners and administrators deploy diagrams")
    if not KEY_PATTERN.match(key or ""):
        raise Invalid("the process key must be lower-case letters, digits and underscores",
                      {"key": ["invalid"]})
    try:
        calls, called = _resolve_calls(session, key, xml)
        process = engine.compile_diagram(xml, key, called)
    except engine.InvalidDiagram as exc:
        raise InvalidDiagramError("the diagram is not valid", [p.as_dict() for p in exc.problems]) from None
    frozen_forms = _check_forms(ctx, process)
    metadata = {**process.metadata, "calls": calls} if calls else process.metadata
    latest = _latest(session, key)
    if (latest is not None and latest.sha256 == process.sha256
            and (latest.metadata_json.get("calls") or {}) == calls):
        return _version_dict(latest), False
    for lane in process.lanes:
        name, name_en = LANE_NAMES.get(lane, (lane, lane))
        ensure_group(session, lane, name, name_en, kind="lane")
    row = ProcessVersion(
        key=key, version=(latest.version + 1) if latest else 1, name=process.name,
        xml=xml.decode("utf-8"), sha256=process.sha256,
        manual_section=process.metadata.get("manual_section"), metadata_json=metadata,
        forms=frozen_forms, deployed_by=actor.username, deployed_at=ctx.now(),
    )
    session.add(row)
    session.flush()
    from . import schedules  # late: schedules starts cases, which needs this module

    schedules.register_version(session, key, process, row.version, ctx.now())
    return _version_dict(row), True


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
            .options(defer(ProcessVersion.xml), defer(ProcessVersion.forms))  # listed on every inbox page
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
    """Deploy every diagram in the directory whose content (or a process it calls) changed; the file name
    is the process key. Called processes are deployed before those that call them."""
    results = []
    for path in _in_call_order(sorted((directory or ctx.processes_dir).glob("*.bpmn"))):
        version, created = deploy_version(ctx, actor, path.stem, path.read_bytes())
        results.append({**version, "created": created})
    return results


def _in_call_order(paths: list[Path]) -> list[Path]:
    """Alphabetical, except that a diagram comes after the diagrams of this directory it calls."""
    by_key = {path.stem: path for path in paths}
    needs: dict[str, set[str]] = {}
    for key, path in by_key.items():
        try:
            needs[key] = set(engine.called_processes(path.read_bytes())) & set(by_key) - {key}
        except engine.InvalidDiagram:
            needs[key] = set()  # deploying it reports the problem
    ordered: list[str] = []
    while len(ordered) < len(by_key):
        ready = [k for k in by_key if k not in ordered and needs[k] <= set(ordered)]
        # A cycle of calls cannot be ordered; deploying then names the call that is missing.
        ordered.append(ready[0] if ready else next(k for k in by_key if k not in ordered))
    return [by_key[k] for k in ordered]


def check_diagram(ctx: ServiceContext, actor: Actor, key: str, xml: bytes) -> list[dict[str, Any]]:
    """The editor's check of a diagram, without deploying it: every problem by element id (see diagram_check)."""
    from . import diagram_check  # late: it builds on this module

    return diagram_check.check_diagram(ctx, actor, key, xml)
