"""§3.2.2: OBEC allocates the year's budget in rounds (งวด). Each notice is recorded with its round, letter and amounts
per budget category; a notice that comes before the case waits for it is kept and taken at the wait; later rounds
are recorded while the office notifies the schools; a round already recorded, or one after the case ended, is a 409."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.services.audit import verification
from app.services.cases import messages
from app.services.editor import deployment
from app.services.kernel.errors import Conflict
from app.store.models import Case, Event

from ..stories import start
from .test_procedures_part2 import _agreement_waiting_for_obec, _each_school

ROOT = Path(__file__).resolve().parents[2]
PREVIOUS = ROOT / "tests" / "previous_versions"
FIRST = {"round_number": 1, "allocation_number": "ศธ 04002/ว5678", "allocation_date": "2026-12-20",
         "amount": 12_500_000, "allocation_items": [{"category": "operating", "amount": 10_000_000},
                                                    {"category": "investment", "amount": 2_500_000}]}
SECOND = {"round_number": 2, "allocation_number": "ศธ 04002/ว6011", "allocation_date": "2027-03-02",
          "amount": 3_000_000, "allocation_items": [{"category": "operating", "amount": 3_000_000}]}


def _verified(ctx, people, case) -> None:
    ctx.workflow_cache.clear()
    verdict = verification.verify_case(ctx, people["auditor"], case.id)
    assert verdict.ok, verdict.problems


def _events(ctx, case_id: int) -> int:
    with ctx.read() as session:
        return session.scalar(select(func.count()).select_from(Event).where(Event.case_id == case_id))


def test_the_allocation_arrives_in_two_rounds_both_recorded_with_their_totals(ctx, people, clock):
    agreement = _agreement_waiting_for_obec(ctx, people)
    taken = messages.deliver_message(ctx, people["plan1"], agreement.id, "obec_allocation", FIRST)
    assert taken["recorded_as"] == "taken" and [t["spec_id"] for t in taken["open_tasks"]] == ["notify_schools"]
    clock.advance(days=70)
    later = messages.deliver_message(ctx, people["plan2"], agreement.id, "obec_allocation", SECOND)
    assert later["recorded_as"] == "round" and agreement.open_steps() == ["notify_schools"], \
        "a later round is recorded where the case is"
    case = agreement.refresh()
    assert case["data"]["obec_allocation"] == FIRST, "the step after the wait works from the first round"
    (allocation,) = case["message_rounds"]
    assert [(r["round_number"], r["allocation_number"]) for r in allocation["rounds"]] == [
        (1, "ศธ 04002/ว5678"), (2, "ศธ 04002/ว6011")]
    assert (allocation["total"], allocation["by_category"]) == (
        15_500_000, {"operating": 13_000_000, "investment": 2_500_000})
    assert allocation["pending"] == []

    before = (_events(ctx, agreement.id), agreement.refresh()["data"])
    with pytest.raises(Conflict) as caught:
        messages.deliver_message(ctx, people["plan1"], agreement.id, "obec_allocation",
                                 {**SECOND, "allocation_number": "ศธ 04002/ว6012"})
    assert "round_number" in caught.value.fields, "the refusal names the round"
    assert (_events(ctx, agreement.id), agreement.refresh()["data"]) == before, "nothing changed"

    third = {**SECOND, "round_number": 3, "amount": 500_000, "allocation_items": []}
    messages.deliver_message(ctx, people["plan1"], agreement.id, "obec_allocation", third)
    assert [r["round_number"] for r in agreement.refresh()["message_rounds"][0]["rounds"]] == [1, 2, 3]
    agreement.complete("notify_schools", "plan1")
    agreement.send_letter()
    assert agreement.refresh()["status"] == "completed"
    assert agreement.case["message_rounds"][0]["total"] == 16_000_000, "the rounds stay with the finished case"
    with pytest.raises(Conflict):
        messages.deliver_message(ctx, people["plan1"], agreement.id, "obec_allocation", {**FIRST, "round_number": 4})
    with ctx.read() as session:
        kinds = list(session.scalars(select(Event.data["kept"].as_string()).where(
            Event.case_id == agreement.id, Event.kind == "message_received").order_by(Event.seq)))
    assert kinds == [None, "round", "round"], "the history shows each round as it came"
    _verified(ctx, people, agreement)


def test_an_early_notice_is_kept_and_taken_when_the_case_reaches_its_wait(ctx, people, clock):
    agreement = start(ctx, people, "performance_agreement", title="ข้อตกลงผลการปฏิบัติงาน ปีงบประมาณ 2570")
    agreement.complete("study_allocation", "plan1")
    kept = messages.deliver_message(ctx, people["plan1"], agreement.id, "obec_allocation", FIRST)
    assert kept["recorded_as"] == "pending" and agreement.open_steps() == ["action_plan"], \
        "the notice is kept while the action plan is written"
    case = agreement.refresh()
    assert [p["allocation_number"] for p in case["message_rounds"][0]["pending"]] == ["ศธ 04002/ว5678"]
    assert case["message_rounds"][0]["rounds"] == [] and "obec_allocation" not in case["data"]
    with pytest.raises(Conflict):
        messages.deliver_message(ctx, people["plan2"], agreement.id, "obec_allocation", FIRST)
    clock.advance(days=3)
    agreement.complete("action_plan", "plan2")
    agreement.send_letter()
    agreement.complete("committee_decision", "secretary", decision="approve", meeting_number="5/2570")
    agreement.send_letter()
    _each_school(agreement, "school_board_approval")
    assert agreement.open_steps() == ["notify_schools"], "the case took the notice kept for it and moved on"
    case = agreement.refresh()
    assert case["data"]["obec_allocation"] == FIRST and "pending_messages" not in case["data"]
    assert [(r["round_number"], r.get("kept_early")) for r in case["message_rounds"][0]["rounds"]] == [(1, True)]
    assert case["waiting_for"] == []
    _verified(ctx, people, agreement)


def test_an_agreement_running_on_the_diagram_before_rounds_still_takes_one_notice_at_its_wait(
        ctx, people, own_forms):
    """Running cases stay on their version: on the earlier diagram an early notice is still a 409."""
    shutil.copy(PREVIOUS / "performance_agreement_obec_allocation.json",
                own_forms / "performance_agreement_obec_allocation.json")
    before, _ = deployment.deploy_version(ctx, people["owner"], "performance_agreement",
                                          (PREVIOUS / "performance_agreement_before_rounds.bpmn").read_bytes())
    old = start(ctx, people, "performance_agreement", title="ข้อตกลงก่อนรับงวด")
    shutil.copy(ROOT / "forms" / "performance_agreement_obec_allocation.json",
                own_forms / "performance_agreement_obec_allocation.json")
    current, created = deployment.deploy_version(ctx, people["owner"], "performance_agreement",
                                                 (ROOT / "processes" / "performance_agreement.bpmn").read_bytes())
    assert created and current["version"] > before["version"]
    with pytest.raises(Conflict):  # the earlier form knows no round: the notice as it was then
        messages.deliver_message(ctx, people["plan1"], old.id, "obec_allocation",
                                 {key: value for key, value in FIRST.items() if key != "round_number"})
    with ctx.read() as session:
        assert session.get(Case, old.id).version.version == before["version"]
    assert old.refresh()["message_rounds"] == []
    _verified(ctx, people, old)
