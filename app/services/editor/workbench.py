"""What the diagram editor's pages open with, for process owners and administrators: the deployed processes
with the owner's drafts of them, and one process as the modeler opens it."""
from __future__ import annotations

from typing import Any

from app.services.catalog import processes
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext

from . import diagram_check, diagram_drafts, versions


def process_list(ctx: ServiceContext, actor: Actor) -> dict[str, Any]:
    """Every deployed process, and the actor's drafts by process key."""
    access.require_owner(actor, "edit diagrams")
    drafts = {d["key"]: d for d in diagram_drafts.list_drafts(ctx, actor)}
    return {"processes": processes.list_processes(ctx), "drafts": drafts}


def editing(ctx: ServiceContext, actor: Actor, key: str) -> dict[str, Any]:
    """One process in the modeler: its current version (404 when it was never deployed), the actor's draft of
    it if any, and the editor's menus."""
    access.require_owner(actor, "edit diagrams")
    deployed = versions.list_versions(ctx, actor, processes.require_key(key))
    drafts = {d["key"]: d for d in diagram_drafts.list_drafts(ctx, actor)}
    return {"current": deployed[0], "draft": drafts.get(key), "options": diagram_check.editor_options(ctx, actor)}
