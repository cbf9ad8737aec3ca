"""A process owner in a real browser after revising the budget transfer: the versions page, the two
diagrams coloured by what changed, moving the running case that can move (and being told why the other
cannot), and adding a field with a Thai title to a step form, seen in the preview and saved.

Screenshots are kept under test-artifacts/ to be looked at."""
from __future__ import annotations

import json
import re

from app.services.editor import deployment

from ..editor_samples import budget_transfer_v2
from ..stories import start
from .test_browser import Person, backend, browser, server  # noqa: F401  (the browser fixtures)

WITHIN_AUTHORITY = {"category_from": "operating", "category_to": "other", "amount": 50000}
PHONE = "เบอร์โทรศัพท์ผู้ประสานงาน"


def drawn_v2() -> bytes:
    """The revised budget transfer with a place on the drawing for its new step and flow (the editor would
    have drawn them; the sample only adds them to the process)."""
    xml = budget_transfer_v2()
    shapes = {  # the end event and its label move right, the last flow ends at the new step
        b'<dc:Bounds x="2132" y="282" width="36" height="36" />':
            b'<dc:Bounds x="2272" y="282" width="36" height="36" />',
        b'<dc:Bounds x="2102" y="322" width="96" height="27" />':
            b'<dc:Bounds x="2242" y="322" width="96" height="27" />',
        b'<di:waypoint x="2132" y="300" />': b'<di:waypoint x="2120" y="300" />',
    }
    for before, after in shapes.items():
        assert xml.count(before) == 1, before
        xml = xml.replace(before, after)
    added = (b'<bpmndi:BPMNShape id="notify_requester_di" bpmnElement="notify_requester">'
             b'<dc:Bounds x="2120" y="260" width="100" height="80" /></bpmndi:BPMNShape>'
             b'<bpmndi:BPMNEdge id="f_notified_di" bpmnElement="f_notified">'
             b'<di:waypoint x="2220" y="300" /><di:waypoint x="2272" y="300" /></bpmndi:BPMNEdge>\n'
             b'    </bpmndi:BPMNPlane>')
    return xml.replace(b"</bpmndi:BPMNPlane>", added, 1)


def _marked(person: Person, box: str, marker: str) -> set[str]:
    person.page.wait_for_selector(f"#{box}[data-ready='true']", timeout=15000)
    return set(person.page.eval_on_selector_all(f"#{box} .djs-element.{marker}",
                                                "els => els.map(e => e.dataset.elementId)"))


def _script_problems(person: Person) -> list[str]:
    return [p for p in person.problems if "Content Security Policy" in p or "Refused" in p
            or "TypeError" in p or "ReferenceError" in p]


