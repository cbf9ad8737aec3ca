"""`planflow backup FILE` and `planflow restore FILE`: the whole database and the attachments in one
tar.gz, with a manifest to check it by, and its restore into an empty database.

The archive holds:
- `manifest.json`: format, when, PlanFlow's version, the schema revision, rows per table, cases by
  status, the sha256 of every database file in the archive, and every attachment's sha256 and size;
- the database: `database.sqlite3` (a SQLite snapshot) or `tables/<table>.jsonl` (see dumps.py);
- `attachments/aa/bb/<sha256>`: the attachment files, stored as they are kept, by content hash.

The database is copied first, then the files. Attachments are written (and renamed into place) before
the row that names them commits, and are never changed or removed, so every file the copied rows
name is already there when the files are copied; files that came later are harmless extras.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
from collections import Counter
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect

from app.services.audit import verification
from app.services.cases.attachments import blob_path
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict, Invalid
from app.store import schema

from . import dumps

FORMAT = "planflow-backup/1"
MANIFEST = "manifest.json"
SNAPSHOT = "database.sqlite3"
_BLOB = re.compile(r"^attachments/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")
_TABLE_FILE = re.compile(r"^tables/([a-z][a-z0-9_]{0,62})\.jsonl$")
_NAME = "planflow-%Y%m%d-%H%M%S.tar.gz"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _stored_blobs(root: Path) -> tuple[dict[str, tuple[Path, int]], list[str]]:
    """Every attachment file under root whose content matches its name; and those that do not."""
    good: dict[str, tuple[Path, int]] = {}
    corrupt: list[str] = []
    if not root.is_dir():
        return good, corrupt
    for path in sorted(root.glob("??/??/*")):
        name = path.name
        match = _BLOB.match(f"attachments/{path.relative_to(root).as_posix()}")
        if not path.is_file() or not match or (match[1], match[2]) != (name[:2], name[2:4]):
            continue  # an unfinished upload's temporary file, or something that is not ours
        if _sha256(path) != name:
            corrupt.append(name)
            continue
        good[name] = (path, path.stat().st_size)
    return good, corrupt


def _source_of(staging: Path, snapshot: bool):
    return create_engine(f"sqlite:///{staging / SNAPSHOT}") if snapshot else staging / "tables"


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def create_backup(ctx: ServiceContext, target: Path) -> dict[str, Any]:
    """Write the backup to `target` (a file, or a folder to name one in); returns the manifest and path."""
    target = Path(target)
    if target.is_dir():
        target = target / ctx.now().strftime(_NAME)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".planflow-backup-") as tmp:
        staging = Path(tmp)
        snapshot = ctx.db.is_sqlite
        if snapshot:
            dumps.snapshot_sqlite(ctx.db.url, staging / SNAPSHOT)
            described = dumps.describe_sqlite(staging / SNAPSHOT)
            members = [(SNAPSHOT, staging / SNAPSHOT)]
        else:
            described = dumps.dump_tables(ctx.db.engine, staging / "tables")
            members = [(f"tables/{name}.jsonl", staging / "tables" / f"{name}.jsonl")
                       for name in described["tables"]]
        source = _source_of(staging, snapshot)
        try:
            referenced = {row["sha256"] for row in dumps.rows_of(source, "attachments")}
            statuses = Counter(row["status"] for row in dumps.rows_of(source, "cases"))
        finally:
            if snapshot:
                source.dispose()
        blobs, corrupt = _stored_blobs(ctx.attachments_dir)
        manifest = {
            "format": FORMAT,
            "created_at": ctx.now().isoformat(),
            "planflow_version": _version(),
            "database": {"backend": "sqlite" if snapshot else "postgresql",
                         "form": "sqlite-snapshot" if snapshot else "json-lines"},
            "schema_revisions": described["revisions"],
            "tables": described["tables"],
            "cases_by_status": dict(sorted(statuses.items())),
            "files": {name: _sha256(path) for name, path in members},
            "attachments": {"count": len(blobs), "bytes": sum(size for _, size in blobs.values()),
                            "files": {sha: size for sha, (_, size) in sorted(blobs.items())}},
            "missing_attachments": sorted(referenced - set(blobs)),
            "corrupt_attachments": sorted(corrupt),
        }
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            info = _plain(tarfile.TarInfo(MANIFEST))
            info.size, info.mtime = len(body), int(ctx.now().timestamp())
            archive.addfile(info, io.BytesIO(body))
            for name, path in members:
                archive.add(path, arcname=name, filter=_plain)
            for sha, (path, _) in sorted(blobs.items()):
                archive.add(path, arcname=f"attachments/{sha[:2]}/{sha[2:4]}/{sha}", filter=_plain)
        os.chmod(partial, 0o600)  # the archive holds every case and password hash
        os.replace(partial, target)  # a backup file is whole or absent
    return {"path": str(target), "manifest": manifest}


def _version() -> str:
    try:
        return metadata.version("planflow")
    except metadata.PackageNotFoundError:
        return "unknown"


def _extract(source: Path, staging: Path) -> dict[str, Any]:
    """Unpack the archive's known members into staging (nothing else, no links); returns the manifest."""
    with tarfile.open(source, "r|gz") as archive:
        for member in archive:
            name = member.name
            if not member.isfile() or not (name in (MANIFEST, SNAPSHOT) or _BLOB.match(name)
                                           or _TABLE_FILE.match(name)):
                raise Invalid(f"the backup holds an unexpected entry {name!r}; it is not a PlanFlow backup")
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as stream, path.open("wb") as out:
                shutil.copyfileobj(stream, out, 1024 * 1024)
    try:
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise Invalid("the backup has no readable manifest.json") from None
    if manifest.get("format") != FORMAT:
        raise Invalid(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _check_archive(manifest: dict[str, Any], staging: Path) -> None:
    """Every file the manifest names is present with its checksum, and nothing else."""
    for name, sha in manifest["files"].items():
        path = staging / name
        if not path.is_file() or _sha256(path) != sha:
            raise Invalid(f"{name} in the backup is missing or damaged")
    expected = manifest["attachments"]["files"]
    found = {p.name for p in (staging / "attachments").glob("??/??/*")}
    if found != set(expected):
        raise Invalid(f"the backup's attachments differ from its manifest ({len(found)} files, "
                      f"{len(expected)} listed)")
    for sha in found:
        if _sha256(blob_path(staging / "attachments", sha)) != sha:
            raise Invalid(f"attachment {sha} in the backup is damaged")


def _check_target(ctx: ServiceContext, revisions: set[str]) -> bool:
    """Refuse a database with rows or another schema; True when it has the schema's tables already."""
    unknown = sorted(r for r in revisions if not schema.knows_revision(r))
    if unknown:
        raise Invalid(f"the backup's schema revision {', '.join(unknown)} is newer than this PlanFlow; "
                      "restore it with the version that made it")
    engine = ctx.db.writer.kw["bind"]
    empty, why = dumps.is_empty(engine)
    if not empty:
        raise Conflict(f"restore needs an empty database, but {why}")
    with engine.connect() as connection:
        has_tables = bool(inspect(connection).get_table_names())
        present = schema.current_revisions(connection)
    if has_tables and present != revisions:
        raise Conflict(f"the database already has schema revision {', '.join(sorted(present)) or 'none'}; "
                       f"the backup needs {', '.join(sorted(revisions))}: restore into a new, empty database")
    return has_tables


def _restore_attachments(ctx: ServiceContext, staging: Path, manifest: dict[str, Any]) -> int:
    restored = 0
    for sha, size in manifest["attachments"]["files"].items():
        target = blob_path(ctx.attachments_dir, sha)
        if target.is_file() and target.stat().st_size == size and _sha256(target) == sha:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".restore-{sha}")
        shutil.copyfile(blob_path(staging / "attachments", sha), partial)
        os.replace(partial, target)
        restored += 1
    return restored


