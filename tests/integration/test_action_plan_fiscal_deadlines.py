"""§2.3: the annual action plan's steps are due by the plan's fiscal year (1 Oct – 30 Sep): the targets and the
strategies before the year begins, the detailed plan and the committee's approval within its first quarter; the
step's own working days when they end earlier, and when the quarter has already ended as the step opens."""
from __future__ import annotations

from datetime import UTC, date, datetime

from app.services.calendar import deadlines
from app.services.catalog import processes
from app.thaidate import BANGKOK, fiscal_quarter_end

from ..stories import start


def _due_day(plan, spec_id: str) -> date:
    return datetime.fromisoformat(plan.task_of(spec_id)["due_at"]).astimezone(BANGKOK).date()


def _due(plan, spec_id: str) -> datetime:
    return datetime.fromisoformat(plan.task_of(spec_id)["due_at"]).astimezone(BANGKOK)


def test_the_fiscal_years_quarters_end_where_the_thai_fiscal_year_says():
    assert [fiscal_quarter_end(2570, q) for q in range(5)] == [
        date(2026, 9, 30), date(2026, 12, 31), date(2027, 3, 31), date(2027, 6, 30), date(2027, 9, 30)]


def test_the_analysis_of_targets_is_due_before_the_plans_fiscal_year_begins(ctx, people, clock):
    clock.set(datetime(2026, 9, 25, 2, 0, tzinfo=UTC))  # Friday 25 Sep 2569, 09:00 Bangkok
    plan = start(ctx, people, "annual_action_plan", title="แผนปฏิบัติการประจำปีงบประมาณ 2570")
    plan.complete("study_allocation", "plan1", fiscal_year=2570)
    due = _due(plan, "analyse_targets")
    assert (due.date(), due.hour, due.minute) == (date(2026, 9, 30), 16, 30), \
        "five working days would run into October: the eve of the fiscal year comes first"

    next_year = start(ctx, people, "annual_action_plan", title="แผนปฏิบัติการประจำปีงบประมาณ 2571")
    next_year.complete("study_allocation", "plan1", fiscal_year=2571)
    assert _due_day(next_year, "analyse_targets") == date(2026, 10, 2), "a year away: the step's working days"


def test_a_plan_started_after_its_year_began_gets_the_steps_working_days(ctx, people, clock):
    clock.set(datetime(2026, 11, 2, 2, 0, tzinfo=UTC))  # Monday 2 Nov 2569
    plan = start(ctx, people, "annual_action_plan", title="แผนปฏิบัติการประจำปีงบประมาณ 2570")
    plan.complete("study_allocation", "plan1", fiscal_year=2570)
    assert _due_day(plan, "analyse_targets") == date(2026, 11, 9), "not opened overdue on 30 Sep"


def test_the_detailed_plan_and_the_committees_approval_are_due_within_the_first_quarter(ctx, people):
    with ctx.read() as session:
        process = processes.compiled(processes.latest_version(session, "annual_action_plan"))
    opened = datetime(2026, 12, 15, 2, 0, tzinfo=UTC)  # their working days would run into January
    end_of_q1 = datetime(2026, 12, 31, 16, 30, tzinfo=BANGKOK)
    for step in ("detail_plan", "committee_decision"):
        info = process.user_task(step)
        assert deadlines.due_at(info, {"fiscal_year": 2570}, opened, frozenset()) == end_of_q1, step
    early = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
    assert deadlines.due_at(process.user_task("detail_plan"), {"fiscal_year": 2570}, early, frozenset()) == \
        datetime(2026, 10, 26, 16, 30, tzinfo=BANGKOK), "fifteen working days end first"
    assert deadlines.due_at(process.user_task("committee_decision"), {}, opened, frozenset()) == end_of_q1, \
        "without a fiscal year in the case's data, the one the step opened in"
