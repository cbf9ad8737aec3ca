"""Files attached to cases, stored once by content hash (two uploads of one file share one copy)."""
from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from app.store.models import Attachment

from . import access, history
from .actors import Actor
from .context import ServiceContext
from .errors import Invalid, NotFound, StorageFull, TooLarge

CHUNK = 1024 * 1024
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_UNSAFE = re.compile(r"[^\w.\- ()\u0E00-\u0E7F]")


# What may be attached: PDF, office documents, images, CSV and text, ZIP. Checked on the file's name;
# a browser-renderable type (HTML, SVG, scripts) is refused whatever the name says.
ALLOWED_EXTENSIONS = frozenset({
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf",
    "png", "jpg", "jpeg", "gif", "webp", "tif", "tiff", "bmp", "csv", "txt", "zip",
})
_REFUSED_TYPES = ("text/html", "application/xhtml", "image/svg", "application/javascript", "text/javascript",
                  "application/x-sh", "application/x-msdownload", "application/xml", "text/xml")


def check_file_type(filename: str, content_type: str | None) -> None:
    """Invalid unless the file's extension is on the allow-list and its declared type is not a page or script."""
    extension = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    declared = (content_type or "").split(";")[0].strip().lower()
    if extension not in ALLOWED_EXTENSIONS or declared.startswith(_REFUSED_TYPES):
        allowed = ", ".join(sorted(ALLOWED_EXTENSIONS))
        raise Invalid(f"this kind of file cannot be attached; allowed: {allowed}",
                      {"file": [f"ชนิดไฟล์ไม่อนุญาต (allowed: {allowed})"]})


def human_size(size: int) -> str:
    """1.5 MB, 300 KB, 12 bytes: the way people read file sizes."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} bytes"


def safe_filename(name: str) -> str:
    """The file's own name without any directory part or control characters, for display only."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = _UNSAFE.sub("_", base)[:200].lstrip(".")
    return base or "file"


def blob_path(root: Path, sha256: str) -> Path:
    """Where a file's content lives: derived from its hash only, never from what the user sent."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a sha256")
    return root / sha256[:2] / sha256[2:4] / sha256


def _store(root: Path, stream: IO[bytes], limit: int) -> tuple[str, int]:
    """Write the upload to a temporary file, then move it under its hash; a full disk keeps nothing."""
    try:
        return _write_blob(root, stream, limit)
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise StorageFull("the attachments disk is full; the file was not kept. Tell the administrator") \
                from None
        raise


def _write_blob(root: Path, stream: IO[bytes], limit: int) -> tuple[str, int]:
    root.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"the file is larger than {human_size(limit)}")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        target = blob_path(root, digest.hexdigest())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_name, target)  # atomic: a reader sees the whole file or none
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size


def attach_file(ctx: ServiceContext, actor: Actor, case_id: int, filename: str, content_type: str | None,
                stream: IO[bytes]) -> dict[str, Any]:
    """Store an uploaded file for the case and record it in the case's history."""
    now = ctx.now()
    with ctx.read() as session:
        access.get_visible_case(session, actor, case_id)
    check_file_type(safe_filename(filename), content_type)
    sha256, size = _store(ctx.attachments_dir, stream, ctx.max_upload_bytes)
    if size == 0:
        raise Invalid("the file is empty", {"file": ["ไฟล์ว่าง (empty file)"]})
    with ctx.write() as session:
        case = access.get_visible_case(session, actor, case_id)
        row = Attachment(case_id=case.id, filename=safe_filename(filename),
                         content_type=(content_type or "application/octet-stream")[:150], size=size,
                         sha256=sha256, uploaded_by=actor.username, uploaded_at=now)
        session.add(row)
        session.flush()
        previous = history.last_event(session, case.id)
        history.append(session, case, previous, now, actor.username, "attachment_added",
                       data={"attachment_id": row.id, "filename": row.filename, "sha256": sha256, "size": size})
        return attachment_dict(row)


def attachment_dict(row: Attachment) -> dict[str, Any]:
    return {"id": row.id, "filename": row.filename, "size": row.size, "sha256": row.sha256,
            "content_type": row.content_type, "uploaded_by": row.uploaded_by,
            "uploaded_at": row.uploaded_at.isoformat()}


def open_attachment(ctx: ServiceContext, actor: Actor, case_id: int, attachment_id: int) -> tuple[dict, Path]:
    with ctx.read() as session:
        access.get_visible_case(session, actor, case_id)
        row = session.get(Attachment, attachment_id)
        if row is None or row.case_id != case_id:
            raise NotFound(f"no attachment {attachment_id} on this case")
        return attachment_dict(row), blob_path(ctx.attachments_dir, row.sha256)


def list_attachments(ctx: ServiceContext, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    with ctx.read() as session:
        access.get_visible_case(session, actor, case_id)
        rows = session.scalars(select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id))
        return [attachment_dict(r) for r in rows]
