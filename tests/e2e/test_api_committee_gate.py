"""The committee's gate over HTTP: the form the API hands the secretary offers the steps a plan may be sent
back to; a step not among them, or an agenda cut-off after the meeting, is a 400 naming the field and
changes nothing; an approval with remarks keeps them in the case's data."""
from __future__ import annotations

from app.services.scheduling import timers

from .conftest import assert_error
from .test_api_stories import DRAFTING, assert_record_holds

MEETING = {"meeting_number": "5/2570", "meeting_date": "2026-12-15", "agenda_cutoff_date": "2026-12-08",
           "resolution_letter_number": "ศธ 0293/4600", "resolution_letter_date": "2026-12-17"}


def _at_the_committee(api, start, clock):
    plan = start("development_plan", title="แผนพัฒนาการศึกษา พ.ศ. 2571-2575")
    for step, who in DRAFTING:
        plan.complete(step, who)
    plan.complete("draft_review", "director", draft_review_decision="approve")
    plan.complete("hearing_open", "plan1", hearing_closes_on="2026-12-10")
    clock.set(clock.current.replace(day=10, hour=9, minute=31))
    assert timers.fire_due_timers(api.ctx)["fired"] == 1
    plan.complete("hearing_summary", "plan1")
    plan.send_letter()
    return plan


def test_the_secretary_is_offered_the_revisable_steps_and_a_step_not_among_them_is_refused(api, start, clock):
    plan = _at_the_committee(api, start, clock)
    task = plan.task_of("committee_decision")
    form = api.as_("secretary").get(f"/tasks/{task['id']}").get_json()["form"]
    choice = form["properties"]["committee_revise_to"]
    assert choice["enum"] == ["vision_mission", "swot", "strategies", "projects"]
    assert choice["x-enum-titles"][0] == "กำหนดวิสัยทัศน์ พันธกิจ และเป้าประสงค์" and len(choice["x-enum-titles-en"]) == 4

    before = api.snapshot(plan.id)
    data = plan.form_data(task["id"], "secretary", decision="revise", committee_revise_to="outputs_kpis",
                          committee_remarks="ทบทวนผลผลิต", **MEETING)
    error = assert_error(api.as_("secretary").post(f"/tasks/{task['id']}/complete", json={"data": data}), 400,
                         "invalid")
    assert list(error["fields"]) == ["committee_revise_to"]
    late = plan.form_data(task["id"], "secretary", decision="approve",
                          **{**MEETING, "agenda_cutoff_date": "2026-12-20"})
    error = assert_error(api.as_("secretary").post(f"/tasks/{task['id']}/complete", json={"data": late}), 400)
    assert list(error["fields"]) == ["agenda_cutoff_date"]
    assert api.snapshot(plan.id) == before, "nothing changed"

    plan.complete("committee_decision", "secretary", decision="revise", committee_revise_to="projects",
                  committee_remarks="เพิ่มโครงการพัฒนาครูในพื้นที่ห่างไกล", **MEETING)
    assert plan.open_steps() == ["projects"]
    plan.complete("projects", "plan2")
    plan.complete("draft_review", "director", draft_review_decision="approve")
    plan.send_letter()
    remarks = "ให้รายงานความก้าวหน้าต่อ กศจ. ทุกไตรมาส"
    plan.complete("committee_decision", "secretary", decision="approve_with_remarks", committee_remarks=remarks,
                  **{**MEETING, "meeting_number": "6/2570"})
    assert plan.open_steps() == ["letter_draft"]
    case = api.case(plan.id)
    assert case["data"]["committee_remarks"] == remarks and case["data"]["decision"] == "approve_with_remarks"
    assert_record_holds(api, plan.id)
