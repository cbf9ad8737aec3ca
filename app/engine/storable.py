"""Values a case can hold: what JSON writes and reads back unchanged.

A case's data lives as JSON (its state, its `data` column, its history). A script that leaves a value
JSON cannot write (bytes, a range, `1j`, a generator) made the next save fail on every attempt; one that
JSON writes differently from how Python holds it (a tuple becomes a list, the key 1 becomes "1", NaN is
not JSON at all and PostgreSQL refuses it) let a case behave one way while it stayed in memory and
another once it was read back, so its replay no longer matched its stored state. Scripts and expressions
therefore hand back only storable values: a tuple becomes the list it would be read back as, anything
else is refused with a sentence naming the variable.
"""
from __future__ import annotations

import math
from typing import Any

MAX_NESTING = 100  # levels of lists and dicts; JSON encoders recurse, and the office's data nests a few


class NotStorable(ValueError):
    """A value a case cannot hold; the message names where it was found."""


def storable(value: Any, where: str, depth: int = 0) -> Any:
    """`value` as JSON will read it back (the same object when nothing changes); NotStorable otherwise."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise NotStorable(f"{where} is {value}, which is not a number a case can store")
    if depth >= MAX_NESTING:
        raise NotStorable(f"{where} nests lists or dicts more than {MAX_NESTING} levels deep")
    if isinstance(value, (list, tuple)):
        items = [storable(item, where, depth + 1) for item in value]
        unchanged = isinstance(value, list) and all(a is b for a, b in zip(items, value, strict=True))
        return value if unchanged else items
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise NotStorable(f"{where} has the key {key!r}: the keys of a dict must be text")
        items = {key: storable(item, where, depth + 1) for key, item in value.items()}
        return value if all(items[key] is value[key] for key in value) else items
    raise NotStorable(f"{where} is a {type(value).__name__}, which a case cannot store "
                      "(use text, numbers, true/false, lists or dicts)")
