"""§2.3 annual action plan (calling §3.1.2 MTEF), §3.2.1 budget request, §3.2.2 performance agreement,
§4.1 monitoring and §4.3 reporting, each told as the office lives it, through the service layer."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from app.engine import sandbox
from app.services.audit import verification
from app.services.calendar import jobs
from app.services.cases import inbox, messages, step_actions
from app.services.editor import deployment
from app.services.kernel.errors import Conflict, Forbidden, Invalid, InvalidDiagramError
from app.services.scheduling import timers
from app.store.deadline_models import DueJob
from app.store.models import Case, DueTimer, Event, ProcessVersion

from ..samples import fill
from ..stories import start

ROOT = Path(__file__).resolve().parents[2]
SCHOOLS = [f"104005000{i}" for i in range(1, 6)]
BANGKOK_1631 = 9  # 16:31 Bangkok is 09:31 UTC


def _each_school(plan, spec_id: str, only: list[int] | None = None, **overrides) -> None:
    """Every school (or the given demo schools, 1-5) completes its own step `spec_id` as its own user."""
    for number in only or range(1, 6):
        step = next(t for t in plan.refresh()["open_tasks"]
                    if t["spec_id"] == spec_id and t["group"] == f"school-{SCHOOLS[number - 1]}")
        who = plan.people[f"school{number}"]
        form = step_actions.get_task(plan.ctx, who, step["id"])["form"]
        step_actions.complete(plan.ctx, who, step["id"], fill(form, overrides, attachment_id=plan.attachment()))


def _verified(plan) -> None:
    verdict = verification.verify_case(plan.ctx, plan.people["auditor"], plan.id)
    assert verdict.ok, verdict.problems


def _at_bangkok_1631(clock, day: int) -> None:
    clock.set(datetime(2026, 12, day, BANGKOK_1631, 31, tzinfo=UTC))


# §2.3 and §3.1.2 --------------------------------------------------------------------------------------------

FRAMEWORK = [
    {"category": "operating", "base_year": 4_000_000, "year_1": 4_200_000, "year_2": 4_300_000,
     "year_3": 4_400_000},
    {"category": "investment", "base_year": 1_000_000, "year_1": 800_000, "year_2": 900_000,
     "year_3": 950_000},
]
PROJECTS = [
    {"programme": "พัฒนาคุณภาพผู้เรียน", "project": "ยกระดับผลสัมฤทธิ์ O-NET", "strategy": "กลยุทธ์ที่ 1",
     "budget": 3_000_000, "budget_source": "budget", "responsible": "กลุ่มนิเทศฯ", "start_month": "nov",
     "end_month": "jan"},
    {"programme": "พัฒนาครู", "project": "อบรมครูวิทยาศาสตร์", "strategy": "กลยุทธ์ที่ 2", "budget": 500_000,
     "budget_source": "non_budget", "responsible": "กลุ่มพัฒนาครู", "start_month": "oct", "end_month": "oct"},
]


def _mtef_steps(plan, clear_cache) -> None:
    """The MTEF, called from the plan: its steps are steps of the plan's case."""
    plan.complete("mtef_policy_analysis", "plan2")
    clear_cache()
    plan.complete("mtef_performance_review", "plan2")
    plan.complete("mtef_office_revenue", "plan1")
    clear_cache()
    _each_school(plan, "mtef_school_revenue")
    plan.complete("mtef_review_school_revenues", "plan1")
    assert plan.open_steps() == ["mtef_framework"]
    plan.complete("mtef_framework", "plan1", mtef_framework_rows=FRAMEWORK)
    plan.complete("mtef_adjust_projects", "plan1")
    clear_cache()
    plan.complete("mtef_director_review", "director", mtef_review_decision="revise",
                  mtef_review_comments="วงเงินงบลงทุนปีที่ 1 สูงเกินเกณฑ์")
    assert plan.open_steps() == ["mtef_framework"], "the director's revision loops inside the called process"
    plan.complete("mtef_framework", "plan1", mtef_framework_rows=FRAMEWORK)
    plan.complete("mtef_adjust_projects", "plan1")
    plan.complete("mtef_director_review", "director", mtef_review_decision="approve")
    clear_cache()
    _each_school(plan, "mtef_school_framework")
    plan.complete("mtef_review_school_frameworks", "plan1")


