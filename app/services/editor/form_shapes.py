"""What a step form written in the form editor (or by hand) may look like: the JSON Schema shapes the step
page knows how to draw, within sizes a browser and the server's check handle comfortably.

A schema may be valid JSON Schema and still be a form nobody can fill in on the step page (a nested
object, a table inside a table, `$ref` to elsewhere), so the editor's save is held to these shapes and
every problem is named by the field's path. The forms in `forms/` all pass (a test holds them to it).
"""
from __future__ import annotations

import json
import re
from typing import Any

from app.services.catalog import forms, served_forms
from app.services.kernel.errors import Invalid

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
MAX_FIELDS = 100
MAX_COLUMNS = 30
MAX_CHOICES = 200
MAX_TITLE = 300
MAX_FORM_BYTES = 64 * 1024  # the largest office form is under 8 KB; the editor sends the whole form each save

TOP_KEYS = {"$schema", "type", "title", "x-title-en", "description", "properties", "required",
            "additionalProperties", "x-ui", "if", "then", "else", served_forms.YEAR_KEY}
FIELD_KEYS = {"title", "x-title-en", "description", "type", "format", "enum", "x-enum-titles", "x-enum-titles-en",
              "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
              "multipleOf", "items", "minItems", "maxItems", "uniqueItems", "x-ui", "examples", "default",
              "x-not-after", "x-not-before", "x-revisable-steps", served_forms.CHOICES_KEY, served_forms.ROWS_KEY,
              served_forms.UNIQUE_KEY,
              "const"}  # a box that must be ticked (the criteria announced, the transfer entered in GFMIS)
ROW_KEYS = {"type", "properties", "required", "additionalProperties", "x-ui", "title", "x-title-en"}
UI_KEYS = {"widget", "order", "help", "help-en", "columns"}
WIDGET_HINTS = {"textarea", "money", "school-returns"}
# A round's review table (widget "school-returns"): which figures of each school's submission it shows, and how.
COLUMN_KINDS = {"text", "money", "number", "count", "file", "date"}
FORMATS = {"date", "attachment"}


def check_form_shape(schema: Any) -> dict[str, Any]:
    """The schema if the step page can draw it and the server can check it; Invalid naming each problem."""
    problems: dict[str, list[str]] = {}

    def say(path: str, message: str) -> None:
        problems.setdefault(path or "_form", []).append(message)

    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise Invalid("the form must be a JSON object with type 'object'", {"_form": ["type must be object"]})
    if len(json.dumps(schema, ensure_ascii=False).encode("utf-8")) > MAX_FORM_BYTES:
        raise Invalid(f"the form is larger than {MAX_FORM_BYTES // 1024} KB", {"_form": ["too large"]})
    for key in sorted(set(schema) - TOP_KEYS, key=str):
        say("_form", f"'{key}' is not something a step form may hold")
    _title(schema, "_form", say, required=True)
    _object(schema, "", say, allow_tables=True, limit=MAX_FIELDS)
    for path, messages in served_forms.keyword_problems(schema).items():  # years and choices from the case
        for message in messages:
            say(path, message)
    if not problems:
        try:
            forms.check_schema(schema)
        except Invalid as exc:
            say("_form", exc.message)
    if problems:
        raise Invalid("the form has problems: " + ", ".join(sorted(problems)), problems)
    return schema


def _title(node: dict, path: str, say, required: bool) -> None:
    for key in ("title", "x-title-en"):
        value = node.get(key)
        if value is None:
            if required and key == "title":
                say(path, "a Thai title is required")
            continue
        if not isinstance(value, str) or len(value) > MAX_TITLE:
            say(path, f"{key} must be text of at most {MAX_TITLE} characters")
        elif required and key == "title" and not value.strip():
            say(path, "a Thai title is required")


def _object(node: dict, prefix: str, say, allow_tables: bool, limit: int) -> None:
    """The properties of the form (or of a table's rows): names, order, required, and each field."""
    props = node.get("properties")
    if not isinstance(props, dict) or not props:
        say(prefix.rstrip(".") or "_form", "add at least one field")
        return
    if len(props) > limit:
        say(prefix.rstrip(".") or "_form", f"at most {limit} fields")
        return
    required = node.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) and r in props for r in required):
        say(prefix.rstrip(".") or "_form", "required must list fields of the form")
    if node.get("additionalProperties", False) is not False:
        say(prefix.rstrip(".") or "_form", "additionalProperties must be false (only the form's fields are kept)")
    _ui(node.get("x-ui"), prefix.rstrip(".") or "_form", say, props)
    for name, prop in props.items():
        path = prefix + str(name)
        if not isinstance(name, str) or not FIELD_NAME.match(name):
            say(path, "field names are lower-case English letters, digits and _ (starting with a letter)")
            continue
        _field(prop, path, say, allow_tables)


