"""Files attached to cases, stored once by content hash (two uploads of one file share one copy).

A file is recorded (its row and its `attachment_added` event) in the transaction of the use case that
received it, and put in place on disk only when that transaction commits (see blob_store): a refused
upload, or a refused form the file came with, leaves nothing behind.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.catalog import forms
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Invalid, NotFound
from app.store.models import Attachment, Case

from . import blob_store, history
from .blob_store import blob_path, human_size  # noqa: F401 - where the web layer and the tests find them

_UNSAFE = re.compile(r"[^\w.\- ()\u0E00-\u0E7F]")


# What may be attached: PDF, office documents, images, CSV and text, ZIP. Checked on the file's name;
# a browser-renderable type (HTML, SVG, scripts) is refused whatever the name says.
ALLOWED_EXTENSIONS = frozenset({
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf",
    "png", "jpg", "jpeg", "gif", "webp", "tif", "tiff", "bmp", "csv", "txt", "zip",
})
_REFUSED_TYPES = ("text/html", "application/xhtml", "image/svg", "application/javascript", "text/javascript",
                  "application/x-sh", "application/x-msdownload", "application/xml", "text/xml")


@dataclass(frozen=True, eq=False)
class Upload:
    """A file as the web layer received it: the form field it came in, its name, declared type and content.

    A step form's file field may hold one in place of an attachment id: the use case records the file in
    its own transaction and puts the new id there."""

    filename: str
    content_type: str | None
    stream: IO[bytes]
    field: str = "file"


def type_refusal(filename: str, content_type: str | None) -> str | None:
    """Why a file may not be attached (its extension is not on the allow-list, or it declares itself a page
    or script), or None."""
    extension = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    declared = (content_type or "").split(";")[0].strip().lower()
    if extension not in ALLOWED_EXTENSIONS or declared.startswith(_REFUSED_TYPES):
        return f"ชนิดไฟล์ไม่อนุญาต (allowed: {', '.join(sorted(ALLOWED_EXTENSIONS))})"
    return None


def type_refusals(uploads: list[Upload]) -> dict[str, list[str]]:
    """The refused files among `uploads`, by the field each came in."""
    found: dict[str, list[str]] = {}
    for upload in uploads:
        refusal = type_refusal(safe_filename(upload.filename), upload.content_type)
        if refusal:
            found.setdefault(upload.field, []).append(refusal)
    return found


def check_file_type(filename: str, content_type: str | None, field: str = "file") -> None:
    """Invalid, naming `field`, unless the file may be attached (see type_refusal)."""
    refusal = type_refusal(filename, content_type)
    if refusal:
        allowed = ", ".join(sorted(ALLOWED_EXTENSIONS))
        raise Invalid(f"this kind of file cannot be attached; allowed: {allowed}", {field: [refusal]})


def safe_filename(name: str) -> str:
    """The file's own name without any directory part or control characters, for display only."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = _UNSAFE.sub("_", base)[:200].lstrip(".")
    return base or "file"


def uploads_in(data: Any) -> list[Upload]:
    """The files a submission carries in place of attachment ids, at any depth (table rows too)."""
    if isinstance(data, Upload):
        return [data]
    if isinstance(data, dict):
        return [u for value in data.values() for u in uploads_in(value)]
    if isinstance(data, list):
        return [u for value in data for u in uploads_in(value)]
    return []


def with_ids(data: Any, ids: dict[int, str]) -> Any:
    """The submission with each Upload replaced by ids[id(upload)]."""
    if isinstance(data, Upload):
        return ids[id(data)]
    if isinstance(data, dict):
        return {key: with_ids(value, ids) for key, value in data.items()}
    if isinstance(data, list):
        return [with_ids(value, ids) for value in data]
    return data


def with_stand_in_ids(data: Any) -> Any:
    """The submission with every Upload as the id "0", for checking its other fields before any file is written."""
    return with_ids(data, {id(upload): "0" for upload in uploads_in(data)})


def refuse_before_writing(validate, data: Any) -> None:
    """Refuse a submission carrying files before writing any: a file of a refused type and a field left empty
    or wrong (as `validate` checks the data, each file standing in as an id) are named together."""
    problems = type_refusals(uploads_in(data))
    try:
        validate(with_stand_in_ids(data))
    except Invalid as exc:
        for field, messages in exc.fields.items():
            problems.setdefault(field, []).extend(messages)
    if problems:
        raise Invalid("some fields are missing or wrong: " + ", ".join(sorted(problems)), problems)