def test_the_owner_compares_versions_and_moves_the_case_that_can_move(server, browser, ctx, people,  # noqa: F811
                                                                      clock):
    waiting = start(ctx, people, "budget_transfer", title="คำขอรอบันทึก")
    analysed = start(ctx, people, "budget_transfer", title="คำขอที่วิเคราะห์แล้ว")
    analysed.complete("request", "plan1", **WITHIN_AUTHORITY)
    analysed.complete("analysis", "plan2")
    clock.advance(days=1)
    deployment.deploy_version(ctx, people["owner"], "budget_transfer", drawn_v2())

    owner = Person(browser, server, "owner")
    owner.sign_in()
    owner.page.goto(f"{server}/processes/budget_transfer/versions")
    assert owner.page.locator("tr.version-row").count() == 2
    assert owner.page.locator("tr.version-row[data-version='1'] td.running").inner_text() == "2"
    owner.page.click("#compare")
    owner.page.wait_for_url(re.compile(r".*/processes/budget_transfer/diff\?(to=2&from=1|from=1&to=2)$"))
    assert {"notify_requester", "f_notified"} <= _marked(owner, "diff-new", "pf-added")
    assert {"analysis", "director_approval"} <= _marked(owner, "diff-new", "pf-changed")
    assert _marked(owner, "diff-old", "pf-removed") == set()
    assert owner.page.locator("tr.diff-added").count() == 2
    owner.shot("versions-diff")
    owner.page.goto(f"{server}/processes/budget_transfer/diff?from=2&to=1")
    assert _marked(owner, "diff-old", "pf-removed") == {"notify_requester", "f_notified"}

    owner.page.goto(f"{server}/processes/budget_transfer/versions")
    owner.page.click("nav.tabs >> text=ย้ายเรื่องที่กำลังดำเนินการ")
    owner.page.check(f"#case-{waiting.id}")
    owner.page.check(f"#case-{analysed.id}")
    owner.page.click("#migrate-check")
    owner.page.wait_for_selector("#migrate-results")
    assert owner.page.inner_text(f"tr.migrate-result[data-case='{waiting.id}'] td.answer") == "ย้ายได้"
    assert owner.page.inner_text(f"tr.migrate-result[data-case='{analysed.id}'] td.answer") == "ย้ายไม่ได้"
    reason = owner.page.inner_text(f"tr.migrate-result[data-case='{analysed.id}'] td.reason")
    assert "เสร็จแล้ว" in reason and "ฉบับใหม่เปลี่ยน" in reason and "ชื่อ" in reason, reason
    assert waiting.refresh()["version"] == 1, "checking moves nothing"
    # After the check only the case that can move stays chosen; confirming moves it.
    assert owner.page.is_checked(f"#case-{waiting.id}") and not owner.page.is_checked(f"#case-{analysed.id}")
    owner.page.click("#migrate-move")
    owner.page.wait_for_selector("#migrate-results")
    assert owner.page.inner_text(f"tr.migrate-result[data-case='{waiting.id}'] td.answer") == "ย้ายแล้ว"
    assert waiting.refresh()["version"] == 2 and analysed.refresh()["version"] == 1
    assert owner.page.locator(f"#case-{waiting.id}").count() == 0
    owner.shot("versions-migrate")
    assert _script_problems(owner) == [], owner.problems


def test_the_owner_adds_a_field_with_a_thai_title_and_saves_the_form(server, browser, own_forms):  # noqa: F811
    owner = Person(browser, server, "owner")
    owner.sign_in()
    owner.page.goto(f"{server}/forms/budget_transfer_request/edit")
    owner.page.wait_for_selector("#form-editor[data-ready='true']")
    owner.page.wait_for_selector(".fe-preview #f-amount")
    before = owner.page.locator(".fe-fields > .fe-field").count()
    owner.page.click(".fe-add")
    added = owner.page.locator(".fe-fields > .fe-field").nth(before)
    added.locator(".fe-name").fill("contact_phone")
    added.locator(".fe-name").dispatch_event("change")
    added = owner.page.locator(".fe-field[data-name='contact_phone']")
    added.locator(".fe-title").fill(PHONE)
    added.locator(".fe-title-en").fill("Contact phone")
    added.locator(".fe-required").check()
    added.locator(".fe-up").click()  # one place up: before the supporting document
    owner.page.wait_for_selector(f".fe-preview label[for='f-contact_phone']:has-text('{PHONE}')")
    names = owner.page.eval_on_selector_all(".fe-fields > .fe-field", "els => els.map(e => e.dataset.name)")
    assert names[-2:] == ["contact_phone", "supporting_document"], names
    owner.shot("form-editor")

    owner.page.click(".fe-save")
    owner.page.wait_for_selector(".fe-status:has-text('บันทึกแล้ว')")
    stored = json.loads((own_forms / "budget_transfer_request.json").read_text(encoding="utf-8"))
    assert stored["properties"]["contact_phone"]["title"] == PHONE
    assert "contact_phone" in stored["required"]
    assert stored["x-ui"]["order"][-2:] == ["contact_phone", "supporting_document"]
    owner.page.reload()
    owner.page.wait_for_selector(f".fe-preview label[for='f-contact_phone']:has-text('{PHONE}')")

    # The diagram editor's panel points the same box at another step's form, as its script does.
    other = json.loads((own_forms / "budget_transfer_analysis.json").read_text(encoding="utf-8"))
    owner.page.eval_on_selector("#form-editor", """box => {
        box.dataset.formKey = "budget_transfer_analysis.json";
        box.dispatchEvent(new CustomEvent("planflow:form-key", { bubbles: true }));
    }""")
    owner.page.wait_for_function(
        "t => document.querySelector('#form-editor .fe-form-title')?.value === t", arg=other["title"])
    assert owner.page.locator(".fe-field[data-name='contact_phone']").count() == 0
    assert _script_problems(owner) == [], owner.problems
