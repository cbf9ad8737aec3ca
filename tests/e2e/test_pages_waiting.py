"""A case waiting for something from outside is no longer invisible: the performance agreement waiting for
OBEC's allocation notice says so in its JSON and on its page, plan staff record the notice there with the
notice's form, and the supervisors' dashboard lists the case when the notice is long in coming. A
development plan waiting for its public hearing to close shows when the hearing closes."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from app.services.cases import messages
from app.services.cases.attachments import Upload
from app.services.kernel.errors import Invalid

from ..stories import draft_from
from ..stories import start as start_in_services
from ..transactions import files_on_disk, watching
from .conftest import assert_error

NOTICE_FORM = "performance_agreement_obec_allocation.json"
NOTICE = {"round_number": "1", "allocation_number": "ศธ 04002/ว5678", "allocation_date": "20/12/2569",
          "amount": "12,500,000"}
SCHOOL_USERS = {f"school-104005000{n}": f"school{n}" for n in range(1, 6)}


def _agreement_waiting_for_obec(start, clock):
    """A performance agreement taken over HTTP to OBEC's notice: the committee approves, every school's
    board approves, and the last school's approval (on 3 December) leaves the case waiting."""
    agreement = start("performance_agreement", title="ข้อตกลงผลการปฏิบัติงาน ปีงบประมาณ 2570")
    agreement.complete("study_allocation", "plan1")
    agreement.complete("action_plan", "plan2")
    agreement.send_letter()  # the submission to the committee
    agreement.complete("committee_decision", "secretary", decision="approve", meeting_number="5/2570")
    agreement.send_letter()  # the approved agreement, to the schools
    for task in [t for t in agreement.refresh()["open_tasks"] if t["spec_id"] == "school_board_approval"]:
        agreement.complete_task(task["id"], SCHOOL_USERS[task["group"]])
    assert agreement.refresh()["open_tasks"] == [] and agreement.case["status"] == "running"
    return agreement


def test_the_case_json_names_the_message_its_form_and_since_when(api, start, clock):
    agreement = _agreement_waiting_for_obec(start, clock)
    clock.advance(days=20)
    case = api.as_("plan1").get(f"/cases/{agreement.id}").get_json()
    [wait] = case["waiting_for"]
    assert wait["kind"] == "message" and wait["message"] == "obec_allocation"
    assert (wait["element_id"], wait["name"], wait["name_en"]) == (
        "obec_allocation_received", "รับแจ้งการจัดสรรงบประมาณจาก สพฐ.", "OBEC's allocation notice received")
    assert wait["form_name"] == NOTICE_FORM
    assert wait["form"]["required"] == ["round_number", "allocation_number", "allocation_date", "amount"]
    assert wait["since"] == "2026-12-03T02:00:00+00:00", "since the schools' last approval, not since now"
    assert case["open_tasks"] == [] and case["status"] == "running", "what the case JSON said before stays"
    listed = next(c for c in api.as_("director").get("/cases").get_json() if c["id"] == agreement.id)
    assert [(w["message"], w["form_name"], w["since"]) for w in listed["waiting_for"]] == [
        ("obec_allocation", NOTICE_FORM, wait["since"])], "lists carry the wait too, with the form's name"