def record(session: Session, ctx: ServiceContext, blobs: blob_store.PendingBlobs, actor: Actor, case: Case,
           upload: Upload, now) -> Attachment:
    """Inside the caller's transaction: write the file (in place once it commits), add its row and its event."""
    filename = safe_filename(upload.filename)
    check_file_type(filename, upload.content_type, upload.field)
    blob = blobs.write(upload.stream, ctx.max_upload_bytes, upload.field)
    if blob.size == 0:
        raise Invalid("the file is empty", {upload.field: ["ไฟล์ว่าง (empty file)"]})
    row = Attachment(case_id=case.id, filename=filename,
                     content_type=(upload.content_type or "application/octet-stream")[:150], size=blob.size,
                     sha256=blob.sha256, uploaded_by=actor.username, uploaded_at=now)
    session.add(row)
    session.flush()
    previous = history.last_event(case)
    history.append(session, case, previous, now, actor.username, "attachment_added",
                   data={"attachment_id": row.id, "filename": row.filename, "sha256": blob.sha256,
                         "size": blob.size})
    # Written now: the next event of this transaction chains to it (last_event reads the table), and the
    # case row's version-checked UPDATE goes first, so a lost race is a 409, not a duplicate event number.
    session.flush()
    return row


def require_files_of(session: Session, case: Case, form: dict[str, Any] | None, data: dict[str, Any]) -> None:
    """Refuse a submission naming a file that is not one of this case's, beside each such field."""
    missing = {}
    for field, ident in forms.attachment_fields(form, data):
        found = session.scalar(select(Attachment.id).where(Attachment.id == int(ident), Attachment.case_id == case.id))
        if found is None:
            missing[field] = [f"ไม่พบไฟล์ {ident} ในเรื่องนี้ (attachment {ident} is not a file of this case)"]
    if missing:
        raise Invalid("some attachments are not files of this case: " + ", ".join(sorted(missing)), missing)


def record_uploads(session: Session, ctx: ServiceContext, blobs: blob_store.PendingBlobs, actor: Actor,
                   case: Case, data: Any, now) -> Any:
    """Record every file the submission carries; the submission with their attachment ids in their place."""
    ids = {id(upload): str(record(session, ctx, blobs, actor, case, upload, now).id)
           for upload in uploads_in(data)}
    return with_ids(data, ids) if ids else data


def attach_file(ctx: ServiceContext, actor: Actor, case_id: int, filename: str, content_type: str | None,
                stream: IO[bytes]) -> dict[str, Any]:
    """Store an uploaded file for the case and record it in the case's history, in one transaction."""
    now = ctx.now()
    upload = Upload(filename, content_type, stream)
    with blob_store.pending(ctx.attachments_dir) as blobs, ctx.write() as session:
        case = access.get_visible_case(session, actor, case_id)
        return attachment_dict(record(session, ctx, blobs, actor, case, upload, now))


def attachment_dict(row: Attachment) -> dict[str, Any]:
    """An attachment as the API and pages show it."""
    return {"id": row.id, "filename": row.filename, "size": row.size, "sha256": row.sha256,
            "content_type": row.content_type, "uploaded_by": row.uploaded_by,
            "uploaded_at": row.uploaded_at.isoformat()}


def open_attachment(ctx: ServiceContext, actor: Actor, case_id: int, attachment_id: int) -> tuple[dict, Path]:
    """An attachment of a case the actor may see, and where its content is on disk."""
    with ctx.read() as session:
        access.get_visible_case(session, actor, case_id)
        row = session.get(Attachment, attachment_id)
        if row is None or row.case_id != case_id:
            raise NotFound(f"no attachment {attachment_id} on this case")
        return attachment_dict(row), blob_path(ctx.attachments_dir, row.sha256)


def list_attachments(ctx: ServiceContext, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    """The attachments of a case the actor may see, oldest first."""
    with ctx.read() as session:
        access.get_visible_case(session, actor, case_id)
        rows = session.scalars(select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id))
        return [attachment_dict(r) for r in rows]
