"""Reading a submitted step form back into the JSON its schema describes.

Only the shape is converted here (numbers, Buddhist-Era dates to ISO, choices, table rows); whether the
data is acceptable is the service's check against the schema, so a value that cannot be converted is
passed on as typed and comes back with the schema's message beside its field.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from app.thaidate import parse_be_input

from .widgets import ordered_fields, widget_of

MISSING = object()
MAX_ROWS = 500
Upload = Callable[[str, FileStorage], Any]  # (field path, file) -> what the data holds in its place
_ROW_KEY = re.compile(r"^(\d{1,4})\.")


def parse(schema: dict[str, Any], form: MultiDict, files: MultiDict, upload: Upload) -> dict[str, Any]:
    """The data of a step form as submitted; fields left empty are left out."""
    return _object(schema, form, files, upload, prefix="")


def _object(schema: dict[str, Any], form: MultiDict, files: MultiDict, upload: Upload, prefix: str) -> dict:
    data: dict[str, Any] = {}
    for name, prop in ordered_fields(schema):
        value = _value(prefix + name, prop, form, files, upload)
        if value is not MISSING:
            data[name] = value
    return data


def _text(form: MultiDict, path: str) -> str:
    return (form.get(path) or "").strip()


def _number(text: str, integer: bool) -> Any:
    cleaned = text.replace(",", "").replace("บาท", "").replace(" ", "")
    try:
        number = float(cleaned)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    if number.is_integer():
        return int(number)
    return text if integer else number


def _typed(prop: dict[str, Any], raw: str) -> Any:
    """A choice's value in the enum's own type (integer enums come back from the browser as text)."""
    for option in prop.get("enum") or []:
        if str(option) == raw:
            return option
    return raw


def _value(path: str, prop: dict[str, Any], form: MultiDict, files: MultiDict, upload: Upload) -> Any:
    widget = widget_of(prop)
    if widget in ("table", "schoolreturns"):
        return _table(path, widget, prop.get("items") or {}, form, files, upload)
    if widget == "multichoice":
        chosen = [_typed(prop.get("items") or {}, v) for v in form.getlist(path) if v != ""]
        return chosen or MISSING
    if widget == "attachment":
        sent = files.get(path + "__upload")
        if isinstance(sent, FileStorage) and sent.filename:
            return upload(path, sent)
        return _text(form, path) or MISSING
    raw = form.get(path)
    if raw is None:
        return MISSING
    if widget == "textarea" and prop.get("type") == "array":
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
        return lines or MISSING
    text = raw.strip() if widget != "textarea" else raw.rstrip()
    if not text.strip():
        return MISSING
    if widget in ("number", "integer", "money"):
        return _number(text, integer=prop.get("type") == "integer")
    if widget == "date":
        return parse_be_input(text) or text
    if widget == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if widget == "choice":
        return _typed(prop, text)
    return text


def _table(path: str, widget: str, items: dict[str, Any], form: MultiDict, files: MultiDict, upload: Upload) -> Any:
    rows = _rows(path, items, form, files, upload)
    if widget == "schoolreturns":  # only the ticked rows are schools sent back; none ticked: none sent back
        return [row for row in rows if row.get("code")] if rows is not MISSING else []
    return rows


def _rows(path: str, items: dict[str, Any], form: MultiDict, files: MultiDict, upload: Upload) -> Any:
    """Table rows named `path.<n>.<column>`, in row order, empty rows dropped and the rest renumbered."""
    indexes: set[int] = set()
    for key in list(form.keys()) + list(files.keys()):
        if key.startswith(path + "."):
            found = _ROW_KEY.match(key[len(path) + 1:])
            if found:
                indexes.add(int(found.group(1)))
    rows = []
    for index in sorted(indexes)[:MAX_ROWS]:
        row = _object(items, form, files, upload, prefix=f"{path}.{index}.")
        if row:
            rows.append(row)
    return rows or MISSING

