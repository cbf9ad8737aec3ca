"""OBEC's allocation in rounds, over HTTP: plan staff record the first round at the wait and a later one from the
case page while the schools are being notified; the page lists both with their total; a round sent twice is a
409 naming the round and changes nothing; a notice that comes before the case waits for it is kept and shown."""
from __future__ import annotations

from .conftest import assert_error
from .test_pages_waiting import NOTICE, _agreement_waiting_for_obec

SECOND = {"round_number": "2", "allocation_number": "ศธ 04002/ว6011", "allocation_date": "02/03/2570",
          "amount": "3,000,000"}
FIRST_JSON = {"round_number": 1, "allocation_number": "ศธ 04002/ว5678", "allocation_date": "2026-12-20",
              "amount": 12_500_000, "allocation_items": [{"category": "operating", "amount": 12_500_000}]}


def test_two_rounds_are_recorded_from_the_case_page_and_shown_with_their_total(api, start, clock, as_user):
    agreement = _agreement_waiting_for_obec(start, clock)
    plan2 = as_user("plan2")
    plan2.get(f"/cases/{agreement.id}")
    assert plan2.post(f"/cases/{agreement.id}/messages/obec_allocation", NOTICE).status_code == 302
    assert [t["spec_id"] for t in agreement.refresh()["open_tasks"]] == ["notify_schools"]

    clock.advance(days=70)
    html = plan2.text(plan2.get(f"/cases/{agreement.id}"))
    assert "งวดที่ได้รับ: หนังสือแจ้งการจัดสรรงบประมาณจาก สพฐ." in html
    form = html.split(f'action="/cases/{agreement.id}/messages/obec_allocation"')[1].split("</form>")[0]
    assert 'name="round_number"' in form and "บันทึกหนังสือแจ้ง" in form, "a later round has its form on the page"
    later = plan2.post(f"/cases/{agreement.id}/messages/obec_allocation", SECOND)
    assert later.status_code == 302 and later.headers["Location"].endswith("#message-rounds")
    case = api.case(agreement.id)
    assert [t["spec_id"] for t in case["open_tasks"]] == ["notify_schools"], "the case stays where it was"
    assert case["message_rounds"][0]["total"] == 15_500_000
    html = plan2.text(plan2.get(f"/cases/{agreement.id}"))
    assert "บันทึกงวดการจัดสรรในเรื่อง" in html
    rounds = html.split('class="list rounds-received"')[1].split("</table>")[0]
    assert "ศธ 04002/ว5678" in rounds and "ศธ 04002/ว6011" in rounds and "2 มี.ค. 2570" in rounds
    assert "รวม 2 งวด" in rounds and "15,500,000.00" in rounds

    before = api.snapshot(agreement.id)
    again = api.as_("plan1").post(f"/cases/{agreement.id}/messages", json={"name": "obec_allocation", "data": {
        **FIRST_JSON, "round_number": 2}})
    assert "round_number" in assert_error(again, 409, "conflict")["fields"]
    assert api.snapshot(agreement.id) == before, "nothing changed"
    assert api.as_("auditor").get(f"/cases/{agreement.id}/verify").get_json()["replay_ok"] is True


def test_an_early_notice_posted_to_the_api_is_kept_and_shown_on_the_case_page(api, start, as_user):
    agreement = start("performance_agreement", title="ข้อตกลงผลการปฏิบัติงาน ปีงบประมาณ 2570")
    answer = api.as_("plan1").post(f"/cases/{agreement.id}/messages",
                                   json={"name": "obec_allocation", "data": FIRST_JSON})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["recorded_as"] == "pending" and [t["spec_id"] for t in body["open_tasks"]] == ["study_allocation"]
    case = api.case(agreement.id)
    assert case["message_rounds"][0]["pending"][0]["allocation_number"] == "ศธ 04002/ว5678"
    assert case["message_rounds"][0]["rounds"] == []
    plan1 = as_user("plan1")
    html = plan1.text(plan1.get(f"/cases/{agreement.id}"))
    assert "หนังสือแจ้งที่ได้รับไว้ก่อน รอใช้เมื่อเรื่องถึงขั้นตอนรับแจ้ง" in html and "งวดที่ 1" in html
    school = as_user("school1")
    assert school.post(f"/cases/{agreement.id}/messages/obec_allocation", SECOND).status_code in (403, 404)
