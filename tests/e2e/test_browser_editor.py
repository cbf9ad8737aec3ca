"""The process owner edits a diagram in the browser (bpmn-js's modeler): opens their draft, renames a step
and changes its due period, is told by the check that another step is in no lane, puts it in its lane from
the side panel, and deploys version 2. Cases started afterwards run on version 2; a case started before
stays on version 1 until it is moved through the API.

Screenshots are kept under test-artifacts/ to be looked at."""
from __future__ import annotations

import re

import pytest

from app import engine
from app.services.accounts import users
from app.services.cases import lifecycle
from app.services.catalog import processes

from ..editor_samples import BUDGET_TRANSFER, without_lane
from ..stories import start
from .conftest import bearer
from .test_browser import Person, backend, browser, server  # noqa: F401  (the browser fixtures)

KEY = "budget_transfer"
NEW_LABEL = "บันทึกคำขอโอนงบประมาณ (ฉบับปรับปรุง)"
INSTRUCTIONS = "ตรวจสอบยอดคงเหลือและผลกระทบต่อเป้าหมายผลผลิต"
NEW_REFERENCE = "หนังสือสำนักงบประมาณ ที่ นร 0704/ว 00 — Budget Bureau circular"


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
    # The form editor's mount point follows the selected step's form.
    assert page.get_attribute("#form-editor", "data-form-key") == "budget_transfer_request.json"
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

    # The analysis step's reminders, escalation and instructions; a legal reference for the process.
    page.fill("#p-remind-before", "5,2")
    page.press("#p-remind-before", "Tab")
    page.select_option("#p-remind-due-day", "false")
    page.fill("#p-escalate", "2")
    page.press("#p-escalate", "Tab")
    page.fill("#p-instructions", INSTRUCTIONS)
    page.press("#p-instructions", "Tab")
    pool = page.locator(".djs-element[data-element-id='Participant_budget_transfer']").first.bounding_box()
    page.mouse.click(pool["x"] + 8, pool["y"] + pool["height"] / 2)
    page.wait_for_selector("#props-id:text-is('Participant_budget_transfer')")
    legal = page.input_value("#p-legal")
    assert "ระเบียบว่าด้วยการบริหารงบประมาณ" in legal
    page.fill("#p-legal", legal + "\n" + NEW_REFERENCE)
    page.press("#p-legal", "Tab")

    page.click("#save-draft")
    page.wait_for_selector("#editor-status.editor-status-ok")
    page.click("#deploy")
    page.wait_for_selector("#current-version:text-is('2')", timeout=20000)
    owner.shot("editor-deployed")
    assert [p for p in owner.problems if "404" not in p] == [], owner.problems

    v2 = processes.version_xml(ctx, KEY, 2)
    assert NEW_LABEL in v2 and re.search(r'name="dueWorkingDays" value="7"', v2)
    v1 = processes.version_xml(ctx, KEY, 1)
    assert v2.count("<bpmn:flowNodeRef>") == v1.count("<bpmn:flowNodeRef>")
    analysis = engine.human_steps(engine.parse_xml(v2.encode()))
    assert [(s.lane, s.form) for s in analysis if s.element_id == "analysis"] == [
        ("plan_staff", "budget_transfer_analysis.json")]
    for expected in ('name="reminderWorkingDaysBefore" value="5,2"', 'name="reminderOnDueDay" value="false"',
                     'name="escalateAfterWorkingDays" value="2"', INSTRUCTIONS, NEW_REFERENCE):
        assert expected in v2, expected
    assert NEW_REFERENCE in [p for p in processes.list_processes(ctx) if p["key"] == KEY][0]["legal_references"]
    assert v2.count("<spiffworkflow:property ") == v1.count("<spiffworkflow:property ") + 4

    after = start(ctx, people, KEY, title="โอนงบ หลังแก้ไขแผนภาพ")
    assert after.case["version"] == 2
    assert after.task_of("request")["name"] == NEW_LABEL
    assert before.refresh()["version"] == 1

    answer = client.post(f"/api/v1/processes/{KEY}/migrate", json={"case_ids": [before.id], "to_version": 2},
                         headers=bearer(ctx, "owner"))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()[0]["ok"], answer.get_json()
    assert lifecycle.get_case(ctx, people["admin"], before.id)["version"] == 2


