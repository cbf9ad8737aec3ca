"""Process owners' drafts: a diagram being edited is saved per user and process key until it is deployed.

A draft gets the same safety checks as an uploaded diagram (size cap, no DTDs or entities, BPMN 2.0)
but not the full check: work in progress may be incomplete. Deploying a draft runs the editor's check
first and removes the draft in the transaction that stores its version.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from app import engine
from app.services.catalog import processes
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict, Invalid, InvalidDiagramError, NotFound, TooLarge
from app.store.editor_models import DiagramDraft
from app.store.models import ProcessVersion

from . import deployment, diagram_check

MAX_DRAFTS_PER_USER = 50


def _draft_dict(row: DiagramDraft, with_xml: bool = False) -> dict[str, Any]:
    result = {"key": row.process_key, "sha256": row.sha256, "size": row.size, "base_version": row.base_version,
              "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat()}
    if with_xml:
        result["xml"] = row.xml
    return result


def _checked_text(xml: bytes) -> str:
    if len(xml) > engine.MAX_DIAGRAM_BYTES:
        raise TooLarge(f"the diagram is larger than {engine.MAX_DIAGRAM_BYTES // 1024} KB")
    if not xml.strip():
        raise Invalid("the draft is empty: send the BPMN XML", {"file": ["required"]})
    try:
        engine.parse_xml(xml)
    except engine.InvalidDiagram as exc:
        raise InvalidDiagramError("the draft is not a BPMN diagram that can be stored",
                                  [p.as_dict() for p in exc.problems]) from None
    try:
        return xml.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("the diagram must be UTF-8 text", {"file": ["not UTF-8"]}) from None


def save_draft(ctx: ServiceContext, actor: Actor, key: str, xml: bytes,
               base_version: int | None = None) -> dict[str, Any]:
    """Keep the actor's work on `key`, replacing their previous draft of it."""
    access.require_owner(actor, "edit diagrams")
    processes.require_key(key)
    text = _checked_text(xml)
    now = ctx.now()
    with ctx.write() as session:
        if base_version is not None and session.scalar(select(ProcessVersion.id).where(
                ProcessVersion.key == key, ProcessVersion.version == base_version)) is None:
            raise Invalid(f"process {key} has no version {base_version}", {"base_version": ["unknown version"]})
        row = session.scalar(select(DiagramDraft).where(DiagramDraft.username == actor.username,
                                                        DiagramDraft.process_key == key))
        if row is None:
            count = session.scalar(select(func.count()).select_from(DiagramDraft)
                                   .where(DiagramDraft.username == actor.username))
            if count >= MAX_DRAFTS_PER_USER:
                raise Conflict(f"you already keep {MAX_DRAFTS_PER_USER} drafts; deploy or delete some first")
            row = DiagramDraft(username=actor.username, process_key=key, created_at=now)
            session.add(row)
        row.xml, row.sha256, row.size, row.updated_at = text, engine.sha256_of(xml), len(xml), now
        if base_version is not None or row.base_version is None:
            row.base_version = base_version
        session.flush()
        return _draft_dict(row)


def _find(session, actor: Actor, key: str) -> DiagramDraft:
    row = session.scalar(select(DiagramDraft).where(DiagramDraft.username == actor.username,
                                                    DiagramDraft.process_key == key))
    if row is None:
        raise NotFound(f"you have no draft of process {key}")
    return row


def load_draft(ctx: ServiceContext, actor: Actor, key: str) -> dict[str, Any]:
    """The actor's draft of `key`, with its XML."""
    access.require_owner(actor, "edit diagrams")
    with ctx.read() as session:
        return _draft_dict(_find(session, actor, key), with_xml=True)


def list_drafts(ctx: ServiceContext, actor: Actor) -> list[dict[str, Any]]:
    """The actor's drafts, most recently saved first (without their XML)."""
    access.require_owner(actor, "edit diagrams")
    with ctx.read() as session:
        rows = session.scalars(select(DiagramDraft).where(DiagramDraft.username == actor.username)
                               .order_by(DiagramDraft.updated_at.desc(), DiagramDraft.id.desc()))
        return [_draft_dict(r) for r in rows]


def delete_draft(ctx: ServiceContext, actor: Actor, key: str) -> dict[str, Any]:
    """Throw away the actor's draft of `key`."""
    access.require_owner(actor, "edit diagrams")
    with ctx.write() as session:
        session.delete(_find(session, actor, key))
    return {"key": key, "deleted": True}


def deploy_draft(ctx: ServiceContext, actor: Actor, key: str) -> tuple[dict[str, Any], bool]:
    """Check the actor's draft of `key` and deploy it as the next version; the draft goes once deployed.

    One transaction: the draft read, the version stored and the draft removed commit together, so a deploy
    that is refused (400 with every problem the check finds) or fails keeps the draft and adds no version."""
    access.require_owner(actor, "deploy diagrams")
    with deployment.deploying(ctx) as session:
        row = _find(session, actor, key)
        xml, sha256 = row.xml.encode("utf-8"), row.sha256
        version, created = diagram_check.deploy_checked_in(ctx, session, actor, key, xml)
        # Only the draft that was deployed: a save of a newer one by the same owner at the same moment is
        # kept (on PostgreSQL the DELETE sees that save once it commits, and then matches nothing).
        session.execute(delete(DiagramDraft).where(DiagramDraft.id == row.id, DiagramDraft.sha256 == sha256))
    return version, created
