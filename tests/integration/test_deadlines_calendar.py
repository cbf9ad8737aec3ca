"""Due dates in Thai working days, and reminders that come on the right morning.

The office's Songkran: 13–15 April 2027 are public holidays, so a letter opened on Friday 9 April with
three working days is due on Monday 19 April.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.services.audit import verification
from app.services.calendar import office_calendar
from app.services.cases import lifecycle, step_actions
from app.services.kernel.errors import Forbidden
from app.services.ops import ticks
from app.services.scheduling import notifications
from app.store.deadline_models import DueJob
from app.store.models import Event
from app.thaidate import BANGKOK

from ..diagrams import deploy, one_step

FRIDAY_BEFORE_SONGKRAN = datetime(2027, 4, 9, 10, 0, tzinfo=BANGKOK)


def _open_letter(ctx, people, clock, key="letter", step_props=None, data=None, process_props=None):
    deploy(ctx, key, one_step(key, step_props or {"dueWorkingDays": "3"}, process_props))
    clock.set(FRIDAY_BEFORE_SONGKRAN)
    case = lifecycle.start_case(ctx, people["plan1"], key, "หนังสือขอข้อมูลแผนปฏิบัติราชการ", data)
    return case, case["open_tasks"][0]


def _due(step) -> datetime:
    return datetime.fromisoformat(step["due_at"])


def _mornings(clock, ctx, first: date, last: date):
    """Run the scheduler at 09:00 every day from `first` to `last`, as the office's server would."""
    day = first
    while day <= last:
        clock.set(datetime.combine(day, datetime.min.time(), tzinfo=BANGKOK).replace(hour=9))
        ticks.run_until_idle(ctx, "scheduler-test")
        day += timedelta(days=1)


def _reminder_log(ctx, case_id):
    with ctx.read() as session:
        events = session.scalars(
            select(Event)
            .where(Event.case_id == case_id, Event.kind.in_(("reminder_sent", "escalated")))
            .order_by(Event.seq)
        ).all()
        return [
            (e.at.astimezone(BANGKOK).date(), e.kind, e.data["stage"], e.data["working_days"], e.data["to"])
            for e in events
        ]


def test_a_step_opened_the_friday_before_songkran_is_reminded_on_the_right_days(ctx, people, clock):
    case, step = _open_letter(ctx, people, clock)
    assert _due(step) == datetime(2027, 4, 19, 16, 30, tzinfo=BANGKOK), (
        "3 working days: Mon 12, Fri 16 (after Songkran 13–15), Mon 19"
    )
    _mornings(clock, ctx, date(2027, 4, 9), date(2027, 4, 23))
    log = [(day, kind, stage, days) for day, kind, stage, days, _ in _reminder_log(ctx, case["id"])]
    assert log == [
        (date(2027, 4, 12), "reminder_sent", "before", 2),  # two working days before the due day
        (date(2027, 4, 19), "reminder_sent", "due", 0),
        (date(2027, 4, 20), "reminder_sent", "overdue", 1),
        (date(2027, 4, 21), "reminder_sent", "overdue", 2),
        (date(2027, 4, 22), "escalated", "overdue", 3),  # escalateAfterWorkingDays defaults to 3
        (date(2027, 4, 22), "reminder_sent", "overdue", 3),
        (date(2027, 4, 23), "reminder_sent", "overdue", 4),
    ]
    to = {kind: who for _, kind, _, _, who in _reminder_log(ctx, case["id"])}
    assert to["reminder_sent"] == ["owner", "plan1", "plan2"], "nobody holds it: the group's members"
    assert to["escalated"] == ["director"], "the group's director"
    assert verification.verify_case(ctx, people["auditor"], case["id"]).ok, "reminders are chained into the history"


def test_reminders_go_to_the_holder_and_each_morning_once(ctx, people, clock):
    case, step = _open_letter(ctx, people, clock)
    step_actions.claim(ctx, people["plan2"], step["id"])
    _mornings(clock, ctx, date(2027, 4, 12), date(2027, 4, 12))
    ticks.run_until_idle(ctx, "scheduler-test")  # a second tick the same morning sends nothing more
    clock.advance(hours=3)
    ticks.run_until_idle(ctx, "another-scheduler")
    assert [(kind, who) for _, kind, _, _, who in _reminder_log(ctx, case["id"])] == [
        ("reminder_sent", ["plan2"])
    ]
    inbox = notifications.list_notifications(ctx, people["plan2"])
    assert len(inbox) == 1 and inbox[0]["link"] == f"/tasks/{step['id']}"
    assert "จัดทำหนังสือตอบ" in inbox[0]["title"] and "19 เมษายน 2570" in inbox[0]["body"]
    assert notifications.list_notifications(ctx, people["plan1"]) == []


