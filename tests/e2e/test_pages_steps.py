"""Working a step in the browser: the form from its JSON Schema, the server's messages beside the fields,
Buddhist-Era dates and baht amounts, table rows, attachments, drafts, claim and reassign, and the
Thai pages for steps one may not touch."""
from __future__ import annotations

import io
import re

from app.services.cases import comments, lifecycle, step_actions, step_drafts

from ..stories import start


def _step(ctx, people, process="budget_transfer", spec="request"):
    driver = start(ctx, people, process, title="เรื่องทดสอบหน้าเว็บ")
    return driver, driver.task_of(spec)["id"]


REQUEST = {"requesting_unit": "กลุ่มส่งเสริมการจัดการศึกษา", "fiscal_year": "2570", "plan": "แผนงานพื้นฐาน",
           "project": "โครงการพัฒนาครู", "category_from": "operating", "category_to": "other",
           "amount": "1,250,000.50", "reason": "ปรับแผนการจัดอบรม"}


def test_the_step_page_shows_the_case_the_instructions_and_the_processs_legal_references(as_user, ctx, people):
    _, task_id = _step(ctx, people)
    plan1 = as_user("plan1")
    html = plan1.text(plan1.get(f"/tasks/{task_id}"))
    assert "บันทึกคำขอโอนเปลี่ยนแปลงงบประมาณ" in html and "2570/0001" in html
    assert "สิ่งที่ต้องดำเนินการในขั้นตอนนี้" in html
    assert "กฎหมาย ระเบียบ และเอกสารที่เกี่ยวข้อง" in html and "ระเบียบว่าด้วยการบริหารงบประมาณ" in html
    assert "ผลสำเร็จที่คาดหวัง" in html
    assert 'name="category_from"' in html and "งบดำเนินงาน" in html, "choices titled from x-enum-titles"
    assert 'name="amount" inputmode="decimal"' in html and "บาท" in html
    assert 'name="supporting_document__upload"' in html and 'enctype="multipart/form-data"' in html


def test_a_missing_field_is_named_beside_it_and_nothing_changes(as_user, ctx, people):
    driver, task_id = _step(ctx, people)
    plan1 = as_user("plan1")
    plan1.get(f"/tasks/{task_id}")
    response = plan1.post(f"/tasks/{task_id}", {**REQUEST, "reason": "", "amount": "abc", "action": "complete"})
    assert response.status_code == 400
    html = plan1.text()
    assert re.search(r'id="err-reason">กรุณากรอกข้อมูลนี้', html)
    assert re.search(r'id="err-amount">รูปแบบข้อมูลไม่ถูกต้อง', html)
    assert 'value="abc"' in html and 'value="โครงการพัฒนาครู"' in html, "what was typed comes back"
    assert 'href="#f-reason">เหตุผลความจำเป็น</a>' in html, "the summary names the field by its title"
    assert driver.open_steps() == ["request"]


def test_dates_are_typed_in_buddhist_era_and_stored_as_iso(as_user, ctx, people):
    transfer, _ = _step(ctx, people)
    transfer.complete("request", "plan1", category_from="operating", category_to="other", amount=5000)
    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="support")
    task_id = transfer.task_of("director_approval")["id"]
    office = as_user("office")
    html = office.text(office.get(f"/tasks/{task_id}"))
    assert "วว/ดด/ปปปป (พ.ศ.)" in html
    office.post(f"/tasks/{task_id}", {"director_decision": "approve", "director_decided_on": "31/02/2569",
                                      "action": "complete"})
    assert re.search(r'id="err-director_decided_on">รูปแบบไม่ถูกต้อง', office.text()), "no 31 February"
    office.post(f"/tasks/{task_id}", {"director_decision": "approve", "director_decided_on": "4/12/2569",
                                      "action": "complete"})
    assert office.last.status_code == 302
    case = lifecycle.get_case(ctx, people["admin"], transfer.id)
    assert case["data"]["director_decided_on"] == "2026-12-04"
    assert case["data"]["amount"] == 5000


def test_amounts_in_baht_with_commas_are_read_as_numbers(as_user, ctx, people):
    driver, task_id = _step(ctx, people)
    plan1 = as_user("plan1")
    plan1.get(f"/tasks/{task_id}")
    assert plan1.post(f"/tasks/{task_id}", {**REQUEST, "action": "complete"}).status_code == 302
    data = lifecycle.get_case(ctx, people["admin"], driver.id)["data"]
    assert data["amount"] == 1250000.5 and data["fiscal_year"] == 2570


