"""Which input a form property gets, decided in one place for both the template macros and the parser
that reads the submitted form back (widgets.WIDGETS lists them)."""
from __future__ import annotations

from typing import Any

# "schoolreturns": a round's review table, one row per school, each with "send back" and a reason
# (services/cases/round_review.py); its rows are read back as table rows that name a school.
WIDGETS = ("text", "textarea", "number", "integer", "money", "date", "choice", "multichoice", "boolean", "table",
           "attachment", "schoolreturns")
RETURNS_HINT = "school-returns"


def widget_of(prop: dict[str, Any]) -> str:
    kind = prop.get("type")
    hint = (prop.get("x-ui") or {}).get("widget")
    if kind == "array":
        items = prop.get("items") or {}
        if items.get("type") == "object":
            return "schoolreturns" if hint == RETURNS_HINT else "table"
        return "multichoice" if "enum" in items else "textarea"
    if "enum" in prop:
        return "choice"
    if kind == "boolean":
        return "boolean"
    if kind in ("number", "integer"):
        return "money" if hint == "money" else kind
    if prop.get("format") == "attachment":
        return "attachment"
    if prop.get("format") == "date":
        return "date"
    return "textarea" if hint == "textarea" else "text"


def ordered_fields(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The form's properties in the order of `x-ui.order`, then the rest as written."""
    props = schema.get("properties") or {}
    order = [n for n in (schema.get("x-ui") or {}).get("order", []) if n in props]
    return [(n, props[n]) for n in order] + [(n, p) for n, p in props.items() if n not in order]


def choices_of(prop: dict[str, Any], lang: str = "th") -> list[tuple[Any, str]]:
    """(value, label) of an enum, from x-enum-titles (Thai) or x-enum-titles-en."""
    source = prop.get("items", prop) if prop.get("type") == "array" else prop
    values = source.get("enum") or []
    titles = source.get("x-enum-titles-en" if lang == "en" else "x-enum-titles") or source.get("x-enum-titles") or []
    return [(v, titles[i] if i < len(titles) else str(v)) for i, v in enumerate(values)]


def choice_title(prop: dict[str, Any], value: Any, lang: str = "th") -> str:
    for candidate, label in choices_of(prop, lang):
        if candidate == value:
            return label
    return "" if value is None else str(value)
