"""Closing a per-school round in the engine: what was received is kept, the silent schools' steps end, the case
moves on, and a replay of the close reaches the same state byte for byte; a diagram that marks something else
as a round is refused naming the element; a round's steps are due on the closing date staff set."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from app import engine
from app.services.calendar import deadlines
from app.thaidate import BANGKOK

from ..diagrams import one_step
from .test_office_diagrams_round_trip import T0, _compiled, _form_data

SCHOOLS = [{"code": f"10400500{i:02d}", "name": f"โรงเรียน {i}"} for i in range(1, 6)]


def _run(key: str, until: str, sent: int, reload: bool = False):
    """A case of `key` at its round `until` with the first `sent` schools' steps done, then the round closed."""
    process = _compiled(key)
    workflow = engine.start(process, {"schools": SCHOOLS}, T0, f"{key}:1")
    number = 1
    for _ in range(200):
        ready = engine.ready_human_tasks(workflow, process)
        if any(t.element_id == until for t in ready):
            break
        number += 1
        engine.complete(workflow, ready[0].engine_id, _form_data(process, ready[0].element_id),
                        T0 + timedelta(hours=number), f"{key}:{number}")
    for task in [t for t in engine.ready_human_tasks(workflow, process) if t.element_id == until][:sent]:
        number += 1
        engine.complete(workflow, task.engine_id, _form_data(process, until), T0 + timedelta(hours=number),
                        f"{key}:{number}")
        if reload:
            workflow = engine.attach(engine.load(process, engine.dump(workflow)))
    [round_] = [r for r in engine.open_rounds(workflow) if r.element_id == until]
    closed = engine.close_round(workflow, round_.round_id, T0 + timedelta(days=3), f"{key}:close")
    return process, workflow, round_, closed


def test_closing_a_round_keeps_what_was_received_and_moves_the_case_on():
    process, workflow, round_, closed = _run("budget_request", "school_budget_request", 2)
    assert (round_.received, [item["code"] for _, item in round_.waiting]) == (2, [s["code"] for s in SCHOOLS[2:]])
    assert [item["code"] for item in closed] == [s["code"] for s in SCHOOLS[2:]]
    assert [t.element_id for t in engine.ready_human_tasks(workflow, process)] == ["review_school_requests"]
    data = engine.case_data(workflow)
    assert [entry["school"]["code"] for entry in data["school_requests"]] == [s["code"] for s in SCHOOLS[:2]]
    assert engine.open_rounds(workflow) == []


def test_a_round_in_a_called_process_closes_inside_the_calling_case():
    process, workflow, _, closed = _run("annual_action_plan", "mtef_school_revenue", 1)
    assert len(closed) == 4
    assert [t.element_id for t in engine.ready_human_tasks(workflow, process)] == ["mtef_review_school_revenues"]


def test_a_close_replays_to_the_same_state_byte_for_byte():
    _, in_memory, _, _ = _run("mtef", "mtef_school_framework", 3)
    _, reloaded, _, _ = _run("mtef", "mtef_school_framework", 3, reload=True)
    assert engine.dump(in_memory) == engine.dump(reloaded)


def test_a_round_that_is_not_open_cannot_be_closed_and_nothing_changes():
    _, workflow, round_, _ = _run("reporting", "school_annual_report", 2)
    before = engine.dump(workflow)
    for round_id in (round_.round_id, "not-a-task-id", "00000000-0000-4000-8000-000000000000"):
        with pytest.raises(engine.NotWaiting):
            engine.close_round(workflow, round_id, T0 + timedelta(days=4), "reporting:again")
    assert engine.dump(workflow) == before


def test_only_a_parallel_step_for_each_school_can_be_a_round():
    xml = one_step("notround", {"schoolRound": "true"})
    with pytest.raises(engine.InvalidDiagram) as refused:
        engine.compile_diagram(xml)
    assert [(p.element_id, p.message) for p in refused.value.problems] == [
        ("answer", "a school round must be a parallel multi-instance user task")]
    xml = one_step("review", {"reviewsRound": "nothing_here"})
    with pytest.raises(engine.InvalidDiagram) as refused:
        engine.compile_diagram(xml)
    assert [p.element_id for p in refused.value.problems] == ["answer"]


def test_a_rounds_steps_are_due_on_the_closing_date_staff_set_or_after_the_default_period():
    info = _compiled("budget_request").user_task("school_budget_request")
    opened = datetime(2026, 12, 3, 9, 0, tzinfo=BANGKOK)
    due = deadlines.due_at(info, {"requests_close_on": "2027-01-20"}, opened, frozenset())
    assert due == datetime(2027, 1, 20, 16, 30, tzinfo=BANGKOK), "later than the default period: staff decide"
    for empty_or_past in ({}, {"requests_close_on": "2026-12-01"}):
        due = deadlines.due_at(info, empty_or_past, opened, frozenset())
        assert due.astimezone(BANGKOK).date() == date(2026, 12, 28), "15 Thai working days after it opened"


def test_a_rounds_reminders_go_before_and_on_the_closing_day_and_its_close_is_planned_once():
    process = _compiled("budget_request")
    policy = deadlines.policy_for(process, process.user_task("school_budget_request"))
    opened = datetime(2026, 12, 3, 9, 0, tzinfo=BANGKOK)
    steps = [SimpleNamespace(id=n, case_id=3, spec_id="school_budget_request", created_at=opened,
                             due_at=datetime(2026, 12, 17, 16, 30, tzinfo=BANGKOK)) for n in (1, 2)]
    planned = [job for step in steps for job in deadlines.reminder_jobs(step, policy, frozenset(), opened)]
    assert sorted({(j["kind"], j["payload"].get("stage"), j["due_at"].date()) for j in planned}) == [
        ("reminder", "before", date(2026, 12, 15)), ("reminder", "due", date(2026, 12, 17)),
        ("round_close", None, date(2026, 12, 17))], "nothing overdue: the round closes on its day"
    assert len({j["key"] for j in planned if j["kind"] == "round_close"}) == 1, "one close for the whole round"
