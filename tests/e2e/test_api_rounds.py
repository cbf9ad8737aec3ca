"""Per-school rounds over HTTP: a script and the pages close a round, a late school is told no in Thai and
nothing changes, the review page shows a row per school from what each sent, and one school is sent back
from it and corrects its request."""
from __future__ import annotations

from .conftest import HttpCase, assert_error

SCHOOLS = [f"104005000{i}" for i in range(1, 6)]
ITEMS = [{"category": "operating", "item": "ค่าวัสดุการเรียนการสอน", "amount": 120_000}]


def _school_task(case: HttpCase, number: int, spec_id: str = "school_budget_request") -> dict:
    return next(t for t in case.refresh()["open_tasks"]
                if t["spec_id"] == spec_id and t["group"] == f"school-{SCHOOLS[number - 1]}")


def _round(start, schools_sending=(1, 2)) -> HttpCase:
    case = start("budget_request", title="จัดตั้งงบประมาณ พ.ศ. 2571")
    case.complete("notify_schools", "plan1", requests_close_on="2026-12-17")
    case.send_letter()  # the schools hear of the round by the office's circular
    for number in schools_sending:
        case.complete_task(_school_task(case, number)["id"], f"school{number}", request_items=ITEMS)
    return case


def test_a_script_closes_a_round_and_a_late_school_is_refused_in_thai(api, start, as_user):
    case = _round(start)
    answer = api.as_("plan1").get(f"/cases/{case.id}/rounds")
    assert answer.status_code == 200
    [round_] = answer.get_json()
    assert (round_["spec_id"], round_["expected"], round_["received"]) == ("school_budget_request", 5, 2)
    assert [s["code"] for s in round_["waiting"]] == SCHOOLS[2:]
    late = _school_task(case, 4)

    unchanged = api.snapshot(case.id)
    assert_error(api.as_("school1").post(f"/cases/{case.id}/rounds/school_budget_request/close"), 403, "forbidden")
    assert_error(api.as_("plan1").post(f"/cases/{case.id}/rounds/no_such_step/close"), 404, "not_found")
    error = assert_error(api.as_("plan1").post(f"/cases/{case.id}/rounds/school_budget_request/close",
                                               json={"reason": "x" * 1001}), 400, "invalid")
    assert list(error["fields"]) == ["reason"]
    assert api.snapshot(case.id) == unchanged, "a refused close changes nothing"

    answer = api.as_("director").post(f"/cases/{case.id}/rounds/school_budget_request/close",
                                      json={"reason": "ครบกำหนดตามหนังสือแจ้ง"})
    assert answer.status_code == 200, answer.get_json()
    closed = answer.get_json()
    assert [t["spec_id"] for t in closed["open_tasks"]] == ["review_school_requests"]
    assert [m["code"] for m in closed["round_closed"]["missing"]] == SCHOOLS[2:]
    event = api.history(case.id)[-1]
    assert (event["kind"], event["actor"]) == ("round_closed", "director")
    assert [m["name"] for m in event["data"]["missing"]] == ["โรงเรียนบ้านท่าพระ", "โรงเรียนบ้านดอนหัน",
                                                             "โรงเรียนบ้านหนองเรือ"]

    before = api.snapshot(case.id)
    data = case.form_data(late["id"], "school4", request_items=ITEMS)
    refused = api.as_("school4").post(f"/tasks/{late['id']}/complete", json={"data": data})
    error = assert_error(refused, 409, "round_closed")
    assert error["message"].startswith("ปิดรับแล้ว: สำนักงานปิดรอบ")
    assert api.snapshot(case.id) == before, "nothing changed"
    inbox = api.as_("school4").get("/tasks").get_json()
    assert late["id"] not in [t["id"] for t in inbox], "its step is gone from its inbox"
    school4 = as_user("school4")
    assert "ปิดรับแล้ว" in school4.text(school4.get(f"/tasks/{late['id']}")), "its step page says the round closed"
    page = school4.post(f"/tasks/{late['id']}", {"action": "complete", "request_items.0.category": "operating",
                                                 "request_items.0.item": "วัสดุ", "request_items.0.amount": "1"})
    assert page.status_code == 409 and "ปิดรับแล้ว" in school4.text(page), "a form left open is refused too"
    assert api.snapshot(case.id) == before
    assert_error(api.as_("plan1").post(f"/cases/{case.id}/rounds/school_budget_request/close"), 409, "conflict")
    verdict = api.as_("auditor").get(f"/cases/{case.id}/verify").get_json()
    assert verdict["chain_ok"] and verdict["replay_ok"], verdict["problems"]


