"""Every widget of the step-form macros, drawn from a JSON Schema: labels, choices titled from
x-enum-titles, Buddhist-Era dates, baht, yes/no, multiple choice, table rows, and messages beside fields."""
from __future__ import annotations

from flask import render_template_string

from ..unit.test_formdata import SCHEMA

TEMPLATE = '{% from "macros/form.html" import step_form %}{{ step_form(schema, values, errors, files) }}'


def _render(app, values=None, errors=None, lang="th"):
    schema = {**SCHEMA, "required": ["note", "rows"], "properties": {
        **SCHEMA["properties"],
        "decision": {**SCHEMA["properties"]["decision"], "title": "ผลการพิจารณา", "x-title-en": "Decision",
                     "x-enum-titles": ["อนุมัติ", "ไม่อนุมัติ"], "x-enum-titles-en": ["Approve", "Reject"]}}}
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        from flask import session
        session["lang"] = lang
        return render_template_string(TEMPLATE, schema=schema, values=values or {}, errors=errors or {},
                                      files=[{"id": 5, "filename": "มติ.pdf"}])


def test_every_widget_is_drawn_with_its_value(app):
    html = _render(app, {"amount": 1250000.5, "signed_on": "2026-12-04", "decision": "approve", "level": 2,
                         "channels": ["web"], "published": True, "minutes": "5",
                         "rows": [{"item": "ก", "budget": 10}]})
    assert 'name="amount" inputmode="decimal" class="num" value="1,250,000.50"' in html
    assert 'value="04/12/2569"' in html and "วว/ดด/ปปปป (พ.ศ.)" in html
    assert '<option value="approve" selected>อนุมัติ</option>' in html
    assert '<option value="2" selected>2</option>' in html
    assert 'name="channels" value="web" checked' in html and 'name="channels" value="letter">' in html
    assert 'name="published" value="true" checked' in html and "ใช่" in html
    assert '<option value="5" selected>มติ.pdf</option>' in html and 'name="minutes__upload"' in html
    assert 'name="rows.0.item"' in html and 'value="ก"' in html and 'name="rows.1.item"' in html
    assert 'name="rows.__INDEX__.item"' in html, "the row template for adding rows"
    assert 'aria-required="true"' in html and "<textarea" in html


def test_messages_sit_beside_their_fields_and_mark_them_invalid(app):
    html = _render(app, errors={"note": ["กรุณากรอกข้อมูลนี้ (required)"], "rows.0.budget": ["ค่าน้อยเกินไป"]},
                   values={"rows": [{"item": "ก", "budget": -1}]})
    assert 'aria-describedby="err-note" aria-invalid="true"' in html
    assert '<p class="field-error" id="err-note">กรุณากรอกข้อมูลนี้ (required)</p>' in html
    assert '<p class="field-error" id="err-rows.0.budget">ค่าน้อยเกินไป</p>' in html


def test_english_users_see_the_english_titles(app):
    html = _render(app, lang="en")
    assert "Decision" in html and "Approve" in html and "dd/mm/yyyy (B.E.)" in html
