"""The case page (status, diagram marks, timeline, open steps) and starting a case."""
from __future__ import annotations

import html as htmllib
import json
import os
import re

import pytest

from app.web.pages import vendor

from ..stories import start


def _marks(html: str, which: str) -> list[str]:
    found = re.search(rf'data-{which}="([^"]*)"', html)
    return json.loads(htmllib.unescape(found.group(1)))


def test_the_case_page_marks_steps_done_and_waiting_and_lists_the_timeline(as_user, ctx, people):
    plan = start(ctx, people, "development_plan", title="แผนพัฒนาการศึกษา")
    plan.complete("review_mission", "plan1")
    plan.complete("swot", "plan2")
    page = as_user("plan1")
    html = page.text(page.get(f"/cases/{plan.id}"))
    assert _marks(html, "done") == ["review_mission", "swot"]
    assert _marks(html, "current") == ["vision_mission"]
    assert "/api/v1/processes/development_plan/versions/1/bpmn" in html
    assert "ประวัติการดำเนินการ" in html and html.count("event-task_completed") == 2
    assert "กำหนดวิสัยทัศน์" in html and "ยังไม่มีผู้รับงาน" in html
    assert "ผลสำเร็จที่คาดหวัง" in html and "พระราชบัญญัติการศึกษาแห่งชาติ" in html
    assert page.get("/api/v1/processes/development_plan/versions/1/bpmn").status_code == 200, \
        "the diagram is read with the session cookie"


def test_submitted_data_shows_with_the_forms_labels_thai_dates_and_baht(as_user, ctx, people):
    transfer = start(ctx, people, "budget_transfer", title="โอนงบ")
    transfer.complete("request", "plan1", category_from="operating", category_to="other", amount=50000)
    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="support")
    transfer.complete("director_approval", "office", director_decision="approve", director_decided_on="2026-12-04")
    html = as_user("plan1").text(as_user("plan1").get(f"/cases/{transfer.id}"))
    assert "50,000.00 บาท" in html and "งบดำเนินงาน" in html
    assert "4 ธ.ค. 2569" in html and "อนุมัติ" in html


def test_the_start_page_offers_the_processes_this_user_may_start_with_their_outcomes(as_user):
    plan1 = as_user("plan1")
    html = plan1.text(plan1.get("/cases/new"))
    assert 'value="development_plan"' in html and 'value="budget_transfer"' in html
    assert "ผลสำเร็จที่คาดหวัง" in html and "2.2" in html
    school1 = as_user("school1")
    html = school1.text(school1.get("/cases/new"))
    assert 'name="process_key"' not in html and "ไม่ได้อยู่ในกลุ่มผู้ปฏิบัติที่เริ่มกระบวนงานใดได้" in html
    response = school1.post("/cases/new", {"process_key": "budget_transfer", "title": "ขอโอน"})
    assert response.status_code == 403


def test_starting_a_case_needs_a_title_and_leads_to_its_first_step(as_user):
    plan1 = as_user("plan1")
    plan1.get("/cases/new")
    response = plan1.post("/cases/new", {"process_key": "budget_transfer", "title": ""})
    assert response.status_code == 400 and 'id="err-title">กรุณากรอกชื่อเรื่อง' in plan1.text()
    response = plan1.post("/cases/new", {"process_key": "budget_transfer", "title": "โอนงบโครงการ"})
    assert response.status_code == 302 and re.match(r"/tasks/\d+$", response.headers["Location"])
    assert "เริ่มเรื่องเลขที่ 2570/0001 แล้ว" in plan1.text(plan1.get(response.headers["Location"]))
    assert plan1.post("/cases/new", {"process_key": "nope", "title": "x"}).status_code == 404


def test_files_attached_on_the_case_page_are_listed_and_downloaded_by_those_who_may_see_it(as_user, ctx, people):
    import io

    plan = start(ctx, people, "budget_transfer", title="โอนงบ")
    plan1 = as_user("plan1")
    plan1.get(f"/cases/{plan.id}")
    plan1.post(f"/cases/{plan.id}/attachments", {"file": (io.BytesIO(b"hello"), "หนังสือ.txt")},
               content_type="multipart/form-data")
    html = plan1.text(plan1.get(f"/cases/{plan.id}"))
    assert "หนังสือ.txt" in html and "5 B" in html
    plan1.post(f"/cases/{plan.id}/attachments", {})
    assert "กรุณาเลือกไฟล์" in plan1.text(plan1.get(f"/cases/{plan.id}"))


def test_the_diagram_library_is_served_from_node_modules(app):
    if not vendor.available():
        if os.environ.get("CI") == "true":
            pytest.fail("node_modules/bpmn-js is missing: scripts/_env.sh runs npm ci")
        pytest.skip("bpmn-js is not installed (npm ci)")
    client = app.test_client()
    response = client.get("/vendor/bpmn-js/bpmn-navigated-viewer.js")
    assert response.status_code == 200 and b"BpmnJS" in response.data[:200000]
    assert client.get("/vendor/bpmn-js/bpmn-js.css").status_code == 200
    assert client.get("/vendor/bpmn-js/..%2Fpackage.json").status_code == 404
    assert client.get("/vendor/bpmn-js/bpmn-viewer.development.js").status_code == 404, "only the allow-list"


def test_pages_carry_no_inline_script_or_style_so_the_strict_policy_holds(as_user, visitor, ctx, people):
    plan = start(ctx, people, "budget_transfer", title="โอนงบ")
    plan1 = as_user("plan1")
    pages = [plan1.get(path) for path in ("/inbox", f"/tasks/{plan.task_of('request')['id']}",
                                           f"/cases/{plan.id}", "/cases/new")] + [visitor().get("/login")]
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), "scripts come from files only"
        assert not re.search(r"\sstyle=|<style", html) and not re.search(r"\son[a-z]+=", html)
