"""Reading a submitted step form back into JSON, widget by widget, and typing dates in Buddhist Era."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from app.thaidate import parse_be_input, to_be_input
from app.web.pages import formdata
from app.web.pages.widgets import widget_of

SCHEMA = {
    "type": "object",
    "properties": {
        "note": {"type": "string"},
        "summary": {"type": "string", "x-ui": {"widget": "textarea"}},
        "count": {"type": "integer"},
        "ratio": {"type": "number"},
        "amount": {"type": "number", "x-ui": {"widget": "money"}},
        "signed_on": {"type": "string", "format": "date"},
        "decision": {"type": "string", "enum": ["approve", "reject"]},
        "level": {"type": "integer", "enum": [1, 2, 3]},
        "channels": {"type": "array", "items": {"type": "string", "enum": ["web", "letter", "meeting"]}},
        "published": {"type": "boolean"},
        "minutes": {"type": "string", "format": "attachment"},
        "rows": {"type": "array", "items": {"type": "object", "properties": {
            "item": {"type": "string"}, "budget": {"type": "number", "x-ui": {"widget": "money"}}}}},
    },
}


def _parse(form: dict, files: dict | None = None, uploads: list | None = None) -> dict:
    def upload(path, sent):
        uploads.append((path, sent.filename))
        return "77"
    return formdata.parse(SCHEMA, MultiDict(form), MultiDict(files or {}), upload)


def test_each_property_gets_its_widget():
    assert {name: widget_of(prop) for name, prop in SCHEMA["properties"].items()} == {
        "note": "text", "summary": "textarea", "count": "integer", "ratio": "number", "amount": "money",
        "signed_on": "date", "decision": "choice", "level": "choice", "channels": "multichoice",
        "published": "boolean", "minutes": "attachment", "rows": "table"}


def test_values_come_back_in_the_schemas_types():
    data = _parse([("note", " ข้อความ "), ("summary", "บรรทัดหนึ่ง\nบรรทัดสอง\n"), ("count", "12"),
                   ("ratio", "0.75"), ("amount", "1,250,000.50 บาท"), ("signed_on", "4/12/2569"),
                   ("decision", "approve"), ("level", "2"), ("channels", "web"), ("channels", "meeting"),
                   ("published", "false"), ("minutes", "5")])
    assert data == {"note": "ข้อความ", "summary": "บรรทัดหนึ่ง\nบรรทัดสอง", "count": 12, "ratio": 0.75,
                    "amount": 1250000.5, "signed_on": "2026-12-04", "decision": "approve", "level": 2,
                    "channels": ["web", "meeting"], "published": False, "minutes": "5"}


def test_empty_fields_are_left_out_so_the_schema_can_say_they_are_required():
    assert _parse([("note", "  "), ("count", ""), ("decision", ""), ("signed_on", "")]) == {}


def test_what_cannot_be_converted_is_passed_on_as_typed_for_the_schema_to_refuse():
    data = _parse([("count", "12.5"), ("ratio", "abc"), ("signed_on", "31/02/2569"), ("amount", "inf")])
    assert data == {"count": "12.5", "ratio": "abc", "signed_on": "31/02/2569", "amount": "inf"}


def test_table_rows_keep_their_order_and_empty_rows_are_dropped():
    data = _parse([("rows.0.item", "ก"), ("rows.0.budget", "1,000"), ("rows.3.item", ""), ("rows.3.budget", ""),
                   ("rows.10.item", "ข")])
    assert data["rows"] == [{"item": "ก", "budget": 1000}, {"item": "ข"}]


def test_an_uploaded_file_is_attached_and_its_id_stored():
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    uploads: list = []
    data = _parse([("minutes", "")], {"minutes__upload": FileStorage(BytesIO(b"x"), filename="มติ.pdf")}, uploads)
    assert data["minutes"] == "77" and uploads == [("minutes", "มติ.pdf")]


def test_buddhist_era_dates_are_typed_and_shown():
    assert parse_be_input("1/12/2569") == "2026-12-01"
    assert parse_be_input("01-12-2569") == "2026-12-01"
    assert parse_be_input("2569-12-01") == "2026-12-01"
    assert parse_be_input("1/12/2026") is None, "a CE year is a mistake, not a guess"
    assert parse_be_input("29/02/2567") == "2024-02-29" and parse_be_input("29/02/2566") is None
    assert to_be_input("2026-12-01") == "01/12/2569" and to_be_input("abc") == "abc"