def test_plan_staff_record_the_notice_from_the_case_page_and_the_case_moves_on(api, start, clock, as_user):
    agreement = _agreement_waiting_for_obec(start, clock)
    clock.advance(days=14)
    plan2 = as_user("plan2")
    html = plan2.text(plan2.get(f"/cases/{agreement.id}"))
    assert "กำลังรอ" in html and "รอหนังสือแจ้งการจัดสรรงบประมาณจาก สพฐ. ตั้งแต่ 3 ธ.ค. 2569" in html
    form = html.split(f'action="/cases/{agreement.id}/messages/obec_allocation"')[1].split("</form>")[0]
    assert 'name="allocation_number"' in form and 'name="amount" inputmode="decimal"' in form
    assert 'placeholder="วว/ดด/ปปปป (พ.ศ.)"' in form, "the step page's own date field"
    assert 'name="csrf_token"' in form and "บันทึกและดำเนินการต่อ" in form
    before, events = api.snapshot(agreement.id)

    refused = plan2.post(f"/cases/{agreement.id}/messages/obec_allocation",
                         {**NOTICE, "amount": "-5", "allocation_date": "31/02/2569"})
    assert refused.status_code == 400
    page = plan2.text()
    assert re.search(r'id="err-amount">[^<]+', page) and re.search(r'id="err-allocation_date">[^<]+', page)
    assert 'value="ศธ 04002/ว5678"' in page, "what was typed comes back"
    assert api.snapshot(agreement.id) == (before, events), "nothing changed"

    plan2.get(f"/cases/{agreement.id}")
    assert plan2.post(f"/cases/{agreement.id}/messages/obec_allocation", {**NOTICE, "csrf_token": "forged"}
                      ).status_code == 400, "a form without its CSRF token is refused"
    assert api.snapshot(agreement.id) == (before, events)

    plan2.get(f"/cases/{agreement.id}")
    done = plan2.post(f"/cases/{agreement.id}/messages/obec_allocation", NOTICE)
    assert done.status_code == 302
    case = agreement.refresh()
    assert case["waiting_for"] == [] and [t["spec_id"] for t in case["open_tasks"]] == ["notify_schools"]
    assert case["data"]["obec_allocation"] == {"round_number": 1, "allocation_number": "ศธ 04002/ว5678",
                                               "allocation_date": "2026-12-20", "amount": 12_500_000}
    last = api.history(agreement.id)[-1]
    assert (last["kind"], last["actor"], last["data"]["name"]) == ("message_received", "plan2", "obec_allocation")
    assert done.headers["Location"].endswith(f"/tasks/{case['open_tasks'][0]['id']}"), "plan staff's next step"
    earlier = plan2.text(plan2.get(done.headers["Location"])).split('id="earlier-h"')[1]
    assert "รับแจ้งการจัดสรรงบประมาณจาก สพฐ." in earlier and "ศธ 04002/ว5678" in earlier, "the notice, to work from"
    html = plan2.text(plan2.get(f"/cases/{agreement.id}"))
    assert "กำลังรอ" not in html and "บันทึกการรับหนังสือ/ข้อความ" in html
    assert api.as_("auditor").get(f"/cases/{agreement.id}/verify").get_json()["replay_ok"] is True

    again = plan2.post(f"/cases/{agreement.id}/messages/obec_allocation", NOTICE)
    # OBEC's allocation comes in rounds, so a second notice is no longer refused for the wait having passed; the
    # same round sent twice (a double click) is refused as a round already recorded.
    assert again.status_code == 302 and len(api.history(agreement.id)) == events + 1, "recorded once"


def test_in_english_the_case_page_names_the_notice_by_its_english_title(start, clock, as_user):
    agreement = _agreement_waiting_for_obec(start, clock)
    plan1 = as_user("plan1")
    plan1.post("/language", {"lang": "en"})
    html = plan1.text(plan1.get(f"/cases/{agreement.id}"))
    assert "Waiting for OBEC&#39;s allocation notice since 3 Dec 2026" in html
    assert "Record OBEC&#39;s allocation notice" in html and "Allocation notice number" in html
    plan1.post("/language", {"lang": "th"})


def test_an_auditor_and_a_school_see_the_wait_but_no_form_and_cannot_post_it(api, start, clock, as_user):
    agreement = _agreement_waiting_for_obec(start, clock)
    before = api.snapshot(agreement.id)
    for username in ("auditor", "school1"):
        visitor = as_user(username)
        html = visitor.text(visitor.get(f"/cases/{agreement.id}"))
        assert "รอหนังสือแจ้งการจัดสรรงบประมาณจาก สพฐ. ตั้งแต่ 3 ธ.ค. 2569" in html, username
        assert "/messages/obec_allocation" not in html and 'name="allocation_number"' not in html, username
        answer = visitor.post(f"/cases/{agreement.id}/messages/obec_allocation", NOTICE)
        assert answer.status_code == 403, (username, answer.status_code)
    assert_error(api.as_("auditor").post(f"/cases/{agreement.id}/messages",
                                         json={"name": "obec_allocation", "data": {}}), 403)
    assert api.snapshot(agreement.id) == before


