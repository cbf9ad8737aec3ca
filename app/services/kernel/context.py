"""What every use case is handed: the database, the clock and the places files live.

Use cases take this as an argument instead of reading Flask's globals, so the CLI, the scheduler
and the tests call them the same way the web does.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.store.db import Database

from .errors import Conflict, ServiceError, Unavailable
from .token_cache import TokenCache
from .workflow_cache import WorkflowCache

STALE_MESSAGE = "the case was changed by someone else at the same moment; reload and try again"


def system_clock() -> datetime:
    """The time now, in UTC (tests hand the context a fake clock instead)."""
    return datetime.now(UTC)


def database_refusal(exc: DBAPIError) -> ServiceError | None:
    """What a driver error means to the caller: a race to retry (409), an outage (503), or a bug (None).

    A transaction cut off by a lost connection is rolled back by the server, so the caller reloads and
    tries again; the pool reconnects on its own (pre-ping) once the server answers.
    """
    if exc.connection_invalidated:
        return Unavailable("the database connection was lost; reload and try again")
    if not isinstance(exc, OperationalError | InterfaceError):
        return None  # integrity and data errors are the use case's to answer
    if "locked" in str(exc.orig):  # SQLite gave up waiting for another writer
        return Conflict("the database is busy; try again")
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    if sqlstate.startswith("40"):  # serialization failure, deadlock: PostgreSQL rolled back a race
        return Conflict(STALE_MESSAGE)
    return Unavailable("the database is not reachable; try again shortly")


def _rollback(session: Session) -> None:
    try:
        session.rollback()
    except DBAPIError:  # the connection is gone, and with it the transaction
        session.invalidate()


def _close(session: Session) -> None:
    """Give the connection back; one that died meanwhile goes back marked dead, for the pool to replace."""
    try:
        session.close()
    except DBAPIError:
        session.invalidate()


@dataclass
class ServiceContext:
    db: Database
    attachments_dir: Path
    forms_dir: Path
    processes_dir: Path
    clock: Callable[[], datetime] = system_clock
    max_upload_bytes: int = 20 * 1024 * 1024
    settings: dict = field(default_factory=dict)
    # Workflows of recently stepped cases; per context, so two databases in one process never share entries
    # (None: a new, empty one).
    workflow_cache: WorkflowCache | None = None
    # The actors of recently used API tokens (token_cache.TTL seconds), per context for the same reason.
    tokens: TokenCache = field(default_factory=TokenCache)

    def __post_init__(self) -> None:
        if self.workflow_cache is None:
            self.workflow_cache = WorkflowCache()

    def now(self) -> datetime:
        return self.clock()

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work: commits if the block ends normally, rolls back otherwise."""
        session = self.db.writer()
        try:
            yield session
            session.commit()
        except StaleDataError:
            _rollback(session)
            raise Conflict(STALE_MESSAGE) from None
        except DBAPIError as exc:
            _rollback(session)
            refusal = database_refusal(exc)
            if refusal is None:
                raise
            raise refusal from exc
        except BaseException:
            _rollback(session)
            raise
        finally:
            _close(session)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        # Closing (not rolling back) ends the transaction without expiring what was read, so objects
        # loaded here stay readable after the block. A connection that died after the reading is done
        # costs the caller nothing.
        session = self.db.reader()
        try:
            yield session
        except DBAPIError as exc:
            refusal = database_refusal(exc)
            if refusal is None:
                raise
            raise refusal from exc
        finally:
            _close(session)
