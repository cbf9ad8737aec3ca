"""Database engines and sessions.

Writes take the lock up front on SQLite (`BEGIN IMMEDIATE`): a deferred transaction that read a
case and then tries to write after another writer committed fails without waiting, so two people
completing one step would see an error instead of a clear "already done". On PostgreSQL the
optimistic `lock_version` check does that job and reads never block.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class Database:
    url: str
    reader: sessionmaker[Session]
    writer: sessionmaker[Session]
    engine: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def dispose(self) -> None:
        self.engine.dispose()
        if self.writer.kw["bind"] is not self.engine:
            self.writer.kw["bind"].dispose()


def _sqlite_engine(url: str, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql(begin)

    return engine


def connect(url: str) -> Database:
    """Open the database at `url` (SQLite file or PostgreSQL)."""
    if url.startswith("sqlite"):
        reader_engine = _sqlite_engine(url, "BEGIN")
        writer_engine = _sqlite_engine(url, "BEGIN IMMEDIATE")
    else:
        # Pre-ping replaces connections the server dropped (restart, failover, terminated backends);
        # the timeouts make an unreachable server a quick 503 instead of a request that hangs.
        reader_engine = writer_engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                                                      pool_timeout=10, connect_args={"connect_timeout": 5})
    return Database(
        url=url,
        reader=sessionmaker(bind=reader_engine, expire_on_commit=False),
        writer=sessionmaker(bind=writer_engine, expire_on_commit=False),
        engine=reader_engine,
    )
