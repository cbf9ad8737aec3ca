"""The inbox in the browser: my steps and my groups' steps, due dates marked, filters, search, saved
filters, counts in the navigation, bulk claim and reassign."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from app.services.cases import lifecycle, step_actions

from ..stories import start


def _rows(html: str) -> list[str]:
    """The step names of the inbox's rows, in order."""
    return re.findall(r'<a href="/tasks/\d+">([^<]+)</a>', html)


def _numbers(html: str) -> list[str]:
    return re.findall(r'class="case-no">([^<]+)</a>', html)


def _count(html: str, which: str) -> int:
    return int(re.search(rf'id="count-{which}">(\d+)<', html).group(1))


def test_the_inbox_shows_my_groups_steps_soonest_due_first_with_overdue_and_due_soon_marked(
        as_user, ctx, people, clock):
    older = start(ctx, people, "budget_transfer", title="โอนงบ ก")
    clock.advance(days=1)  # Friday: the second request is due a working day later
    start(ctx, people, "development_plan", title="แผนพัฒนา")
    plan1 = as_user("plan1")
    html = plan1.text(plan1.get("/inbox"))
    assert _numbers(html) == ["2570/0001", "2570/0002"], "soonest due first"
    assert "เกินกำหนด</span>" not in html
    task = older.task_of("request")
    clock.set(datetime.fromisoformat(task["due_at"]) - timedelta(hours=2))
    html = plan1.text(plan1.get("/inbox"))
    assert "ใกล้ครบกำหนด</span>" in html
    clock.advance(days=1)
    html = plan1.text(plan1.get("/inbox"))
    assert 'class="is-overdue"' in html and "เกินกำหนด</span>" in html
    assert _count(html, "overdue") == 1 and _count(html, "mine") == 2
    assert _numbers(plan1.text(plan1.get("/inbox?due=overdue"))) == ["2570/0001"]


def test_filters_by_process_fiscal_year_status_and_search_by_number_or_title(as_user, ctx, people, clock):
    start(ctx, people, "budget_transfer", title="โอนงบ โครงการพัฒนาครู")
    plan = start(ctx, people, "development_plan", title="แผนพัฒนาการศึกษา 2571")
    plan1 = as_user("plan1")
    assert _numbers(plan1.text(plan1.get("/inbox?process=budget_transfer"))) == ["2570/0001"]
    assert _numbers(plan1.text(plan1.get("/inbox?q=2570/0002"))) == ["2570/0002"]
    assert _numbers(plan1.text(plan1.get("/inbox?q=พัฒนาครู"))) == ["2570/0001"]
    assert _numbers(plan1.text(plan1.get("/inbox?q=100%25"))) == [], "wildcards are searched as text"
    assert len(_numbers(plan1.text(plan1.get("/inbox?fy=2570")))) == 2
    assert _numbers(plan1.text(plan1.get("/inbox?fy=2571"))) == []
    step_actions.claim(ctx, people["plan1"], plan.task_of("review_mission")["id"])
    assert _numbers(plan1.text(plan1.get("/inbox?status=claimed"))) == ["2570/0002"]
    assert _numbers(plan1.text(plan1.get("/inbox?status=open"))) == ["2570/0001"]
    plan2 = as_user("plan2")
    assert _numbers(plan2.text(plan2.get("/inbox"))) == ["2570/0001"], "a colleague's claimed step is theirs"
    response = plan1.get("/inbox?fy=abc")
    assert response.status_code == 400 and "ต้องเป็นจำนวนเต็ม" in plan1.text()


def test_business_columns_show_the_amount_and_the_school_where_the_process_has_them(as_user, ctx, people):
    transfer = start(ctx, people, "budget_transfer", title="โอนงบ")
    transfer.complete("request", "plan1", amount=1250000.5)
    html = as_user("plan2").text(as_user("plan2").get("/inbox"))
    assert "จำนวนเงิน (บาท)" in html and "1,250,000.50" in html
    assert "<th scope=\"col\">สถานศึกษา</th>" not in html


def test_a_school_user_sees_only_their_schools_step_with_the_school_named(as_user, ctx, people, clock):
    from ..stories import draft_from as _draft_from
    from ..stories import through_hearing as _through_hearing

    plan = start(ctx, people, "development_plan", title="แผนพัฒนา")
    _draft_from(plan, "review_mission")
    _through_hearing(plan, clock)
    plan.send_letter()
    plan.complete("committee_decision", "secretary", decision="approve", meeting_number="3/2570")
    plan.send_letter()
    plan.complete("publication", "plan1")
    school1 = as_user("school1")
    html = school1.text(school1.get("/inbox"))
    assert _count(html, "mine") == 1
    assert "โรงเรียนบ้านโนนทัน" in html and "<th scope=\"col\">สถานศึกษา</th>" in html