def test_the_annual_plan_updates_the_mtef_within_its_own_case_and_publishes_plan_and_calendar(ctx, people):
    plan = start(ctx, people, "annual_action_plan", title="แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2570")
    for step in ("study_allocation", "analyse_targets", "review_strategies"):
        plan.complete(step, "plan1")
    assert plan.open_steps() == ["mtef_policy_analysis"], "the MTEF's first step opens in the plan's case"
    mine = inbox.list_tasks(ctx, people["plan2"], "mine")
    assert [(t["case_id"], t["process_key"]) for t in mine if t["spec_id"] == "mtef_policy_analysis"] == [
        (plan.id, "annual_action_plan")]

    _mtef_steps(plan, ctx.workflow_cache.clear)  # every other step reloads the case from the database
    assert plan.open_steps() == ["detail_plan"], "the plan goes on once the MTEF is done"
    assert plan.case["data"]["mtef_totals"] == {
        "base_year": 5_000_000, "year_1": 5_000_000, "year_2": 5_200_000, "year_3": 5_350_000}

    calendar_extra = [{"activity": "ประชุมทบทวนแผนกลางปี", "month": "mar", "responsible": "กลุ่มนโยบายและแผน"}]
    plan.complete("detail_plan", "plan1", projects=PROJECTS, calendar_activities=calendar_extra)
    data = plan.refresh()["data"]
    assert [(row["month"], row["activity"]) for row in data["operations_calendar"]] == [
        ("oct", "อบรมครูวิทยาศาสตร์"), ("nov", "ยกระดับผลสัมฤทธิ์ O-NET"), ("dec", "ยกระดับผลสัมฤทธิ์ O-NET"),
        ("jan", "ยกระดับผลสัมฤทธิ์ O-NET"), ("mar", "ประชุมทบทวนแผนกลางปี")], "in fiscal-year order"
    assert (data["plan_budget_total"], data["plan_non_budget_total"], data["plan_within_mtef"]) == (
        3_000_000, 500_000, True)
    assert "fiscal_months" not in data and "project_rows" not in data, "a script's helpers are not case data"

    plan.send_letter()  # the submission to the committee
    plan.complete("committee_decision", "secretary", decision="revise", meeting_number="2/2570")
    assert plan.open_steps() == ["detail_plan"], "the committee sends the plan back to the detailed plan"
    plan.complete("detail_plan", "plan1", projects=PROJECTS, calendar_activities=[])
    plan.send_letter()
    plan.complete("committee_decision", "secretary", decision="approve", meeting_number="3/2570")
    plan.send_letter()  # the announcement
    plan.complete("publish_plan", "plan1")
    _each_school(plan, "school_action_plan")
    plan.complete("review_school_action_plans", "plan1")

    final = plan.refresh()
    assert final["status"] == "completed"
    assert len(final["data"]["mtef_school_revenues"]) == len(final["data"]["mtef_school_frameworks"]) == 5
    assert [row["school"]["code"] for row in final["data"]["school_action_plans"]] == SCHOOLS
    assert [row["month"] for row in final["data"]["operations_calendar"]] == ["oct", "nov", "dec", "jan"]
    _verified(plan)


def _deployed_calls(ctx, key: str, version: int) -> dict:
    with ctx.read() as session:
        row = session.scalar(select(ProcessVersion).where(ProcessVersion.key == key,
                                                          ProcessVersion.version == version))
        return row.metadata_json.get("calls", {})


