"""The Provincial Education Committee's gate (กศจ.), as its secretary records it: the decision in the
committee's own words, the remarks an approval was given with, the meeting, the agenda's cut-off date and the
letter notifying the resolution; a plan sent back goes to the step the committee names among those its
diagram allows. Plans that were already waiting for the committee keep the gate they started with."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.services.audit import verification
from app.services.cases import step_actions
from app.services.documents import publication
from app.services.editor import deployment
from app.services.kernel.errors import Invalid

from ..stories import draft_from, start, through_hearing

PREVIOUS = Path(__file__).resolve().parents[1] / "previous_versions"
ROOT = Path(__file__).resolve().parents[2]
REMARKS = "ให้เพิ่มตัวชี้วัดด้านความปลอดภัยของผู้เรียนในกลยุทธ์ที่ 1 ก่อนประกาศใช้"
MEETING = {"meeting_number": "3/2570", "meeting_date": "2026-12-15", "agenda_cutoff_date": "2026-12-08",
           "resolution_letter_number": "ศธ 0293/4512", "resolution_letter_date": "2026-12-18"}


def at_the_committee(ctx, people, clock, title: str = "แผนพัฒนาการศึกษา พ.ศ. 2571-2575"):
    plan = start(ctx, people, "development_plan", title=title)
    draft_from(plan, "review_mission")
    through_hearing(plan, clock)
    plan.send_letter()  # the submission to the committee
    assert plan.open_steps() == ["committee_decision"]
    return plan


def test_the_committee_approves_with_remarks_and_the_remarks_stay_with_the_plan_and_on_its_document(
        ctx, people, clock):
    plan = at_the_committee(ctx, people, clock)
    plan.complete("committee_decision", "secretary", decision="approve_with_remarks", committee_remarks=REMARKS,
                  **MEETING)
    data = plan.refresh()["data"]
    assert (data["decision"], data["committee_remarks"]) == ("approve_with_remarks", REMARKS)
    assert (data["resolution_letter_number"], data["agenda_cutoff_date"]) == ("ศธ 0293/4512", "2026-12-08")
    assert plan.open_steps() == ["letter_draft"], "approved: the plan is announced"
    doc = publication.case_document(ctx, people["plan1"], plan.id)
    assert doc["committee_decision"] == "เห็นชอบโดยมีข้อสังเกต"
    assert doc["committee_remarks"] == REMARKS
    assert (doc["resolution_letter_number"], doc["resolution_letter_date"]) == ("ศธ 0293/4512", "18 ธันวาคม 2569")
    assert verification.verify_case(ctx, people["auditor"], plan.id).ok


def test_a_plain_approval_shows_no_remarks_on_the_document(ctx, people, clock):
    plan = at_the_committee(ctx, people, clock)
    plan.complete("committee_decision", "secretary", decision="approve", committee_remarks="", **MEETING)
    doc = publication.case_document(ctx, people["plan1"], plan.id)
    assert doc["committee_decision"] == "เห็นชอบ" and doc["committee_remarks"] is None


def test_the_committee_sends_the_plan_back_to_the_strategies_and_the_case_resumes_there(ctx, people, clock):
    plan = at_the_committee(ctx, people, clock)
    form = step_actions.get_task(ctx, people["secretary"], plan.task_of("committee_decision")["id"])["form"]
    offered = form["properties"]["committee_revise_to"]
    assert offered["enum"] == ["vision_mission", "swot", "strategies", "projects"], "the diagram's list, in order"
    assert offered["x-enum-titles"][2] == "กำหนดกลยุทธ์การจัดการศึกษา", "each step by its Thai name"
    assert form["properties"]["decision"]["x-enum-titles"] == [
        "เห็นชอบ", "เห็นชอบโดยมีข้อสังเกต", "ให้ปรับปรุงแล้วเสนอใหม่", "ไม่เห็นชอบ"]

    plan.complete("committee_decision", "secretary", decision="revise", committee_revise_to="strategies",
                  committee_remarks="ปรับกลยุทธ์ให้สอดคล้องกับแผนการศึกษาแห่งชาติ", **MEETING)
    assert plan.open_steps() == ["strategies"], "the step the committee named, not the first one of the list"
    draft_from(plan, "strategies")
    plan.complete("draft_review", "director", draft_review_decision="approve")
    plan.send_letter()  # the revised plan, submitted again; the hearing is not repeated
    plan.complete("committee_decision", "secretary", decision="approve", **{**MEETING, "meeting_number": "4/2570"})
    assert plan.open_steps() == ["letter_draft"]
    verdict = verification.verify_case(ctx, people["auditor"], plan.id)
    assert verdict.ok, verdict.problems


def _refused(plan, people, **data) -> Invalid:
    """Completing the committee's step with `data` is refused, and nothing of the case changed."""
    before = plan.refresh()
    task = plan.task_of("committee_decision")
    with pytest.raises(Invalid) as refused:
        plan.complete("committee_decision", "secretary", **data)
    after = plan.refresh()
    assert (after["open_tasks"], after["data"]) == (before["open_tasks"], before["data"])
    assert plan.task_of("committee_decision")["id"] == task["id"]
    return refused.value