def test_saved_filters_are_kept_on_the_server_and_belong_to_their_owner(as_user, ctx, people):
    start(ctx, people, "budget_transfer", title="โอนงบ")
    start(ctx, people, "development_plan", title="แผน")
    plan1 = as_user("plan1")
    plan1.get("/inbox?process=budget_transfer")
    response = plan1.post("/inbox/filters", {"name": "โอนงบ", "process": "budget_transfer", "scope": "mine"})
    assert response.status_code == 302
    saved_url = response.headers["Location"]
    assert _numbers(plan1.text(plan1.get(saved_url))) == ["2570/0001"]
    assert "โอนงบ</a>" in plan1.text(), "listed among the saved filters"
    again = as_user("plan1")  # another device: the filter is on the server
    assert _numbers(again.text(again.get(saved_url))) == ["2570/0001"]
    other = as_user("plan2")
    assert other.get(saved_url).status_code == 404
    filter_id = int(saved_url.rsplit("=", 1)[1])
    assert other.post(f"/inbox/filters/{filter_id}/delete").status_code == 404
    assert plan1.post(f"/inbox/filters/{filter_id}/delete").status_code == 302
    assert plan1.get(saved_url).status_code == 404
    plan1.get("/inbox")
    plan1.post("/inbox/filters", {"name": "", "scope": "mine"})
    assert "กรุณาตั้งชื่อตัวกรอง" in plan1.text(plan1.get("/inbox"))


def test_staff_claim_several_steps_at_once(as_user, ctx, people):
    first = start(ctx, people, "budget_transfer", title="โอนงบ 1")
    second = start(ctx, people, "budget_transfer", title="โอนงบ 2")
    ids = [first.task_of("request")["id"], second.task_of("request")["id"]]
    step_actions.claim(ctx, people["plan2"], ids[1])
    plan1 = as_user("plan1")
    plan1.get("/inbox")
    response = plan1.post("/inbox/bulk", {"action": "claim", "task_id": [str(i) for i in ids]})
    assert response.status_code == 302
    html = plan1.text(plan1.get("/inbox"))
    assert "รับงานแล้ว 1 รายการ" in html and f"งาน {ids[1]}:" in html, "one claimed, the held one named"
    assert first.task_of("request")["assignee"] == "plan1"
    assert second.task_of("request")["assignee"] == "plan2"
    assert _count(html, "group") == 0


def test_the_group_director_reassigns_steps_in_bulk_and_staff_may_not(as_user, ctx, people):
    first = start(ctx, people, "budget_transfer", title="โอนงบ 1")
    second = start(ctx, people, "budget_transfer", title="โอนงบ 2")
    ids = [str(first.task_of("request")["id"]), str(second.task_of("request")["id"])]
    director = as_user("director")
    html = director.text(director.get("/inbox?scope=all"))
    assert "มอบหมายงานที่เลือกใหม่ให้" in html and len(_numbers(html)) == 2
    director.post("/inbox/bulk", {"action": "assign", "username": "plan2", "task_id": ids, "back": "/inbox?scope=all"})
    assert "มอบหมายงานแล้ว 2 รายการ" in director.text(director.get("/inbox?scope=all"))
    assert {first.task_of("request")["assignee"], second.task_of("request")["assignee"]} == {"plan2"}
    plan1 = as_user("plan1")
    assert "มอบหมายงานที่เลือกใหม่ให้" not in plan1.text(plan1.get("/inbox"))
    plan1.post("/inbox/bulk", {"action": "assign", "username": "plan1", "task_id": ids})
    assert "only the group&#39;s director" in plan1.text(plan1.get("/inbox"))
    assert plan1.get("/inbox?scope=all").status_code == 403


def test_a_suspended_cases_steps_leave_the_inbox_until_it_resumes(as_user, ctx, people):
    transfer = start(ctx, people, "budget_transfer", title="โอนงบ")
    plan1 = as_user("plan1")
    lifecycle.change_status(ctx, people["director"], transfer.id, "suspend", "รอเอกสารจากโรงเรียน")
    html = plan1.text(plan1.get("/inbox"))
    assert _numbers(html) == [] and _count(html, "mine") == 0
    lifecycle.change_status(ctx, people["director"], transfer.id, "resume", "ได้รับเอกสารแล้ว")
    assert _numbers(plan1.text(plan1.get("/inbox"))) == ["2570/0001"]


def test_a_page_past_the_end_shows_the_last_page(as_user, ctx, people):
    start(ctx, people, "budget_transfer", title="โอนงบ")
    plan1 = as_user("plan1")
    html = plan1.text(plan1.get("/inbox?page=40"))
    assert _numbers(html) == ["2570/0001"]
