"""The diagram editor's pages over HTTP: process owners and administrators open them; plan staff and
auditors are refused (auditors read nothing of the editor), and strangers are sent to sign in."""
from __future__ import annotations

import pytest

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