def test_a_draft_is_kept_per_user_until_the_step_is_sent(as_user, ctx, people):
    driver, task_id = _step(ctx, people)
    plan1 = as_user("plan1")
    plan1.get(f"/tasks/{task_id}")
    plan1.post(f"/tasks/{task_id}", {"reason": "ร่างเหตุผล", "amount": "10,000", "action": "draft"})
    html = plan1.text(plan1.get(f"/tasks/{task_id}"))
    assert "บันทึกร่างแล้ว" in html and "ร่างเหตุผล" in html and 'value="10,000.00"' in html
    assert driver.open_steps() == ["request"], "a draft does not move the case"
    plan2 = as_user("plan2")
    assert "ร่างเหตุผล" not in plan2.text(plan2.get(f"/tasks/{task_id}")), "drafts are personal"
    plan1.post(f"/tasks/{task_id}", {**REQUEST, "action": "complete"})
    assert step_drafts.get_draft(ctx, people["plan1"], task_id) is None


def test_a_draft_can_be_discarded(as_user, ctx, people):
    _, task_id = _step(ctx, people)
    plan1 = as_user("plan1")
    plan1.get(f"/tasks/{task_id}")
    plan1.post(f"/tasks/{task_id}", {"reason": "ร่าง", "action": "draft"})
    plan1.get(f"/tasks/{task_id}")
    plan1.post(f"/tasks/{task_id}/draft/delete")
    assert "ร่าง</textarea>" not in plan1.text(plan1.get(f"/tasks/{task_id}"))


def test_table_rows_are_read_in_order_and_empty_rows_are_dropped(as_user, ctx, people):
    plan, _ = _step(ctx, people, "development_plan", "review_mission")
    plan.complete("review_mission", "plan1")
    plan.complete("swot", "plan1")
    task_id = plan.task_of("vision_mission")["id"]
    plan1 = as_user("plan1")
    html = plan1.text(plan1.get(f"/tasks/{task_id}"))
    assert 'name="missions.0.mission"' in html and "<template>" in html and "__INDEX__" in html
    form = {"vision": "ผู้เรียนมีคุณภาพ", "missions.0.mission": "พันธกิจแรก", "missions.1.mission": "",
            "missions.5.mission": "พันธกิจที่สอง", "corporate_objectives.0.objective": "",
            "action": "complete"}
    plan1.post(f"/tasks/{task_id}", form)
    assert plan1.last.status_code == 400
    assert re.search(r'id="err-corporate_objectives">กรุณากรอกข้อมูลนี้', plan1.text())
    assert 'name="missions.1.mission"' in plan1.text() and "พันธกิจที่สอง" in plan1.text()
    form["corporate_objectives.0.objective"] = "เป้าประสงค์"
    assert plan1.post(f"/tasks/{task_id}", form).status_code == 302
    data = lifecycle.get_case(ctx, people["admin"], plan.id)["data"]
    assert data["missions"] == [{"mission": "พันธกิจแรก"}, {"mission": "พันธกิจที่สอง"}]


def test_a_file_uploaded_with_the_form_is_attached_to_the_case_and_its_id_stored(as_user, ctx, people):
    driver, task_id = _step(ctx, people)
    plan1 = as_user("plan1")
    plan1.get(f"/tasks/{task_id}")
    form = {**REQUEST, "action": "complete",
            "supporting_document__upload": (io.BytesIO(b"%PDF-1.4 memo"), "บันทึกข้อความ.pdf")}
    assert plan1.post(f"/tasks/{task_id}", form, content_type="multipart/form-data").status_code == 302
    data = lifecycle.get_case(ctx, people["admin"], driver.id)["data"]
    listing = plan1.text(plan1.get(f"/cases/{driver.id}"))
    assert "บันทึกข้อความ.pdf" in listing
    attachment_id = data["supporting_document"]
    download = plan1.get(f"/cases/{driver.id}/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 memo"


def test_claim_give_back_and_reassign_from_the_step_page(as_user, ctx, people):
    driver, task_id = _step(ctx, people)
    plan1 = as_user("plan1")
    plan1.get(f"/tasks/{task_id}")
    plan1.post(f"/tasks/{task_id}/claim")
    assert driver.task_of("request")["assignee"] == "plan1"
    plan2 = as_user("plan2")
    html = plan2.text(plan2.get(f"/tasks/{task_id}"))
    assert "อยู่ในความรับผิดชอบของ" in html and 'name="reason"' not in html
    assert plan2.post(f"/tasks/{task_id}", {**REQUEST, "action": "complete"}).status_code == 409
    plan1.post(f"/tasks/{task_id}/unclaim")
    assert driver.task_of("request")["assignee"] is None
    director = as_user("director")
    director.get(f"/tasks/{task_id}")
    director.post(f"/tasks/{task_id}/assign", {"username": "plan2"})
    assert driver.task_of("request")["assignee"] == "plan2"
    director.post(f"/tasks/{task_id}/assign", {"username": "school1"})
    assert "ไม่ได้อยู่ในกลุ่มผู้ปฏิบัติของขั้นตอนนี้" in director.text(director.get(f"/tasks/{task_id}"))


def test_a_step_of_another_group_gets_the_thai_403_page(as_user, ctx, people):
    transfer, _ = _step(ctx, people)
    transfer.complete("request", "plan1", category_from="operating", category_to="other", amount=5000)
    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="support")
    task_id = transfer.task_of("director_approval")["id"]
    plan1 = as_user("plan1")
    html = plan1.text(plan1.get(f"/tasks/{task_id}"))
    assert "งานนี้เป็นของกลุ่มผู้ปฏิบัติอื่น" in html and 'name="director_decision"' not in html
    response = plan1.post(f"/tasks/{task_id}", {"director_decision": "approve", "action": "complete"})
    assert response.status_code == 403 and "ไม่มีสิทธิ์เข้าถึง" in plan1.text()
    assert plan1.post(f"/tasks/{task_id}/claim").status_code == 403


