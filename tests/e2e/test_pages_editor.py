"""The diagram editor's pages over HTTP: process owners and administrators open them; plan staff and
auditors are refused (auditors read nothing of the editor), and strangers are sent to sign in."""
from __future__ import annotations

import pytest

from ..conftest import ROOT

EDITOR_PAGES = ("/processes", "/processes/budget_transfer/edit")


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_process_owners_and_administrators_open_the_process_list_and_the_editor(as_user, who):
    page = as_user(who)
    listing = page.get("/processes")
    assert listing.status_code == 200
    assert 'href="/processes/budget_transfer/edit"' in page.text()
    assert 'href="/processes/budget_transfer/versions"' in page.text()
    editor = page.get("/processes/budget_transfer/edit")
    assert editor.status_code == 200
    html = page.text()
    assert 'id="canvas"' in html and 'id="form-editor"' in html and 'data-form-key=""' in html
    assert "/vendor/bpmn-js/bpmn-modeler.js" in html and "/vendor/bpmn-js/bpmn-font/css/bpmn.css" in html
    assert "<script>" not in html, "no inline script under the page's CSP"
    assert "บันทึกร่าง" in html and "ตรวจสอบ" in html  # Thai first


@pytest.mark.parametrize("who", ["plan1", "auditor"])
def test_staff_and_auditors_are_refused_the_editor(as_user, who):
    page = as_user(who)
    for path in EDITOR_PAGES:
        assert page.get(path).status_code == 403, path
    assert 'href="/processes"' not in page.get("/inbox").get_data(as_text=True), "no link they cannot use"


def test_strangers_are_sent_to_sign_in(visitor):
    page = visitor()
    for path in EDITOR_PAGES:
        answer = page.get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_an_unknown_process_is_not_found(as_user):
    assert as_user("owner").get("/processes/no_such_process/edit").status_code == 404


def test_the_modeler_and_its_icon_font_come_from_node_modules_and_nothing_else_does(client):
    for name in ("bpmn-modeler.js", "bpmn-font/css/bpmn.css", "bpmn-font/font/bpmn.woff2"):
        assert client.get(f"/vendor/bpmn-js/{name}").status_code == 200, name
    for name in ("../package.json", "bpmn-font/font/../../../package.json", "bpmn-js/package.json"):
        assert client.get(f"/vendor/bpmn-js/{name}").status_code == 404, name


def test_a_browser_writing_through_the_api_sends_the_pages_csrf_token(as_user):
    page = as_user("owner")
    page.get("/processes/budget_transfer/edit")
    xml = (ROOT / "processes" / "budget_transfer.bpmn").read_bytes()
    url = "/api/v1/processes/budget_transfer/draft?base_version=1"
    refused = page.client.put(url, data=xml, content_type="application/xml")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf"
    forged = page.client.put(url, data=xml, content_type="application/xml", headers={"X-CSRFToken": "forged"})
    assert forged.status_code == 400
    token = page.text().split('data-csrf="')[1].split('"')[0]
    saved = page.client.put(url, data=xml, content_type="application/xml", headers={"X-CSRFToken": token})
    assert saved.status_code == 200, saved.get_json()
    assert page.client.get("/api/v1/processes/budget_transfer/draft").status_code == 200, "reads need no token"


def test_the_editor_speaks_english_to_an_owner_who_chose_it(as_user):
    page = as_user("owner")
    page.post("/language", {"lang": "en", "next": "/processes/budget_transfer/edit"})
    html = page.text(page.get("/processes/budget_transfer/edit"))
    assert "Save draft" in html and "Download XML" in html and "Due period (working days)" in html
    assert "The step is in no lane" in html, "the check's messages in the reader's language"
    page.post("/language", {"lang": "th"})
    html = page.text(page.get("/processes/budget_transfer/edit"))
    assert "ระยะเวลาดำเนินการ (วันทำการ)" in html and "ขั้นตอนนี้ไม่อยู่ในกลุ่มผู้ปฏิบัติใด" in html