def test_a_running_plan_keeps_the_mtef_version_it_started_with(ctx, people):
    running = start(ctx, people, "annual_action_plan")
    assert _deployed_calls(ctx, "annual_action_plan", 1)["mtef"]["version"] == 1
    mtef_xml = (ROOT / "processes" / "mtef.bpmn").read_bytes()
    renamed = mtef_xml.replace("วิเคราะห์นโยบายหน่วยเหนือและเกณฑ์การจัดสรรงบประมาณ".encode(),
                               "วิเคราะห์นโยบายและเกณฑ์การจัดสรร (ฉบับปรับปรุง)".encode(), 1)
    assert deployment.deploy_version(ctx, people["owner"], "mtef", renamed)[0]["version"] == 2

    plan_xml = (ROOT / "processes" / "annual_action_plan.bpmn").read_bytes()
    version, created = deployment.deploy_version(ctx, people["owner"], "annual_action_plan", plan_xml)
    assert created and version["version"] == 2, "the same plan calling a new MTEF is a new version"
    assert _deployed_calls(ctx, "annual_action_plan", 2)["mtef"]["version"] == 2
    assert deployment.deploy_version(ctx, people["owner"], "annual_action_plan", plan_xml) == (version, False)

    fresh = start(ctx, people, "annual_action_plan")
    for plan in (running, fresh):
        for step in ("study_allocation", "analyse_targets", "review_strategies"):
            plan.complete(step, "plan1")
    ctx.workflow_cache.clear()
    assert running.task_of("mtef_policy_analysis")["name"] == "วิเคราะห์นโยบายหน่วยเหนือและเกณฑ์การจัดสรรงบประมาณ"
    assert fresh.task_of("mtef_policy_analysis")["name"] == "วิเคราะห์นโยบายและเกณฑ์การจัดสรร (ฉบับปรับปรุง)"
    running.complete("mtef_policy_analysis", "plan1")
    _verified(running)
    _verified(fresh)


def test_loading_the_processes_deploys_the_called_mtef_before_the_plan_that_calls_it(ctx, people, tmp_path):
    for name in ("annual_action_plan.bpmn", "mtef.bpmn"):
        (tmp_path / name).write_bytes((ROOT / "processes" / name).read_bytes())
    mtef = tmp_path / "mtef.bpmn"
    changed = mtef.read_bytes().replace(b'"dueWorkingDays" value="5"', b'"dueWorkingDays" value="6"', 1)
    mtef.write_bytes(changed)
    loaded = deployment.load_directory(ctx, people["owner"], tmp_path)
    assert [(row["key"], row["version"], row["created"]) for row in loaded] == [
        ("mtef", 2, True), ("annual_action_plan", 2, True)]
    assert _deployed_calls(ctx, "annual_action_plan", 2)["mtef"]["version"] == 2


def test_a_plan_calling_a_process_that_is_not_deployed_is_refused_naming_the_call(ctx, people):
    xml = (ROOT / "processes" / "annual_action_plan.bpmn").read_bytes().replace(
        b'calledElement="mtef"', b'calledElement="mtef_draft"')
    with pytest.raises(InvalidDiagramError) as caught:
        deployment.deploy_version(ctx, people["owner"], "annual_action_plan", xml)
    assert caught.value.details == [{"element_id": "update_mtef",
                                     "message": "calls process 'mtef_draft', which is not deployed"}]


# §3.2.1 ---------------------------------------------------------------------------------------------------

def _open_round(ctx, people):
    round_ = start(ctx, people, "budget_request", title="จัดตั้งงบประมาณ พ.ศ. 2571")
    round_.complete("notify_schools", "plan1", requests_close_on="2026-12-10")
    assert round_.open_steps() == ["letter_draft"], "the schools hear of it by a circular"
    round_.send_letter()
    assert round_.refresh()["data"]["closing_at"] == "2026-12-10T16:30:00+07:00"
    return round_


def _due_at(ctx, case_id):
    """When the case's next diagram timer is due, or None."""
    with ctx.read() as session:
        row = session.get(DueTimer, case_id)
        return row.due_at if row else None


def _closing_jobs(ctx, case_id) -> list[str]:
    with ctx.read() as session:
        return list(session.scalars(select(DueJob.status).where(DueJob.kind == "round_close",
                                                                DueJob.case_id == case_id)))


def test_requests_close_at_the_closing_time_and_the_analysis_works_from_those_received(ctx, people, clock):
    round_ = _open_round(ctx, people)
    _each_school(round_, "school_budget_request", only=[1, 2, 3], request_items=[
        {"category": "operating", "item": "ค่าวัสดุการเรียนการสอน", "amount": 120_000}])
    assert jobs.run_due(ctx, "test")["done"] == 0, "nothing closes before the closing time"
    _at_bangkok_1631(clock, 10)
    jobs.run_due(ctx, "test")
    assert round_.open_steps() == ["review_school_requests"], "the late schools' steps are closed"
    with ctx.read() as session:
        event = session.scalar(select(Event).where(Event.case_id == round_.id, Event.kind == "round_closed"))
    assert [m["code"] for m in event.data["missing"]] == SCHOOLS[3:], "the schools missing, named in its history"
    round_.complete("review_school_requests", "plan1")
    assert round_.open_steps() == ["analyse_suitability"]
    assert (round_.case["data"]["requests_received"], round_.case["data"]["requests_total"]) == (3, 360_000)
    round_.complete("analyse_suitability", "plan1")
    round_.complete("set_output_targets", "plan1")
    assert round_.refresh()["status"] == "completed"
    _verified(round_)