def test_the_stalled_view_lists_the_case_waiting_for_obec_with_what_it_waits_for(api, start, clock, as_user):
    agreement = _agreement_waiting_for_obec(start, clock)
    director = as_user("director")
    stalled = director.text(director.get("/dashboard?days=5")).split('class="list dash-stalled"')[1]
    assert agreement.case["number"] not in stalled.split("</table>")[0], "not yet five working days"

    clock.advance(days=14)  # 17 December: five working days back is the 9th (the 10th is Constitution Day)
    agreement.upload(who="plan1")  # a file attached is activity, but the notice still has not come
    rows = api.as_("director").get("/dashboard/stalled?days=5").get_json()
    [row] = [r for r in rows if r["case_id"] == agreement.id]
    assert row["waiting_on"] == [] and row["stalled_since"] == "2026-12-03T02:00:00+00:00"
    assert [(w["kind"], w["message"], w["since"]) for w in row["waiting_for"]] == [
        ("message", "obec_allocation", "2026-12-03T02:00:00+00:00")]
    assert agreement.id in [c["id"] for c in api.as_("director").get("/cases?stalled_days=5").get_json()]

    table = director.text(director.get("/dashboard?days=5")).split('class="list dash-stalled"')[1].split("</table>")[0]
    assert agreement.case["number"] in table
    assert "รอข้อความ “รับแจ้งการจัดสรรงบประมาณจาก สพฐ.” ตั้งแต่ 3 ธ.ค. 2569" in table
    exported = director.get("/dashboard?list=stalled&format=csv&days=5").get_data().decode("utf-8-sig")
    [line] = [r for r in csv.DictReader(io.StringIO(exported)) if r["case_number"] == agreement.case["number"]]
    assert "obec_allocation" in line["waiting_for"] and line["stalled_since"] == "2026-12-03T02:00:00+00:00"


def test_a_development_plan_waiting_for_its_hearing_to_close_shows_the_closing_time(ctx, people, api, as_user,
                                                                                   clock):
    plan = start_in_services(ctx, people, "development_plan", title="แผนพัฒนาการศึกษา พ.ศ. 2571-2575")
    draft_from(plan, "review_mission")
    plan.complete("draft_review", "director", draft_review_decision="approve")
    plan.complete("hearing_open", "plan1", hearing_closes_on="2026-12-10")
    [wait] = api.as_("plan1").get(f"/cases/{plan.id}").get_json()["waiting_for"]
    assert (wait["kind"], wait["element_id"], wait["due_at"]) == (
        "timer", "hearing_closed", "2026-12-10T09:30:00+00:00"), "16:30 Bangkok on the closing day"
    assert "form" not in wait and "message" not in wait
    plan1 = as_user("plan1")
    html = plan1.text(plan1.get(f"/cases/{plan.id}"))
    assert "ครบกำหนดปิดรับฟังความคิดเห็น: ครบกำหนด 10 ธ.ค. 2569 16:30 น." in html
    assert "step-form" not in html, "nothing to record for a timer"

    # The closing time passes and no scheduler fires the timer: the supervisors see it overdue.
    clock.set(datetime(2026, 12, 10, 11, 30, tzinfo=UTC))
    overdue = api.as_("director").get("/dashboard/overdue").get_json()
    [row] = [r for r in overdue if r["case_id"] == plan.id]
    assert (row["kind"], row["task_id"], row["step"], row["due_at"]) == (
        "timer", None, "ครบกำหนดปิดรับฟังความคิดเห็น", "2026-12-10T09:30:00+00:00")
    assert plan.id in [c["id"] for c in api.as_("director").get("/cases?overdue=true").get_json()]
    director = as_user("director")
    listed = director.text(director.get("/dashboard")).split('class="list dash-overdue"')[1].split("</table>")[0]
    assert "กำหนดเวลา “ครบกำหนดปิดรับฟังความคิดเห็น”" in listed and f'value="{row["task_id"]}"' not in listed


def test_a_refused_notice_sent_with_a_file_keeps_no_file_and_no_event(api, ctx, people, start, clock):
    """The notice goes through the step's own unit of work: a form refused with a file in it writes nothing."""
    agreement = _agreement_waiting_for_obec(start, clock)
    before, files = api.snapshot(agreement.id), files_on_disk(ctx)
    scan = Upload("หนังสือ สพฐ.pdf", "application/pdf", io.BytesIO(b"%PDF-1.4 allocation"), field="scan")
    with watching(ctx) as seen, pytest.raises(Invalid) as refused:
        messages.deliver_message(ctx, people["plan1"], agreement.id, "obec_allocation",
                                 {"allocation_number": "ศธ 04002/ว5678", "amount": -5, "scan": scan})
    assert {"amount", "allocation_date", "scan"} <= set(refused.value.fields), "every problem named at once"
    assert seen.writing() == [] and files_on_disk(ctx) == files
    assert api.snapshot(agreement.id) == before