def test_a_completed_step_gets_no_more_reminders(ctx, people, clock):
    case, step = _open_letter(ctx, people, clock)
    _mornings(clock, ctx, date(2027, 4, 12), date(2027, 4, 12))
    step_actions.complete(ctx, people["plan1"], step["id"], {})
    _mornings(clock, ctx, date(2027, 4, 13), date(2027, 4, 26))
    assert [stage for _, _, stage, _, _ in _reminder_log(ctx, case["id"])] == ["before"]
    with ctx.read() as session:  # this letter's jobs (the office's monitoring rounds have theirs)
        mine = select(func.count()).select_from(DueJob).where(DueJob.case_id == case["id"])
        pending = session.scalar(mine.where(DueJob.status == "pending"))
        skipped = session.scalar(mine.where(DueJob.status == "skipped"))
    assert pending == 0, "the overdue chain stops with the step"
    assert skipped == 3, "the due-day reminder, the first overdue one and the escalation were skipped"


def test_an_office_closure_added_by_the_administrator_moves_the_due_date_and_its_reminders(
    ctx, people, clock
):
    case, step = _open_letter(ctx, people, clock)
    _mornings(clock, ctx, date(2027, 4, 9), date(2027, 4, 12))
    clock.set(datetime(2027, 4, 12, 12, 0, tzinfo=BANGKOK))
    added = office_calendar.add_closure(ctx, people["admin"], "2027-04-16", "ปิดสำนักงานเนื่องจากน้ำท่วม")
    # The letter, and the steps of the two monitoring rounds (1 Jan and 1 Apr 2570) the scheduler started
    # late on the 9th: they are due on the 21st, so the 16th falls in their time as well.
    assert added["steps_rescheduled"] == 3
    moved = step_actions.get_task(ctx, people["plan1"], step["id"])
    assert _due(moved) == datetime(2027, 4, 20, 16, 30, tzinfo=BANGKOK)
    _mornings(clock, ctx, date(2027, 4, 13), date(2027, 4, 22))
    assert [(day, kind, stage) for day, kind, stage, _, _ in _reminder_log(ctx, case["id"])] == [
        (date(2027, 4, 12), "reminder_sent", "before"),
        (date(2027, 4, 20), "reminder_sent", "due"),  # nothing on the 19th any more
        (date(2027, 4, 21), "reminder_sent", "overdue"),
        (date(2027, 4, 22), "reminder_sent", "overdue"),
    ], "and no escalation yet: three working days past the 20th is the 23rd"


def test_a_closure_declared_before_the_step_opens_counts_like_a_holiday(ctx, people, clock):
    clock.set(datetime(2027, 4, 1, 9, 0, tzinfo=BANGKOK))
    office_calendar.add_closure(ctx, people["admin"], date(2027, 4, 12), "วันหยุดชดเชยของสำนักงาน")
    _, step = _open_letter(ctx, people, clock)
    assert _due(step) == datetime(2027, 4, 20, 16, 30, tzinfo=BANGKOK)
    assert [d["kind"] for d in office_calendar.holidays_of_year(ctx, 2027) if d["date"] == "2027-04-12"] == [
        "closure"
    ]
    removed = office_calendar.remove_closure(ctx, people["admin"], "2027-04-12")
    assert removed["steps_rescheduled"] == 1
    assert _due(step_actions.get_task(ctx, people["plan1"], step["id"])) == datetime(
        2027, 4, 19, 16, 30, tzinfo=BANGKOK
    )


def test_only_administrators_change_the_calendar(ctx, people, clock):
    with pytest.raises(Forbidden):
        office_calendar.add_closure(ctx, people["director"], "2027-04-16", "ปิด")


@pytest.mark.parametrize(
    "urgency, due_day",
    [
        ("most_urgent", date(2027, 4, 9)),  # ด่วนที่สุด: the same working day
        ("very_urgent", date(2027, 4, 12)),  # ด่วนมาก: one working day
        ("urgent", date(2027, 4, 16)),  # ด่วน: half of 3, rounded up: two working days
        ("normal", date(2027, 4, 19)),
    ],
)
def test_urgent_correspondence_is_due_sooner(ctx, people, clock, urgency, due_day):
    _, step = _open_letter(ctx, people, clock, data={"urgency": urgency})
    assert datetime.fromisoformat(step["due_at"]).astimezone(BANGKOK).date() == due_day


def test_an_obec_deadline_in_the_case_data_sets_the_due_date_when_it_is_earlier(ctx, people, clock):
    props = {"dueWorkingDays": "10", "dueDateField": "obec_deadline"}
    _, step = _open_letter(ctx, people, clock, step_props=props, data={"obec_deadline": "2027-04-16"})
    assert _due(step) == datetime(2027, 4, 16, 16, 30, tzinfo=BANGKOK)
    _, later = _open_letter(
        ctx, people, clock, key="letter_b", step_props=props, data={"obec_deadline": "2027-06-30"}
    )
    assert datetime.fromisoformat(later["due_at"]).astimezone(BANGKOK).date() == date(2027, 4, 28), (
        "10 working days come first"
    )