def test_a_step_the_diagram_does_not_let_the_committee_revise_is_refused(ctx, people, clock):
    plan = at_the_committee(ctx, people, clock)
    refused = _refused(plan, people, decision="revise", committee_revise_to="review_mission",
                       committee_remarks="ทบทวนภารกิจใหม่ทั้งหมด", **MEETING)
    assert list(refused.fields) == ["committee_revise_to"]
    assert refused.status == 400


def test_the_committee_gate_refuses_dates_out_of_order_and_missing_remarks(ctx, people, clock):
    plan = at_the_committee(ctx, people, clock)
    late_cutoff = _refused(plan, people, decision="approve", **{**MEETING, "agenda_cutoff_date": "2026-12-16"})
    assert list(late_cutoff.fields) == ["agenda_cutoff_date"]
    assert "วันที่ประชุม" in late_cutoff.fields["agenda_cutoff_date"][0], "the message names the meeting date"
    early_letter = _refused(plan, people, decision="approve", **{**MEETING, "resolution_letter_date": "2026-12-14"})
    assert list(early_letter.fields) == ["resolution_letter_date"]
    no_remarks = _refused(plan, people, decision="approve_with_remarks", committee_remarks="", **MEETING)
    assert list(no_remarks.fields) == ["committee_remarks"]
    plan.complete("committee_decision", "secretary", decision="approve", **{**MEETING,
                                                                             "agenda_cutoff_date": "2026-12-15"})
    assert plan.open_steps() == ["letter_draft"], "a cut-off on the meeting day itself is accepted"


def test_a_plan_already_waiting_for_the_committee_keeps_its_gate_when_the_new_one_is_deployed(ctx, people, clock):
    old, created = deployment.deploy_version(ctx, people["owner"], "development_plan",
                                             (PREVIOUS / "development_plan_before_gate.bpmn").read_bytes())
    assert created
    waiting = at_the_committee(ctx, people, clock, title="แผนที่เสนอ กศจ. ก่อนปรับปรุงขั้นตอน")
    assert waiting.case["version"] == old["version"]
    new, created = deployment.deploy_version(ctx, people["owner"], "development_plan",
                                              (ROOT / "processes" / "development_plan.bpmn").read_bytes())
    assert created and new["version"] > old["version"]
    form = step_actions.get_task(ctx, people["secretary"], waiting.task_of("committee_decision")["id"])["form"]
    assert form["properties"]["decision"]["enum"] == ["approve", "revise", "reject"], "its own version's form"
    assert "committee_revise_to" not in form["properties"]
    waiting.complete("committee_decision", "secretary", decision="revise", meeting_number="2/2570")
    assert waiting.open_steps() == ["vision_mission"], "the old gate's one way back"
    assert waiting.refresh()["version"] == old["version"]
    fresh = start(ctx, people, "development_plan", title="แผนใหม่")
    assert fresh.case["version"] == new["version"], "a new plan gets the new gate"
    verdict = verification.verify_case(ctx, people["auditor"], waiting.id)
    assert verdict.ok, verdict.problems