def _ui(ui: Any, path: str, say, props: dict | None = None) -> None:
    if ui is None:
        return
    if not isinstance(ui, dict) or set(ui) - UI_KEYS:
        say(path, f"x-ui may hold only {', '.join(sorted(UI_KEYS))}")
        return
    if "widget" in ui and ui["widget"] not in WIDGET_HINTS:
        say(path, f"widget must be one of {', '.join(sorted(WIDGET_HINTS))}")
    if "order" in ui and (props is None or not isinstance(ui["order"], list)
                          or not all(isinstance(n, str) and n in props for n in ui["order"])):
        say(path, "the order must list fields of the form")
    for key in ("help", "help-en"):
        if key in ui and (not isinstance(ui[key], str) or len(ui[key]) > 2000):
            say(path, f"{key} must be text of at most 2000 characters")
    if "columns" in ui or ui.get("widget") == "school-returns":
        _round_columns(ui, path, say)


def _round_columns(ui: dict, path: str, say) -> None:
    """A round's review table: on a table of rows naming a school (code) with a reason; columns with a key of
    each school's submission, a title and how to show it."""
    columns = ui.get("columns", [])
    if ui.get("widget") != "school-returns":
        say(path, "columns belong to the school-returns widget")
    if not isinstance(columns, list) or len(columns) > MAX_COLUMNS or not all(
            isinstance(c, dict) and set(c) <= {"key", "title", "title-en", "as"} and isinstance(c.get("key"), str)
            and FIELD_NAME.match(c["key"]) and isinstance(c.get("title"), str) and len(c["title"]) <= MAX_TITLE
            and c.get("as", "text") in COLUMN_KINDS for c in columns):
        say(path, f"columns are at most {MAX_COLUMNS} of {{key, title, title-en?, as?}}, "
                  f"as one of {', '.join(sorted(COLUMN_KINDS))}")


def _field(prop: Any, path: str, say, allow_tables: bool) -> None:
    if not isinstance(prop, dict):
        say(path, "a field must be an object")
        return
    for key in sorted(set(prop) - FIELD_KEYS, key=str):
        say(path, f"'{key}' is not something a field may hold")
    _title(prop, path, say, required=True)
    _ui(prop.get("x-ui"), path, say)
    kind = prop.get("type")
    if kind == "array":
        _array(prop, path, say, allow_tables)
    elif kind in ("string", "number", "integer", "boolean"):
        if "items" in prop:
            say(path, "only lists and tables have items")
        if prop.get("format") is not None and (kind != "string" or prop["format"] not in FORMATS):
            say(path, f"format must be one of {', '.join(sorted(FORMATS))} on a text field")
        _choices(prop, path, say)
    else:
        say(path, "type must be string, number, integer, boolean or array")


def _array(prop: dict, path: str, say, allow_tables: bool) -> None:
    items = prop.get("items")
    if not isinstance(items, dict):
        say(path, "a list needs items")
        return
    if items.get("type") == "object":
        if not allow_tables:
            say(path, "a table cannot hold another table")
            return
        for key in sorted(set(items) - ROW_KEYS, key=str):
            say(path, f"'{key}' is not something a table's rows may hold")
        _object(items, path + ".", say, allow_tables=False, limit=MAX_COLUMNS)
    elif items.get("type") == "string" and set(items) <= {"type", "enum", "x-enum-titles", "x-enum-titles-en",
                                                          "maxLength", "minLength", "format"}:
        _choices(items, path, say)
    else:
        say(path, "a list holds text, choices or table rows")


def _choices(node: dict, path: str, say) -> None:
    if "enum" not in node:
        return
    values = node["enum"]
    if not isinstance(values, list) or not values or len(values) > MAX_CHOICES:
        say(path, f"a choice needs 1 to {MAX_CHOICES} options")
        return
    if len({json.dumps(v) for v in values}) != len(values):
        say(path, "each option must be different")
    if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        say(path, "options are text or whole numbers")
    for key in ("x-enum-titles", "x-enum-titles-en"):
        titles = node.get(key)
        if titles is not None and (not isinstance(titles, list) or len(titles) != len(values)
                                   or not all(isinstance(t, str) and len(t) <= MAX_TITLE for t in titles)):
            say(path, f"{key} must give one title per option")
