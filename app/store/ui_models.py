"""Tables of the browser pages: sign-in attempts, step drafts, saved inbox filters and case comments."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models import ID, Base, Case, Task


class LoginAttempt(Base):
    """One try at the sign-in form; failures in a recent window throttle the username and the address.

    Kept in the database, not in process memory, so several web processes share one count.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class TaskDraft(Base):
    """What a user typed into a step's form and saved without submitting (บันทึกร่าง)."""

    __tablename__ = "task_drafts"
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    saved_at: Mapped[datetime]


class SavedFilter(Base):
    """A named set of inbox filters a user keeps (e.g. "overdue budget transfers")."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("username", "name"),)
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Comment(Base):
    """A remark on a case (ความเห็น), optionally made at one of its steps."""

    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


# The inbox's two questions, each answered from an index alone (no visit to the table rows): the
# unclaimed steps of my groups, and the steps I hold, with what the page sorts and filters by.
Index("ix_tasks_inbox_group", Task.group_code, Task.assignee, Task.status, Task.due_at, Task.case_id)
Index("ix_tasks_inbox_assignee", Task.assignee, Task.status, Task.due_at, Task.case_id)
# The inbox's filters on cases, read from these rather than from the wide case rows (which hold the
# serialized workflow): by process and fiscal year, and the search in titles.
Index("ix_cases_process_year", Case.process_key, Case.fiscal_year)
Index("ix_cases_title", Case.title)
