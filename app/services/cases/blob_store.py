"""Attachment files on disk, stored once by content hash, put in place only when their rows commit.

A use case that records files writes each one under a temporary name beside the store (same file
system, so moving it is an atomic rename), records its rows in its transaction, and only after the
commit moves the files to their places. A rolled-back transaction removes its temporary files and
never touches a stored blob: another case may hold the same content under the same name.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from app.services.kernel.errors import StorageFull, TooLarge

log = logging.getLogger("planflow.attachments")

CHUNK = 1024 * 1024
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
TEMPORARY_PREFIX = ".upload-"  # skipped by the backup's walk of the store, which wants ??/??/<sha256>


def blob_path(root: Path, sha256: str) -> Path:
    """Where a file's content lives: derived from its hash only, never from what the user sent."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a sha256")
    return root / sha256[:2] / sha256[2:4] / sha256


def human_size(size: int) -> str:
    """1.5 MB, 300 KB, 12 bytes: the way people read file sizes."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} bytes"


@dataclass(frozen=True)
class PendingBlob:
    temporary: Path
    sha256: str
    size: int


class PendingBlobs:
    """The files of one unit of work, written but not yet in place."""

    def __init__(self, root: Path):
        self.root = root
        self._pending: list[PendingBlob] = []

    def write(self, stream: IO[bytes], limit: int, field: str = "file") -> PendingBlob:
        """Copy the stream to a temporary file, hashing it; over `limit` bytes or a full disk keeps nothing."""
        try:
            blob = self._write(stream, limit, field)
        except OSError as exc:
            if exc.errno in DISK_FULL:
                message = "the attachments disk is full; the file was not kept. Tell the administrator"
                raise StorageFull(message, fields={field: [message]}) from None
            raise
        self._pending.append(blob)
        return blob

    def _write(self, stream: IO[bytes], limit: int, field: str) -> PendingBlob:
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, name = tempfile.mkstemp(dir=self.root, prefix=TEMPORARY_PREFIX)
        temporary = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        message = f"the file is larger than {human_size(limit)}"
                        raise TooLarge(message, fields={field: [message]})
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            # The folder now, inside the transaction: after the commit only a rename is left to do.
            blob_path(self.root, sha256).parent.mkdir(parents=True, exist_ok=True)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return PendingBlob(temporary, sha256, size)

    def discard(self) -> None:
        """The transaction rolled back: remove the temporary files, and only them."""
        for blob in self._pending:
            blob.temporary.unlink(missing_ok=True)
        self._pending.clear()

    def publish(self) -> None:
        """The transaction committed: move each file to its place (one already there is the same content)."""
        for blob in self._pending:
            target = blob_path(self.root, blob.sha256)
            try:
                if target.exists():
                    blob.temporary.unlink(missing_ok=True)
                else:
                    os.replace(blob.temporary, target)  # atomic: a reader sees the whole file or none
            except OSError:
                # The rows are committed; the content is still whole under its temporary name, so an
                # administrator can move it to the place the log names.
                log.exception("attachment %s could not be moved from %s to %s", blob.sha256, blob.temporary,
                              target)
        self._pending.clear()


@contextlib.contextmanager
def pending(root: Path) -> Iterator[PendingBlobs]:
    """Files for the transaction opened inside this block: in place if the block ends normally, gone if not.

    Open the transaction inside it (`with pending(root) as blobs, ctx.write() as session:`), so the
    commit has happened, or failed, by the time the files are published or discarded."""
    blobs = PendingBlobs(root)
    try:
        yield blobs
    except BaseException:
        blobs.discard()
        raise
    blobs.publish()