def test_when_every_school_submits_in_time_the_round_has_nothing_to_close(ctx, people, clock):
    round_ = _open_round(ctx, people)
    assert _closing_jobs(ctx, round_.id) == ["pending"]
    _each_school(round_, "school_budget_request")
    assert round_.open_steps() == ["review_school_requests"]
    _at_bangkok_1631(clock, 11)
    jobs.run_due(ctx, "test")
    assert _closing_jobs(ctx, round_.id) == ["skipped"]
    assert round_.open_steps() == ["review_school_requests"]
    _verified(round_)


# §3.2.2 ---------------------------------------------------------------------------------------------------

NOTICE = {"round_number": 1, "allocation_number": "ศธ 04002/ว5678", "allocation_date": "2026-12-20",
          "amount": 12_500_000}


def _agreement_waiting_for_obec(ctx, people):
    agreement = start(ctx, people, "performance_agreement", title="ข้อตกลงผลการปฏิบัติงาน ปีงบประมาณ 2570")
    agreement.complete("study_allocation", "plan1")
    agreement.complete("action_plan", "plan2")
    agreement.send_letter()  # the submission to the committee
    agreement.complete("committee_decision", "secretary", decision="revise", meeting_number="4/2570")
    assert agreement.open_steps() == ["action_plan"]
    agreement.complete("action_plan", "plan2")
    agreement.send_letter()
    agreement.complete("committee_decision", "secretary", decision="approve", meeting_number="5/2570")
    agreement.send_letter()  # the approved agreement, to the schools for their boards
    _each_school(agreement, "school_board_approval")
    assert agreement.refresh()["status"] == "running" and agreement.open_steps() == [], "waiting for OBEC"
    return agreement


def test_obecs_allocation_notice_arrives_and_the_schools_are_notified(ctx, people, clock):
    agreement = _agreement_waiting_for_obec(ctx, people)
    with pytest.raises(Invalid) as caught:
        messages.deliver_message(ctx, people["plan1"], agreement.id, "obec_allocation",
                                 {"allocation_number": "x"})
    assert {"allocation_date", "amount"} <= set(caught.value.fields), "a notice carries its date and amount"
    with pytest.raises(Invalid):
        messages.deliver_message(ctx, people["plan1"], agreement.id, "obec_budget_cut", NOTICE)
    clock.advance(days=14)
    case = messages.deliver_message(ctx, people["plan1"], agreement.id, "obec_allocation", NOTICE)
    assert [t["spec_id"] for t in case["open_tasks"]] == ["notify_schools"]
    assert agreement.refresh()["data"]["obec_allocation"] == NOTICE
    with pytest.raises(Conflict):
        messages.deliver_message(ctx, people["plan1"], agreement.id, "obec_allocation", NOTICE)
    agreement.complete("notify_schools", "plan1")
    agreement.send_letter()  # the allocation results, to the schools
    assert agreement.refresh()["status"] == "completed"
    with ctx.read() as session:
        event = session.scalar(select(Event).where(Event.case_id == agreement.id,
                                                   Event.kind == "message_received"))
        assert (event.actor, event.data, event.task_spec_id) == (
            "plan1", {"name": "obec_allocation", "data": NOTICE}, "obec_allocation_received")
    ctx.workflow_cache.clear()
    _verified(agreement)


