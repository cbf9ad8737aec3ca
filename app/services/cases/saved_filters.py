"""Inbox filters a user names and keeps on the server, to find them again on any device."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Invalid, NotFound
from app.store.ui_models import SavedFilter

from .inbox import InboxFilters

MAX_PER_USER = 30


def _row_dict(row: SavedFilter) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "query": row.query}


def list_filters(ctx: ServiceContext, actor: Actor) -> list[dict[str, Any]]:
    """The actor's saved inbox filters, by name."""
    with ctx.read() as session:
        rows = session.scalars(select(SavedFilter).where(SavedFilter.username == actor.username)
                               .order_by(SavedFilter.name))
        return [_row_dict(r) for r in rows]


def save_filter(ctx: ServiceContext, actor: Actor, name: str, filters: InboxFilters) -> dict[str, Any]:
    """Keep the filters under a name; saving again under the same name replaces them."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid("a name of 1 to 100 characters is required", {"name": ["กรุณาตั้งชื่อตัวกรอง (required)"]})
    query = filters.as_args(page=1)
    with ctx.write() as session:
        row = session.scalar(select(SavedFilter).where(SavedFilter.username == actor.username,
                                                       SavedFilter.name == name))
        if row is None:
            count = session.scalar(select(func.count()).select_from(SavedFilter)
                                   .where(SavedFilter.username == actor.username))
            if count >= MAX_PER_USER:
                raise Invalid(f"at most {MAX_PER_USER} saved filters", {"name": [f"at most {MAX_PER_USER}"]})
            row = SavedFilter(username=actor.username, name=name, query=query, created_at=ctx.now())
            session.add(row)
        else:
            row.query = query
        session.flush()
        return _row_dict(row)


def get_filter(ctx: ServiceContext, actor: Actor, filter_id: int) -> InboxFilters:
    """The saved filters, or NotFound when they are not the actor's own."""
    with ctx.read() as session:
        row = session.get(SavedFilter, filter_id)
        if row is None or row.username != actor.username:
            raise NotFound(f"no saved filter {filter_id}")
        return InboxFilters.parse(row.query)


def delete_filter(ctx: ServiceContext, actor: Actor, filter_id: int) -> None:
    """Remove one of the actor's saved filters."""
    with ctx.write() as session:
        row = session.get(SavedFilter, filter_id)
        if row is None or row.username != actor.username:
            raise NotFound(f"no saved filter {filter_id}")
        session.delete(row)
