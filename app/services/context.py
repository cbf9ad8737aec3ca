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
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.store.db import Database

from .errors import Conflict

STALE_MESSAGE = "the case was changed by someone else at the same moment; reload and try again"


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    db: Database
    attachments_dir: Path
    forms_dir: Path
    processes_dir: Path
    clock: Callable[[], datetime] = system_clock
    max_upload_bytes: int = 20 * 1024 * 1024
    settings: dict = field(default_factory=dict)
    # Workflows of recently stepped cases (see casework.WorkflowCache); per context, so two databases
    # in one process never share entries.
    workflow_cache: Any = None

    def __post_init__(self) -> None:
        if self.workflow_cache is None:
            from .casework import WorkflowCache

            self.workflow_cache = WorkflowCache()

    def now(self) -> datetime:
        return self.clock()

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work: commits if the block ends normally, rolls back otherwise."""
        with self.db.writer() as session:
            try:
                yield session
                session.commit()
            except StaleDataError:
                session.rollback()
                raise Conflict(STALE_MESSAGE) from None
            except OperationalError as exc:
                session.rollback()
                if "locked" in str(exc.orig):  # SQLite gave up waiting for another writer
                    raise Conflict("the database is busy; try again") from None
                raise
            except BaseException:
                session.rollback()
                raise

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        # Closing (not rolling back) ends the transaction without expiring what was read, so objects
        # loaded here stay readable after the block.
        with self.db.reader() as session:
            yield session
