"""Tables of the diagram editor: each process owner's unsaved work on a diagram (migration 0007_editor)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import ID, Base


class DiagramDraft(Base):
    """A process owner's draft of a diagram: one per user and process key, replaced on every save."""

    __tablename__ = "diagram_drafts"
    __table_args__ = (UniqueConstraint("username", "process_key"),)
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    process_key: Mapped[str] = mapped_column(String(80))
    xml: Mapped[str] = mapped_column(Text, deferred=True)  # listed often, opened rarely
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    # The deployed version the draft started from, so the editor can warn when a newer one was deployed.
    base_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
