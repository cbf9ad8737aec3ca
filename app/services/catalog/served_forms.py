"""What a step form says about the case it is served for: the fiscal years in its titles, and choices and rows
drawn from a table the case already holds. Declared in the form, resolved from the case when the form is served
(API and pages) and when a submission is checked; never evaluated as code.

- `{fiscal_year}`, `{fiscal_year+1}` … `{fiscal_year-9}` in a title, English title or description (of the form,
  a field, a table's column or a round review's column) become the Buddhist-Era year. The year is the case's
  fiscal year, unless the form's `"x-fiscal-year"` names a field of the case's data holding a year,
  with an optional offset (`"mtef_first_year-1"`: the year before the framework's first year); while the case
  has no such field yet,
  the case's fiscal year stands in.
- `"x-choices-from": "costing_outputs.name"` on a text field (or a table's column): its options are the `name`
  of each row of the case's table `costing_outputs`, in order.
- `"x-row-per-choice": "output"` on a table: one row for each option of its column `output`, each once
  (served with as many rows, prefilled; a submission missing one or naming one twice is refused).
- `"x-unique-column": "name"` on a table: no two rows with the same `name` (checked in forms.validate).

The stored form, and the frozen form of a version, stay as written.
"""
from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any

YEAR_KEY = "x-fiscal-year"
CHOICES_KEY = "x-choices-from"
ROWS_KEY = "x-row-per-choice"
UNIQUE_KEY = "x-unique-column"
TEXT_KEYS = ("title", "x-title-en", "description")

_NAME = r"[a-z][a-z0-9_]{0,59}"
_YEAR_SOURCE = re.compile(rf"^({_NAME})(?:([+-])([0-9]))?$")
_PLACEHOLDER = re.compile(r"\{fiscal_year(?:([+-])([0-9]))?\}")
_ANY_PLACEHOLDER = re.compile(r"\{fiscal_year[^}]*\}?")
_CHOICES = re.compile(rf"^({_NAME})\.({_NAME})$")
MIN_YEAR, MAX_YEAR = 2400, 2800


def _offset(sign: str | None, digits: str | None) -> int:
    return 0 if not digits else (int(digits) if sign == "+" else -int(digits))


def year_of(form: Mapping[str, Any], case_fiscal_year: int, data: Mapping[str, Any] | None) -> int:
    """The Buddhist-Era year `{fiscal_year}` stands for in this form, for a case of `case_fiscal_year`."""
    found = _YEAR_SOURCE.match(str(form.get(YEAR_KEY) or ""))
    value = (data or {}).get(found.group(1)) if found else None
    if isinstance(value, int) and not isinstance(value, bool) and MIN_YEAR <= value <= MAX_YEAR:
        return value + _offset(found.group(2), found.group(3))
    return case_fiscal_year


def _fill_years(text: Any, year: int) -> Any:
    if not isinstance(text, str) or "{" not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: str(year + _offset(m.group(1), m.group(2))), text)


