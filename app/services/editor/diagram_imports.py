"""Importing diagrams made elsewhere: Camunda Modeler files and spiff-arena process models.

Both end as an ordinary deploy, after the editor's check (every step in a known lane with a form that
exists). A spiff-arena model is a zip of its .bpmn and the JSON Schema forms it names; the forms are
written into the forms folder under `<key>__<their name>`, so an import never overwrites the office's
own forms, and the diagram is rewritten to use those names.

The zip is read in memory with caps on its size, its number of entries and each entry's unpacked size
(read, not trusted from the header); names with directories going up, absolute paths, drive letters,
backslashes, NULs, symbolic links and encrypted entries are refused outright. Nothing is extracted by
the names inside the zip: the only files written are the forms, under names we make.
"""
from __future__ import annotations

import io
import json
import os
import re
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Any

from app import engine
from app.services.cases.attachments import human_size
from app.services.catalog import forms, processes
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Invalid, InvalidDiagramError, TooLarge

from . import deployment, diagram_check

MAX_ZIP_BYTES = 10 * 1024 * 1024
MAX_ZIP_ENTRIES = 64
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 4
MAX_SCHEMA_DEPTH = 32
_SAFE_PART = re.compile(r"[^A-Za-z0-9_.\-]")
_WIDGETS = {"textarea": "textarea", "TextareaWidget": "textarea"}


def _warnings(converted: engine.Converted) -> list[dict[str, Any]]:
    return [w.as_dict() for w in converted.warnings]


def import_camunda(ctx: ServiceContext, actor: Actor, key: str, xml: bytes) -> tuple[dict[str, Any], bool]:
    """Convert a Camunda Modeler diagram to PlanFlow's conventions and deploy it as the next version of `key`."""
    access.require_owner(actor, "import diagrams")
    processes.require_key(key)
    try:
        converted = engine.convert_camunda(xml, key)
    except engine.InvalidDiagram as exc:
        raise InvalidDiagramError("the diagram cannot be imported", [p.as_dict() for p in exc.problems]) from None
    try:
        version, created = diagram_check.deploy_checked(ctx, actor, key, converted.xml)
    except InvalidDiagramError as exc:
        exc.details += [w for w in _warnings(converted) if w not in exc.details]
        raise
    return {**version, "warnings": _warnings(converted)}, created


def _read_capped(stream: IO[bytes], limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"the zip is larger than {human_size(limit)}")
    return data


def _hostile(name: str, info: zipfile.ZipInfo) -> str | None:
    if "\x00" in name or "\\" in name:
        return "contains a backslash or NUL"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "is an absolute path"
    parts = PurePosixPath(name).parts
    if ".." in parts:
        return "goes up a directory (..)"
    if len(parts) > MAX_DEPTH:
        return "is nested too deeply"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    if info.flag_bits & 0x1:
        return "is encrypted"
    return None


