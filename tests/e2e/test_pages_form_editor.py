"""The form editor's page, preview and API as a process owner uses them; staff, supervisors and auditors
get 403 (an auditor reads the forms frozen into each version, and changes none)."""
from __future__ import annotations

import json
import re

import pytest

from .conftest import PREFIX, assert_error


def _json(page, path, body, method="POST"):
    return page.client.open(path, method=method, json=body,
                            headers={"X-CSRFToken": page.token, "Accept": "application/json"})


@pytest.mark.parametrize("who, status", [("owner", 200), ("admin", 200), ("plan1", 403), ("director", 403),
                                         ("auditor", 403)])
def test_who_may_open_the_form_editor(as_user, own_forms, who, status):
    page = as_user(who)
    assert page.get("/forms/budget_transfer_request/edit").status_code == status
    assert page.get("/forms/a_new_form/edit").status_code == status


def test_the_editor_page_carries_the_form_and_its_digest(as_user, own_forms):
    page = as_user("owner")
    html = page.text(page.get("/forms/budget_transfer_request.json/edit"))
    assert 'id="form-editor"' in html and 'data-form-key="budget_transfer_request"' in html
    assert "หน่วยงาน/สถานศึกษาผู้ขอ" in html and "js/form_editor.js" in html
    assert "<script>" not in html, "no inline script (CSP)"
    assert page.get("/forms/Bad..Key/edit").status_code == 400


def test_the_preview_is_drawn_by_the_step_pages_macros(as_user, own_forms):
    page = as_user("owner")
    page.get("/forms/new_form/edit")
    schema = {"type": "object", "title": "แบบรายงาน", "x-title-en": "Report", "additionalProperties": False,
              "required": ["amount"], "properties": {
                  "amount": {"title": "จำนวนเงิน", "x-title-en": "Amount", "type": "number",
                             "x-ui": {"widget": "money"}},
                  "visited_on": {"title": "วันที่ไปเยี่ยม", "x-title-en": "Visited on", "type": "string",
                                 "format": "date"}}}
    answer = _json(page, "/forms/new_form/preview", {"schema": schema})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    html = answer.get_json()["html"]
    assert 'id="f-amount"' in html and "บาท" in html and 'aria-required="true"' in html
    assert 'id="f-visited_on"' in html and "พ.ศ." in html
    refused = _json(page, "/forms/new_form/preview", {"schema": {**schema, "properties": {}}})
    assert_error(refused, 400, "invalid")
    assert page.client.post("/forms/new_form/preview", json={"schema": schema}).status_code == 400, \
        "the preview needs the page's CSRF token"


def test_the_api_reads_and_saves_a_form_with_its_digest(api, own_forms):
    owner = api.as_("owner")
    form = owner.get("/forms/budget_transfer_request").get_json()
    schema = form["schema"]
    schema["properties"]["phone"] = {"title": "โทรศัพท์", "x-title-en": "Phone", "type": "string", "maxLength": 20}
    saved = owner._call("PUT", "/forms/budget_transfer_request", json={"schema": schema, "base_sha256": form["sha256"]})
    assert saved.status_code == 200 and saved.get_json()["sha256"] != form["sha256"]
    assert "phone" in owner.get("/forms/budget_transfer_request").get_json()["schema"]["properties"]
    stale = owner._call("PUT", "/forms/budget_transfer_request", json={"schema": schema, "base_sha256": form["sha256"]})
    assert_error(stale, 409, "conflict")
    assert_error(owner._call("PUT", "/forms/budget_transfer_request", json={"schema": {"type": "object"},
                                                                           "base_sha256": None}), 400)
    assert_error(api.as_("plan1")._call("PUT", "/forms/x_form", json={"schema": schema}), 403)
    assert_error(api.as_("plan1").get("/forms/budget_transfer_request"), 403)
    assert_error(owner.get("/forms/no_such_form"), 404, "not_found")
    assert_error(api.as_(None).get("/forms/budget_transfer_request"), 401)
    assert PREFIX == "/api/v1"


def _editor_words(page, path: str) -> dict:
    html = page.get(path).get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="form-editor-words">(.*?)</script>', html, re.S)
    assert block, "the page hands the form editor its words"
    return json.loads(block.group(1))


def test_the_form_editor_speaks_the_readers_language_from_the_catalogs(as_user, own_forms):
    page = as_user("owner")
    words = _editor_words(page, "/forms/budget_transfer_request/edit")
    assert words["save"] == "บันทึกแบบฟอร์ม" and ["money", "จำนวนเงิน (บาท)"] in words["kinds"]
    assert _editor_words(page, "/processes/budget_transfer/edit")["save"] == "บันทึกแบบฟอร์ม", "the panel too"
    page.post("/language", {"lang": "en", "next": "/forms/budget_transfer_request/edit"})
    words = _editor_words(page, "/forms/budget_transfer_request/edit")
    assert words["save"] == "Save the form" and ["date", "Date (B.E.)"] in words["kinds"]
    page.post("/language", {"lang": "th"})
