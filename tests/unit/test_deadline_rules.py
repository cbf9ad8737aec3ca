"""The rules behind deadlines, without a database: urgency, reminder days, start schedules, calendar lines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from app import engine
from app.services.calendar import deadlines
from app.services.calendar.working_days import due_after_working_days
from app.services.scheduling import ical_feed
from app.thaidate import BANGKOK

from ..diagrams import one_step


def test_urgency_shortens_the_period_and_never_lengthens_it():
    assert [deadlines.period_for_urgency(10, u) for u in deadlines.URGENCY_LEVELS] == [0, 1, 5, 10]
    assert [deadlines.period_for_urgency(1, u) for u in deadlines.URGENCY_LEVELS] == [0, 1, 1, 1]
    assert deadlines.period_for_urgency(7, "unknown mark") == 7


def test_the_most_urgent_letter_opened_after_hours_is_due_the_next_working_day():
    friday_evening = datetime(2027, 4, 9, 17, 0, tzinfo=BANGKOK)
    assert due_after_working_days(friday_evening, 0) == datetime(2027, 4, 12, 16, 30, tzinfo=BANGKOK)
    friday_morning = datetime(2027, 4, 9, 9, 0, tzinfo=BANGKOK)
    assert due_after_working_days(friday_morning, 0) == datetime(2027, 4, 9, 16, 30, tzinfo=BANGKOK)


def test_the_default_policy_plans_the_songkran_reminders():
    step = SimpleNamespace(
        id=7,
        case_id=3,
        created_at=datetime(2027, 4, 9, 10, 0, tzinfo=BANGKOK),
        due_at=datetime(2027, 4, 19, 16, 30, tzinfo=BANGKOK),
    )
    planned = deadlines.reminder_jobs(step, deadlines.DEFAULT_POLICY, frozenset(), step.created_at)
    assert [(j["kind"], j["payload"]["stage"], j["due_at"].date()) for j in planned] == [
        ("reminder", "before", date(2027, 4, 12)),
        ("reminder", "due", date(2027, 4, 19)),
        ("reminder", "overdue", date(2027, 4, 20)),
        ("escalation", "overdue", date(2027, 4, 22)),
    ]
    assert len({j["key"] for j in planned}) == 4


def test_a_monthly_schedule_keeps_to_the_end_of_short_months():
    process = engine.compile_diagram(
        one_step("monthly", {}, start_timer='"R3/2027-01-31T08:00:00+07:00/P1M"')
    )
    schedule = engine.schedule_of(process)
    assert [schedule.occurrence(i) for i in range(4)] == [
        datetime(2027, 1, 31, 8, 0, tzinfo=BANGKOK),
        datetime(2027, 2, 28, 8, 0, tzinfo=BANGKOK),
        datetime(2027, 3, 31, 8, 0, tzinfo=BANGKOK),
        None,
    ]


@given(st.integers(min_value=0, max_value=40 * 365 * 24))
def test_the_next_quarter_is_found_however_far_ahead(hours):
    schedule = engine.StartSchedule(
        "start", "R/2026-10-01T08:00:00+07:00/P3M", datetime(2026, 10, 1, 8, 0, tzinfo=BANGKOK), "P3M", -1
    )
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hours)
    index, at = schedule.next_at_or_after(moment)
    assert at >= moment and (index == 0 or schedule.occurrence(index - 1) < moment)


@given(st.text(alphabet="กขคงจฉชซญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮะาำิีึืุู่้๊๋ abc,;", max_size=200))
def test_calendar_lines_are_folded_at_75_octets_between_characters(summary):
    document = ical_feed.render(
        [{"uid": "u1", "day": date(2027, 4, 19), "summary": summary, "description": summary, "url": None}],
        "ปฏิทิน",
        datetime.now(UTC),
    )
    for line in document.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    unfolded = document.replace("\r\n ", "")
    escaped = summary.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    assert f"SUMMARY:{escaped}\r\n" in unfolded


def test_a_step_may_set_its_own_period_for_each_urgency():
    properties = {"dueWorkingDaysUrgent": "2", "dueWorkingDaysVeryUrgent": "1", "dueWorkingDaysMostUrgent": "0"}
    assert deadlines.period_for_urgency(7, "urgent", properties) == 2
    assert deadlines.period_for_urgency(7, "most_urgent", properties) == 0
    assert deadlines.period_for_urgency(7, "normal", properties) == 7
    assert deadlines.period_for_urgency(6, "urgent") == 3, "without its own, the general rule: half"