def test_a_process_sets_its_own_reminder_policy(ctx, people, clock):
    policy = {
        "reminderWorkingDaysBefore": "1",
        "reminderOnDueDay": "false",
        "reminderOverdueEveryWorkingDays": "2",
        "escalateAfterWorkingDays": "1",
    }
    case, _ = _open_letter(ctx, people, clock, process_props=policy)
    _mornings(clock, ctx, date(2027, 4, 9), date(2027, 4, 27))
    assert [(day, kind, stage, n) for day, kind, stage, n, _ in _reminder_log(ctx, case["id"])] == [
        (date(2027, 4, 16), "reminder_sent", "before", 1),
        (date(2027, 4, 20), "escalated", "overdue", 1),
        (date(2027, 4, 21), "reminder_sent", "overdue", 2),
        (date(2027, 4, 23), "reminder_sent", "overdue", 4),
        (date(2027, 4, 27), "reminder_sent", "overdue", 6),
    ]


def test_a_reminder_that_fails_is_kept_with_its_error_and_retried_later(ctx, people, clock, monkeypatch):
    from app.services.calendar import jobs

    case, _ = _open_letter(ctx, people, clock)
    real = jobs.HANDLERS["reminder"]

    def broken(ctx, session, batch, now):
        raise RuntimeError("mail queue unavailable")

    monkeypatch.setitem(jobs.HANDLERS, "reminder", broken)
    clock.set(datetime(2027, 4, 12, 9, 0, tzinfo=BANGKOK))
    result = ticks.run_tick(ctx, "scheduler-test")
    assert result["jobs"]["failed"] == 1
    failing = jobs.list_jobs(ctx, failing=True)
    assert [(j["attempts"], j["last_error"]) for j in failing] == [
        (1, "RuntimeError: mail queue unavailable")
    ]
    assert _reminder_log(ctx, case["id"]) == [], "a failed attempt leaves no trace"
    monkeypatch.setitem(jobs.HANDLERS, "reminder", real)
    assert ticks.run_tick(ctx, "scheduler-test")["jobs"]["done"] == 0, "not before its back-off"
    clock.advance(minutes=1)
    assert ticks.run_tick(ctx, "scheduler-test")["jobs"]["done"] == 1
    assert jobs.list_jobs(ctx, failing=True) == []
    assert len(_reminder_log(ctx, case["id"])) == 1


def test_reminders_do_not_make_a_stalled_case_look_active(ctx, people, clock):
    case, _ = _open_letter(ctx, people, clock)
    _mornings(clock, ctx, date(2027, 4, 12), date(2027, 4, 22))
    stalled = lifecycle.list_cases(ctx, people["director"], stalled_days=5)
    assert case["id"] in [c["id"] for c in stalled]


@pytest.mark.parametrize("batch", [100, 1])
def test_one_broken_reminder_does_not_hold_back_the_others_in_its_batch(
    ctx, people, clock, monkeypatch, batch
):
    from app.services.calendar import jobs

    deploy(ctx, "letter", one_step("letter", {"dueWorkingDays": "3"}))
    clock.set(FRIDAY_BEFORE_SONGKRAN)
    # The monitoring rounds of 1 Jan and 1 Apr 2570, due since the December deploy, start now: the tick
    # below then carries out reminders only.
    ticks.run_until_idle(ctx, "scheduler-test")
    letters = [lifecycle.start_case(ctx, people["plan1"], "letter", f"หนังสือฉบับที่ {n}") for n in range(5)]
    broken_task = letters[2]["open_tasks"][0]["id"]
    real = jobs.HANDLERS["reminder"]

    def handler(ctx, session, due, now):
        if any(job.task_id == broken_task for job in due):
            raise RuntimeError("this step's group was deleted")
        return real(ctx, session, due, now)

    monkeypatch.setitem(jobs.HANDLERS, "reminder", handler)
    ctx.settings["scheduler_batch"] = batch
    clock.set(datetime(2027, 4, 12, 9, 0, tzinfo=BANGKOK))
    assert ticks.run_tick(ctx, "scheduler-test")["jobs"] == {"done": 4, "skipped": 0, "failed": 1}
    sent = [len(_reminder_log(ctx, letter["id"])) for letter in letters]
    assert sent == [1, 1, 0, 1, 1]
    assert [j["task_id"] for j in jobs.list_jobs(ctx, failing=True)] == [broken_task]
