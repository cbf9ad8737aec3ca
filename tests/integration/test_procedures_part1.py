"""Stories for the first part of the catalogue: §1.1 correspondence, §1.3 group meetings, §1.4–1.6 the group's
report, §2.1 policy analysis, §2.4 school restructuring, §3.1.1 output costing and §4.2 evaluation; and the
deployment of every diagram of processes/."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from app import engine
from app.services.audit import verification
from app.services.cases import step_actions
from app.services.catalog import forms, processes
from app.services.editor import deployment
from app.thaidate import BANGKOK

from ..samples import fill
from ..stories import start

ROOT = Path(__file__).resolve().parents[2]
PART1 = ("correspondence", "official_letter", "group_meeting", "knowledge_report", "policy_analysis",
         "school_restructuring", "output_costing", "evaluation")
KNOWN_LANES = {"plan_staff", "group_director", "office_director", "committee_secretary", "school"}


def _compiled(key: str) -> engine.CompiledProcess:
    """A diagram of processes/ compiled with the processes it calls (official letters)."""
    xml = (ROOT / "processes" / f"{key}.bpmn").read_bytes()
    called = {k: (ROOT / "processes" / f"{k}.bpmn").read_bytes() for k in engine.called_processes(xml)}
    return engine.compile_diagram(xml, key, called)


def _finished(case, ctx, people) -> dict:
    final = case.refresh()
    assert final["status"] == "completed" and final["open_tasks"] == []
    verdict = verification.verify_case(ctx, people["auditor2"], case.id)
    assert verdict.ok, verdict.problems
    return final


def _every_open_step_has_a_due_date(case) -> None:
    for step in case.refresh()["open_tasks"]:
        assert step["due_at"], f"{step['spec_id']} has no due date"


def _complete_school_steps(case, ctx, people, spec_id: str, **overrides) -> None:
    """Each demo school completes its own step, as its own user."""
    for number in range(1, 6):
        step = next(t for t in case.refresh()["open_tasks"]
                    if t["spec_id"] == spec_id and t["group"] == f"school-104005000{number}")
        who = people[f"school{number}"]
        detail = step_actions.get_task(ctx, who, step["id"])
        step_actions.complete(ctx, who, step["id"], fill(detail["form"], overrides, attachment_id=case.attachment()))


# ---------------------------------------------------------------------------------------------- deployment

def test_every_diagram_of_the_processes_folder_deploys(ctx, people):
    files = sorted(path.stem for path in (ROOT / "processes").glob("*.bpmn"))
    assert set(PART1) <= set(files)
    results = deployment.load_directory(ctx, people["admin"])
    assert sorted(r["key"] for r in results) == files  # deployed called processes first, not by name
    assert all(r["version"] >= 1 for r in results)
    deployed = {p["key"]: p for p in processes.list_processes(ctx)}
    assert set(files) <= set(deployed)


@pytest.mark.parametrize("key", PART1)
def test_each_procedure_carries_the_manuals_metadata_and_every_step_is_complete(key):
    process = _compiled(key)
    meta = process.metadata
    assert meta["name_en"] and meta["manual_section"] and meta["expected_outcome"] and meta["expected_outcome_en"]
    assert meta["legal_references"] and all(" — " in ref for ref in meta["legal_references"])
    assert set(process.lanes) <= KNOWN_LANES
    for step in process.user_tasks.values():
        assert step.name_en and step.instructions and step.due_working_days and step.lane, step.element_id
        schema = forms.load_form(ROOT / "forms", step.form)
        assert schema["title"] and schema["x-title-en"] and schema["additionalProperties"] is False


# ---------------------------------------------------------------------------------------------- §1.1

def _register(ctx, people, **fields):
    letter = start(ctx, people, "correspondence", title="หนังสือ สพฐ. ขอข้อมูลนักเรียน")
    assert letter.open_steps() == ["register"]
    letter.complete("register", "plan1", **fields)
    return letter


def test_a_very_urgent_letter_is_registered_answered_signed_after_a_correction_and_filed(ctx, people):
    letter = _register(ctx, people, urgency="very_urgent", secrecy="normal", sender="สพฐ.",
                       subject="ขอข้อมูลนักเรียน")
    data = letter.refresh()["data"]
    assert (data["urgency"], data["secrecy"]) == ("very_urgent", "normal"), "the app reads these two fields"
    assert (data["register_number"], data["register_year"]) == (1, 2569), "the first letter received in 2569"
    assert data["received_at"] == "2026-12-03T09:00+07:00", "with the date and time of receipt"
    assert letter.open_steps() == ["assign"]
    _every_open_step_has_a_due_date(letter)
    letter.complete("assign", "director", instruction_type="act_and_reply", assigned_to="plan2")
    act = letter.task_of("act")
    assert (act["assignee"], act["status"]) == ("plan2", "claimed"), "the director's instruction names who acts"
    assert act["due_at"] is not None
    letter.complete("act", "plan2")
    assert letter.open_steps() == ["letter_draft"], "the reply is an official letter"
    draft = step_actions.get_task(ctx, people["plan2"], letter.task_of("letter_draft")["id"])["case_data"]
    assert (draft["letter_recipients"], draft["letter_subject"], draft["letter_urgency"]) == (
        "สพฐ.", "ขอข้อมูลนักเรียน", "very_urgent"), "the reply starts from the letter received"
    letter.complete("letter_draft", "plan2", letter_recipients="สพฐ.", letter_urgency="very_urgent")
    letter.complete("letter_check", "director", letter_check_decision="initial")
    letter.complete("letter_sign", "office", letter_sign_decision="return", letter_signed_as="director",
                    letter_sign_comments="แก้ไขข้อมูลตารางที่ 2")
    assert letter.open_steps() == ["letter_draft"], "a returned draft goes back to its writer"
    assert "reply_number" not in letter.refresh()["data"], "a returned letter has no number"
    letter.complete("letter_draft", "plan2", letter_recipients="สพฐ.", letter_urgency="very_urgent")
    letter.complete("letter_check", "director", letter_check_decision="initial")
    letter.complete("letter_sign", "office", letter_sign_decision="sign", letter_signed_as="director")
    letter.complete("letter_dispatch", "plan1")
    letter.complete("file", "plan1")
    final = _finished(letter, ctx, people)
    assert (final["data"]["reply_number"], final["data"]["reply_date"]) == ("ศธ 04036/1", "2026-12-03")
    assert final["data"]["retention_years"] >= 1


def test_a_classified_letter_for_information_is_circulated_and_filed_without_a_reply(ctx, people):
    letter = _register(ctx, people, urgency="normal", secrecy="confidential", subject="เอกสารลับ")
    assert letter.refresh()["data"]["secrecy"] == "confidential"
    letter.complete("assign", "director", instruction_type="inform", assigned_to="plan1")
    letter.complete("act", "plan1")
    assert letter.open_steps() == ["file"], "no reply is drafted for a letter to note and circulate"
    letter.complete("file", "plan1")
    _finished(letter, ctx, people)


def test_the_correspondence_steps_name_shorter_due_periods_for_urgent_letters():
    process = _compiled("correspondence")
    assert process.metadata["properties"] == {"caseUrgencyField": "urgency", "caseSecrecyField": "secrecy"}
    for step in ("assign", "act", "letter_draft", "letter_check", "letter_sign", "letter_dispatch"):
        props = process.user_tasks[step].properties
        if step.startswith("letter_"):
            assert props["urgencyField"] == "letter_urgency", "a reply is as urgent as the reply says"
        normal = int(props["dueWorkingDays"])
        periods = [int(props[f"dueWorkingDays{name}"]) for name in ("Urgent", "VeryUrgent", "MostUrgent")]
        assert normal >= periods[0] >= periods[1] >= periods[2] >= 0, step


# ---------------------------------------------------------------------------------------------- §1.3

def test_a_group_meeting_is_held_and_its_minutes_are_approved_after_a_correction_and_circulated(ctx, people):
    meeting = start(ctx, people, "group_meeting", title="ประชุมกลุ่มนโยบายและแผน ครั้งที่ 3/2570")
    meeting.complete("agenda", "plan1", meeting_number="3/2570", meeting_date="2026-12-10")
    meeting.complete("meeting_held", "plan1", held_on="2026-12-10",
                     attendees=[{"attendee_name": "นางวิไล ทองดี", "attendee_position": "ผู้อำนวยการกลุ่ม"},
                                {"attendee_name": "นางสาวสุดา วงศ์ใหญ่", "attendee_position": "นักวิเคราะห์นโยบายและแผน"}])
    meeting.complete("draft_minutes", "plan2")
    _every_open_step_has_a_due_date(meeting)
    meeting.complete("approve_minutes", "director", minutes_review_decision="return",
                     minutes_review_comments="มติวาระที่ 4 ไม่ครบ")
    assert meeting.open_steps() == ["draft_minutes"]
    meeting.complete("draft_minutes", "plan2")
    meeting.complete("approve_minutes", "director", minutes_review_decision="approve")
    meeting.complete("circulate", "plan1")
    final = _finished(meeting, ctx, people)
    assert len(final["data"]["attendees"]) == 2


# ---------------------------------------------------------------------------------------------- §1.4–1.6

def test_the_groups_report_is_returned_once_then_approved_and_published(ctx, people):
    report = start(ctx, people, "knowledge_report", title="รายงานผลการดำเนินงานกลุ่มนโยบายและแผน ปีงบประมาณ 2569")
    report.complete("collect_results", "plan1", fiscal_year=2569)
    report.complete("compile_report", "plan2")
    report.complete("director_review", "director", report_review_decision="return",
                    report_review_comments="เพิ่มผลงานเด่นของงานติดตามประเมินผล")
    assert report.open_steps() == ["compile_report"]
    report.complete("compile_report", "plan2")
    report.complete("director_review", "director", report_review_decision="approve")
    report.complete("publish", "plan1", publication_url="https://www.khonkaen1.go.th/plan/report-2569")
    _finished(report, ctx, people)


# ---------------------------------------------------------------------------------------------- §2.1

def test_policy_analysis_runs_the_six_steps_and_ends_by_publishing_the_information(ctx, people):
    analysis = start(ctx, people, "policy_analysis", title="วิเคราะห์นโยบายการศึกษา ปีงบประมาณ 2570")
    for step, who in [("analyse_direction", "plan1"), ("study_agreements", "plan2"), ("analyse_results", "plan1"),
                      ("research", "plan2"), ("information_base", "plan1")]:
        assert analysis.open_steps() == [step]
        analysis.complete(step, who)
    analysis.complete("director_review", "director", information_review_decision="return",
                      information_review_comments="ตัดข้อมูลรายบุคคลของนักเรียนออก")
    assert analysis.open_steps() == ["information_base"]
    analysis.complete("information_base", "plan1")
    analysis.complete("director_review", "director", information_review_decision="approve")
    assert analysis.open_steps() == ["publish"]
    analysis.complete("publish", "plan1")
    final = _finished(analysis, ctx, people)
    assert final["data"]["published_document"]


# ---------------------------------------------------------------------------------------------- §2.4

def _to_committee(case) -> None:
    case.complete("prepare_proposal", "plan1")
    case.send_letter()


def test_dissolving_a_school_needs_a_hearing_and_goes_back_once_from_the_committee(ctx, people):
    case = start(ctx, people, "school_restructuring", title="เลิกโรงเรียนบ้านหนองเรือ")
    case.complete("study_rules", "plan1", case_type="dissolve", school_name="โรงเรียนบ้านหนองเรือ", student_count=12)
    assert case.open_steps() == ["stakeholder_hearing"], "dissolving a school needs the community's hearing"
    case.complete("stakeholder_hearing", "plan2")
    _to_committee(case)
    case.complete("committee_decision", "secretary", decision="revise", meeting_number="2/2570")
    assert case.open_steps() == ["prepare_proposal"], "a revision does not repeat the hearing"
    _to_committee(case)
    case.complete("committee_decision", "secretary", decision="approve", meeting_number="3/2570")
    case.complete("make_plan", "plan1")
    case.complete("approve_plan", "office", plan_decision="return", plan_comments="ระบุสถานศึกษาที่รับนักเรียน")
    assert case.open_steps() == ["make_plan"]
    case.complete("make_plan", "plan1")
    case.complete("approve_plan", "office", plan_decision="approve")
    case.complete("carry_out", "plan1", students_moved=12)
    final = _finished(case, ctx, people)
    assert final["data"]["case_type"] == "dissolve" and final["data"]["decision"] == "approve"


def test_establishing_a_school_goes_to_the_committee_without_a_hearing(ctx, people):
    case = start(ctx, people, "school_restructuring", title="จัดตั้งโรงเรียนบ้านโนนสวรรค์")
    case.complete("study_rules", "plan1", case_type="establish")
    assert case.open_steps() == ["prepare_proposal"]
    _to_committee(case)
    case.complete("committee_decision", "secretary", decision="approve")
    case.complete("make_plan", "plan2")
    case.complete("approve_plan", "office", plan_decision="approve")
    case.complete("carry_out", "plan2")
    _finished(case, ctx, people)


@pytest.mark.parametrize("case_type", ["merge", "transfer"])
def test_merging_or_transferring_needs_a_hearing_and_the_committee_may_reject(ctx, people, case_type):
    case = start(ctx, people, "school_restructuring", title="ยุบรวมหรือโอนโรงเรียน")
    case.complete("study_rules", "plan1", case_type=case_type)
    assert case.open_steps() == ["stakeholder_hearing"]
    case.complete("stakeholder_hearing", "plan1", school_board_opinion="disagree")
    _to_committee(case)
    case.complete("committee_decision", "secretary", decision="reject", meeting_number="4/2570")
    final = _finished(case, ctx, people)
    assert final["data"]["decision"] == "reject" and "announcement_number" not in final["data"]


# ---------------------------------------------------------------------------------------------- §3.1.1

OUTPUTS = [{"name": "ผู้รับบริการการศึกษาก่อนวัยเรียน", "unit": "คน"}, {"name": "ผู้จบการศึกษาภาคบังคับ", "unit": "คน"},
           {"name": "ผู้จบการศึกษามัธยมศึกษาตอนปลาย", "unit": "คน"},
           {"name": "สถานศึกษาที่ได้รับการนิเทศ", "unit": "แห่ง"}]


def test_output_costs_are_computed_returned_for_a_correction_and_approved(ctx, people):
    costing = start(ctx, people, "output_costing", title="ต้นทุนผลผลิต ปีงบประมาณ 2569")
    costing.complete("define_outputs", "plan1", costing_outputs=OUTPUTS[:3])
    costing.complete("analyse_projects", "plan1", fiscal_year=2569)
    costs = [{"project": "โครงการพัฒนาคุณภาพการจัดการศึกษาภาคบังคับ", "output": "ผู้จบการศึกษาภาคบังคับ",
              "direct_cost": 600000, "indirect_cost": 150000},
             {"project": "โครงการส่งเสริมการอ่าน", "output": "ผู้จบการศึกษาภาคบังคับ", "direct_cost": 250000,
              "indirect_cost": 0},
             {"project": "โครงการพัฒนาเด็กปฐมวัย", "output": "ผู้รับบริการการศึกษาก่อนวัยเรียน", "direct_cost": 90000,
              "indirect_cost": 10000}]
    costing.complete("analyse_expenses", "plan2", project_costs=costs)
    costing.complete("calculate_unit_cost", "plan2", output_quantities=[
        {"output": "ผู้รับบริการการศึกษาก่อนวัยเรียน", "quantity": 400},
        {"output": "ผู้จบการศึกษาภาคบังคับ", "quantity": 1000},
        {"output": "ผู้จบการศึกษามัธยมศึกษาตอนปลาย", "quantity": 300}])
    data = costing.refresh()["data"]
    assert data["output_unit_costs"][1] == {"output": "ผู้จบการศึกษาภาคบังคับ", "quantity": 1000, "unit": "คน",
                                            "total_cost": 1000000, "unit_cost": 1000.0}
    costing.complete("costing_review", "director", costing_review_decision="return",
                     costing_review_comments="ตรวจค่าใช้จ่ายทางอ้อมอีกครั้ง")
    assert costing.open_steps() == ["analyse_expenses"]
    costing.complete("analyse_expenses", "plan2", project_costs=costs)
    costing.complete("calculate_unit_cost", "plan2")  # the served rows, one per output, each filled in
    costing.complete("costing_review", "director", costing_review_decision="approve")
    final = _finished(costing, ctx, people)
    assert [row["unit_cost"] for row in final["data"]["output_unit_costs"]] == [100000.0, 1000000.0, 0.0]
    assert final["data"]["total_output_cost"] == 1100000 and final["data"]["unallocated_projects"] == []


# ---------------------------------------------------------------------------------------------- §4.2

def test_an_evaluation_collects_every_schools_indicators_and_computes_the_achievement(ctx, people):
    evaluation = start(ctx, people, "evaluation", title="ประเมินผลการดำเนินงาน ปีงบประมาณ 2569")
    evaluation.complete("evaluate_strategic_plans", "plan1", fiscal_year=2569)
    evaluation.complete("evaluate_projects", "plan2", project_results=[
        {"project": "โครงการ ก", "budget": 100000, "spent": 90000, "achievement": "achieved"},
        {"project": "โครงการ ข", "budget": 100000, "spent": 60000, "achievement": "partly"}])
    evaluation.complete("set_csf_kpis", "plan1")
    steps = evaluation.refresh()["open_tasks"]
    assert sorted(t["spec_id"] for t in steps) == ["office_indicators"] + ["school_indicators"] * 5
    assert sorted(t["group"] for t in steps if t["spec_id"] == "school_indicators") == [
        f"school-104005000{i}" for i in range(1, 6)], "one step for each school in the register"
    _every_open_step_has_a_due_date(evaluation)
    evaluation.complete("office_indicators", "plan2")
    _complete_school_steps(evaluation, ctx, people, "school_indicators")
    assert evaluation.open_steps() == ["review_school_indicators"], "the join waits for the office and every school"
    evaluation.complete("review_school_indicators", "plan1")
    assert evaluation.open_steps() == ["evaluate_outputs"], "the office reviewed the schools' indicators"
    results = [{"indicator": f"ตัวชี้วัดที่ {i}", "target": 80, "actual": actual, "unit": "ร้อยละ", "met": met}
               for i, (actual, met) in enumerate([(85, "met"), (90, "met"), (70, "not_met")], start=1)]
    evaluation.complete("evaluate_outputs", "plan1", indicator_results=results)
    evaluation.complete("director_review", "director", evaluation_review_decision="return",
                        evaluation_review_comments="เพิ่มข้อเสนอแนะรายตัวชี้วัด")
    assert evaluation.open_steps() == ["evaluate_outputs"]
    evaluation.complete("evaluate_outputs", "plan1", indicator_results=results)
    evaluation.complete("director_review", "director", evaluation_review_decision="approve")
    evaluation.complete("acknowledge", "office")
    final = _finished(evaluation, ctx, people)["data"]
    assert (final["indicators_met"], final["indicators_total"], final["indicators_met_percent"]) == (2, 3, 66.67)
    assert (final["projects_achieved"], final["budget_spent_percent"]) == (1, 75.0)
    assert sorted(s["school"]["code"] for s in final["school_indicator_sets"]) == [
        f"104005000{i}" for i in range(1, 6)]


def test_due_dates_count_working_days_from_when_a_step_opens(ctx, people):
    # Thursday 3 December 2026: the register step (1 working day) is due Friday 4 December at 16:30;
    # 5 December (King Bhumibol's birthday) falls on a Saturday.
    letter = start(ctx, people, "correspondence")
    due = datetime.fromisoformat(letter.task_of("register")["due_at"]).astimezone(BANGKOK)
    assert (due.date().isoformat(), due.hour, due.minute) == ("2026-12-04", 16, 30)
