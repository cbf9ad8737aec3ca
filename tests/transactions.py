"""What each database transaction wrote, and what a case holds, to show that a use case's changes commit
together or not at all."""
from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import event, select

from app.store.models import Attachment, Event
from app.store.ui_models import TaskDraft

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@dataclass
class Transactions:
    """The tables written by each transaction that committed, and by each that rolled back, in order."""

    committed: list[set[str]] = field(default_factory=list)
    rolled_back: list[set[str]] = field(default_factory=list)
    statements: int = 0
    queries: int = 0  # the statements that read or write (not the BEGIN that only SQLite's driver sends)
    _open: dict[int, set[str]] = field(default_factory=dict)

    def writing(self) -> list[set[str]]:
        """The committed transactions that wrote something (a read-only commit is no change)."""
        return [tables for tables in self.committed if tables]

    def _execute(self, conn, _cursor, statement, *_args) -> None:
        self.statements += 1
        if not statement.lstrip().upper().startswith("BEGIN"):
            self.queries += 1
        found = _WRITE.match(statement)
        if found:
            self._open.setdefault(id(conn), set()).add(found.group(1).lower())

    def _commit(self, conn) -> None:
        self.committed.append(self._open.pop(id(conn), set()))

    def _rollback(self, conn) -> None:
        self.rolled_back.append(self._open.pop(id(conn), set()))


@contextlib.contextmanager
def watching(ctx) -> Iterator[Transactions]:
    """Record every transaction on the context's database (reader and writer engines) inside the block."""
    seen = Transactions()
    engines = {ctx.db.engine, ctx.db.writer.kw["bind"]}
    hooks = (("before_cursor_execute", seen._execute), ("commit", seen._commit), ("rollback", seen._rollback))
    for engine in engines:
        for name, listener in hooks:
            event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for engine in engines:
            for name, listener in hooks:
                event.remove(engine, name, listener)


# What sending a step with a file writes, all in its one commit.
STEP_TABLES = frozenset({"attachments", "events", "cases", "tasks", "task_drafts"})


def files_on_disk(ctx) -> list[str]:
    """Every file under the attachments folder, unfinished temporary ones included."""
    root = ctx.attachments_dir
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def recorded(ctx, case_id: int, task_id: int) -> dict:
    """What a refused submission must leave as it was: the case's files and events, and the step's drafts."""
    with ctx.read() as session:
        return {
            "attachments": session.scalars(select(Attachment.sha256).where(Attachment.case_id == case_id)).all(),
            "events": session.scalars(select(Event.kind).where(Event.case_id == case_id).order_by(Event.seq)).all(),
            "drafts": {row.username: (row.data, row.saved_at) for row in
                       session.scalars(select(TaskDraft).where(TaskDraft.task_id == task_id))},
        }
