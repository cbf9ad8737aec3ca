"""Deploying a diagram as the next version of its process, and loading the office's diagrams folder.

A deploy compiles the diagram (with the versions of the processes it calls pinned), freezes the forms it
names into the version, creates the groups its lanes stand for, and registers its timer start event with
the scheduler, all in one transaction. Reading what is deployed is the catalogue's (catalog.processes).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import engine
from app.services.accounts.users import ensure_group
from app.services.catalog import forms, processes
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict, Invalid, InvalidDiagramError
from app.services.scheduling import schedules
from app.store.models import ProcessVersion


def _frozen_forms(ctx: ServiceContext, process: engine.CompiledProcess) -> dict[str, Any]:
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
    access.require_owner(actor, "deploy diagrams")
    processes.require_key(key)
    try:
        calls, called = processes.resolve_calls(session, key, xml)
        process = engine.compile_diagram(xml, key, called)
    except engine.InvalidDiagram as exc:
        raise InvalidDiagramError("the diagram is not valid", [p.as_dict() for p in exc.problems]) from None
    frozen_forms = _frozen_forms(ctx, process)
    metadata = {**process.metadata, "calls": calls} if calls else process.metadata
    latest = processes.find_latest(session, key)
    if (latest is not None and latest.sha256 == process.sha256
            and (latest.metadata_json.get("calls") or {}) == calls):
        return _version_dict(latest), False
    for lane in process.lanes:
        name, name_en = processes.LANE_NAMES.get(lane, (lane, lane))
        ensure_group(session, lane, name, name_en, kind="lane")
    row = ProcessVersion(
        key=key, version=(latest.version + 1) if latest else 1, name=process.name,
        xml=xml.decode("utf-8"), sha256=process.sha256,
        manual_section=process.metadata.get("manual_section"), metadata_json=metadata,
        forms=frozen_forms, deployed_by=actor.username, deployed_at=ctx.now(),
    )
    session.add(row)
    session.flush()
    schedules.register_version(session, key, process, row.version, ctx.now())
    return _version_dict(row), True


def _version_dict(row: ProcessVersion) -> dict[str, Any]:
    return {"key": row.key, "version": row.version, "sha256": row.sha256}


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
