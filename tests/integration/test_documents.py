"""What the processes produce: the plan and report documents built from a case's data, and which of
them are public (the publication step done, never a secret case)."""
from __future__ import annotations

import pytest

from app.services.documents import publication
from app.services.kernel.errors import NotFound

from ..stories import draft_from, plan_at_school_step, start, through_hearing

VISION = "ผู้เรียนมีคุณภาพ ครูมีสมรรถนะ บริหารจัดการด้วยธรรมาภิบาล"
STRATEGIES = [{"name": "พัฒนาคุณภาพผู้เรียนทุกระดับ", "objective": "ผู้เรียนมีผลสัมฤทธิ์สูงขึ้น"},
              {"name": "ส่งเสริมครูและบุคลากรทางการศึกษา", "objective": "ครูมีสมรรถนะตามมาตรฐาน"}]


def published_plan(ctx, people, clock):
    plan = start(ctx, people, "development_plan", title="แผนพัฒนาการศึกษา พ.ศ. 2571-2575")
    plan.complete("review_mission", "plan1", plan_start_year=2571, plan_end_year=2575)
    plan.complete("swot", "plan1")
    plan.complete("vision_mission", "plan2", vision=VISION)
    plan.complete("strategies", "plan1", strategies=STRATEGIES)
    draft_from(plan, "outputs_kpis")
    through_hearing(plan, clock)
    plan.send_letter()  # the submission to the committee: ศธ 04036/1
    plan.complete("committee_decision", "secretary", decision="approve", meeting_number="3/2570")
    clock.advance(days=1)
    plan.send_letter(signer="deputy")  # the announcement: ศธ 04036/2, signed on the director's behalf
    plan.complete("publication", "plan1", published_on="2026-12-20")
    return plan


def test_a_published_plan_is_a_public_document_with_its_vision_strategies_and_header(ctx, people, clock):
    plan = published_plan(ctx, people, clock)
    listed = publication.published_documents(ctx)
    assert [d["number"] for d in listed] == [plan.case["number"]]
    assert listed[0]["published_on"] == "20 ธันวาคม 2569", "Buddhist-Era date, month in full"
    doc = publication.public_document(ctx, publication.slug_of(plan.case["number"]))
    assert doc["office"] == "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาขอนแก่น เขต 1"
    assert doc["body"]["vision"] == VISION
    assert [s["name"] for s in doc["body"]["strategies"]] == [s["name"] for s in STRATEGIES]
    assert doc["body"]["period"] == "พ.ศ. 2571–2575"
    assert any("พ.ศ. 2542" in ref for ref in doc["legal_references"])
    assert doc["expected_outcome"]
    assert all(p["budget"].endswith(" บาท") for p in doc["body"]["projects"])
    assert (doc["submission_letter_number"], doc["announcement_number"]) == ("ศธ 04036/1", "ศธ 04036/2")
    assert doc["announcement_date"] == "11 ธันวาคม 2569", "the day the announcement was signed"


def test_the_story_helper_plan_is_public_too(ctx, people, clock):
    plan = plan_at_school_step(ctx, people, clock)
    assert plan.case["number"] in [d["number"] for d in publication.published_documents(ctx)]


def test_an_unpublished_plan_is_not_public_but_its_staff_see_its_draft(ctx, people, clock):
    plan = start(ctx, people, "development_plan")
    draft_from(plan, "review_mission")
    assert publication.published_documents(ctx) == []
    with pytest.raises(NotFound):
        publication.public_document(ctx, publication.slug_of(plan.case["number"]))
    draft = publication.case_document(ctx, people["plan1"], plan.id)
    assert draft["published"] is False and draft["body"]["vision"]
    with pytest.raises(NotFound):
        publication.case_document(ctx, people["school1"], plan.id)


def test_a_secret_case_is_never_public_even_with_a_publication_date(ctx, people, clock):
    plan = published_plan(ctx, people, clock)
    from app.store.models import Case
    with ctx.write() as session:
        session.get(Case, plan.id).secrecy = "secret"
    assert publication.published_documents(ctx) == []
    with pytest.raises(NotFound):
        publication.public_document(ctx, publication.slug_of(plan.case["number"]))


def test_a_process_without_a_document_has_none(ctx, people):
    meeting = start(ctx, people, "group_meeting")
    with pytest.raises(NotFound):
        publication.case_document(ctx, people["plan1"], meeting.id)


def test_month_labels_follow_the_fiscal_year():
    assert publication.month_label("oct", 2570) == "ตุลาคม 2569"
    assert publication.month_label("sep", 2570) == "กันยายน 2570"
    assert publication.baht(1234567) == "1,234,567.00 บาท"


def test_the_annual_report_is_public_once_published_and_not_before(ctx, people, clock):
    from .test_procedures_part2 import _reporting, _rest_of_reporting

    report = _reporting(ctx, people)
    report.complete("obec_reports", "plan1")
    slug = publication.slug_of(report.case["number"])
    with pytest.raises(NotFound):
        publication.public_document(ctx, slug)
    draft = publication.case_document(ctx, people["plan1"], report.id)
    assert draft["kind"] == "reporting" and draft["published"] is False
    _rest_of_reporting(report)
    doc = publication.public_document(ctx, slug)
    assert doc["kind_name"] == "รายงานผลการดำเนินงานประจำปี" and doc["body"]["highlights"]
    assert (doc["body"]["letter_number"], doc["announcement_number"]) == ("ศธ 04036/1", "ศธ 04036/2"), \
        "the covering letter to OBEC, then the announcement"
    assert doc["body"]["sent_to_obec_on"] == "4 ธันวาคม 2569", "the day the covering letter was sent"
    assert [d["kind"] for d in publication.published_documents(ctx)] == ["reporting"]
