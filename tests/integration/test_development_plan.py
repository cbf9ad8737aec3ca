"""§2.2: the basic education development plan, from reviewing the mission to the schools' own plans."""
from __future__ import annotations

from app.services.audit import verification
from app.services.cases import step_actions

from ..samples import fill
from ..stories import draft_from, plan_at_school_step, start, through_hearing


def test_the_plan_is_approved_first_time_and_published_and_every_school_makes_its_plan(ctx, people, clock):
    plan = plan_at_school_step(ctx, people, clock)
    assert plan.case["number"] == "2570/0001"
    school_steps = plan.refresh()["open_tasks"]
    assert sorted(t["group"] for t in school_steps) == sorted(
        f"school-104005000{i}" for i in range(1, 6)), "one step for each school in the register"
    for i in range(1, 6):
        step = next(t for t in plan.refresh()["open_tasks"] if t["group"] == f"school-104005000{i}")
        detail = step_actions.get_task(ctx, people[f"school{i}"], step["id"])
        step_actions.complete(ctx, people[f"school{i}"], step["id"],
                              fill(detail["form"], attachment_id=plan.attachment()))
    assert plan.open_steps() == ["review_school_plans"], "the office reviews every school's plan in one step"
    plan.complete("review_school_plans", "plan1")
    final = plan.refresh()
    assert final["status"] == "completed"
    assert len(final["data"]["school_plans"]) == 5
    assert verification.verify_case(ctx, people["auditor"], plan.id).ok


def test_the_first_step_is_reviewing_the_mission(ctx, people):
    plan = start(ctx, people, "development_plan", title="แผนพัฒนาการศึกษา พ.ศ. 2571-2575")
    assert plan.open_steps() == ["review_mission"]
    assert plan.task_of("review_mission")["group"] == "plan_staff"


def test_the_committee_sends_the_plan_back_twice_and_the_drafting_steps_open_again(ctx, people, clock):
    plan = start(ctx, people, "development_plan")
    draft_from(plan, "review_mission")
    through_hearing(plan, clock)
    for meeting in ("1/2570", "2/2570"):
        plan.send_letter()
        plan.complete("committee_decision", "secretary", decision="revise", meeting_number=meeting)
        assert plan.open_steps() == ["vision_mission"], "the drafting steps open again"
        draft_from(plan, "vision_mission")
        plan.complete("draft_review", "director", draft_review_decision="approve")
        # The hearing was held once; a revised draft goes straight back to the office director.
    plan.send_letter()
    plan.complete("committee_decision", "secretary", decision="approve", meeting_number="3/2570")
    assert plan.open_steps() == ["letter_draft"], "the plan is announced first"
    plan.send_letter()
    assert plan.open_steps() == ["publication"]
    verdict = verification.verify_case(ctx, people["auditor"], plan.id)
    assert verdict.ok, verdict.problems


def test_the_committee_rejects_the_plan_and_the_case_ends(ctx, people, clock):
    plan = start(ctx, people, "development_plan")
    draft_from(plan, "review_mission")
    through_hearing(plan, clock)
    plan.send_letter()
    plan.complete("committee_decision", "secretary", decision="reject", meeting_number="4/2570")
    final = plan.refresh()
    assert final["status"] == "completed" and final["open_tasks"] == []
    assert final["data"]["decision"] == "reject"


def test_the_group_director_returns_the_draft_to_the_swot_step(ctx, people, clock):
    plan = start(ctx, people, "development_plan")
    draft_from(plan, "review_mission")
    plan.complete("draft_review", "director", draft_review_decision="return_swot",
                  draft_review_comments="ข้อมูล SWOT ไม่ครบถ้วน")
    assert plan.open_steps() == ["swot"]