def read_zip(data: bytes) -> dict[str, bytes]:
    """The .bpmn and .json files of a model zip by their base name, after refusing anything hostile."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Invalid("the upload is not a zip file", {"file": ["not a zip"]}) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise Invalid(f"the zip holds {len(entries)} entries; at most {MAX_ZIP_ENTRIES} are accepted",
                          {"file": ["too many files"]})
        for info in entries:
            problem = _hostile(info.filename, info)
            if problem:
                raise Invalid(f"the zip entry {info.filename!r} {problem}", {"file": ["unsafe entry"]})
        return _read_members(archive, entries)


def _read_members(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    for info in entries:
        base = PurePosixPath(info.filename).name
        if info.is_dir() or base.startswith(".") or not base.endswith((".bpmn", ".json")) \
                or PurePosixPath(info.filename).parts[0] == "__MACOSX":
            continue
        cap = engine.MAX_DIAGRAM_BYTES if base.endswith(".bpmn") else forms.MAX_FORM_BYTES
        if info.file_size > cap:
            raise TooLarge(f"{base} unpacks to more than {human_size(cap)}")
        try:
            with archive.open(info) as member:
                content = member.read(cap + 1)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as exc:
            raise Invalid(f"the zip entry {base} cannot be read: {exc}", {"file": ["damaged zip"]}) from None
        if len(content) > cap:
            raise TooLarge(f"{base} unpacks to more than {human_size(cap)}")
        total += len(content)
        if total > MAX_UNPACKED_BYTES:
            raise TooLarge(f"the zip unpacks to more than {human_size(MAX_UNPACKED_BYTES)}")
        if base in files:
            raise Invalid(f"the zip holds two files named {base}", {"file": ["duplicate file name"]})
        files[base] = content
    return files


def _json(name: str, content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise Invalid(f"{name} is not valid JSON: {exc}", {"file": [f"{name}: not JSON"]}) from None


def _check_form_shape(name: str, schema: Any) -> None:
    """An imported form must be a JSON object of sensible depth whose references stay inside it: the
    validator would otherwise recurse without bound or try to fetch a remote schema when a step is completed."""
    if not isinstance(schema, dict):
        raise Invalid(f"{name} must be a JSON Schema object", {"file": [f"{name}: not an object"]})
    todo: list[tuple[Any, int]] = [(schema, 0)]
    while todo:
        value, depth = todo.pop()
        if depth > MAX_SCHEMA_DEPTH:
            raise Invalid(f"{name} is nested deeper than {MAX_SCHEMA_DEPTH} levels", {"file": [f"{name}: too deep"]})
        if isinstance(value, dict):
            for keyword in ("$ref", "$dynamicRef"):
                ref = value.get(keyword)
                if ref is not None and not (isinstance(ref, str) and ref.startswith("#")):
                    raise Invalid(f"{name} refers to another document ({keyword} {ref!r}); only references "
                                  "inside the form (#/...) are allowed", {"file": [f"{name}: external $ref"]})
            todo += [(v, depth + 1) for v in value.values()]
        elif isinstance(value, list):
            todo += [(v, depth + 1) for v in value]


def _primary_bpmn(files: dict[str, bytes]) -> tuple[str, bytes]:
    diagrams = sorted(name for name in files if name.endswith(".bpmn"))
    if len(diagrams) == 1:
        return diagrams[0], files[diagrams[0]]
    if not diagrams:
        raise Invalid("the zip holds no .bpmn diagram", {"file": ["no diagram"]})
    model = _json("process_model.json", files["process_model.json"]) if "process_model.json" in files else {}
    primary = model.get("primary_file_name") if isinstance(model, dict) else None
    if primary not in files:
        raise Invalid(f"the zip holds {len(diagrams)} diagrams and process_model.json names none of them as "
                      "primary_file_name", {"file": ["which diagram?"]})
    return primary, files[primary]


def _with_ui_hints(schema: dict[str, Any], ui: Any) -> dict[str, Any]:
    """react-jsonschema-form's UI schema (ui:order, ui:widget, ui:help) as PlanFlow's x-ui hints."""
    if not isinstance(ui, dict):
        return schema
    order = ui.get("ui:order")
    if isinstance(order, list):
        schema.setdefault("x-ui", {})["order"] = [f for f in order if isinstance(f, str) and f != "*"]
    for name, prop in (schema.get("properties") or {}).items():
        hints = ui.get(name)
        if not isinstance(hints, dict) or not isinstance(prop, dict):
            continue
        found = {}
        if hints.get("ui:widget") in _WIDGETS:
            found["widget"] = _WIDGETS[hints["ui:widget"]]
        if isinstance(hints.get("ui:help"), str):
            found["help"] = hints["ui:help"]
        if found:
            prop.setdefault("x-ui", {}).update(found)
    return schema


def imported_form_name(key: str, name: str) -> str:
    """Where an imported form goes: `<key>__<its name>`, reduced to safe characters."""
    base = _SAFE_PART.sub("_", PurePosixPath(name.replace("\\", "/")).name).lstrip(".")
    if not base.endswith(".json"):
        base += ".json"
    return f"{key}__{base}"[:200]


def _arena_forms(key: str, bpmn: bytes, files: dict[str, bytes]) -> tuple[dict[str, str], dict[str, Any]]:
    """(original form name -> imported name, imported name -> schema with its UI hints)."""
    renamed: dict[str, str] = {}
    schemas: dict[str, Any] = {}
    missing = []
    try:
        references = engine.arena_forms(bpmn)
    except engine.InvalidDiagram as exc:
        raise InvalidDiagramError("the diagram cannot be imported", [p.as_dict() for p in exc.problems]) from None
    for element_id, (form, ui_form) in references.items():
        if not form or form in renamed:
            continue
        if form not in files:
            missing.append({"element_id": element_id, "message": f"form {form} is not in the zip"})
            continue
        schema = _json(form, files[form])
        _check_form_shape(form, schema)
        ui = _json(ui_form, files[ui_form]) if ui_form and ui_form in files else None
        new_name = imported_form_name(key, form)
        renamed[form] = new_name
        schemas[new_name] = _with_ui_hints(schema, ui)
    if missing:
        raise InvalidDiagramError("the zip lacks forms its diagram names", missing)
    return renamed, schemas


def import_spiff_arena(ctx: ServiceContext, actor: Actor, key: str, stream: IO[bytes]) -> tuple[dict[str, Any], bool]:
    """Import a spiff-arena process model (zip of the .bpmn and its *-schema.json forms) as the next version of
    `key`: its forms go into the forms folder under prefixed names, then the diagram is checked and deployed."""
    access.require_owner(actor, "import diagrams")
    processes.require_key(key)
    files = read_zip(_read_capped(stream, MAX_ZIP_BYTES))
    _, bpmn = _primary_bpmn(files)
    renamed, schemas = _arena_forms(key, bpmn, files)
    try:
        converted = engine.adapt_spiff_arena(bpmn, key, renamed)
    except engine.InvalidDiagram as exc:
        raise InvalidDiagramError("the diagram cannot be imported", [p.as_dict() for p in exc.problems]) from None
    problems = diagram_check.problems_in(ctx, key, converted.xml, extra_forms=schemas)
    if problems:
        raise InvalidDiagramError("the diagram does not pass the check",
                                  [p.as_dict() for p in problems] + _warnings(converted))
    written = _write_forms(ctx.forms_dir, schemas)
    try:
        version, created = deployment.deploy_version(ctx, actor, key, converted.xml)
    except BaseException:
        _restore(written)
        raise
    return {**version, "forms": sorted(schemas), "warnings": _warnings(converted)}, created


def _write_forms(folder: Path, schemas: dict[str, Any]) -> list[tuple[Path, bytes | None]]:
    """Write each form atomically; returns what was there before, to put back if the deploy fails."""
    written: list[tuple[Path, bytes | None]] = []
    root = folder.resolve()
    try:
        for name, schema in schemas.items():
            path = (folder / name).resolve()
            if path.parent != root:
                raise Invalid(f"form name {name!r} is not a plain file name")
            content = (json.dumps(schema, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
            previous = path.read_bytes() if path.is_file() else None
            if previous == content:
                continue
            fd, tmp = tempfile.mkstemp(dir=root, prefix=".import-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(content)
                os.replace(tmp, path)  # a reader sees the old form or the new one, never half of one
            finally:
                Path(tmp).unlink(missing_ok=True)
            written.append((path, previous))
    except BaseException:
        _restore(written)
        raise
    return written


def _restore(written: list[tuple[Path, bytes | None]]) -> None:
    for path, previous in reversed(written):
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(previous)