def test_the_review_page_shows_each_school_and_sends_one_back(api, start, as_user):
    case = _round(start, schools_sending=(1, 2, 3, 4, 5))
    review = case.task_of("review_school_requests")
    answer = api.as_("plan1").get(f"/tasks/{review['id']}")
    table = answer.get_json()["round_review"]
    assert [(r["code"], r["status"], r["values"]["total"]) for r in table["rows"]] == [
        (code, "received", 120_000) for code in SCHOOLS]

    plan1 = as_user("plan1")
    page = plan1.text(plan1.get(f"/tasks/{review['id']}"))
    assert page.count('class="round-row status-received"') == 5 and "โรงเรียนบ้านศิลา" in page
    assert "120,000.00" in page, "the figures each school sent, never typed again"
    # Ticking "send back" on the second row without a reason: told beside that row, nothing sent.
    refused = plan1.post(f"/tasks/{review['id']}", {"action": "complete", "request_returns.1.code": SCHOOLS[1],
                                                    "request_returns.1.reason": ""})
    assert refused.status_code == 400 and 'id="err-request_returns.0.reason"' in plan1.text(refused)
    sent = plan1.post(f"/tasks/{review['id']}", {"action": "complete", "request_returns.1.code": SCHOOLS[1],
                                                 "request_returns.1.reason": "ยอดรวมไม่ตรงกับรายการ",
                                                 "request_returns.3.reason": "ไม่ได้เลือก จึงไม่ส่งกลับ"})
    assert sent.status_code == 302
    [correction] = case.refresh()["open_tasks"]
    assert (correction["spec_id"], correction["group"]) == ("correct_school_request", f"school-{SCHOOLS[1]}")

    school2 = as_user("school2")
    page = school2.text(school2.get(f"/tasks/{correction['id']}"))
    assert "ยอดรวมไม่ตรงกับรายการ" in page and 'value="ค่าวัสดุการเรียนการสอน"' in page, "starts from what it sent"
    case.complete_task(correction["id"], "school2",
                       request_items=[{"category": "operating", "item": "ค่าวัสดุ", "amount": 80_000}])
    again = api.as_("plan1").get(f"/tasks/{case.task_of('review_school_requests')['id']}").get_json()
    row = again["round_review"]["rows"][1]
    assert (row["status"], row["values"]["total"]) == ("corrected", 80_000)


def test_the_case_page_and_the_dashboard_offer_to_close_a_round(api, start, as_user):
    case = _round(start)
    plan1 = as_user("plan1")
    page = plan1.text(plan1.get(f"/cases/{case.id}"))
    assert 'id="rounds"' in page and "ส่งแล้ว 2 จาก 5 แห่ง" in page and "ปิดรอบ" in page
    school1 = as_user("school1")
    assert f"/cases/{case.id}/rounds/" not in school1.text(school1.get(f"/cases/{case.id}")), "no button for schools"
    director = as_user("director")
    dashboard = director.text(director.get("/dashboard"))
    assert f'action="/cases/{case.id}/rounds/school_budget_request/close"' in dashboard

    closed = director.post(f"/cases/{case.id}/rounds/school_budget_request/close", {"back": "dashboard"})
    assert closed.status_code == 302 and closed.headers["Location"].endswith("/dashboard#missing")
    page = plan1.text(plan1.get(f"/cases/{case.id}"))
    assert "ปิดรอบการส่งของสถานศึกษา" in page and "โรงเรียนบ้านหนองเรือ" in page, "the history names them"
    again = plan1.post(f"/cases/{case.id}/rounds/school_budget_request/close", {})
    assert again.status_code == 302
    assert "รอบนี้ไม่ได้เปิดรับแล้ว" in plan1.text(plan1.get(again.headers["Location"]))
