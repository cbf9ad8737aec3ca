"""Moving running cases to a newer version of their process, when that cannot rewrite what they did.

A case stays on the version it started on unless a process owner moves it. A move is allowed only when
no step the case completed or is in the middle of changed or disappeared (see engine/migration.py for
the rules); each case gets its own answer, and its own transaction, so one refusal or one concurrent
step never holds back the others.

A move is an event of the case's history ("case_migrated", with the versions and their digests), so
the auditor's replay re-applies it at that point: it switches to the new version's parsed diagram and
migrates the replayed workflow the same way, reaching the recorded state byte for byte.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app import engine
from app.services.calendar.working_days import add_working_days
from app.services.cases import history, step_runner, waits
from app.services.catalog import processes
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict, Invalid, NotFound
from app.store.models import Case, Event, ProcessVersion, Task

KIND = "case_migrated"
MAX_CASES = 200


def _target(session: Session, key: str, number: int) -> ProcessVersion:
    row = session.scalar(select(ProcessVersion).where(ProcessVersion.key == key, ProcessVersion.version == number))
    if row is None:
        raise NotFound(f"no version {number} of process {key}")
    return row


def _refusal(case: Case, key: str, target: ProcessVersion) -> dict[str, Any] | None:
    """Why the case cannot move, before looking at its steps: a code with its values (pages word it in
    the reader's language) and the English sentence for scripts and logs."""
    if case.process_key != key:
        return {"code": "other_process", "process": case.process_key,
                "text": f"the case runs process {case.process_key}, not {key}"}
    if case.status != "running":
        return {"code": "not_running", "status": case.status,
                "text": f"the case is {case.status}; only running cases move" + (
                    " (resume it first)" if case.status == "suspended" else "")}
    if case.version.version == target.version:
        return {"code": "same_version", "text": f"the case is already on version {target.version}"}
    if case.version.version > target.version:
        return {"code": "older_target", "text": f"the case is on version {case.version.version}; "
                                                f"cases only move to a newer version"}
    return None


def _check_ids(case_ids: Any) -> list[int]:
    if not isinstance(case_ids, list) or not case_ids or len(case_ids) > MAX_CASES:
        raise Invalid(f"case_ids must list 1 to {MAX_CASES} cases", {"case_ids": ["1 to 200 case ids"]})
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in case_ids):
        raise Invalid("case_ids must be case ids (whole numbers)", {"case_ids": ["whole numbers expected"]})
    return list(dict.fromkeys(case_ids))


def migrate_cases(ctx: ServiceContext, actor: Actor, key: str, case_ids: list[int], to_version: int,
                  dry_run: bool = False) -> list[dict[str, Any]]:
    """For each case: can it move to `to_version` of `key`, and (unless a dry run) move it.

    Returns [{"case_id", "ok", "reason", "from_version", "to_version", "refusal", "blockers"}] in the order
    asked: `reason` in English; `refusal` ({"code", ...}) or `blockers` (the steps in the way) as data."""
    access.require_owner(actor, "move cases to another version")
    ids = _check_ids(case_ids)
    with ctx.read() as session:
        target_row = _target(session, key, to_version)
        target = processes.compiled(target_row)
    results = []
    for case_id in ids:
        try:
            results.append(_migrate_one(ctx, actor, key, case_id, target_row.id, target, dry_run))
        except (NotFound, Conflict) as exc:
            results.append({"case_id": case_id, "ok": False, "reason": exc.message, "from_version": None,
                            "to_version": to_version, "refusal": {"code": "not_found"}, "blockers": []})
    return results


def _migrate_one(ctx: ServiceContext, actor: Actor, key: str, case_id: int, target_id: int,
                 target: engine.CompiledProcess, dry_run: bool) -> dict[str, Any]:
    now = ctx.now()
    unit = ctx.read() if dry_run else ctx.write()
    with unit as session:
        case = access.get_visible_case(session, actor, case_id)
        target_row = session.get(ProcessVersion, target_id)
        result = {"case_id": case.id, "ok": False, "reason": None, "from_version": case.version.version,
                  "to_version": target_row.version, "refusal": None, "blockers": []}
        refusal = _refusal(case, key, target_row)
        if refusal:
            result.update(reason=refusal.pop("text"), refusal=refusal)
            return result
        process, workflow = step_runner.load_workflow(ctx, case)
        blockers = engine.migration_blockers(workflow, target)
        if blockers or dry_run:
            if blockers:
                result["reason"] = _reason(blockers, case.version, target_row)
                result["blockers"] = [_blocker_dict(b) for b in blockers]
            ctx.workflow_cache.put(case.id, case.lock_version, workflow)  # unchanged: still good
            result["ok"] = not blockers
            return result
        try:
            _move(session, case, process, workflow, target_row, target, actor, now)
        except engine.MigrationRefused as exc:
            result["reason"] = str(exc)
            return result
        except engine.RunTooLong as exc:
            raise step_runner.engine_refusal(exc, "the case could not move") from None
        except (engine.StepFailed, engine.EngineStall) as exc:
            raise Conflict(f"the case could not move: {exc}") from None
        result["ok"] = True
    step_runner.remember(ctx, case, workflow)
    return result


