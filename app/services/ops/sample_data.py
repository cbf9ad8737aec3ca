"""Valid form data made from a form's own JSON Schema: the demo generator and the tests fill steps with it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

KNOWN_PATTERNS = {
    "^[0-9]{1,2}/[0-9]{4}$": "3/2570",
    "^https?://\\S+$": "https://www.khonkaen1.go.th/plan",
}


def _first(options: list[Any]) -> Any:
    return options[0]


def value_for(name: str, prop: dict[str, Any], attachment_id: str | int | None, pick: Callable = _first) -> Any:
    """A valid value for one field; `pick` chooses among an enum's options (the first by default)."""
    if (prop.get("x-ui") or {}).get("widget") == "school-returns":
        return []  # a review sends no school back unless asked to: the schools' codes are the case's own
    if "default" in prop and not isinstance(prop["default"], list | dict):
        return prop["default"]  # what a person leaves in the field (a transfer within its own plan names no other)
    if "enum" in prop:
        return pick(prop["enum"])
    if "const" in prop:
        return prop["const"]
    kind = prop.get("type")
    if kind == "string":
        return _text(name, prop, attachment_id)
    if kind in ("number", "integer"):
        low = prop.get("minimum", prop.get("exclusiveMinimum", 0) + 1)
        high = prop.get("maximum", prop.get("exclusiveMaximum", low + 1000) - 1)
        return int(min(max(low, 1), high)) if kind == "integer" or low == int(low) else low
    if kind == "boolean":
        return True
    if kind == "array":
        return _rows(name, prop, attachment_id, pick)
    if kind == "object":
        return fill(prop, attachment_id=attachment_id, pick=pick)
    return f"ข้อมูล {name}"


def _text(name: str, prop: dict[str, Any], attachment_id: str | int | None) -> str | int | None:
    if prop.get("format") == "attachment":
        return attachment_id
    if prop.get("format") == "date":
        return "2026-12-01"
    if prop.get("pattern"):
        return KNOWN_PATTERNS.get(prop["pattern"])
    return f"ข้อมูล {name}"[: prop.get("maxLength", 200)]


def _rows(name: str, prop: dict[str, Any], attachment_id: str | int | None, pick: Callable) -> list[Any]:
    """A list of one value; a table served with its rows (one per choice of a column): each row filled in."""
    rows = prop.get("default")
    if isinstance(rows, list) and rows and all(isinstance(row, dict) for row in rows):
        return [{**fill(prop.get("items", {}), attachment_id=attachment_id, pick=pick), **row} for row in rows]
    return [value_for(name, prop.get("items", {}), attachment_id, pick)]


def fill(schema: dict[str, Any], overrides: dict[str, Any] | None = None,
         attachment_id: str | int | None = None, pick: Callable = _first) -> dict[str, Any]:
    """Every field of the form with a valid value (attachments only where an id is given), then overrides."""
    data: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        value = value_for(name, prop, attachment_id, pick)
        if value is not None:
            data[name] = value
    data.update(overrides or {})
    return data
