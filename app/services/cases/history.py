"""The case's event log: append-only, each row hash-chained to the one before it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.store.models import Case, Event

GENESIS = "0" * 64

# Kinds that change the workflow; replay re-runs exactly these.
# "case_migrated": the case moved to a newer version of its process (editor.migration).
# "round_closed": a per-school round closed, its schools' open steps cancelled (cases.rounds).
ENGINE_KINDS = ("case_started", "task_completed", "timers_fired", "message_received", "case_cancelled",
                "case_migrated", "round_closed")


def canonical_time(at: datetime) -> str:
    """An event's time as its hash covers it: UTC, to the microsecond."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(case_number: str, event: Event) -> str:
    """The hash of an event's content and its predecessor's hash."""
    body = {
        "case": case_number, "seq": event.seq, "at": canonical_time(event.at), "actor": event.actor,
        "kind": event.kind, "task_spec_id": event.task_spec_id, "task_engine_id": event.task_engine_id,
        "data": event.data, "state_digest": event.state_digest, "prev_hash": event.prev_hash,
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Last:
    """The seq and hash of a case's last event."""

    seq: int
    hash: str


def last_event(case: Case) -> Last | None:
    """The case's last event (seq and hash), or None: kept on the case row by every event written through
    `chained_event`, so no read of the events table (the row's version-checked UPDATE guards it)."""
    return Last(case.last_seq, case.last_hash) if case.last_seq else None


def seq_after(previous) -> int:
    """The number of the event after `previous` (1 for a case's first)."""
    return 1 if previous is None else previous.seq + 1


def append(session: Session, case: Case, previous, at: datetime, actor: str | None, kind: str,
           data: dict[str, Any] | None = None, task_spec_id: str | None = None,
           task_engine_id: str | None = None, state_digest: str | None = None) -> Event:
    """Record one change to the case, chained to `previous` (its last event, read in this transaction)."""
    event = chained_event(case, previous, at, actor, kind, data=data, task_spec_id=task_spec_id,
                          task_engine_id=task_engine_id, state_digest=state_digest)
    session.add(event)
    case.last_event_at = event.at
    return event


def chained_event(case: Case, previous, at: datetime, actor: str | None, kind: str,
                  data: dict[str, Any] | None = None, task_spec_id: str | None = None,
                  task_engine_id: str | None = None, state_digest: str | None = None) -> Event:
    """The next event of the case, hashed and chained to `previous`, not yet added to the session: a
    step adds it only once the case's row is locked by its version-checked UPDATE (see step_runner)."""
    event = Event(
        case_id=case.id, seq=(previous.seq + 1) if previous else 1, at=at.astimezone(UTC),
        actor=actor, kind=kind, task_spec_id=task_spec_id, task_engine_id=task_engine_id, data=data or {},
        state_digest=state_digest, prev_hash=previous.hash if previous else GENESIS,
    )
    event.hash = event_hash(case.number, event)
    case.last_seq, case.last_hash = event.seq, event.hash
    return event


def event_dict(event: Event) -> dict[str, Any]:
    """docs/api.md's event."""
    return {
        "seq": event.seq, "at": event.at.isoformat(), "actor": event.actor, "kind": event.kind,
        "task_spec_id": event.task_spec_id, "task_id": event.task_engine_id, "data": event.data,
        "state_digest": event.state_digest, "hash": event.hash, "prev_hash": event.prev_hash,
    }
