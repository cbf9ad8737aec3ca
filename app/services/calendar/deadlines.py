"""When a step is due, and which reminders and escalation it gets.

Due date of a step (user task):
* `dueWorkingDays` on the user task: the end of the working day (16:30 Bangkok) that many Thai working
  days after the step opened; weekends, public holidays and the office's closures do not count.
* `dueDateField` on the user task names a case-data field holding a date (e.g. an OBEC deadline,
  `2027-05-31`, or a date and time with offset); the step is due at 16:30 that day. When both are
  given the earlier wins: the office's own period never runs past an outside deadline.
* `dueByFiscalQuarter` on the user task (0-4): the step is due at 16:30 on the last day of that quarter of
  the case's fiscal year, 0 being the day before the year begins (fiscal 2570: 0 = 30 Sep 2026, 1 = 31 Dec 2026,
  ... 4 = 30 Sep 2027). The fiscal year is the Buddhist-Era year in the case-data field `fiscalYearField` names
  (default `fiscal_year`), else the fiscal year the step opened in. With `dueWorkingDays` the earlier wins: the
  annual action plan's analysis is done before its year begins and the plan approved within its first quarter.
  A quarter's end that has passed when the step opens (a case started late) is not used: the step gets its
  working days, as a round whose closing date has passed does, rather than opening already overdue.
* Urgency of correspondence (case data `urgency`) shortens the working-day period, following the
  Correspondence Regulation's meaning of each mark:
    - `most_urgent` (ด่วนที่สุด, act at once): due the same working day (the next one if it opens
      after 16:30 or on a day off);
    - `very_urgent` (ด่วนมาก, act quickly): at most 1 working day;
    - `urgent` (ด่วน, faster than usual): half the period, rounded up, at least 1 working day;
    - `normal` or none: the diagram's period.
  A step may name its own period per mark (`dueWorkingDaysUrgent`, `dueWorkingDaysVeryUrgent`,
  `dueWorkingDaysMostUrgent`; 0 = the same working day), as the correspondence diagram does; those win.
  A step reads the urgency from another field with `urgencyField` (an outgoing letter's `letter_urgency`).
  A date from `dueDateField` is an outside deadline and is never moved by urgency.
* A per-school round's steps (engine/round_specs.py) are due when the round closes: at 16:30 on the date in
  the case-data field its `roundClosingField` names (set by staff when the round opens), or, when that is
  empty or not after the round opened, `dueWorkingDays` after it opened. Their reminders go before and on
  the closing day only (the round closes then; nothing is ever overdue), and a `round_close` job closes
  the round at that time (scheduling/round_closing.py).

Reminders, at 08:30 Bangkok (start of office hours) on working days, by default:
two working days before the due day, on the due day, then every working day overdue. Escalation to
the directors of the step's group on the morning of the `escalateAfterWorkingDays`-th working day
past the due day (default 3). A process sets its own policy with process properties, and a user
task may override them with the same names:
    reminderWorkingDaysBefore  "2" (a list such as "5,2"; "" for none)
    reminderOnDueDay           "true" | "false"
    reminderOverdueEveryWorkingDays  "1" ("0": no overdue reminders)
    escalateAfterWorkingDays   "3" ("0": never escalate)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from app import engine
from app.services.catalog import processes
from app.store.deadline_models import Closure
from app.store.models import OPEN_STATUSES, Case, ProcessVersion, Task
from app.thaidate import BANGKOK, fiscal_quarter_end, fiscal_year

from . import jobs
from .working_days import (
    END_OF_WORKING_DAY,
    due_after_working_days,
    start_of_day,
    working_day_after,
    working_day_before,
)

URGENCY_LEVELS = ("most_urgent", "very_urgent", "urgent", "normal")
ROUND_CLOSING_FIELD = "roundClosingField"
FISCAL_QUARTER = "dueByFiscalQuarter"
FISCAL_YEAR_FIELD = "fiscalYearField"
ROUND_CLOSE = "round_close"  # the due job that closes a round on its closing date


@dataclass(frozen=True)
class ReminderPolicy:
    days_before: tuple[int, ...] = (2,)
    on_due_day: bool = True
    overdue_every: int = 1
    escalate_after: int = 3
    closes_round: bool = False  # a school's step of a round: it closes at its due time instead of falling late


DEFAULT_POLICY = ReminderPolicy()


def closure_days(session: Session) -> frozenset[date]:
    """Every day the office has declared closed."""
    return frozenset(session.scalars(select(Closure.day)))


# A diagram may set the period for each urgency on a step itself; these win over the general rule.
URGENCY_PROPERTIES = {"most_urgent": "dueWorkingDaysMostUrgent", "very_urgent": "dueWorkingDaysVeryUrgent",
                      "urgent": "dueWorkingDaysUrgent"}


def period_for_urgency(days: int, urgency: Any, properties: dict[str, str] | None = None) -> int:
    """The working-day period a step gets when its correspondence carries `urgency` (see the module doc)."""
    explicit = (properties or {}).get(URGENCY_PROPERTIES.get(urgency, ""), "")
    if str(explicit).strip().isdecimal():
        return min(days, int(str(explicit).strip()))
    if urgency == "most_urgent":
        return 0
    if urgency == "very_urgent":
        return min(days, 1)
    if urgency == "urgent":
        return min(days, max(1, math.ceil(days / 2)))
    return days


def _date_from_data(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), END_OF_WORKING_DAY, tzinfo=BANGKOK)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BANGKOK)
    return moment


def fiscal_deadline(info: engine.UserTaskInfo, case_data: dict[str, Any], opened: datetime) -> datetime | None:
    """The end of the step's quarter of the case's fiscal year (`dueByFiscalQuarter`), or None."""
    quarter = str(info.properties.get(FISCAL_QUARTER) or "").strip()
    if quarter not in ("0", "1", "2", "3", "4"):
        return None
    year = (case_data or {}).get(info.properties.get(FISCAL_YEAR_FIELD) or "fiscal_year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2400 <= year <= 2800:
        year = fiscal_year(opened)
    return datetime.combine(fiscal_quarter_end(year, int(quarter)), END_OF_WORKING_DAY, tzinfo=BANGKOK)


def due_at(
    info: engine.UserTaskInfo | None, case_data: dict[str, Any], opened: datetime, closures: frozenset[date]
) -> datetime | None:
    """When a step that opened at `opened` is due, or None when its diagram sets no deadline."""
    if info is None:
        return None
    closing = info.properties.get(ROUND_CLOSING_FIELD)
    if closing:
        chosen = _date_from_data((case_data or {}).get(closing))
        if chosen is not None and chosen > opened:
            return chosen.astimezone(UTC)
    candidates = []
    if info.due_working_days is not None:
        urgency_field = info.properties.get("urgencyField") or "urgency"
        days = period_for_urgency(info.due_working_days, (case_data or {}).get(urgency_field), info.properties)
        candidates.append(due_after_working_days(opened, days, closures))
    in_fiscal_year = fiscal_deadline(info, case_data, opened)
    if in_fiscal_year is not None and in_fiscal_year > opened:
        candidates.append(in_fiscal_year)
    field = info.properties.get("dueDateField")
    if field:
        from_data = _date_from_data((case_data or {}).get(field))
        if from_data is not None:
            candidates.append(from_data)
    # Stored and shown in UTC, as every time the database gives back.
    return min(candidates).astimezone(UTC) if candidates else None


def _int(value: str | None, default: int) -> int:
    try:
        return max(int(str(value).strip()), 0) if value not in (None, "") else default
    except ValueError:
        return default


def policy_for(process: engine.CompiledProcess, info: engine.UserTaskInfo | None) -> ReminderPolicy:
    """The reminder policy of a step: the defaults, then the process's properties, then the step's."""
    merged = dict(process.metadata.get("properties") or {})
    merged.update(info.properties if info else {})
    before = merged.get("reminderWorkingDaysBefore")
    if before is None:
        days_before = DEFAULT_POLICY.days_before
    else:
        days_before = tuple(sorted({_int(p, 0) for p in before.split(",") if p.strip()} - {0}, reverse=True))
    if info is not None and info.element_id in process.rounds:
        return ReminderPolicy(days_before=days_before, on_due_day=True, overdue_every=0, escalate_after=0,
                              closes_round=True)
    return ReminderPolicy(
        days_before=days_before,
        on_due_day=str(merged.get("reminderOnDueDay", "true")).strip().lower() not in ("false", "0", "no"),
        overdue_every=_int(merged.get("reminderOverdueEveryWorkingDays"), DEFAULT_POLICY.overdue_every),
        escalate_after=_int(merged.get("escalateAfterWorkingDays"), DEFAULT_POLICY.escalate_after),
    )


def _job(kind: str, task: Task, due: datetime, at: datetime, stage: str, days: int,
         closes_round: bool = False) -> dict[str, Any]:
    suffix = f"{stage}{days}" if stage != "due" else "due"
    payload = {"stage": stage, "working_days": days, "task_due_at": due.isoformat()}
    if closes_round:
        payload["round"] = True  # worded as the round's closing, not as a deadline
    return {
        "key": f"{kind}:{task.id}:{int(due.timestamp())}:{suffix}",
        "kind": kind,
        "due_at": at,
        "case_id": task.case_id,
        "task_id": task.id,
        "payload": payload,
    }


def round_close_job(task: Task, again_at: datetime | None = None) -> dict[str, Any]:
    """The job that closes the round of a school's step when it is due (or `again_at`, for a round whose closing
    passed while its case was suspended). Every step of the round names the same job (the round's steps open
    together and share their due time), so it is planned once."""
    due, opened = task.due_at, task.created_at
    again = f":{int(again_at.timestamp())}" if again_at else ""
    return {
        "key": f"{ROUND_CLOSE}:{task.case_id}:{int(opened.timestamp())}:{int(due.timestamp())}{again}:"
               f"{task.spec_id}"[:200],
        "kind": ROUND_CLOSE,
        "due_at": again_at or due,
        "case_id": task.case_id,
        "task_id": None,
        "payload": {"spec_id": task.spec_id, "opened_at": opened.isoformat(), "closes_at": due.isoformat()},
    }


def reminder_jobs(
    task: Task, policy: ReminderPolicy, closures: frozenset[date], now: datetime
) -> list[dict[str, Any]]:
    """The reminders and escalation of an open step with a due date (overdue ones are chained later).

    Advance reminders whose morning has passed (the step opened late, or its due date just moved) are
    not planned: they would arrive late and say the wrong thing. Overdue ones are, and go at once.
    """
    due = task.due_at
    if due is None:
        return []
    due_day = due.astimezone(BANGKOK).date()
    not_before = max(task.created_at, now)
    planned = []
    for days in policy.days_before:
        at = start_of_day(working_day_before(due_day, days, closures))
        if at > not_before:
            planned.append(_job("reminder", task, due, at, "before", days, policy.closes_round))
    if policy.on_due_day and not_before < start_of_day(due_day) < due:
        planned.append(_job("reminder", task, due, start_of_day(due_day), "due", 0, policy.closes_round))
    if policy.closes_round:
        planned.append(round_close_job(task))
    if policy.overdue_every:
        planned.append(next_overdue_job(task, due, 0, policy.overdue_every, closures))
    if policy.escalate_after:
        at = start_of_day(working_day_after(due_day, policy.escalate_after, closures))
        planned.append(_job("escalation", task, due, at, "overdue", policy.escalate_after))
    return planned


def next_overdue_job(
    task: Task, due: datetime, days_so_far: int, every: int, closures: frozenset[date]
) -> dict[str, Any]:
    """The overdue reminder after the one `days_so_far` working days past the due day."""
    day = working_day_after(due.astimezone(BANGKOK).date(), days_so_far + every, closures)
    return _job("reminder", task, due, start_of_day(day), "overdue", days_so_far + every)


def on_steps_opened(
    session: Session, case: Case, process: engine.CompiledProcess, steps: list[Task], now: datetime
) -> None:
    """Give newly opened steps their due dates and plan their reminders (inside the step's transaction)."""
    closures: frozenset[date] | None = None
    timed = []
    for step in steps:
        info = process.user_task(step.spec_id)
        if info is None or (info.due_working_days is None and "dueDateField" not in info.properties
                            and ROUND_CLOSING_FIELD not in info.properties and FISCAL_QUARTER not in info.properties):
            continue
        if closures is None:
            closures = closure_days(session)
        step.due_at = due_at(info, case.data, step.created_at, closures)
        if step.due_at is not None:
            timed.append((step, policy_for(process, info)))
    if not timed:
        return
    session.flush()  # the steps need their ids before their reminders can name them
    jobs.enqueue(
        session, [job for step, policy in timed for job in reminder_jobs(step, policy, closures, now)], now
    )


def open_steps_with_due(*columns, case_statuses: tuple[str, ...] = ("running",)):
    """The open steps that have a due date, each with `columns` of its case, of cases in `case_statuses`."""
    return (select(Task, *columns).join(Case, Case.id == Task.case_id)
            .where(Task.status.in_(OPEN_STATUSES), Task.due_at.is_not(None), Case.status.in_(case_statuses)))


def reschedule_open_steps(session: Session, now: datetime) -> int:
    """After the calendar changed: recompute every open step's due date and plan reminders for new ones.

    Reminders planned for the old due date stay in the table and are skipped when they come due,
    because each names the due date it was planned for.
    """
    closures = closure_days(session)
    rows = session.execute(
        open_steps_with_due(Case.data, Case.process_version_id, case_statuses=("running", "suspended"))).all()
    versions = {
        v.id: v
        for v in session.scalars(
            select(ProcessVersion)
            .options(defer(ProcessVersion.xml), defer(ProcessVersion.forms))
            .where(ProcessVersion.id.in_({version_id for _, _, version_id in rows}))
        )
    }
    planned, moved = [], 0
    for task, data, version_id in rows:
        process = processes.compiled(versions[version_id])
        info = process.user_task(task.spec_id)
        new_due = due_at(info, data, task.created_at, closures)
        if new_due is None or new_due == task.due_at:
            continue
        task.due_at = new_due
        moved += 1
        planned += reminder_jobs(task, policy_for(process, info), closures, now)
    jobs.enqueue(session, planned, now)
    return moved
