"""Step forms: JSON Schema (draft 2020-12) documents in `forms/`, and the server's check of submissions."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from app.services.kernel.errors import Invalid

from . import served_forms

MAX_FORM_BYTES = 256 * 1024

_format_checker = FormatChecker()


@_format_checker.checks("attachment")
def _is_attachment_id(value: object) -> bool:
    # Existence on the case is checked by the use case; here only the shape.
    return not isinstance(value, str) or re.fullmatch(r"[0-9]{1,18}", value) is not None


_MESSAGES = {
    "required": ("กรุณากรอกข้อมูลนี้", "required"),
    "type": ("รูปแบบข้อมูลไม่ถูกต้อง", "wrong type"),
    "enum": ("กรุณาเลือกจากรายการที่กำหนด", "not one of the choices"),
    "format": ("รูปแบบไม่ถูกต้อง", "wrong format"),
    "pattern": ("รูปแบบไม่ถูกต้อง", "does not match the expected pattern"),
    "minimum": ("ค่าน้อยเกินไป", "too small"),
    "exclusiveMinimum": ("ค่าน้อยเกินไป", "too small"),
    "maximum": ("ค่ามากเกินไป", "too large"),
    "exclusiveMaximum": ("ค่ามากเกินไป", "too large"),
    "minLength": ("ข้อความสั้นเกินไป", "too short"),
    "maxLength": ("ข้อความยาวเกินไป", "too long"),
    "minItems": ("จำนวนรายการน้อยเกินไป", "too few items"),
    "maxItems": ("จำนวนรายการมากเกินไป", "too many items"),
    "additionalProperties": ("ไม่มีช่องนี้ในแบบฟอร์ม", "not a field of this form"),
}


def load_form(forms_dir: Path, name: str) -> dict[str, Any]:
    """Read and check one form file; raise Invalid saying what is wrong with it."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise Invalid(f"form name {name!r} is not a plain file name")
    path = forms_dir / name
    if not path.is_file():
        raise Invalid(f"form {name} does not exist")
    if path.stat().st_size > MAX_FORM_BYTES:
        raise Invalid(f"form {name} is larger than {MAX_FORM_BYTES // 1024} KB")
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid(f"form {name} is not valid JSON: {exc}") from None
    check_schema(schema, name)
    return schema


def check_schema(schema: Any, name: str = "form") -> None:
    """Invalid unless `schema` is a JSON Schema object of type 'object'."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise Invalid(f"{name} must be a JSON Schema object with type 'object'")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise Invalid(f"{name} is not a valid JSON Schema: {exc.message}") from None


_REQUIRED = re.compile(r"^'(.+)' is a required property$")


def _field_names(error) -> list[str]:
    """The form fields an error is about: the missing one, the unexpected ones, or where it happened."""
    path = ".".join(str(p) for p in error.absolute_path)
    prefix = f"{path}." if path else ""
    if error.validator == "required":
        found = _REQUIRED.match(error.message)
        return [prefix + (found.group(1) if found else "")]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        return [prefix + k for k in sorted(error.instance) if k not in allowed] or [path or "_form"]
    return [path or "_form"]


def validate(schema: dict[str, Any] | None, data: Any) -> dict[str, Any]:
    """Check submitted data against the step's form; raise Invalid naming every bad field."""
    if not isinstance(data, dict):
        raise Invalid("the data must be a JSON object", {"_form": ["ต้องเป็นออบเจกต์ (must be an object)"]})
    if schema is None:
        if data:
            raise Invalid("this step takes no data", {k: ["ขั้นตอนนี้ไม่มีแบบฟอร์ม (no form)"] for k in data})
        return {}
    data = attachment_ids_as_text(schema, data)
    fields: dict[str, list[str]] = {}
    validator = Draft202012Validator(schema, format_checker=_format_checker)
    for error in validator.iter_errors(data):
        th, en = _MESSAGES.get(error.validator, ("ข้อมูลไม่ถูกต้อง", error.message))
        for name in _field_names(error):
            fields.setdefault(name, []).append(f"{th} ({en})")
    for name, message in date_order_problems(schema, data).items():
        fields.setdefault(name, []).append(message)
    for name, messages in served_forms.row_problems(schema, data).items():
        fields.setdefault(name, []).extend(messages)
    if fields:
        raise Invalid("some fields are missing or wrong: " + ", ".join(sorted(fields)), fields)
    return data


_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DATE_ORDER = {"x-not-after": ("ต้องไม่หลัง", "must be on or before"),
              "x-not-before": ("ต้องไม่ก่อน", "must be on or after")}


def date_order_problems(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    """Date fields whose form says they come on or before (`x-not-after`) or on or after (`x-not-before`)
    another date field of the form, and are not so: the field, with a message naming the other one."""
    properties = schema.get("properties") or {}
    found: dict[str, str] = {}
    for name, prop in properties.items() if isinstance(properties, dict) else ():
        for keyword, (th, en) in DATE_ORDER.items():
            other = prop.get(keyword) if isinstance(prop, dict) else None
            value, bound = data.get(name), data.get(other) if isinstance(other, str) else None
            if not (isinstance(value, str) and isinstance(bound, str) and _DATE.match(value) and _DATE.match(bound)):
                continue
            if (value > bound) if keyword == "x-not-after" else (value < bound):
                titles = properties.get(other) or {}
                found[name] = (f"{th}{titles.get('title', other)} ({en} the "
                               f"{str(titles.get('x-title-en', other)).lower()})")
    return found


def attachment_ids_as_text(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The data with attachment ids sent as numbers turned into the text the forms declare.

    The upload answers `{"id": 7}` and the pages send `"7"`: both mean the same file, and a client
    following the contract must not be refused for using the id as it was given. Case data keeps the
    one form (text), so replay, search and documents see no difference."""
    properties = schema.get("properties") or {}
    if not isinstance(properties, dict) or not any(isinstance(p, dict) for p in properties.values()):
        return data
    converted = dict(data)
    for name, prop in properties.items():
        if name not in data or not isinstance(prop, dict):
            continue
        value, items = data[name], prop.get("items") if isinstance(prop.get("items"), dict) else {}
        if prop.get("format") == "attachment":
            converted[name] = _id_as_text(value)
        elif isinstance(value, list) and items.get("format") == "attachment":
            converted[name] = [_id_as_text(v) for v in value]
        elif isinstance(value, list) and items.get("type") == "object":
            converted[name] = [attachment_ids_as_text(items, row) if isinstance(row, dict) else row for row in value]
    return converted


def _id_as_text(value: Any) -> Any:
    # bool is an int in Python, but `true` is no file id: leave it for the type check to refuse.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def attachment_fields(schema: dict[str, Any] | None, data: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """(field, attachment id) for every file a submission refers to, top-level and in table rows."""
    if not schema:
        return []
    found: list[tuple[str, str]] = []
    for name, prop in (schema.get("properties") or {}).items():
        value, field = data.get(name), prefix + name
        if prop.get("format") == "attachment" and isinstance(value, str):
            found.append((field, value))
        items = prop.get("items") or {}
        if prop.get("type") == "array" and isinstance(value, list):
            if items.get("format") == "attachment":
                found += [(f"{field}.{i}", v) for i, v in enumerate(value) if isinstance(v, str)]
            for i, row in enumerate(value):
                if isinstance(row, dict):
                    found += attachment_fields(items, row, f"{field}.{i}.")
    return found
