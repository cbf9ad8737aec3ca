"""Tables for deadlines: office closures, the scheduler's due jobs, notifications, e-mail and settings.

Kept apart from `models.py` so the deadline work lands as one module and one migration (0003).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import ID, Base


class Closure(Base):
    """A day the office is closed besides weekends and public holidays (a sudden closure, a local day off)."""

    __tablename__ = "closures"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]


class DueJob(Base):
    """One piece of work the scheduler must do at a time: a reminder, an escalation, a scheduled case start.

    `key` names the occurrence (e.g. `reminder:<task>:<due>:before2`) and is unique, so planning the
    same reminder twice, or two schedulers planning it at once, leaves one row. A job is claimed,
    carried out and marked done in one transaction, so it is done exactly once; a failure leaves it
    pending with `attempts`, `last_error` and a later `run_at`.
    """

    __tablename__ = "due_jobs"
    __table_args__ = (
        Index(
            "ix_due_jobs_pending_run_at",
            "run_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_due_jobs_task_id", "task_id"),
        Index("ix_due_jobs_kind_status", "kind", "status"),
    )
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # reminder | escalation | start
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | done | skipped | cancelled
    due_at: Mapped[datetime]  # when it was meant to happen
    run_at: Mapped[datetime]  # when to try next (later than due_at after a failure)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    done_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class Notification(Base):
    """An in-app message to one user: a reminder or an escalation about a step."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # reminder | escalation
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    job_key: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class OutgoingEmail(Base):
    """An e-mail we mean to send: written with the reminder, sent afterwards, then marked sent.

    Sending happens outside any transaction; a crash after the SMTP server accepted a message but
    before it was marked sent makes it go again (at least once), with the same Message-ID.
    """

    __tablename__ = "outgoing_emails"
    __table_args__ = (Index("ix_outgoing_emails_status_run_at", "status", "run_at"),)
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    job_key: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sending | sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    run_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class UserSetting(Base):
    """A user's own choices: e-mail on or off, and the secret of their calendar feed."""

    __tablename__ = "user_settings"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    calendar_token: Mapped[str | None] = mapped_column(String(100), unique=True)
    updated_at: Mapped[datetime]


class ProcessSchedule(Base):
    """When a process starts cases by itself: taken from its diagram's timer start event at deploy."""

    __tablename__ = "process_schedules"
    process_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    expression: Mapped[str] = mapped_column(String(200))  # e.g. R/2026-10-01T08:00:00+07:00/P3M
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    next_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class SchedulerHeartbeat(Base):
    """One row per scheduler process, updated every tick, so health checks can tell it is alive."""

    __tablename__ = "scheduler_heartbeats"
    worker: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime]
    last_tick_at: Mapped[datetime]
    ticks: Mapped[int] = mapped_column(Integer, default=0)
    last_tick_seconds: Mapped[float | None]
    last_result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