def choices_of(source: Any, data: Mapping[str, Any] | None) -> list[str] | None:
    """The options an `x-choices-from` names, from the case's data (distinct, in order); None if it names none."""
    found = _CHOICES.match(source) if isinstance(source, str) else None
    if found is None:
        return None
    rows = (data or {}).get(found.group(1))
    values = [row.get(found.group(2)) for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []
    return list(dict.fromkeys(v for v in values if isinstance(v, str) and v))


def _columns(prop: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The columns of a round's review table (x-ui.columns), whose titles may hold years too."""
    columns = (prop.get("x-ui") or {}).get("columns") if isinstance(prop.get("x-ui"), dict) else None
    return [c for c in columns if isinstance(c, dict)] if isinstance(columns, list) else []


def _field(prop: dict[str, Any], year: int, data: Mapping[str, Any] | None) -> None:
    for key in TEXT_KEYS:
        if key in prop:
            prop[key] = _fill_years(prop[key], year)
    for column in _columns(prop):
        column.update({key: _fill_years(column[key], year) for key in ("title", "title-en") if key in column})
    options = choices_of(prop.get(CHOICES_KEY), data)
    if options is not None:
        prop.update({"enum": options, "x-enum-titles": options, "x-enum-titles-en": options})
    items = prop.get("items")
    if isinstance(items, dict):
        for column in (items.get("properties") or {}).values():
            if isinstance(column, dict):
                _field(column, year, data)
        _rows_per_choice(prop, items)


def _rows_per_choice(prop: dict[str, Any], items: dict[str, Any]) -> None:
    column = (items.get("properties") or {}).get(prop.get(ROWS_KEY))
    options = column.get("enum") if isinstance(column, dict) else None
    if not isinstance(options, list) or not options:
        return
    prop.update({"minItems": len(options), "maxItems": len(options),
                 "default": [{prop[ROWS_KEY]: option} for option in options]})


def serve(form: Mapping[str, Any] | None, case_fiscal_year: int,
          data: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The form as served for a case: its years written out and its choices drawn from the case's data.
    A copy when anything changes; `form` itself is left as it was."""
    if not form or not _declares_anything(form):
        return form
    served = copy.deepcopy(dict(form))
    year = year_of(served, case_fiscal_year, data)
    for key in TEXT_KEYS:
        if key in served:
            served[key] = _fill_years(served[key], year)
    for prop in (served.get("properties") or {}).values():
        if isinstance(prop, dict):
            _field(prop, year, data)
    return served


def _declares_anything(form: Mapping[str, Any]) -> bool:
    text = json.dumps(form, ensure_ascii=False)
    return "{fiscal_year" in text or CHOICES_KEY in text or ROWS_KEY in text


def row_problems(form: Mapping[str, Any] | None, data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Tables of the (served) form that must have one row per option and a column unique per row, and do not:
    the table's field with a message."""
    found: dict[str, list[str]] = {}
    for name, prop in ((form or {}).get("properties") or {}).items():
        rows = data.get(name)
        if not isinstance(prop, dict) or not isinstance(rows, list):
            continue
        values = [row.get(prop.get(ROWS_KEY) or prop.get(UNIQUE_KEY)) for row in rows if isinstance(row, dict)]
        repeated = sorted({str(v) for v in values if values.count(v) > 1})
        if (prop.get(UNIQUE_KEY) or prop.get(ROWS_KEY)) and repeated:
            listed = ", ".join(repeated)
            found.setdefault(name, []).append(f"มีรายการซ้ำกัน: {listed} (listed more than once: {listed})")
        column = ((prop.get("items") or {}).get("properties") or {}).get(prop.get(ROWS_KEY))
        options = column.get("enum") if isinstance(column, dict) else None
        missing = [o for o in options or [] if o not in values] if prop.get(ROWS_KEY) else []
        if missing:
            listed = ", ".join(map(str, missing))
            found.setdefault(name, []).append(f"ยังไม่มีแถวของ: {listed} (no row yet for: {listed})")
    return found


def keyword_problems(schema: Mapping[str, Any]) -> dict[str, list[str]]:
    """The form editor's check of these keywords: each problem by the field's path."""
    found: dict[str, list[str]] = {}

    def say(path: str, message: str) -> None:
        found.setdefault(path or "_form", []).append(message)

    if YEAR_KEY in schema and not _YEAR_SOURCE.match(str(schema[YEAR_KEY])):
        say("_form", f"{YEAR_KEY} names a field of the case's data, with an offset of at most 9 "
                     "(mtef_first_year, mtef_first_year-1)")
    _texts(schema, "_form", say)
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict):
            _check_field(prop, str(name), say)
    return found


def _texts(node: Mapping[str, Any], path: str, say) -> None:
    for key in TEXT_KEYS:
        text = node.get(key)
        if isinstance(text, str) and any(not _PLACEHOLDER.fullmatch(m.group(0))
                                         for m in _ANY_PLACEHOLDER.finditer(text)):
            say(path, f"{key}: a year is written {{fiscal_year}}, {{fiscal_year+1}} … {{fiscal_year-9}}")


def _check_field(prop: Mapping[str, Any], path: str, say) -> None:
    _texts(prop, path, say)
    for column in _columns(prop):
        _texts({"title": column.get("title"), "x-title-en": column.get("title-en")}, path, say)
    if CHOICES_KEY in prop:
        if not _CHOICES.match(str(prop[CHOICES_KEY])) or prop.get("type") != "string":
            say(path, f"{CHOICES_KEY} is on a text field and names a table and its column (costing_outputs.name)")
        elif "enum" in prop:
            say(path, f"a field with {CHOICES_KEY} takes its options from the case, not from enum")
    items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
    columns = items.get("properties") if isinstance(items.get("properties"), dict) else {}
    for name, column in columns.items():
        if isinstance(column, dict):
            _check_field(column, f"{path}.{name}", say)
    if ROWS_KEY in prop:
        column = columns.get(prop[ROWS_KEY])
        if not isinstance(column, dict) or not (CHOICES_KEY in column or "enum" in column):
            say(path, f"{ROWS_KEY} names a column of the table that is a choice")
    if UNIQUE_KEY in prop and prop[UNIQUE_KEY] not in columns:
        say(path, f"{UNIQUE_KEY} names a column of the table")
