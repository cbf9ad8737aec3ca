"""What the services hook into when a process starts, in one place instead of as a side effect of imports.

- The dashboard's projections of completed steps are written by a flush hook on every session
  (step_stats), so that a step and its projection commit together.
- The scheduler's due jobs are carried out by the use cases that own each kind of job: reminders and
  escalations (reminders), timed case starts (schedules), closing per-school rounds on their closing date
  (round_closing).

Every entry point calls `install` before its first use case: app.bootstrap (the web application, the CLI
and the scheduler) and the test suite's fixtures. Calling it again changes nothing.
"""
from __future__ import annotations

from .calendar import jobs
from .dashboard import step_stats
from .scheduling import reminders, round_closing, schedules


def install() -> None:
    """Install the flush hook and register the job handlers (idempotent)."""
    step_stats.listen()
    jobs.register(reminders.send_reminders, "reminder", "escalation")
    jobs.register(schedules.start_scheduled_cases, "start")
    jobs.register(round_closing.close_due_rounds, "round_close")
