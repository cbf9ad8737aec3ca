"""A file is named in a form by its id exactly as the upload answered it (a number), or as the text the
pages send; any other value, or a file of another case, is refused naming the field and changes nothing."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.services.catalog import forms

from .conftest import assert_error

REQUEST = {"category_from": "operating", "category_to": "other", "amount": 1000}


def test_the_upload_answers_a_number_and_a_form_takes_it_as_it_came(api, start):
    transfer = start("budget_transfer")
    uploaded = transfer.upload()
    assert isinstance(uploaded["id"], int)
    transfer.complete("request", "plan1", supporting_document=uploaded["id"], **REQUEST)
    assert transfer.open_steps() == ["analysis"]
    assert api.case(transfer.id)["data"]["supporting_document"] == str(uploaded["id"]), "kept in one form"


def test_the_text_the_pages_send_names_the_same_file(start):
    transfer = start("budget_transfer")
    transfer.complete("request", "plan1", supporting_document=str(transfer.upload()["id"]), **REQUEST)
    assert transfer.open_steps() == ["analysis"]


def test_a_file_of_another_case_is_refused_naming_the_field_whatever_form_its_id_takes(api, start):
    mine, other = start("budget_transfer"), start("budget_transfer")
    foreign = other.upload()["id"]
    task = mine.task_of("request")
    for value in (foreign, str(foreign), 10**12, True, -1, 1.5, [foreign]):
        data = mine.form_data(task["id"], "plan1", supporting_document=value, **REQUEST)
        before = api.snapshot(mine.id)  # after filling the form: that may upload the case's own file
        error = assert_error(api.as_("plan1").post(f"/tasks/{task['id']}/complete", json={"data": data}), 400)
        assert "supporting_document" in error["fields"], (value, error)
        assert api.snapshot(mine.id) == before, value


_ARRAY_FORM = {
    "type": "object",
    "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "attachment"}},
        "rows": {"type": "array", "items": {"type": "object", "properties": {
            "doc": {"type": "string", "format": "attachment"}, "note": {"type": "string"}}}},
        "count": {"type": "integer"},
    },
}


def test_arrays_of_files_and_files_in_table_rows_take_numbers_too():
    data = forms.validate(_ARRAY_FORM, {"files": [7, "8"], "rows": [{"doc": 9, "note": "x"}], "count": 3})
    assert data == {"files": ["7", "8"], "rows": [{"doc": "9", "note": "x"}], "count": 3}, "only file ids change"
    assert forms.attachment_fields(_ARRAY_FORM, data) == [("files.0", "7"), ("files.1", "8"), ("rows.0.doc", "9")]


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(value=st.none() | st.booleans() | st.floats() | st.text(max_size=20) | st.integers(-(2**70), 2**70)
       | st.lists(st.integers(), max_size=3))
def test_a_file_field_takes_only_a_non_negative_id_of_up_to_18_digits(value):
    try:
        data = forms.validate(_ARRAY_FORM, {"files": [value]})
    except forms.Invalid as refused:
        assert "files.0" in refused.fields
    else:
        text = data["files"][0]
        assert isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 18
        assert not isinstance(value, bool) and str(value) == text