def _reason(blockers: list[engine.Blocker], source: ProcessVersion, target: ProcessVersion) -> str:
    """Each blocking step, with what the element diff says changed in it (names and values, not just fields)."""
    changed = {e["element_id"]: e["changes"] for e in _element_diff(source, target)["changed"]}
    reasons = []
    for blocker in blockers:
        detail = "; ".join(f"{c['field']}: {_short(c['before'])} → {_short(c['after'])}"
                           for c in changed.get(blocker.element_id, []))
        reasons.append(blocker.describe() + (f" [{detail}]" if detail else ""))
    return "; ".join(reasons)


def _blocker_dict(blocker: engine.Blocker) -> dict[str, Any]:
    """One blocking step as data, for pages that word the reason in the reader's language."""
    return {"element_id": blocker.element_id, "name": blocker.name, "state": blocker.state,
            "problem": blocker.problem, "attributes": list(dict.fromkeys(blocker.attributes))}


def _short(value: str | None, limit: int = 80) -> str:
    if value is None:
        return "none"
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


_diffs: dict[tuple[str, str], dict[str, Any]] = {}


def _element_diff(source: ProcessVersion, target: ProcessVersion) -> dict[str, Any]:
    """The element diff of two versions, computed once per pair (a batch of cases shares it)."""
    found = _diffs.get((source.sha256, target.sha256))
    if found is None:
        found = engine.element_diff(source.xml.encode("utf-8"), target.xml.encode("utf-8"))
        if len(_diffs) > 64:
            _diffs.clear()
        _diffs[(source.sha256, target.sha256)] = found
    return found


def _move(session: Session, case: Case, process, workflow, target_row: ProcessVersion,
          target: engine.CompiledProcess, actor: Actor, now) -> Event:
    previous = history.last_event(case)
    seq = history.seq_after(previous)
    engine.migrate(workflow, target, now, step_runner.seed(case, seq))
    source_row = case.version
    case.process_version_id, case.version = target_row.id, target_row
    digest = step_runner.save_state(session, case, workflow, now)
    open_tasks = step_runner.project_tasks(session, case, target, workflow, now)
    waits.project(session, case, target, workflow)
    _refresh_open_steps(open_tasks, process, target)
    return history.append(session, case, previous, now, actor.username, KIND, data={
        "process_key": case.process_key, "from_version": source_row.version, "to_version": target_row.version,
        "from_sha256": source_row.sha256, "to_sha256": target_row.sha256}, state_digest=digest)


def _refresh_open_steps(open_tasks: list[Task], before: engine.CompiledProcess, after: engine.CompiledProcess) -> None:
    """An open step keeps its row (and whoever holds it) but takes the new version's label, form and due period."""
    for row in open_tasks:
        old, new = before.user_task(row.spec_id), after.user_task(row.spec_id)
        if new is None:
            continue
        row.name, row.form = new.name, new.form
        old_days = old.due_working_days if old else None
        if new.due_working_days != old_days:
            row.due_at = add_working_days(row.created_at, new.due_working_days) if new.due_working_days else None


# Replay (audit.verification): which version a case started on, and the version each move went to.

def _recorded_version(session: Session, key: str, number: int, sha256: str | None) -> ProcessVersion:
    row = session.scalar(select(ProcessVersion).where(ProcessVersion.key == key, ProcessVersion.version == number))
    if row is None:
        raise engine.EngineError(f"version {number} of process {key} is missing")
    if sha256 is not None and row.sha256 != sha256:
        raise engine.EngineError(f"version {number} of process {key} is not the one the case moved with")
    return row


def starting_version(case: Case, events: list[Event]) -> ProcessVersion:
    """The version the case started on: its own, unless it was moved since."""
    moves = [e for e in events if e.kind == KIND]
    if not moves:
        return case.version
    first = moves[0].data
    return _recorded_version(object_session(case), case.process_key, first.get("from_version"),
                             first.get("from_sha256"))


def version_moved_to(case: Case, event: Event) -> engine.CompiledProcess:
    """The parsed diagram a recorded move went to."""
    row = _recorded_version(object_session(case), case.process_key, event.data.get("to_version"),
                            event.data.get("to_sha256"))
    return processes.compiled(row)
