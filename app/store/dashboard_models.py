"""Projections for the supervisors' dashboard: what every completed step took, and the steps completed
per month. Percentiles and monthly means over years of history cannot be computed from `tasks` within a
page's budget (they would scan every step ever done); these narrow rows are written by the same flush
that completes a step (app.services.dashboard.step_stats), so they are never behind the tasks table.

Kept apart from `models.py` so the dashboard's tables land as one module and one migration (0009).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import ID, Base


class StepDuration(Base):
    """One completed step: how long it waited to be claimed and how long it was worked (microseconds,
    exact integers), keyed by its process and step so one process's rows are read together."""

    __tablename__ = "step_durations"
    __table_args__ = (Index("ix_step_durations_process_spec", "process_key", "spec_id",
                            postgresql_include=["group_code", "claim_us", "work_us", "name"]),
                      # The waits page catches up with the steps completed since it last read them.
                      Index("ix_step_durations_process_done", "process_key", "completed_at"))
    task_id: Mapped[int] = mapped_column(ID, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    process_key: Mapped[str] = mapped_column(String(80))
    spec_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    group_code: Mapped[str | None] = mapped_column(String(80))
    completed_at: Mapped[datetime]
    claim_us: Mapped[int] = mapped_column(BigInteger)  # created -> claimed (or completed, if never claimed)
    work_us: Mapped[int | None] = mapped_column(BigInteger)  # claimed -> completed; None if never claimed


class StepMonthTotal(Base):
    """Steps completed in a Bangkok month, per process and group, and the sum of their durations
    (created -> completed, microseconds): the monthly trend's count and mean without reading history.
    `group_code` is '' for a step without a group (a primary key column cannot be NULL)."""

    __tablename__ = "step_month_totals"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    process_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    group_code: Mapped[str] = mapped_column(String(80), primary_key=True)
    completed: Mapped[int] = mapped_column(BigInteger)
    total_us: Mapped[int] = mapped_column(BigInteger)
