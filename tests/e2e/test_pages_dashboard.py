"""The supervisors' dashboard in the browser: open, overdue and stalled work with who holds it, workload,
the schools that have not submitted (with a one-click reminder), bulk reassign, suspending a case, where
cases wait, and every list exported to CSV and Excel."""
from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from app.services.accounts import users
from app.services.cases import lifecycle, step_actions
from app.services.ops.demo import DEMO_PASSWORD
from app.services.scheduling import notifications

from ..samples import fill
from ..stories import plan_at_school_step, start


def test_staff_get_the_403_page_and_no_menu_link(as_user):
    plan1 = as_user("plan1")
    answer = plan1.get("/dashboard")
    assert answer.status_code == 403 and 'class="error-page' in plan1.text()
    assert plan1.get("/dashboard/waits").status_code == 403
    assert 'href="/dashboard"' not in plan1.text(plan1.get("/inbox"))
    director = as_user("director")
    assert 'href="/dashboard"' in director.text(director.get("/inbox"))


def test_each_view_shows_its_rows(as_user, ctx, people, clock):
    transfer = start(ctx, people, "budget_transfer", title="โอนงบ ครุภัณฑ์")
    step_actions.claim(ctx, people["plan1"], transfer.task_of("request")["id"])
    clock.advance(days=30)
    director = as_user("director")
    answer = director.get("/dashboard?days=10")
    html = director.text(answer)
    assert answer.status_code == 200
    open_table = html.split('class="list dash-open"')[1].split("</table>")[0]
    assert "budget_transfer" in open_table and ">1</td>" in open_table
    overdue = html.split('class="list dash-overdue"')[1].split("</table>")[0]
    assert "2570/0001" in overdue and 'class="holder">plan1<' in overdue
    stalled = html.split('class="list dash-stalled"')[1].split("</table>")[0]
    assert "2570/0001" in stalled and "(plan1)" in stalled
    assert "2570/0001" not in director.text(director.get("/dashboard?days=40")).split(
        'class="list dash-stalled"')[1].split("</table>")[0]
    people_table = html.split('class="list dash-people"')[1].split("</table>")[0]
    assert re.search(r"<td>plan1</td><td class=\"num\">1</td><td class=\"num\">1</td>", people_table)


def test_bulk_reassign_and_a_supervisor_of_another_group_is_refused(as_user, ctx, people, clock):
    one = start(ctx, people, "budget_transfer", title="ก")
    two = start(ctx, people, "budget_transfer", title="ข")
    ids = [one.task_of("request")["id"], two.task_of("request")["id"]]
    clock.advance(days=30)
    director = as_user("director")
    director.get("/dashboard")
    answer = director.post("/dashboard/reassign", {"task_id": [str(i) for i in ids], "username": "plan2"})
    assert answer.status_code == 302
    assert [step_actions.get_task(ctx, people["admin"], i)["assignee"] for i in ids] == ["plan2", "plan2"]
    assert [e["kind"] for e in lifecycle.case_history(ctx, people["admin"], one.id)][-1] == "task_assigned"

    users.create_user(ctx, "finance_head", DEMO_PASSWORD, groups=["finance"], supervises=["finance"],
                      display_name="ผอ.กลุ่มการเงิน")
    other = as_user("finance_head")
    assert other.get("/dashboard").status_code == 200
    refused = other.post("/dashboard/reassign", {"task_id": [str(ids[0])], "username": "plan1"})
    assert refused.status_code in (403, 404)
    assert step_actions.get_task(ctx, people["admin"], ids[0])["assignee"] == "plan2"


