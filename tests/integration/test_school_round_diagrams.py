"""Every per-school round of the six diagrams (budget request, the MTEF's two, development plan, annual action
plan, evaluation, reporting) works the same way, through the service layer: the plan staff close it with three
schools silent, the office reviews the two requests in one table, sends one school back, the school corrects
it from what it sent, the review sees the correction, the case goes on, and its replay verifies."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.services.audit import verification
from app.services.cases import messages, rounds, step_actions
from app.services.scheduling import timers
from app.store.models import Event

from ..samples import fill
from ..stories import start

SCHOOLS = [f"104005000{i}" for i in range(1, 6)]
USERS = {"plan_staff": "plan1", "group_director": "director", "office_director": "office",
         "committee_secretary": "secretary"}
NOTICE = {"round_number": 1, "allocation_number": "ศธ 04002/ว1", "allocation_date": "2026-12-20", "amount": 1}
# (process, the round, its review, the correction of its schools' submissions)
ROUNDS = [
    ("budget_request", "school_budget_request", "review_school_requests", "correct_school_request"),
    ("mtef", "mtef_school_revenue", "mtef_review_school_revenues", "mtef_correct_school_revenue"),
    ("mtef", "mtef_school_framework", "mtef_review_school_frameworks", "mtef_correct_school_framework"),
    ("development_plan", "school_strategic_plan", "review_school_plans", "correct_school_plan"),
    ("annual_action_plan", "school_action_plan", "review_school_action_plans", "correct_school_action_plan"),
    ("evaluation", "school_indicators", "review_school_indicators", "correct_school_indicators"),
    ("reporting", "school_annual_report", "review_school_reports", "correct_school_annual_report"),
]


def _who(group: str) -> str:
    return USERS.get(group) or f"school{SCHOOLS.index(group.removeprefix('school-')) + 1}"


def _send(case, task: dict, data: dict | None = None) -> None:
    who = case.people[_who(task["group"])]
    if data is None:
        data = fill(step_actions.get_task(case.ctx, who, task["id"])["form"], attachment_id=case.attachment())
    case.case = step_actions.complete(case.ctx, who, task["id"], data)


def _drive_until(case, clock, spec_id: str) -> None:
    """Do every other open step (the first option of each choice, every school sending) until `spec_id` opens;
    a timer the case waits on is let run out, OBEC's notice is recorded."""
    for _ in range(80):
        tasks = case.refresh()["open_tasks"]
        if any(t["spec_id"] == spec_id for t in tasks):
            return
        if tasks:
            _send(case, tasks[0])
        elif case.case["waiting_for"]:
            wait = case.case["waiting_for"][0]
            if wait["kind"] == "message":
                messages.deliver_message(case.ctx, case.people["plan1"], case.id, wait["message"], NOTICE)
            else:
                clock.set(max(clock.current, case.ctx.now()) + timedelta(days=40))
                assert timers.fire_due_timers(case.ctx)["fired"] == 1
        else:
            raise AssertionError(f"the case stopped before {spec_id}")
    raise AssertionError(f"{spec_id} never opened")


@pytest.mark.parametrize(("key", "round_id", "review", "correction"), ROUNDS)
def test_a_round_closes_is_reviewed_and_one_school_corrects(ctx, people, clock, key, round_id, review, correction):
    case = start(ctx, people, key, title=f"รอบการส่งของสถานศึกษา ({key})")
    _drive_until(case, clock, round_id)
    waiting = [t for t in case.refresh()["open_tasks"] if t["spec_id"] == round_id]
    assert sorted(t["group"] for t in waiting) == [f"school-{code}" for code in SCHOOLS]
    for task in waiting[:2]:
        _send(case, task)

    closed = rounds.close_round(ctx, people["plan2"], case.id, round_id, "ครบกำหนดปิดรับ")
    assert sorted(m["code"] for m in closed["round_closed"]["missing"]) == sorted(
        t["group"].removeprefix("school-") for t in waiting[2:])
    _drive_until(case, clock, review)
    task = case.task_of(review)
    table = step_actions.get_task(ctx, people["plan1"], task["id"])["round_review"]
    assert [r["code"] for r in table["rows"]] == SCHOOLS, "a row per school of the register"
    assert table["counts"]["received"] == 2 and table["counts"]["missing"] == 3
    sent_back = next(r for r in table["rows"] if r["status"] == "received")
    assert all(v is not None for v in sent_back["values"].values()), "filled from what the school sent"

    field = table["field"]
    _send(case, task, {field: [{"code": sent_back["code"], "reason": "แก้ไขให้ตรงกับเอกสาร"}]})
    [fix] = [t for t in case.refresh()["open_tasks"] if t["spec_id"] == correction]
    assert fix["group"] == f"school-{sent_back['code']}" and fix["instance"]["returned_reason"]
    previous = step_actions.get_task(ctx, people[_who(fix["group"])], fix["id"])["previous_submission"]
    _send(case, fix, previous)
    task = case.task_of(review)
    row = next(r for r in step_actions.get_task(ctx, people["plan1"], task["id"])["round_review"]["rows"]
               if r["code"] == sent_back["code"])
    assert row["status"] == "corrected"
    _send(case, task, {field: []})
    assert review not in case.open_steps(), "the case went on"
    with ctx.read() as session:
        kinds = list(session.scalars(select(Event.kind).where(Event.case_id == case.id)))
    assert kinds.count("round_closed") == 1
    verdict = verification.verify_case(ctx, people["auditor"], case.id)
    assert verdict.ok, verdict.problems
