"""The core tables (people, processes, cases, steps, events), as SQLAlchemy 2 typed models.

Changes go through Alembic migrations. The tables of later features live beside this module
(deadline_models, ui_models, dashboard_models, editor_models, letter_models), import it and are never
imported by it; `tables` gathers them all for Alembic.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import ID, Base


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(5), default="th")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    memberships: Mapped[list[Membership]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class UserRole(Base):
    """A global role: supervisor, process_owner, auditor, admin (everyone is staff)."""

    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)


class Group(Base):
    """A lane of the diagrams (plan_staff, committee_secretary...) or one school."""

    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="lane")  # lane | school
    members: Mapped[list[Membership]] = relationship(back_populates="group", lazy="selectin")


class Membership(Base):
    """A user in a group; `role` is member or supervisor (the group's director)."""

    __tablename__ = "memberships"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), default="member")
    group: Mapped[Group] = relationship(back_populates="members", lazy="joined")
    user: Mapped[User] = relationship(back_populates="memberships", lazy="joined")


class ApiToken(Base):
    """A bearer token; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ProcessVersion(Base):
    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    # Large and needed only to parse a version once per process (or to serve it): loaded on access.
    xml: Mapped[str] = mapped_column(Text, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    manual_section: Mapped[str | None] = mapped_column(String(20))
    metadata_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    forms: Mapped[dict[str, Any]] = mapped_column(default=dict, deferred=True)  # form -> JSON Schema, frozen at deploy
    deployed_by: Mapped[str | None] = mapped_column(String(80))
    deployed_at: Mapped[datetime]


class CaseCounter(Base):
    """The last case number issued in a fiscal year."""

    __tablename__ = "case_counters"
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    process_key: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), index=True)
    # Format 2: the live part of the workflow's state; its finished history is in `case_state_chunks`.
    state: Mapped[str] = mapped_column(Text, deferred=True)  # not needed when the workflow is cached
    state_format: Mapped[int] = mapped_column(Integer)
    # The first event recorded in format 2 (1 for a case started in it; after the upgrade for older ones):
    # replay checks the events before it with the format-1 digest.
    flat_since_seq: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the case's data as of its last step
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    started_by: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    last_event_at: Mapped[datetime] = mapped_column(index=True)
    # The case's last event (0 and 64 zeros before the first), set with every event: the next one is
    # chained to it without reading the events table.
    last_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_hash: Mapped[str] = mapped_column(String(64), default="0" * 64, server_default="0" * 64)
    status_reason: Mapped[str | None] = mapped_column(Text)
    # Secret correspondence (ลับ, ลับมาก, ลับที่สุด): copied from the case's data so that every list can
    # filter on it in SQL. None for ordinary cases.
    secrecy: Mapped[str | None] = mapped_column(String(20), index=True)
    # Seeds the engine's task ids for replay (see engine/determinism.py); the case number unless the
    # case was generated from a template case.
    seed: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[ProcessVersion] = relationship(lazy="joined")
    __table_args__ = (Index("ix_cases_status_last_event", "status", "last_event_at"),)
    # Optimistic lock: every UPDATE says `WHERE lock_version = <the one read>`; losing a race is a
    # StaleDataError, which the services answer as a conflict, never a lost update.
    __mapper_args__ = {"version_id_col": lock_version}


# The statuses of a step still waiting for someone (the partial indexes at the end say the same in SQL).
OPEN_STATUSES = ("open", "claimed")


class Task(Base):
    """A human step of a case, projected out of the workflow so inboxes never load workflows."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_group_status_due", "group_code", "status", "due_at"),
        Index("ix_tasks_assignee_status_due", "assignee", "status", "due_at"),
        Index("ix_tasks_status_due", "status", "due_at"),
        Index("ix_tasks_completed_by_at", "completed_by", "completed_at"),
        Index("ix_tasks_spec_status", "spec_id", "status"),
        Index("ix_tasks_case_status", "case_id", "status"),
        Index("ix_tasks_open_instances", "case_id", "spec_id", "group_code",
              postgresql_where=text("instance IS NOT NULL AND status IN ('open', 'claimed')"),
              sqlite_where=text("instance IS NOT NULL AND status IN ('open', 'claimed')")),
    )
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    engine_id: Mapped[str] = mapped_column(String(36))
    spec_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str | None] = mapped_column(String(80))
    group_code: Mapped[str | None] = mapped_column(String(80))
    assignee: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))  # open | claimed | completed | cancelled
    form: Mapped[str | None] = mapped_column(String(200))
    instance: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]  # first taken by a person: splits waiting time from working time
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(80))


