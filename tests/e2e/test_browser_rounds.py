"""A budget request round in a real browser: a plan officer closes the round from the case page with two schools
silent, reviews the three requests in one table, sends one school back with a reason; the school finds its
request filled in as it sent it, corrects it, and the review shows the correction."""
from __future__ import annotations

from ..integration.test_school_rounds import _round, _send
from .test_browser import Person, backend, browser, server  # noqa: F401  (fixtures)


def _clean(person: Person) -> None:
    assert not [p for p in person.problems if "Content Security Policy" in p or "Refused" in p
                or "TypeError" in p or "ReferenceError" in p], person.problems


def test_a_plan_officer_closes_a_round_and_sends_one_school_back(server, browser, ctx, people):  # noqa: F811
    case = _round(ctx, people)
    for number in (1, 2, 3):
        _send(case, number)

    plan1 = Person(browser, server, "plan1")
    plan1.sign_in()
    plan1.page.goto(f"{server}/cases/{case.id}")
    rounds = plan1.page.inner_text("#rounds")
    assert "ส่งแล้ว 3 จาก 5 แห่ง" in rounds and "โรงเรียนบ้านหนองเรือ" in rounds
    plan1.shot("round-open")
    plan1.page.fill("#close-reason-school_budget_request", "ครบกำหนดตามหนังสือแจ้ง")
    plan1.page.click("#rounds button[type=submit]")
    plan1.page.wait_for_selector(".flash, [role=alert], .messages")
    assert "ปิดรอบแล้ว สถานศึกษาที่ยังไม่ได้ส่ง 2 แห่ง" in plan1.page.content()
    history = plan1.page.inner_text(".timeline")
    assert "ปิดรอบการส่งของสถานศึกษา" in history and "โรงเรียนบ้านดอนหัน, โรงเรียนบ้านหนองเรือ" in history
    plan1.shot("round-closed")

    plan1.page.goto(f"{server}/tasks/{case.task_of('review_school_requests')['id']}")
    rows = plan1.page.locator(".round-table tbody tr")
    assert rows.count() == 5
    assert "ไม่ได้ส่ง" in rows.nth(4).inner_text() and "120,000.00" in rows.nth(0).inner_text()
    plan1.page.check("input[name='request_returns.1.code']")
    plan1.page.fill("#f-request_returns\\.1\\.reason", "ยอดรวมงบดำเนินงานไม่ตรงกับรายการ")
    plan1.shot("round-review")
    plan1.page.click("button[value=complete]")
    plan1.page.wait_for_url(f"{server}/inbox**")
    _clean(plan1)

    school2 = Person(browser, server, "school2")
    school2.sign_in()
    correction = next(t for t in case.refresh()["open_tasks"] if t["spec_id"] == "correct_school_request")
    school2.page.goto(f"{server}/tasks/{correction['id']}")
    assert "ยอดรวมงบดำเนินงานไม่ตรงกับรายการ" in school2.page.inner_text(".returned")
    assert school2.page.input_value("#f-request_items\\.0\\.item") == "ค่าวัสดุการเรียนการสอน"
    school2.shot("round-correction")
    school2.page.fill("#f-request_items\\.0\\.amount", "90,000")
    school2.page.click("button[value=complete]")
    school2.page.wait_for_url(f"{server}/inbox**")
    _clean(school2)

    plan1.page.goto(f"{server}/tasks/{case.task_of('review_school_requests')['id']}")
    corrected = plan1.page.locator(".round-table tbody tr").nth(1).inner_text()
    assert "แก้ไขแล้ว" in corrected and "90,000.00" in corrected
    _clean(plan1)