def test_suspend_and_resume_a_case_with_a_reason(as_user, ctx, people, clock):
    transfer = start(ctx, people, "budget_transfer")
    clock.advance(days=30)
    director = as_user("director")
    director.get("/dashboard")
    director.post(f"/dashboard/cases/{transfer.id}/status", {"action": "suspend", "reason": ""})
    assert lifecycle.get_case(ctx, people["admin"], transfer.id)["status"] == "running", "a reason is required"
    director.post(f"/dashboard/cases/{transfer.id}/status", {"action": "suspend", "reason": "รองบประมาณ"})
    assert lifecycle.get_case(ctx, people["admin"], transfer.id)["status"] == "suspended"
    director.post("/dashboard/resume", {"case_id": str(transfer.id), "action": "resume", "reason": "ได้งบแล้ว"})
    assert lifecycle.get_case(ctx, people["admin"], transfer.id)["status"] == "running"
    kinds = [e["kind"] for e in lifecycle.case_history(ctx, people["admin"], transfer.id)]
    assert kinds[-2:] == ["case_suspended", "case_resumed"]
    assert as_user("plan1").post(f"/dashboard/cases/{transfer.id}/status",
                                 {"action": "cancel", "reason": "x"}).status_code == 403


def test_reminding_the_schools_that_have_not_submitted(as_user, ctx, people, clock):
    plan = plan_at_school_step(ctx, people, clock)
    first = next(t for t in plan.refresh()["open_tasks"] if t["group"] == "school-1040050001")
    detail = step_actions.get_task(ctx, people["school1"], first["id"])
    step_actions.complete(ctx, people["school1"], first["id"], fill(detail["form"], attachment_id=plan.attachment()))
    director = as_user("director")
    html = director.text(director.get("/dashboard"))
    section = html.split('id="missing"')[1]
    assert section.count("<li>โรงเรียน") == 4
    before = len(lifecycle.case_history(ctx, people["admin"], plan.id))
    answer = director.post("/dashboard/remind", {"case_id": str(plan.id), "spec_id": "school_strategic_plan"})
    assert answer.status_code == 302
    events = lifecycle.case_history(ctx, people["admin"], plan.id)[before:]
    assert [e["kind"] for e in events] == ["reminder_sent"] * 4
    assert sorted(e["data"]["group"] for e in events) == [f"school-104005000{i}" for i in range(2, 6)]
    assert notifications.unread_count(ctx, people["school2"]) == 1
    assert notifications.unread_count(ctx, people["school1"]) == 0, "school 1 has submitted"
    [note] = notifications.list_notifications(ctx, people["school3"])
    assert plan.case["number"] in note["title"]


def test_where_cases_wait_and_the_trend(as_user, ctx, people, clock):
    transfer = start(ctx, people, "budget_transfer")
    clock.advance(hours=10)
    step_actions.claim(ctx, people["plan1"], transfer.task_of("request")["id"])
    clock.advance(hours=5)
    transfer.complete("request", "plan1")
    director = as_user("director")
    html = director.text(director.get("/dashboard/waits?process=budget_transfer"))
    assert 'id="heatmap"' in html and "data-heat=" in html and "&#34;request&#34;" in html
    waits = html.split('class="list dash-waits"')[1].split("</table>")[0]
    assert "10.0" in waits and "5.0" in waits
    trend = html.split('class="list dash-trend"')[1].split("</table>")[0]
    # This month's steps: the matter chosen as the case began (at once) and the request (15 hours): two,
    # 7.5 hours on average.
    assert "<td class=\"num\">2</td><td class=\"num\">7.5</td>" in trend
    assert director.get("/dashboard/waits?process=nope").status_code == 404


def test_lists_export_to_csv_and_excel(as_user, ctx, people, clock):
    transfer = start(ctx, people, "budget_transfer", title="โอนงบ ครุภัณฑ์")
    step_actions.claim(ctx, people["plan1"], transfer.task_of("request")["id"])
    clock.advance(days=30)
    director = as_user("director")
    answer = director.get("/dashboard?list=overdue&format=csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert rows[0][:2] == ["case_number", "case_title"] and rows[1][:2] == ["2570/0001", "โอนงบ ครุภัณฑ์"]
    answer = director.get("/dashboard?list=people&format=xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("username", "open", "overdue", "done_this_month") and ("plan1", 1, 1, 0) in values
    answer = director.get("/dashboard/waits?process=budget_transfer&list=waits&format=xlsx")
    sheet = load_workbook(io.BytesIO(answer.get_data())).active
    assert [r[0] for r in sheet.iter_rows(values_only=True)][:2] == ["spec_id", "request"]
    assert director.get("/dashboard?list=nope&format=csv").status_code == 400
    assert as_user("plan1").get("/dashboard?list=overdue&format=csv").status_code == 403
