"""The process owner edits a diagram in the browser (bpmn-js's modeler): opens their draft, renames a step
and changes its due period, is told by the check that another step is in no lane, puts it in its lane from
the side panel, and deploys version 2. Cases started afterwards run on version 2; a case started before
stays on version 1 until it is moved through the API.

Screenshots are kept under test-artifacts/ to be looked at."""
from __future__ import annotations

import re

from app.services import cases, processes

from ..editor_samples import BUDGET_TRANSFER, without_lane
from ..stories import start
from .conftest import bearer
from .test_browser import Person, backend, browser, server  # noqa: F401  (the browser fixtures)

KEY = "budget_transfer"
NEW_LABEL = "บันทึกคำขอโอนงบประมาณ (ฉบับปรับปรุง)"


def _center(page, element_id: str, dx: float = 0) -> tuple[float, float]:
    box = page.locator(f".djs-element[data-element-id='{element_id}']").first.bounding_box()
    return box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2


def _select(page, element_id: str) -> None:
    x, y = _center(page, element_id)
    page.mouse.click(x, y)
    page.wait_for_selector(f"#props-id:text-is('{element_id}')")


def _check(page) -> list[str]:
    page.click("#check")
    page.wait_for_selector("#editor-status.editor-status-ok, #editor-status.editor-status-error")
    return page.locator("#problems li").all_inner_texts()


def test_the_owner_edits_checks_and_deploys_a_diagram_and_moves_an_old_case(server, browser, ctx, people,  # noqa: F811
                                                                            app):
    before = start(ctx, people, KEY, title="โอนงบ ก่อนแก้ไขแผนภาพ")
    assert before.case["version"] == 1
    # The owner's draft, kept from a model drawn elsewhere, has the analysis step in no lane. (The modeler
    # itself never leaves a step outside every lane of a pool: moving one out widens the lanes.)
    client = app.test_client()
    saved = client.put(f"/api/v1/processes/{KEY}/draft?base_version=1",
                       data=without_lane(BUDGET_TRANSFER, "analysis"), content_type="application/xml",
                       headers=bearer(ctx, "owner"))
    assert saved.status_code == 200, saved.get_json()

    owner = Person(browser, server, "owner")
    owner.page.on("dialog", lambda dialog: dialog.accept())
    owner.sign_in()
    page = owner.page
    page.click("nav >> text=กระบวนงาน")
    page.click(f"tr[data-key='{KEY}'] >> text=แก้ไขแผนภาพ")
    page.wait_for_selector("#editor[data-ready='true']", timeout=20000)
    assert "เปิดร่างของท่าน" in page.locator("#draft-state").inner_text()
    assert page.locator("#current-version").inner_text() == "1"

    # Rename the request step and give it 7 working days.
    _select(page, "request")
    assert page.input_value("#p-form") == "budget_transfer_request.json"
    assert page.input_value("#p-due") == "5"
    page.fill("#p-name", NEW_LABEL)
    page.press("#p-name", "Tab")
    page.fill("#p-due", "7")
    page.press("#p-due", "Tab")
    label = page.locator(".djs-element[data-element-id='request'] text").all_text_contents()
    assert "ฉบับปรับปรุง" in " ".join(label)

    problems = _check(page)
    assert any("analysis" in p and "ไม่อยู่ในกลุ่มผู้ปฏิบัติ" in p for p in problems), problems
    assert page.locator(".djs-element.pf-problem[data-element-id='analysis']").count() == 1
    assert page.locator(".pf-problem-badge").count() >= 1
    page.click("#problems button.problem[data-element-id='analysis']")
    page.wait_for_selector("#props-id:text-is('analysis')")
    owner.shot("editor-check-problems")
    assert page.locator(".djs-element.selected[data-element-id='analysis']").count() == 1

    # Put it back in the plan staff's lane from the side panel; the check passes.
    assert page.input_value("#p-step-lane") == ""
    page.select_option("#p-step-lane", "Lane_plan_staff")
    assert page.input_value("#p-step-lane") == "Lane_plan_staff"
    assert _check(page) == []
    assert "ไม่พบปัญหา" in page.locator("#problems-summary").inner_text()

    page.click("#save-draft")
    page.wait_for_selector("#editor-status.editor-status-ok")
    page.click("#deploy")
    page.wait_for_selector("#current-version:text-is('2')", timeout=20000)
    owner.shot("editor-deployed")
    assert [p for p in owner.problems if "404" not in p] == [], owner.problems

    v2 = processes.version_xml(ctx, KEY, 2)
    assert NEW_LABEL in v2 and re.search(r'name="dueWorkingDays" value="7"', v2)
    v1 = processes.version_xml(ctx, KEY, 1)
    for tag in ("<spiffworkflow:property ", "<spiffworkflow:instructionsForEndUser>", "<bpmn:flowNodeRef>"):
        assert v2.count(tag) == v1.count(tag), f"{tag} did not survive the editor"

    after = start(ctx, people, KEY, title="โอนงบ หลังแก้ไขแผนภาพ")
    assert after.case["version"] == 2
    assert after.task_of("request")["name"] == NEW_LABEL
    assert before.refresh()["version"] == 1

    answer = client.post(f"/api/v1/processes/{KEY}/migrate", json={"case_ids": [before.id], "to_version": 2},
                         headers=bearer(ctx, "owner"))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()[0]["ok"], answer.get_json()
    assert cases.get_case(ctx, people["admin"], before.id)["version"] == 2
