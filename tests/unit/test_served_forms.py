"""Years and choices a form takes from its case: written out when served, never evaluated, and the editor's
check of the keywords."""
from __future__ import annotations

import pytest

from app.services.catalog import forms, served_forms
from app.services.editor.form_shapes import check_form_shape
from app.services.kernel.errors import Invalid

FORM = {"type": "object", "title": "กรอบ {fiscal_year}", "x-fiscal-year": "mtef_first_year-1",
        "properties": {"rows": {"title": "ตาราง", "type": "array", "items": {"type": "object", "properties": {
            "year_1": {"title": "ปีงบประมาณ พ.ศ. {fiscal_year+1}", "x-title-en": "FY {fiscal_year+1}",
                       "type": "number"},
            "base_year": {"title": "ปีฐาน {fiscal_year}", "type": "number"}},
            "additionalProperties": False}}},
        "additionalProperties": False}


def _titles(form):
    cols = form["properties"]["rows"]["items"]["properties"]
    return form["title"], cols["year_1"]["title"], cols["year_1"]["x-title-en"], cols["base_year"]["title"]


def test_years_follow_the_named_field_with_its_offset_and_else_the_cases_own_year():
    assert _titles(served_forms.serve(FORM, 2570, {"mtef_first_year": 2571})) == (
        "กรอบ 2570", "ปีงบประมาณ พ.ศ. 2571", "FY 2571", "ปีฐาน 2570")
    assert _titles(served_forms.serve(FORM, 2569, {})) == ("กรอบ 2569", "ปีงบประมาณ พ.ศ. 2570", "FY 2570",
                                                          "ปีฐาน 2569")
    assert _titles(served_forms.serve(FORM, 2569, {"mtef_first_year": "2571; import os"}))[0] == "กรอบ 2569"
    assert FORM["title"] == "กรอบ {fiscal_year}", "the stored form is left as it was"


def test_choices_and_one_row_each_come_from_the_cases_table():
    form = {"type": "object", "title": "ปริมาณ", "properties": {"q": {
        "title": "ปริมาณ", "type": "array", "x-row-per-choice": "output",
        "items": {"type": "object", "properties": {
            "output": {"title": "ผลผลิต", "type": "string", "x-choices-from": "costing_outputs.name"},
            "quantity": {"title": "ปริมาณ", "type": "integer"}}, "additionalProperties": False}}}}
    served = served_forms.serve(form, 2570, {"costing_outputs": [{"name": "ก"}, {"name": "ข"}, {"name": "ก"}]})
    assert served["properties"]["q"]["items"]["properties"]["output"]["enum"] == ["ก", "ข"]
    assert served["properties"]["q"]["default"] == [{"output": "ก"}, {"output": "ข"}]
    forms.validate(served, {"q": [{"output": "ข", "quantity": 1}, {"output": "ก", "quantity": 2}]})
    with pytest.raises(Invalid) as refused:
        forms.validate(served, {"q": [{"output": "ก", "quantity": 1}, {"output": "ก", "quantity": 2}]})
    assert "ยังไม่มีแถวของ: ข" in " ".join(refused.value.fields["q"])


@pytest.mark.parametrize("change, path", [
    ({"x-fiscal-year": "mtef_first_year-10"}, "_form"),
    ({"title": "กรอบ {fiscal_year+x}"}, "_form"),
])
def test_the_editor_refuses_a_year_it_cannot_write_out(change, path):
    good = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "title": "กรอบ",
            "x-fiscal-year": "mtef_first_year-1", "properties": {
                "a": {"title": "ปี {fiscal_year+1}", "type": "string", "x-choices-from": "costing_outputs.name"}},
            "additionalProperties": False}
    check_form_shape(good)
    with pytest.raises(Invalid) as refused:
        check_form_shape({**good, **change})
    assert path in refused.value.fields


def test_the_editor_refuses_choices_from_a_case_on_a_number_or_rows_per_a_plain_column():
    form = {"type": "object", "title": "ฟอร์ม", "properties": {
        "n": {"title": "จำนวน", "type": "integer", "x-choices-from": "costing_outputs.name"},
        "t": {"title": "ตาราง", "type": "array", "x-row-per-choice": "c", "items": {
            "type": "object", "properties": {"c": {"title": "ค", "type": "string"}}, "additionalProperties": False}}},
        "additionalProperties": False}
    with pytest.raises(Invalid) as refused:
        check_form_shape(form)
    assert set(refused.value.fields) == {"n", "t"}
