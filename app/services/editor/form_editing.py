"""The form editor's use cases: read a step form for editing, and save a new version of it.

Forms live as files in `forms/` (one JSON Schema per step form), which is where deploys read them and where
the spiff-arena import writes them. Saving one changes no running case: a deploy freezes the forms a
version uses into the version itself, so a saved form reaches cases with the next deploy of a diagram that
names it. Two owners editing one form are kept apart by the digest of the file each started from: a save
over a form that changed meanwhile is a 409, never a silent overwrite.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from app import engine
from app.services.catalog import forms
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict, Invalid, NotFound

from .form_shapes import check_form_shape

FORM_KEY = re.compile(r"^[a-z][a-z0-9_-]{1,99}$")
SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"


def form_key(key: str) -> str:
    """The form's key (its file name without .json); diagrams name forms with the suffix, so it is dropped."""
    key = key[:-5] if isinstance(key, str) and key.endswith(".json") else key
    if not isinstance(key, str) or not FORM_KEY.match(key):
        raise Invalid("a form key is lower-case letters, digits, _ and -", {"key": ["invalid form key"]})
    return key


def _path(ctx: ServiceContext, key: str) -> Path:
    return ctx.forms_dir / f"{form_key(key)}.json"


def require_editor(actor: Actor) -> None:
    """Process owners and administrators edit forms (asked before a request's body is even read)."""
    access.require_owner(actor, "edit forms")


def read_form(ctx: ServiceContext, actor: Actor, key: str) -> dict[str, Any]:
    """The form as stored, with the digest a later save must name; NotFound for a form not written yet."""
    require_editor(actor)
    path = _path(ctx, key)
    if not path.is_file():
        raise NotFound(f"no form {form_key(key)}")
    raw = path.read_bytes()
    schema = forms.load_form(ctx.forms_dir, path.name)
    return {"key": form_key(key), "schema": schema, "sha256": engine.sha256_of(raw), "size": len(raw)}


def check_form(actor: Actor, schema: Any) -> dict[str, Any]:
    """The editor's preview: the form if the step page can draw it, Invalid naming each problem otherwise."""
    require_editor(actor)
    return check_form_shape(schema)


def save_form(ctx: ServiceContext, actor: Actor, key: str, schema: Any, base_sha256: str | None) -> dict[str, Any]:
    """Write the form as the new version of `key` (a new form when `base_sha256` is None and none exists)."""
    require_editor(actor)
    key = form_key(key)
    check_form_shape(schema)
    schema = {"$schema": SCHEMA_URI, **{k: v for k, v in schema.items() if k != "$schema"}}
    content = (json.dumps(schema, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if len(content) > forms.MAX_FORM_BYTES:
        raise Invalid("the form is too large", {"_form": ["too large"]})
    folder = ctx.forms_dir.resolve()
    path = folder / f"{key}.json"
    # One writer at a time, so the digest check and the replace below are one step for every editor.
    with open(folder / ".form-editor.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = engine.sha256_of(path.read_bytes()) if path.is_file() else None
        if current != base_sha256:
            raise Conflict(_conflict(current, base_sha256))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".form-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.replace(tmp, path)  # readers (deploys, checks) see the old form or the new one, never half
        finally:
            Path(tmp).unlink(missing_ok=True)
    return {"key": key, "sha256": engine.sha256_of(content), "size": len(content), "created": current is None}


def _conflict(current: str | None, base: str | None) -> str:
    if current is None:
        return "the form no longer exists: reload the page"
    if base is None:
        return "a form with this key already exists: open it to edit it"
    return "the form was changed by someone else since you opened it: reload it and redo your change"


def new_form() -> dict[str, Any]:
    """What the editor starts from for a form not written yet (saving it needs a title and one field)."""
    return {"$schema": SCHEMA_URI, "type": "object", "title": "", "x-title-en": "", "properties": {},
            "required": [], "additionalProperties": False, "x-ui": {"order": []}}
