"""Refusing input the database cannot hold before it reaches a use case: every such request is a 400
naming the field, never a 500.

JSON allows lone surrogate escapes ("\\ud800"), NaN and Infinity (Python's parser accepts them), and
NUL characters; none of them can be stored (UTF-8, PostgreSQL text and json refuse them). Ids in URLs
are bounded to the 64-bit range the databases use.
"""
from __future__ import annotations

import math
from typing import Any

from flask import request
from werkzeug.routing import IntegerConverter

from app.services.kernel.errors import Invalid

MAX_ID = 2**63 - 1
MAX_DEPTH = 32


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that matches only ids a database can hold, so larger ones are a plain 404."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def problem_with_text(value: str) -> str | None:
    if "\x00" in value:
        return "มีอักขระ NUL (contains a NUL character)"
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "มีอักขระที่ไม่ถูกต้อง (contains an unpaired surrogate)"
    return None


def check_json(value: Any, path: str = "_body", depth: int = 0) -> None:
    """Walk a parsed JSON body; raise Invalid naming the first field that cannot be stored."""
    if depth > MAX_DEPTH:
        raise Invalid("the body is nested too deeply", {path: ["ซ้อนกันลึกเกินไป (nested too deeply)"]})
    if isinstance(value, str):
        problem = problem_with_text(value)
        if problem:
            raise Invalid(f"{path}: {problem}", {path: [problem]})
    elif isinstance(value, float) and not math.isfinite(value):
        raise Invalid(f"{path}: numbers must be finite", {path: ["ต้องเป็นตัวเลขจำกัด (must be a finite number)"]})
    elif isinstance(value, dict):
        for key, item in value.items():
            problem = problem_with_text(key)
            if problem:
                raise Invalid(f"a field name {problem}", {"_body": [problem]})
            check_json(item, key if path == "_body" else f"{path}.{key}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{path}.{index}", depth + 1)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def check_request_text(path: str, args) -> None:
    """The URL and its query string: no NUL or unpaired surrogates."""
    if problem_with_text(path):
        raise Invalid("the address contains characters that are not allowed", {"_path": [problem_with_text(path)]})
    check_fields(args, "query parameter")


def check_fields(fields, what: str = "field") -> None:
    """A query string's or a posted form's fields (a MultiDict): no NUL or unpaired surrogates."""
    for name, value in fields.items(multi=True):
        problem = problem_with_text(name) or problem_with_text(value)
        if problem:
            raise Invalid(f"{what} {name!r}: {problem}", {name: [problem]})


def json_body(*, optional: bool = False) -> Any:
    """The request's JSON body, checked for text and numbers the database cannot hold.

    Every route that reads a JSON body comes through here, so no body reaches a use case unchecked.
    `optional`: an empty body reads as `{}` (routes whose fields all have defaults).
    """
    payload = request.get_json(silent=True)
    if payload is None:
        if optional and not request.get_data(cache=True):
            return {}
        raise Invalid("the body must be JSON (Content-Type: application/json)", {"_body": ["not JSON"]})
    check_json(payload)
    return payload
