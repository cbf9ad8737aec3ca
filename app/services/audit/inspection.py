"""What auditors read of the record: a case replayed event by event, its history as CSV, events across cases,
and the cases to audit; secret correspondence masked for auditors without the clearance."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import select

from app import engine
from app.services.cases import history, state_store
from app.services.editor import migration
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Forbidden
from app.store.models import Case, Event

from .verification import Stored, Verdict, check_chain, ends_in_stored_state, replayed


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Field by field, what an event changed in the case's data."""
    changed = []
    for name in list(before) + [k for k in after if k not in before]:
        old, new = before.get(name), after.get(name)
        if old != new:
            changed.append({"field": name, "before": old, "after": new})
    return changed


def replay_case(ctx: ServiceContext, actor: Actor, case_id: int) -> dict[str, Any]:
    """The case step by step: each event with the data it changed and the diagram path up to it."""
    with ctx.read() as session:
        case, masked = access.get_audit_case(session, actor, case_id)
        events = list(session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq)))
        chain = Verdict(case_id=case.id, number=case.number)
        check_chain(case, events, chain)
        # Only an intact chain vouches for the digests recorded on the way (see `_replay_steps`).
        chunks = state_store.chunks_of(session, [case.id])[case.id]
        steps = _replay_steps(case, events, chunks, digests=False) if chain.chain_ok else None
        if steps is None:  # find where the replay parts from the record, event by event
            steps = _replay_steps(case, events, chunks, digests=True)
        return {"case_id": case.id, "number": case.number, "process_key": case.process_key,
                "version": case.version.version, "masked": masked, "case": case_metadata(case, masked),
                "final_digest": events[-1].hash if events else history.GENESIS,
                "steps": [_masked_event(s) if masked and "seq" in s else s for s in steps]}


def _replay_steps(case: Case, events: list[Event], chunks: list[engine.Chunk],
                  digests: bool) -> list[dict[str, Any]] | None:
    """Each event with what it changed, the case's data and the diagram path after it.

    Without `digests` the state is dumped once, at the end, and judged as `verify` judges it: when the
    replay ends in the stored state, each event counts as reaching its recorded state (the hash chain
    covers the digests recorded on the way); otherwise None, and the caller replays with digests.
    """
    steps, data = [], {}
    version = _first_version_number(case, events)
    workflow, stored = None, Stored()
    try:
        for event, workflow, digest in replayed(case, events, digests, stored):
            after = engine.case_data(workflow) if workflow is not None else {}
            if event.kind == migration.KIND:
                version = event.data.get("to_version", version)
            steps.append({**history.event_dict(event), "version": version, "changes": _changes(data, after),
                          "case_data": after, "path": engine.path_of(workflow) if workflow else {},
                          "state_matches": event.state_digest in (None, digest) if digests else True})
            data = after
    except engine.EngineError as exc:
        if not digests:
            return None
        steps.append({"error": f"the replay stopped: {exc}"})
        return steps
    if not digests and events and not ends_in_stored_state(case, events, workflow, stored, chunks):
        return None
    return steps


# What an auditor without the clearance may know of a secret case's events: when, what kind, and the chain.
_METADATA_FIELDS = ("seq", "at", "kind", "state_digest", "hash", "prev_hash", "path", "state_matches")


def _masked_event(step: dict[str, Any]) -> dict[str, Any]:
    return {**{k: step[k] for k in _METADATA_FIELDS if k in step}, "actor": None, "task_spec_id": None,
            "task_id": None, "data": None, "changes": [], "case_data": {}, "masked": True}


def case_metadata(case: Case, masked: bool) -> dict[str, Any]:
    """The case as the audit pages show it; a masked case keeps its number, process, status and dates."""
    iso = lambda moment: moment.isoformat() if moment else None  # noqa: E731
    return {"id": case.id, "number": case.number, "process_key": case.process_key, "status": case.status,
            "started_at": iso(case.started_at), "completed_at": iso(case.completed_at),
            "title": None if masked else case.title, "secrecy": case.secrecy, "masked": masked}


def _first_version_number(case: Case, events: list[Event]) -> int:
    """The version a case started on, as recorded (the diagram each replayed step is drawn on)."""
    moves = [e for e in events if e.kind == migration.KIND]
    return moves[0].data.get("from_version", case.version.version) if moves else case.version.version


def search_events(ctx: ServiceContext, actor: Actor, username: str | None = None, date_from=None, date_to=None,
                  process_key: str | None = None, kind: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """Events across the cases the actor may see, filtered by who, when, which process and what kind."""
    query = (select(Event, Case).join(Case, Case.id == Event.case_id)
             .where(access.audit_cases_clause(actor)))
    if username:
        query = query.where(Event.actor == username)
    if date_from is not None:
        query = query.where(Event.at >= date_from)
    if date_to is not None:
        query = query.where(Event.at < date_to)
    if process_key:
        query = query.where(Case.process_key == process_key)
    if kind:
        query = query.where(Event.kind == kind)
    query = query.order_by(Event.at.desc(), Event.id.desc()).limit(min(max(limit, 1), 10000))
    with ctx.read() as session:
        found = []
        for e, c in session.execute(query):
            row = {**history.event_dict(e), "case_id": c.id, "case_number": c.number, "process_key": c.process_key,
                   "masked": False}
            if access.masked_for(actor, c) and actor.is_auditor:
                row.update(actor=None, task_spec_id=None, task_id=None, data=None, masked=True)
            found.append(row)
        return found


CSV_COLUMNS = ("seq", "at", "actor", "kind", "task_spec_id", "data", "state_digest", "prev_hash", "hash")


def history_csv(ctx: ServiceContext, actor: Actor, case_id: int) -> str:
    """The case's events as CSV (UTF-8 with BOM so spreadsheet programs show Thai), chain digest last."""
    with ctx.read() as session:
        case, masked = access.get_audit_case(session, actor, case_id)
        events = list(session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq)))
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for event in events:
            row = history.event_dict(event)
            row["data"] = json.dumps(row["data"], ensure_ascii=False, sort_keys=True)
            if masked:
                row.update(actor="", task_spec_id="", data="")
            writer.writerow([row[c] for c in CSV_COLUMNS])
        writer.writerow(["final_digest", events[-1].hash if events else history.GENESIS])
        return out.getvalue()


def audit_cases(ctx: ServiceContext, actor: Actor, process_key: str | None = None, limit: int = 500) -> list[dict]:
    """Every case an auditor may look into, newest first; secret correspondence masked for the uncleared."""
    if not (actor.is_auditor or actor.is_supervisor or actor.is_admin):
        raise Forbidden("auditors, supervisors and administrators see the audit lists")
    query = select(Case).where(access.audit_cases_clause(actor))
    if process_key:
        query = query.where(Case.process_key == process_key)
    with ctx.read() as session:
        rows = session.scalars(query.order_by(Case.id.desc()).limit(min(max(limit, 1), 5000)))
        return [case_metadata(c, actor.is_auditor and access.masked_for(actor, c)) for c in rows]