def test_a_notice_before_the_case_waits_is_kept_and_schools_may_not_record_it(ctx, people):
    # This was a 409 while OBEC's notice could only be taken at its wait. OBEC sends its allocation when it is
    # ready, often before the agreements are signed: the notice is now kept (the case stays where it is) and the
    # case takes it when it reaches the wait (test_allocation_rounds.py tells that story to the end).
    agreement = start(ctx, people, "performance_agreement")
    kept = messages.deliver_message(ctx, people["plan1"], agreement.id, "obec_allocation", NOTICE)
    assert kept["recorded_as"] == "pending" and [t["spec_id"] for t in kept["open_tasks"]] == ["study_allocation"]
    assert agreement.refresh()["message_rounds"][0]["pending"][0]["allocation_number"] == NOTICE["allocation_number"]
    waiting = _agreement_waiting_for_obec(ctx, people)
    with pytest.raises(Forbidden):
        messages.deliver_message(ctx, people["school1"], waiting.id, "obec_allocation", NOTICE)
    with ctx.read() as session:
        assert session.get(Case, waiting.id).status == "running"


def test_obecs_notice_posted_to_the_api(ctx, people, tmp_path):
    from app.config import Settings
    from app.services.accounts import users
    from app.web import create_app

    agreement = _agreement_waiting_for_obec(ctx, people)
    settings = Settings(database_url=ctx.db.url, secret_key="test-secret", attachments_dir=tmp_path / "files",
                        forms_dir=ROOT / "forms", processes_dir=ROOT / "processes", instance_dir=tmp_path,
                        testing=True)
    client = create_app(settings, context=ctx).test_client()
    headers = {"Authorization": f"Bearer {users.create_token(ctx, 'plan2')}"}
    url = f"/api/v1/cases/{agreement.id}/messages"

    missing = client.post(url, json={"data": NOTICE}, headers=headers)
    assert missing.status_code == 400 and "name" in missing.get_json()["error"]["fields"]
    negative = {"name": "obec_allocation", "data": {**NOTICE, "amount": -1}}
    wrong = client.post(url, json=negative, headers=headers)
    assert wrong.status_code == 400 and "amount" in wrong.get_json()["error"]["fields"]
    assert client.post(url, json={"name": "obec_allocation", "data": NOTICE}).status_code == 401

    answer = client.post(url, json={"name": "obec_allocation", "data": NOTICE}, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    assert [t["spec_id"] for t in answer.get_json()["open_tasks"]] == ["notify_schools"]
    again = client.post(url, json={"name": "obec_allocation", "data": NOTICE}, headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    history = client.get(f"/api/v1/cases/{agreement.id}/history", headers=headers).get_json()
    assert history[-1]["kind"] == "message_received" and history[-1]["actor"] == "plan2"
    assert client.get(f"/api/v1/cases/{agreement.id}/verify", headers=headers).get_json()["replay_ok"] is True
    assert "/api/v1/cases/{case_id}/messages" in client.get("/api/openapi.json").get_json()["paths"]


# §4.1 -----------------------------------------------------------------------------------------------------

def test_a_quarterly_monitoring_round_started_by_hand_runs_to_the_directors_review(ctx, people):
    round_ = start(ctx, people, "monitoring", title="ติดตามผลไตรมาสที่ 1 ปีงบประมาณ 2570")
    assert round_.open_steps() == ["study_plans"]
    assert _due_at(ctx, round_.id) is None, "a case started by hand does not wait on the quarterly timer"
    round_.complete("study_plans", "plan1", quarter="q1")
    progress = [{"project": "ยกระดับผลสัมฤทธิ์ O-NET", "responsible": "กลุ่มนิเทศฯ", "status": "delayed",
                 "progress_percent": 20, "spent_amount": 150_000},
                {"project": "อบรมครูวิทยาศาสตร์", "responsible": "กลุ่มพัฒนาครู", "status": "completed",
                 "progress_percent": 100, "spent_amount": 480_000}]
    round_.complete("monitoring_plan", "plan1", project_progress=progress)
    assert round_.refresh()["data"]["delayed_projects"] == ["ยกระดับผลสัมฤทธิ์ O-NET"]
    round_.complete("agreement_monitoring", "plan2")
    round_.complete("coordinate_supervision", "plan2")
    round_.complete("director_review", "director", monitoring_review_decision="revise",
                    monitoring_review_comments="ขอมาตรการเร่งรัดโครงการที่ล่าช้า")
    assert round_.open_steps() == ["monitoring_plan"]
    for step in ("monitoring_plan", "agreement_monitoring", "coordinate_supervision"):
        round_.complete(step, "plan1")
    round_.complete("director_review", "director", monitoring_review_decision="acknowledge")
    assert round_.refresh()["status"] == "completed"
    _verified(round_)


def test_the_monitoring_process_starts_by_its_quarterly_timer_alone():
    """One start event: a second, plain one made SpiffWorkflow wrap both, and the scheduler never saw the timer."""
    root = etree.fromstring((ROOT / "processes" / "monitoring.bpmn").read_bytes())
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    cycles = root.xpath("//bpmn:startEvent/bpmn:timerEventDefinition/bpmn:timeCycle/text()", namespaces=ns)
    assert [sandbox.evaluate(c, {}) for c in cycles] == ["R/2027-01-01T09:00:00+07:00/P3M"]
    plain = root.xpath("//bpmn:startEvent[not(bpmn:timerEventDefinition)]/@id", namespaces=ns)
    assert plain == []


# §4.3 -----------------------------------------------------------------------------------------------------

REQUIRED = [{"report_title": "รายงานผลการใช้จ่ายงบประมาณ ไตรมาส 1", "due_on": "2026-12-08"},
            {"report_title": "รายงานผลการดำเนินงานตามนโยบาย สพฐ.", "due_on": "2026-12-20"}]


def _reporting(ctx, people):
    report = start(ctx, people, "reporting", title="รายงานผลการดำเนินงาน ปีงบประมาณ 2570")
    report.complete("register_obec_reports", "plan1", required_reports=REQUIRED)
    due_at = report.refresh()["data"]["obec_reports_due_at"]
    assert due_at == "2026-12-08T16:30:00+07:00", "16:30 on the earliest deadline"
    return report


def _rest_of_reporting(report) -> None:
    report.complete("output_report", "plan1")
    report.complete("annual_report", "plan2")
    report.complete("sign_annual_report", "office", annual_report_decision="revise",
                    annual_report_comments="เพิ่มผลการดำเนินงานของสถานศึกษาขนาดเล็ก")
    assert report.open_steps() == ["annual_report"]
    report.complete("annual_report", "plan2")
    report.complete("sign_annual_report", "office", annual_report_decision="approve")
    report.send_letter()  # to OBEC
    report.send_letter()  # the announcement
    report.complete("publish_annual_report", "plan1", publication_url="https://www.khonkaen1.go.th/plan")
    _each_school(report, "school_annual_report")
    report.complete("review_school_reports", "plan1")
    report.complete("analyse_school_reports", "plan1")
    report.send_letter()  # the summary, to the committee
    report.complete("committee_decision", "secretary", decision="acknowledge", meeting_number="6/2570")


def test_an_obec_report_past_its_deadline_is_escalated_and_the_annual_report_is_published(ctx, people, clock):
    report = _reporting(ctx, people)
    _at_bangkok_1631(clock, 8)
    assert timers.fire_due_timers(ctx)["fired"] == 1
    assert sorted((t["spec_id"], t["group"]) for t in report.refresh()["open_tasks"]) == [
        ("obec_report_overdue", "group_director"), ("obec_reports", "plan_staff")]
    report.complete("obec_report_overdue", "director")
    sent = [{"report_title": r["report_title"], "submitted_on": "2026-12-09", "channel": "letter"} for r in REQUIRED]
    report.complete("obec_reports", "plan1", submitted_reports=sent)
    assert report.open_steps() == ["letter_draft"], "reports sent by letter get a covering letter"
    report.send_letter()
    assert report.refresh()["data"]["obec_reports_letter_number"] == "ศธ 04036/1"
    _rest_of_reporting(report)
    final = report.refresh()
    assert final["status"] == "completed"
    assert final["data"]["publication_url"] == "https://www.khonkaen1.go.th/plan"
    assert [row["school"]["code"] for row in final["data"]["school_reports"]] == SCHOOLS
    _verified(report)


def test_obec_reports_sent_in_time_raise_no_escalation(ctx, people, clock):
    report = _reporting(ctx, people)
    report.complete("obec_reports", "plan1")  # through OBEC's own system: no covering letter
    assert report.open_steps() == ["output_report"]
    assert _due_at(ctx, report.id) is None
    _at_bangkok_1631(clock, 9)
    assert timers.fire_due_timers(ctx)["fired"] == 0
    _rest_of_reporting(report)
    assert report.refresh()["status"] == "completed"
    _verified(report)
