"""§3.3, all four steps: the year's criteria for transfers within the office's authority and for unspent funds
(เงินเหลือจ่าย), guidance to the schools, and a transfer request reviewed by the group director and approved
by whoever the process owner's authority table names: the office director, กศจ., or OBEC (a submission, and
the case waits for OBEC's answer)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.services.audit import verification
from app.services.budget import authority
from app.services.cases import messages
from app.services.editor import deployment
from app.services.kernel.errors import Conflict, Forbidden, Invalid
from app.store.letter_models import OutgoingLetter

from ..stories import start

ROOT = Path(__file__).resolve().parents[2]
PREVIOUS = ROOT / "tests" / "previous_versions"
OBEC_YES = {"obec_decision": "approve", "obec_letter_number": "ศธ 04002/2345", "obec_letter_date": "2027-02-10"}


def _request(ctx, people, **fields):
    transfer = start(ctx, people, "budget_transfer", title="โอนเปลี่ยนแปลงงบประมาณ โครงการพัฒนาครู", begun=False)
    transfer.complete("matter", "plan1", matter_kind="office_request", fiscal_year=2570)
    fields.setdefault("destination_plan", "")
    transfer.complete("request", "plan1", plan="แผนงานพื้นฐานด้านการพัฒนาและเสริมสร้างศักยภาพทรัพยากรมนุษย์",
                      project="โครงการพัฒนาครู", **fields)
    transfer.complete("analysis", "plan2")
    return transfer


def _verified(ctx, people, case) -> None:
    verdict = verification.verify_case(ctx, people["auditor"], case.id)
    assert verdict.ok, verdict.problems


def test_a_transfer_within_authority_is_reviewed_approved_notified_and_recorded(ctx, people):
    transfer = _request(ctx, people, category_from="operating", category_to="other", amount=50000)
    data = transfer.refresh()["data"]
    assert (data["transfer_scope"], data["transfer_decided_by"], data["within_office_authority"]) == (
        "same_plan", "office", True)
    assert "คำสั่ง สพฐ." in data["authority_citation"], "the analysis names the row and its citation"
    assert transfer.open_steps() == ["group_review"]
    transfer.complete("group_review", "director", review_decision="support")
    assert transfer.open_steps() == ["director_approval"], "no committee and no OBEC within authority"
    transfer.complete("director_approval", "office", director_decision="approve")
    transfer.send_letter()  # the notice of the approved transfer
    transfer.complete("record_transfer", "plan1", gfmis_document_number="1234567890")
    final = transfer.refresh()
    assert final["status"] == "completed"
    assert final["data"]["transfer_notice_number"].startswith("ศธ 04036/")
    _verified(ctx, people, transfer)


def test_a_transfer_across_programmes_goes_to_obec_and_resumes_on_its_answer(ctx, people, clock):
    transfer = _request(ctx, people, category_from="operating", category_to="operating", amount=300000,
                        destination_plan="แผนงานยุทธศาสตร์พัฒนาคุณภาพการศึกษาและการเรียนรู้")
    data = transfer.refresh()["data"]
    assert (data["transfer_scope"], data["transfer_decided_by"]) == ("across_plans", "obec")
    transfer.complete("group_review", "director", review_decision="support")
    with pytest.raises(Conflict):  # not waiting for OBEC before the submission left
        messages.deliver_message(ctx, people["plan1"], transfer.id, "obec_transfer_answer", OBEC_YES)
    transfer.send_letter()  # the submission to OBEC
    with ctx.read() as session:
        letter = session.scalar(select(OutgoingLetter).where(OutgoingLetter.case_id == transfer.id))
        assert (letter.kind, letter.recipients) == ("submission", "เลขาธิการคณะกรรมการการศึกษาขั้นพื้นฐาน")
    case = transfer.refresh()
    assert case["open_tasks"] == [] and [w.get("message") for w in case["waiting_for"]] == ["obec_transfer_answer"]
    with pytest.raises(Invalid):
        messages.deliver_message(ctx, people["plan1"], transfer.id, "obec_transfer_answer", {"obec_decision": "x"})
    clock.advance(days=20)
    case = messages.deliver_message(ctx, people["plan1"], transfer.id, "obec_transfer_answer", OBEC_YES)
    assert [t["spec_id"] for t in case["open_tasks"]] == ["letter_draft"], "the approved transfer is notified"
    transfer.send_letter()
    transfer.complete("record_transfer", "plan1")
    assert transfer.refresh()["status"] == "completed"
    _verified(ctx, people, transfer)


def test_obec_refuses_a_transfer_of_personnel_budget(ctx, people):
    transfer = _request(ctx, people, category_from="personnel", category_to="operating", amount=90000)
    assert transfer.refresh()["data"]["transfer_decided_by"] == "obec"
    transfer.complete("group_review", "director", review_decision="support")
    transfer.send_letter()
    messages.deliver_message(ctx, people["plan1"], transfer.id, "obec_transfer_answer",
                             {**OBEC_YES, "obec_decision": "reject", "obec_conditions": "งบบุคลากรไม่อาจโอนได้"})
    final = transfer.refresh()
    assert final["status"] == "completed" and final["data"]["obec_answer"]["obec_decision"] == "reject"
    _verified(ctx, people, transfer)


def test_a_large_transfer_within_a_plan_needs_the_committee_which_sends_it_back(ctx, people):
    transfer = _request(ctx, people, category_from="operating", category_to="subsidy", amount=2_000_000)
    assert transfer.refresh()["data"]["transfer_decided_by"] == "committee"
    transfer.complete("group_review", "director", review_decision="support")
    transfer.send_letter()  # the submission to กศจ.
    transfer.complete("committee_decision", "secretary", decision="revise", meeting_number="6/2570")
    assert transfer.open_steps() == ["request"]
    transfer.complete("request", "plan1", category_from="operating", category_to="subsidy", amount=900000,
                      destination_plan="")
    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="support")
    assert transfer.open_steps() == ["director_approval"]
    _verified(ctx, people, transfer)


def test_the_committee_asks_for_the_analysis_again_and_then_approves_with_remarks(ctx, people):
    transfer = _request(ctx, people, category_from="operating", category_to="subsidy", amount=2_000_000)
    transfer.complete("group_review", "director", review_decision="support")
    transfer.send_letter()  # the submission to กศจ.
    transfer.complete("committee_decision", "secretary", decision="revise", committee_revise_to="analysis",
                      committee_remarks="ให้แสดงผลการติดตามของโครงการต้นทาง")
    assert transfer.open_steps() == ["analysis"], "back to the step the committee named, not to the request"
    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="support")
    transfer.send_letter()
    transfer.complete("committee_decision", "secretary", decision="approve_with_remarks",
                      committee_remarks="ให้รายงานผลการใช้จ่ายภายในไตรมาส")
    data = transfer.refresh()["data"]
    assert (data["decision"], data["committee_remarks"]) == ("approve_with_remarks", "ให้รายงานผลการใช้จ่ายภายในไตรมาส")
    assert "letter_draft" in transfer.open_steps(), "the approval is announced by letter"
    _verified(ctx, people, transfer)


def test_the_group_director_sends_a_request_back_or_does_not_support_it(ctx, people):
    transfer = _request(ctx, people, category_from="operating", category_to="other", amount=50000)
    with pytest.raises(Invalid):  # sending back says why
        transfer.complete("group_review", "director", review_decision="revise", review_comments="")
    transfer.complete("group_review", "director", review_decision="revise", review_comments="แนบผลการติดตาม")
    assert transfer.open_steps() == ["request"]
    transfer.complete("request", "plan1", category_from="operating", category_to="other", amount=50000,
                      destination_plan="")
    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="not_support", review_comments="ไม่จำเป็นเร่งด่วน")
    assert transfer.refresh()["status"] == "completed"
    _verified(ctx, people, transfer)


def test_the_years_criteria_are_set_reviewed_and_the_schools_guided(ctx, people):
    year = start(ctx, people, "budget_transfer", title="เกณฑ์การโอนเปลี่ยนแปลงงบประมาณ ปีงบประมาณ 2570",
                 begun=False)
    year.complete("matter", "plan1", matter_kind="yearly_criteria", fiscal_year=2570)
    assert year.open_steps() == ["transfer_criteria"]
    year.complete("transfer_criteria", "plan1")
    year.complete("unspent_criteria", "plan2")
    year.complete("criteria_review", "director", criteria_review_decision="revise",
                  criteria_review_comments="ระบุลำดับความสำคัญของเงินเหลือจ่าย")
    assert year.open_steps() == ["transfer_criteria"]
    year.complete("transfer_criteria", "plan1")
    year.complete("unspent_criteria", "plan2")
    year.complete("criteria_review", "director", criteria_review_decision="approve")
    year.complete("school_guidance", "plan1", guidance_method="meeting")
    year.send_letter()  # the circular to every school
    final = year.refresh()
    assert final["status"] == "completed"
    assert final["data"]["guidance_letter_number"].startswith("ศธ 04036/ว")
    _verified(ctx, people, year)


def test_the_process_owner_edits_the_table_and_a_new_request_follows_it(ctx, people):
    with pytest.raises(Forbidden):
        authority.save_rule(ctx, people["plan1"], {})
    with pytest.raises(Invalid) as caught:
        authority.save_rule(ctx, people["owner"], {"scope": "nowhere", "category_from": "operating",
                                                   "category_to": "operating", "decided_by": "office"})
    assert {"scope", "citation"} <= set(caught.value.fields)
    before = authority.list_rules(ctx, people["plan1"])
    across = next(rule for rule in before if rule["scope"] == "across_plans")
    assert across["decided_by"] == "obec" and across["citation_is_example"]
    changed = authority.save_rule(ctx, people["owner"], {
        "position": across["position"], "scope": "across_plans", "category_from": "operating",
        "category_to": "operating", "max_amount": 500000, "decided_by": "office",
        "citation": "คำสั่ง สพฐ. ที่ 1/2570 ข้อ 3"}, across["id"])
    assert changed["updated_by"] == "owner"
    with pytest.raises(Forbidden):
        authority.delete_rule(ctx, people["director"], across["id"])
    assert authority.list_rules(ctx, people["plan1"])[before.index(across)]["decided_by"] == "office"
    transfer = _request(ctx, people, category_from="operating", category_to="operating", amount=300000,
                        destination_plan="แผนงานยุทธศาสตร์")
    assert transfer.refresh()["data"]["authority_citation"] == "คำสั่ง สพฐ. ที่ 1/2570 ข้อ 3"
    with pytest.raises(Forbidden):
        authority.list_rules(ctx, people["school1"])


def test_a_transfer_running_on_the_diagram_before_the_authority_table_finishes_there(ctx, people, own_forms):
    """Running cases stay on their version: one started before the four steps and the table finishes the
    way its own diagram says (the office director, without the group director's review), and verifies."""
    shutil.copy(PREVIOUS / "budget_transfer_submission.json", own_forms / "budget_transfer_submission.json")
    before, _ = deployment.deploy_version(ctx, people["owner"], "budget_transfer",
                                          (PREVIOUS / "budget_transfer.bpmn").read_bytes())
    old = start(ctx, people, "budget_transfer", title="คำขอก่อนมีตารางอำนาจ")
    old.complete("request", "plan1", category_from="operating", category_to="other", amount=50000)
    current, created = deployment.deploy_version(ctx, people["owner"], "budget_transfer",
                                                 (ROOT / "processes" / "budget_transfer.bpmn").read_bytes())
    assert created and current["version"] > before["version"]
    old.complete("analysis", "plan2")
    assert old.open_steps() == ["director_approval"]
    old.complete("director_approval", "office", director_decision="approve")
    old.complete("record_transfer", "plan1")
    final = old.refresh()
    assert (final["status"], final["version"]) == ("completed", before["version"])
    _verified(ctx, people, old)
    new = start(ctx, people, "budget_transfer", title="คำขอใหม่", begun=False)
    assert new.open_steps() == ["matter"] and new.case["version"] == current["version"]