class Event(Base):
    """One change to a case. Append-only; each row carries the hash of the one before it."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    task_spec_id: Mapped[str | None] = mapped_column(String(200))
    task_engine_id: Mapped[str | None] = mapped_column(String(36))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class CaseStateChunk(Base):
    """One append-only chunk of a case's finished history (state format 2), chained by hash in seq order."""

    __tablename__ = "case_state_chunks"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    chain: Mapped[str] = mapped_column(String(64))


class Attachment(Base):
    """A file attached to a case, stored once by its SHA-256."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(150))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str | None] = mapped_column(String(80))
    uploaded_at: Mapped[datetime]


class DueTimer(Base):
    """When a case's next diagram timer is due, so the scheduler wakes it without loading workflows."""

    __tablename__ = "due_timers"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class CaseWait(Base):
    """A message or timer a running case waits on, projected out of the workflow with every step (as open
    steps are into `tasks`), so case lists and the dashboard say what a case waits for without loading it."""

    __tablename__ = "case_waits"
    __table_args__ = (
        UniqueConstraint("case_id", "engine_id"),
        Index("ix_case_waits_kind_since", "kind", "since"),  # messages waited on longest (stalled)
        Index("ix_case_waits_kind_due", "kind", "due_at"),  # timers past due (overdue)
    )
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    engine_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(10))  # message | timer
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    lane: Mapped[str | None] = mapped_column(String(80))
    message: Mapped[str | None] = mapped_column(String(200))
    form: Mapped[str | None] = mapped_column(String(200))
    since: Mapped[datetime]
    due_at: Mapped[datetime | None]


class VerificationRun(Base):
    """One verification of every case's chain and replay (nightly, or `planflow audit verify --all`)."""

    __tablename__ = "verification_runs"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    cases: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    failures: Mapped[list[Any]] = mapped_column(default=list)
    # The Bangkok night of a scheduled run: unique, so one run per night however many schedulers tick.
    night: Mapped[date | None] = mapped_column(Date, nullable=True)

    __table_args__ = (Index("ix_verification_runs_night", "night", unique=True),)


# Indexes on the core tables that later features read by: declared here, with their tables, so that no
# feature's module adds to a table it does not own. Named as their migrations created them.

# The inbox's two questions (migration 0002), each answered from an index alone (no visit to the table
# rows): the unclaimed steps of my groups, and the steps I hold, with what the page sorts and filters by.
Index("ix_tasks_inbox_group", Task.group_code, Task.assignee, Task.status, Task.due_at, Task.case_id)
Index("ix_tasks_inbox_assignee", Task.assignee, Task.status, Task.due_at, Task.case_id)
# The inbox's filters on cases, read from these rather than from the wide case rows (which hold the
# serialized workflow): by process and fiscal year, and the search in titles.
Index("ix_cases_process_year", Case.process_key, Case.fiscal_year)
Index("ix_cases_title", Case.title)

# The dashboard's lists at 100k cases (migration 0010). Steps still open are a small share of all steps
# ever opened; these partial indexes hold only them, so the open-work questions never read history.
OPEN = text("status IN ('open', 'claimed')")
# Overdue steps, most overdue first: read in due order, stopping at the page's limit.
Index("ix_tasks_open_due", Task.due_at, postgresql_where=OPEN, sqlite_where=OPEN)
# Workload and waits: every open step with what is counted, from the index alone.
Index("ix_tasks_open_by_case", Task.case_id, postgresql_where=OPEN, sqlite_where=OPEN,
      postgresql_include=["spec_id", "group_code", "assignee", "completed_by", "due_at", "created_at", "claimed_at",
                          "completed_at", "name"])
# Done this month: the month's completions only.
DONE = text("status = 'completed'")
Index("ix_tasks_done_at", Task.completed_at, postgresql_where=DONE, sqlite_where=DONE,
      postgresql_include=["assignee", "completed_by", "group_code", "case_id"])
# Everyone who ever held a step, one index probe each (the workload lists people with nothing open too):
# the holders are the assignees (ix_tasks_assignee_status_due) and whoever completed a step nobody held.
UNASSIGNED = text("assignee IS NULL")
Index("ix_tasks_unassigned_completer", Task.completed_by, postgresql_where=UNASSIGNED, sqlite_where=UNASSIGNED)
# Running cases by process and year, counted from the index with what the visibility check reads.
RUNNING = text("status = 'running'")
Index("ix_cases_running_process_year", Case.process_key, Case.fiscal_year, postgresql_where=RUNNING,
      sqlite_where=RUNNING, postgresql_include=["secrecy", "started_by", "id"])
# The few cases neither running nor completed (suspended, cancelled), as ids from the index alone.
NOT_LIVE = text("status NOT IN ('running', 'completed')")
Index("ix_cases_not_live", Case.id, postgresql_where=NOT_LIVE, sqlite_where=NOT_LIVE)
