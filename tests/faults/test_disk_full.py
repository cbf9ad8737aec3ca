"""The attachments disk fills up: the upload is refused with a clear 507, nothing half-written stays
behind (no partial file, no row, no event), and uploads work again once there is room."""
from __future__ import annotations

import errno
import io
import os
import subprocess
import uuid

import pytest
from sqlalchemy import func, select

from app.services.cases import attachments
from app.store.models import Attachment, Event

from ..ops_support import bearer, web_app
from ..stories import start


def _leftovers(ctx) -> list[str]:
    root = ctx.attachments_dir
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _rows(ctx, case_id: int) -> tuple[int, int]:
    with ctx.read() as session:
        files = session.scalar(
            select(func.count()).select_from(Attachment).where(Attachment.case_id == case_id))
        events = session.scalar(select(func.count()).select_from(Event).where(Event.case_id == case_id))
    return files, events


def _upload(client, ctx, case_id: int, content: bytes, name: str = "scan.pdf"):
    return client.post(f"/api/v1/cases/{case_id}/attachments", headers=bearer(ctx, "plan1"),
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


class _FillsUp:
    """A file that takes `room` bytes, then fails the way a full disk does."""

    def __init__(self, real, room: int):
        self.real, self.room = real, room

    def write(self, chunk: bytes) -> int:
        if len(chunk) > self.room:
            self.real.write(chunk[: self.room])
            self.real.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(chunk)
        return self.real.write(chunk)

    def __getattr__(self, name):
        return getattr(self.real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()


def test_a_full_disk_refuses_the_upload_with_507_and_keeps_nothing(ctx, people, tmp_path, monkeypatch):
    case = start(ctx, people, "budget_transfer")
    client = web_app(ctx, tmp_path).test_client()
    before, files_before = _rows(ctx, case.id), _leftovers(ctx)
    real_fdopen = os.fdopen
    monkeypatch.setattr(attachments.os, "fdopen", lambda fd, mode: _FillsUp(real_fdopen(fd, mode), 300_000))

    answer = _upload(client, ctx, case.id, os.urandom(2_000_000))
    assert answer.status_code == 507
    assert answer.json["error"]["code"] == "insufficient_storage"
    assert "disk is full" in answer.json["error"]["message"]
    assert _rows(ctx, case.id) == before
    assert _leftovers(ctx) == files_before

    monkeypatch.undo()
    assert _upload(client, ctx, case.id, b"%PDF-1.4 small").status_code == 201


def test_an_upload_over_the_limit_is_413_and_keeps_nothing(ctx, people, tmp_path):
    ctx.max_upload_bytes = 64 * 1024
    case = start(ctx, people, "budget_transfer")
    client = web_app(ctx, tmp_path).test_client()
    before, files_before = _rows(ctx, case.id), _leftovers(ctx)
    answer = _upload(client, ctx, case.id, os.urandom(200 * 1024))
    assert answer.status_code == 413
    assert answer.json["error"]["code"] in ("too_large", "request_entity_too_large")
    assert _rows(ctx, case.id) == before and _leftovers(ctx) == files_before


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MB tmpfs mounted for the attachments (needs root; skipped elsewhere)."""
    mount_point = tmp_path / f"tiny-{uuid.uuid4().hex[:6]}"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount_point)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_real_full_filesystem_gives_507_and_frees_what_it_took(ctx, people, tmp_path, tiny_disk):
    ctx.attachments_dir = tiny_disk / "attachments"
    case = start(ctx, people, "budget_transfer")  # stories attach nothing before the first step
    client = web_app(ctx, tmp_path).test_client()
    before = _rows(ctx, case.id)

    answer = _upload(client, ctx, case.id, os.urandom(3 * 1024 * 1024))
    assert answer.status_code == 507 and answer.json["error"]["code"] == "insufficient_storage"
    assert _rows(ctx, case.id) == before
    assert _leftovers(ctx) == []  # the partial upload was removed, so the disk has its room back

    small = os.urandom(200 * 1024)
    answer = _upload(client, ctx, case.id, small)
    assert answer.status_code == 201
    assert attachments.blob_path(ctx.attachments_dir, answer.json["sha256"]).read_bytes() == small
