"""Copying the database's rows out and back in, for backup and restore.

Two forms, chosen by the database backed up:
- SQLite: a snapshot file made with SQLite's online backup API. It copies every page under one read
  transaction, so it is consistent while the application keeps writing (WAL lets writers go on).
- PostgreSQL: every table's rows as JSON lines, read in one REPEATABLE READ, READ ONLY transaction,
  so every table comes from the same instant. pg_dump would need a client of the server's major
  version next to PlanFlow, and its output loads only into PostgreSQL; rows as JSON load into either
  backend, so an office can move from a laptop's SQLite to PostgreSQL by backup and restore.

Restoring migrates the empty database to the backup's schema revision, then inserts the rows table
by table in foreign-key order in one transaction (or, SQLite to SQLite, copies the snapshot back).
"""
from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    LargeBinary,
    MetaData,
    Table,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import make_url

from app.store import schema

VERSION_TABLE = "alembic_version"
BATCH = 1000


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL."""
    return Path(make_url(url).database or "")


def _table_names(connection: Connection) -> list[str]:
    return sorted(t for t in inspect(connection).get_table_names() if t != VERSION_TABLE)


def _order(table: Table):
    return list(table.primary_key.columns) or list(table.columns)


# --- reading ----------------------------------------------------------------------------------------

def snapshot_sqlite(url: str, target: Path) -> None:
    """A consistent copy of a live SQLite database in `target`."""
    path = sqlite_path(url)
    if not path.is_file():
        raise FileNotFoundError(f"no SQLite database at {path}")
    source = sqlite3.connect(path, timeout=30)
    destination = sqlite3.connect(target)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        with destination:
            source.backup(destination)  # all pages in one step: one read transaction, one instant
    finally:
        destination.close()
        source.close()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    return value


def dump_tables(engine: Engine, folder: Path) -> dict[str, Any]:
    """Every table of a PostgreSQL database as `folder/<table>.jsonl`, from one snapshot.

    Returns {"revisions": [...], "tables": {name: rows}}.
    """
    folder.mkdir(parents=True, exist_ok=True)
    connection = engine.connect().execution_options(
        isolation_level="REPEATABLE READ", postgresql_readonly=True, postgresql_deferrable=True)
    counts: dict[str, int] = {}
    with connection, connection.begin():
        revisions = sorted(schema.current_revisions(connection))
        metadata = MetaData()
        metadata.reflect(connection)
        for name in _table_names(connection):
            table = metadata.tables[name]
            counts[name] = 0
            result = connection.execution_options(yield_per=BATCH).execute(
                select(table).order_by(*_order(table)))
            with (folder / f"{name}.jsonl").open("w", encoding="utf-8") as out:
                for row in result.mappings():
                    out.write(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False))
                    out.write("\n")
                    counts[name] += 1
    return {"revisions": revisions, "tables": counts}


def describe_sqlite(path: Path) -> dict[str, Any]:
    """The schema revisions and row counts of a SQLite snapshot."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        return describe(engine)
    finally:
        engine.dispose()


def describe(engine: Engine) -> dict[str, Any]:
    """{"revisions": [...], "tables": {name: rows}} of a database."""
    with engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        return {"revisions": sorted(schema.current_revisions(connection)),
                "tables": {name: connection.scalar(select(func.count()).select_from(metadata.tables[name]))
                           for name in _table_names(connection)}}


def rows_of(source: Path | Engine, name: str) -> Iterator[dict[str, Any]]:
    """The rows of one table, from a folder of JSON lines or from a database (a SQLite snapshot)."""
    if isinstance(source, Path):
        path = source / f"{name}.jsonl"
        if not path.exists():
            return
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)
        return
    with source.connect() as connection:
        if name not in inspect(connection).get_table_names():
            return
        table = Table(name, MetaData(), autoload_with=connection)
        for row in connection.execute(select(table).order_by(*_order(table))).mappings():
            yield dict(row)


# --- writing ----------------------------------------------------------------------------------------

# Tables whose first rows a migration writes (the transfer-authority table's starting rows): a database that
# holds only those is still empty, and a restore replaces them with the backup's own.
SEEDED_BY_MIGRATIONS = frozenset({"transfer_authority_rules"})


def is_empty(engine: Engine) -> tuple[bool, str]:
    """Whether a restore may load into this database: no rows in any table but what the migrations wrote.
    (ok, why not)."""
    with engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        for name in _table_names(connection):
            if name in SEEDED_BY_MIGRATIONS:
                continue
            count = connection.scalar(select(func.count()).select_from(metadata.tables[name]))
            if count:
                return False, f"table {name} holds {count} rows"
    return True, ""


def _coerce(value: Any, column, dialect: str) -> Any:
    """A dumped value as the target column takes it (times in UTC; SQLite keeps them without offset)."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, sqltypes.DateTime):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        return value.replace(tzinfo=None) if dialect == "sqlite" else value
    if isinstance(kind, LargeBinary) and isinstance(value, str):
        return base64.b64decode(value)
    if isinstance(kind, sqltypes.Boolean) and not isinstance(value, bool):
        return bool(value)
    return value


def load_tables(engine: Engine, source: Path | Engine) -> dict[str, int]:
    """Insert every table's rows from `source` into an empty database at the same schema revision."""
    counts: dict[str, int] = {}
    dialect = engine.dialect.name
    with engine.begin() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        for table in metadata.sorted_tables:
            if table.name == VERSION_TABLE:
                continue
            counts[table.name] = 0
            if table.name in SEEDED_BY_MIGRATIONS:
                connection.execute(table.delete())  # the backup's rows, as the office left them, replace them
            batch: list[dict[str, Any]] = []
            for row in rows_of(source, table.name):
                batch.append({name: _coerce(value, table.c[name], dialect)
                              for name, value in row.items() if name in table.c})
                if len(batch) >= BATCH:
                    connection.execute(table.insert(), batch)
                    counts[table.name] += len(batch)
                    batch = []
            if batch:
                connection.execute(table.insert(), batch)
                counts[table.name] += len(batch)
        if dialect == "postgresql":
            _reset_sequences(connection, metadata)
    return counts


def _reset_sequences(connection: Connection, metadata: MetaData) -> None:
    """Rows came in with their ids; move each id sequence past the largest so new rows do not collide."""
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                         {"t": f'"{table.name}"', "c": column.name})
            if sequence:
                largest = f'(SELECT MAX("{column.name}") FROM "{table.name}")'
                connection.execute(text(f"SELECT setval(:s, COALESCE({largest}, 0) + 1, false)"),
                                   {"s": sequence})


def copy_sqlite(snapshot: Path, url: str) -> None:
    """Put a SQLite snapshot in place as the database at `url` (which holds no rows)."""
    source = sqlite3.connect(snapshot)
    destination = sqlite3.connect(sqlite_path(url), timeout=30)
    try:
        with destination:
            source.backup(destination)
    finally:
        destination.close()
        source.close()
