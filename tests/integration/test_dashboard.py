"""The group director sees where the office's work is stuck, on a database filled by the generator."""
from __future__ import annotations

import pytest

from app.services.audit import verification
from app.services.cases import step_actions
from app.services.dashboard import overview, step_times
from app.services.kernel.errors import Forbidden
from app.services.ops import generator

from ..samples import fill
from ..stories import plan_at_school_step, start


@pytest.fixture
def office(ctx, people):
    written = generator.generate_cases(ctx, 40)
    assert written["cases"] == 40 and written["events"] > 40
    return written


def test_generated_cases_are_realistic_and_verify_like_real_ones(ctx, people, office):
    verdicts = verification.verify_all(ctx)
    assert len(verdicts) == 40
    assert all(v.ok for v in verdicts), [v.as_dict() for v in verdicts if not v.ok][:2]
    counts = overview.open_cases(ctx, people["director"])
    assert sum(row["open"] for row in counts) > 0


def test_overdue_steps_and_stalled_cases_name_who_holds_them(ctx, people, clock):
    transfer = start(ctx, people, "budget_transfer")
    step_actions.claim(ctx, people["plan1"], transfer.task_of("request")["id"])
    clock.advance(days=30)
    overdue = overview.overdue_steps(ctx, people["director"])
    assert [(o["case_id"], o["assignee"]) for o in overdue] == [(transfer.id, "plan1")]
    stalled = overview.stalled_cases(ctx, people["director"], working_days=10)
    assert stalled[0]["case_id"] == transfer.id and stalled[0]["waiting_on"][0]["assignee"] == "plan1"
    assert overview.stalled_cases(ctx, people["director"], working_days=40) == []


def test_workload_counts_open_overdue_and_done_per_person(ctx, people, clock):
    transfer = start(ctx, people, "budget_transfer")
    transfer.complete("request", "plan1")
    step_actions.claim(ctx, people["plan2"], transfer.task_of("analysis")["id"])
    load = overview.workload(ctx, people["director"])
    by_person = {p["username"]: p for p in load["people"]}
    # plan1 started the case: what kind of matter it is, then the request
    assert by_person["plan1"]["done_this_month"] == 2 and by_person["plan2"]["open"] == 1


def test_the_schools_that_have_not_submitted_are_listed(ctx, people, clock):
    plan = plan_at_school_step(ctx, people, clock)
    first = next(t for t in plan.refresh()["open_tasks"] if t["group"] == "school-1040050001")
    detail = step_actions.get_task(ctx, people["school1"], first["id"])
    step_actions.complete(ctx, people["school1"], first["id"], fill(detail["form"], attachment_id=plan.attachment()))
    [missing] = overview.missing_submissions(ctx, people["director"])
    assert missing["case_id"] == plan.id and missing["spec_id"] == "school_strategic_plan"
    assert sorted(s["group"] for s in missing["schools"]) == [f"school-104005000{i}" for i in range(2, 6)]
    assert missing["schools"][0]["name"].startswith("โรงเรียน")


def test_wait_times_split_waiting_to_be_claimed_from_being_worked(ctx, people, clock):
    transfer = start(ctx, people, "budget_transfer")
    clock.advance(hours=10)
    step_actions.claim(ctx, people["plan1"], transfer.task_of("request")["id"])
    clock.advance(hours=5)
    transfer.complete("request", "plan1")
    rows = {r["spec_id"]: r for r in step_times.wait_times(ctx, people["director"], "budget_transfer")}
    assert rows["request"]["claim_p50_hours"] == pytest.approx(10)
    assert rows["request"]["work_p50_hours"] == pytest.approx(5)
    assert rows["analysis"]["waiting_now"] == 1
    trend = step_times.monthly_trend(ctx, people["director"], "budget_transfer")
    assert trend[-1]["completed"] == 2, "the matter and the request"


def test_staff_do_not_see_the_dashboard(ctx, people):
    with pytest.raises(Forbidden):
        overview.overdue_steps(ctx, people["plan1"])