def restore_backup(ctx: ServiceContext, source: Path, verify: bool = True) -> dict[str, Any]:
    """Load a backup into the empty database and attachments folder of `ctx`, then check it.

    Returns what was restored, and when `verify`, every case's chain-and-replay verdict summary.
    """
    ctx.attachments_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ctx.attachments_dir.parent, prefix=".planflow-restore-") as tmp:
        staging = Path(tmp)
        try:
            manifest = _extract(Path(source), staging)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise Invalid(f"the backup cannot be read: {exc}") from None
        _check_archive(manifest, staging)
        revisions = set(manifest["schema_revisions"])
        has_tables = _check_target(ctx, revisions)
        engine = ctx.db.writer.kw["bind"]
        snapshot = manifest["database"]["form"] == "sqlite-snapshot"
        if snapshot and ctx.db.is_sqlite:
            ctx.db.dispose()
            dumps.copy_sqlite(staging / SNAPSHOT, ctx.db.url)
        else:
            if not has_tables:
                schema.upgrade_to(engine, revisions)
            rows = _source_of(staging, snapshot)
            try:
                dumps.load_tables(engine, rows)
            finally:
                if snapshot:
                    rows.dispose()
        restored_files = _restore_attachments(ctx, staging, manifest)
    described = dumps.describe(engine)
    wrong = {name: (count, described["tables"].get(name)) for name, count in manifest["tables"].items()
             if described["tables"].get(name) != count}
    if wrong:
        raise Invalid("the restored tables do not hold the backup's rows: " + ", ".join(
            f"{name} {got} of {want}" for name, (want, got) in sorted(wrong.items())))
    schema.upgrade(engine)  # a backup from an older PlanFlow: bring its schema up to this one
    ctx.workflow_cache.clear()
    ctx.tokens.clear()
    report: dict[str, Any] = {
        "tables": described["tables"], "attachments": manifest["attachments"]["count"],
        "attachments_written": restored_files, "backup_created_at": manifest["created_at"],
        "schema_revisions": sorted(revisions)}
    if verify:
        verdicts = verification.verify_all(ctx)
        report["verified"] = {"cases": len(verdicts), "failed": [v.as_dict() for v in verdicts if not v.ok]}
    return report


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` backups that `create_backup` named in `folder`."""
    backups = sorted(p for p in Path(folder).glob("planflow-*.tar.gz") if _is_named_backup(p.name))
    doomed = backups[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def _is_named_backup(name: str) -> bool:
    try:
        datetime.strptime(name, _NAME)
    except ValueError:
        return False
    return True