def test_a_school_user_gets_the_404_page_for_cases_they_are_not_part_of(as_user, ctx, people):
    driver, task_id = _step(ctx, people)
    row = driver.attachment()
    school1 = as_user("school1")
    for path in (f"/tasks/{task_id}", f"/cases/{driver.id}", f"/cases/{driver.id}/attachments/{row}"):
        response = school1.get(path)
        assert response.status_code == 404 and "ไม่พบหน้าที่ต้องการ" in school1.text(), path
    assert as_user("plan1").get("/tasks/999999").status_code == 404


def test_comments_are_added_on_the_step_page_and_shown_on_the_case(as_user, ctx, people):
    driver, task_id = _step(ctx, people)
    plan1 = as_user("plan1")
    plan1.get(f"/tasks/{task_id}")
    response = plan1.post(f"/cases/{driver.id}/comments", {"body": "ขอเอกสารประกอบเพิ่มเติม", "task_id": task_id})
    assert response.headers["Location"].endswith(f"/tasks/{task_id}#comments")
    assert "ขอเอกสารประกอบเพิ่มเติม" in plan1.text(plan1.get(f"/cases/{driver.id}"))
    assert comments.list_comments(ctx, people["plan2"], driver.id)[0]["author"] == "plan1"
    plan1.post(f"/cases/{driver.id}/comments", {"body": "  "})
    assert "กรุณาพิมพ์ความเห็น" in plan1.text(plan1.get(f"/cases/{driver.id}"))
    assert as_user("school1").post(f"/cases/{driver.id}/comments", {"body": "x"}).status_code == 404


def test_after_sending_a_step_the_next_one_opens_when_it_is_mine(as_user, ctx, people):
    plan, task_id = _step(ctx, people, "development_plan", "review_mission")
    plan1 = as_user("plan1")
    plan1.get(f"/tasks/{task_id}")
    form = {"plan_title": "แผน", "plan_start_year": "2571", "plan_end_year": "2575", "mission_review": "ก",
            "information_reviewed": "ข", "action": "complete"}
    response = plan1.post(f"/tasks/{task_id}", form)
    assert response.headers["Location"] == f"/tasks/{plan.task_of('swot')['id']}"
    assert step_actions.get_task(ctx, people["plan1"], task_id)["status"] == "completed"


def test_a_step_done_again_after_the_committee_sends_it_back_starts_from_what_the_case_holds(
        as_user, ctx, people, clock):
    from ..stories import draft_from as _draft_from
    from ..stories import through_hearing as _through_hearing

    plan, _ = _step(ctx, people, "development_plan", "review_mission")
    _draft_from(plan, "review_mission")
    _through_hearing(plan, clock)
    plan.send_letter()
    plan.complete("committee_decision", "secretary", decision="revise", meeting_number="1/2570")
    task_id = plan.task_of("vision_mission")["id"]
    vision = lifecycle.get_case(ctx, people["admin"], plan.id)["data"]["vision"]
    html = as_user("plan2").text(as_user("plan2").get(f"/tasks/{task_id}"))
    assert f">{vision}</textarea>" in html, "the revision starts from the earlier text"


def test_a_file_sent_with_a_refused_form_is_not_kept_and_the_page_asks_for_it_again(as_user, ctx, people):
    _, task_id = _step(ctx, people)
    plan1 = as_user("plan1")
    plan1.get(f"/tasks/{task_id}")
    form = {**REQUEST, "reason": "", "action": "complete",
            "supporting_document__upload": (io.BytesIO(b"%PDF-1.4 memo"), "บันทึก.pdf")}
    assert plan1.post(f"/tasks/{task_id}", form, content_type="multipart/form-data").status_code == 400
    html = plan1.text()
    assert ">บันทึก.pdf</option>" not in html, "the file went with the refused form: it is no file of the case"
    assert re.search(r'id="err-supporting_document">กรุณาเลือกไฟล์ “บันทึก.pdf” อีกครั้ง', html)
    assert 'href="#f-supporting_document">' in html, "the summary names the field to fill again"