def _semantics(xml: str) -> list[tuple]:
    """Every BPMN and spiffworkflow element (not the drawing) with the id of the element it belongs to, its
    attributes and its text: what the engine reads."""
    from collections import Counter

    from lxml import etree

    spiff = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
    bpmn = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    found = Counter()
    for node in etree.fromstring(xml.encode("utf-8")).iter(f"{spiff}*", f"{bpmn}*"):
        owner = node.getparent()
        while owner is not None and not owner.get("id"):
            owner = owner.getparent()
        found[(owner.get("id") if owner is not None else "", node.tag,
               tuple(sorted(node.attrib.items())), (node.text or "").strip())] += 1
    return sorted(found.items())


def test_every_diagram_of_the_manual_comes_out_of_the_modeler_as_it_went_in(server, browser, ctx):  # noqa: F811
    owner = Person(browser, server, "owner")
    owner.sign_in()
    owner.page.goto(server + "/processes/budget_transfer/edit")
    owner.page.wait_for_selector("#editor[data-ready='true']", timeout=20000)
    originals = {p["key"]: processes.version_xml(ctx, p["key"], p["version"]) for p in processes.list_processes(ctx)}
    assert len(originals) >= 10
    saved = owner.page.evaluate("""async (diagrams) => {
        const modeler = PlanFlowEditor.modeler, out = {};
        for (const [key, xml] of Object.entries(diagrams)) {
            const opened = await modeler.importXML(xml);
            const lost = PlanFlowEditor.keepUnresolvedReferences(modeler, opened.warnings);
            out[key] = {warnings: lost.map(w => w.message), xml: (await modeler.saveXML()).xml};
        }
        return out;
    }""", originals)
    for key, xml in originals.items():
        assert saved[key]["warnings"] == [], (key, saved[key]["warnings"])
        assert _semantics(saved[key]["xml"]) == _semantics(xml), key


def test_the_owner_keeps_a_draft_across_visits_downloads_it_and_throws_it_away(server, browser, ctx):  # noqa: F811
    from app.services.editor import diagram_drafts
    from app.services.kernel.errors import NotFound

    owner = Person(browser, server, "owner")
    owner.page.on("dialog", lambda dialog: dialog.accept())
    owner.sign_in()
    page = owner.page
    page.goto(server + f"/processes/{KEY}/edit")
    page.wait_for_selector("#editor[data-ready='true']", timeout=20000)
    assert "เปิดฉบับปัจจุบัน" in page.locator("#draft-state").inner_text()
    _select(page, "record_transfer")
    page.fill("#p-name", "บันทึกการโอน (ร่าง)")
    page.press("#p-name", "Tab")
    page.click("#save-draft")
    page.wait_for_selector("#editor-status.editor-status-ok")

    page.goto(server + "/processes")
    owner.shot("editor-processes")
    assert page.locator(f"tr[data-key='{KEY}'] .badge").inner_text() == "มีร่างที่บันทึกไว้"
    page.goto(server + f"/processes/{KEY}/edit")
    page.wait_for_selector("#editor[data-ready='true']", timeout=20000)
    assert "เปิดร่างของท่าน" in page.locator("#draft-state").inner_text()
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename == f"{KEY}.bpmn"
    assert "บันทึกการโอน (ร่าง)" in open(download.value.path(), encoding="utf-8").read()

    page.click("#discard-draft")
    page.wait_for_selector("#editor-status.editor-status-ok")
    assert "เปิดฉบับปัจจุบัน" in page.locator("#draft-state").inner_text()
    texts = page.locator(".djs-element[data-element-id='record_transfer'] text").all_text_contents()
    assert "(ร่าง)" not in " ".join(texts)
    with pytest.raises(NotFound):
        diagram_drafts.load_draft(ctx, users.actor_for_username(ctx, "owner"), KEY)
    assert [p for p in owner.problems if "404" not in p] == [], owner.problems
