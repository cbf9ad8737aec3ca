"""Proving a case's record: the hash chain, and a replay of its events that must reach every recorded state;
every case verified each night, and the record of those runs."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, undefer

from app import engine
from app.services.cases import history, state_store, step_runner
from app.services.catalog import processes
from app.services.editor import migration
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Forbidden
from app.store.models import Case, Event, VerificationRun
from app.thaidate import BANGKOK


@dataclass
class Verdict:
    case_id: int
    number: str
    chain_ok: bool = True
    replay_ok: bool = True
    events: int = 0
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)
    replayed: int | None = None  # the last event the replay reached

    @property
    def ok(self) -> bool:
        return self.chain_ok and self.replay_ok

    def fail(self, kind: str, seq: int | None, message: str) -> None:
        if kind == "chain":
            self.chain_ok = False
        else:
            self.replay_ok = False
        if self.first_bad_seq is None or (seq is not None and seq < self.first_bad_seq):
            self.first_bad_seq = seq
        self.problems.append(message)

    def as_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "number": self.number, "chain_ok": self.chain_ok,
                "replay_ok": self.replay_ok, "events": self.events, "first_bad_seq": self.first_bad_seq,
                "problems": self.problems}


def check_chain(case: Case, events: list[Event], verdict: Verdict) -> None:
    """Fail the verdict at the first event out of place, out of the chain, or altered since it was recorded."""
    expected_prev = history.GENESIS
    for position, event in enumerate(events, start=1):
        if event.seq != position:
            verdict.fail("chain", event.seq, f"event {event.seq} is out of place: expected event {position}")
            return
        if event.prev_hash != expected_prev:
            verdict.fail("chain", event.seq, f"event {event.seq} does not follow event {position - 1}")
            return
        if history.event_hash(case.number, event) != event.hash:
            verdict.fail("chain", event.seq, f"event {event.seq} was altered after it was recorded")
            return
        expected_prev = event.hash


def _apply(process, workflow, case: Case, event: Event):
    seed = step_runner.seed(case, event.seq)
    if event.kind == "case_started":
        return engine.start(process, event.data.get("data") or {}, event.at, seed)
    if workflow is None:
        raise engine.EngineError("the case has no start event")
    if event.kind == "task_completed":
        engine.complete(workflow, event.task_engine_id, event.data, event.at, seed)
    elif event.kind == "timers_fired":
        engine.fire_timers(workflow, event.at, seed)
    elif event.kind == "message_received":
        engine.deliver_message(workflow, event.data["name"], event.data.get("data") or {}, event.at, seed)
    elif event.kind == "case_cancelled":
        engine.cancel(workflow, event.at, seed)
    elif event.kind == "round_closed":
        engine.close_round(workflow, event.task_engine_id, event.at, seed)
    elif event.kind == migration.KIND:
        engine.migrate(workflow, process, event.at, seed)  # `process` is already the version moved to
    return workflow


class Stored:
    """What a replay writes as the case's stored state (state format 2): chunks and live part, saved after
    each engine event from the case's `flat_since_seq` on, as the case itself was."""

    def __init__(self) -> None:
        self.chunks: list[engine.Chunk] = []
        self.live: str | None = None

    def save(self, workflow) -> str:
        saved = engine.save_flat(workflow)
        self.chunks = [*([] if saved.replaces else self.chunks), *saved.chunks]
        self.live = saved.live
        return saved.digest

    def upgrade(self, process, workflow):
        """The workflow as the migration to format 2 left the case: `load` of `upgrade` of its full dump."""
        saved = engine.upgrade_to_flat(engine.dump(workflow))
        self.chunks, self.live = list(saved.chunks), saved.live
        return engine.attach(engine.load_flat(process, [c.text for c in saved.chunks], saved.live))

    def same_as(self, case: Case, chunks: list[engine.Chunk]) -> bool:
        return self.live == case.state and self.chunks == chunks


def replayed(case: Case, events: list[Event], digests: bool = True, stored: Stored | None = None):
    """Re-run the case's engine events in order; yields (event, workflow, digest after it).

    Events before the case's `flat_since_seq` were recorded in state format 1 and digested as its full
    dump: without `digests` that dump is skipped and the digest yielded is None (a dump costs time in
    proportion to the case's history, so dumping after every event of a long case costs time in proportion
    to the square of its length). From `flat_since_seq` on the replay saves in format 2 after every engine
    event, as the case did (a save costs what changed), into `stored`; where the case was upgraded it goes
    on, as the case did, from the upgraded state.
    Raises engine.EngineError when an event cannot be applied (its step was not open, say).
    """
    stored = stored if stored is not None else Stored()
    process = processes.compiled(migration.starting_version(case, events))
    workflow, digest, flat = None, None, False
    for event in events:
        if event.kind == migration.KIND:
            process = migration.version_moved_to(case, event)
        if not flat and event.seq >= case.flat_since_seq:
            flat = True
            if workflow is not None:
                workflow = stored.upgrade(process, workflow)
        if event.kind in history.ENGINE_KINDS:
            workflow = _apply(process, workflow, case, event)
            if flat:
                digest = stored.save(workflow)
            else:
                digest = engine.digest(engine.dump(workflow)) if digests else None
        yield event, workflow, digest
    if not flat and workflow is not None:  # upgraded after its last event
        stored.upgrade(process, workflow)


def _replay(case: Case, events: list[Event], verdict: Verdict, chunks: list[engine.Chunk]) -> None:
    """Replay the events once without dumping and compare the state they end in; only when that
    differs (or an event fails), replay again digesting after every event to name the first bad one.

    The digests recorded on the events before the last engine event are not recomputed on the fast
    path: an intact hash chain proves they were not changed, and the replay proves the events
    produce the stored state. With a broken chain every event is checked, as before.
    """
    if verdict.chain_ok and _replays_to_stored_state(case, events, chunks):
        verdict.replayed = events[-1].seq
        return
    _replay_each(case, events, verdict, chunks)


def _replays_to_stored_state(case: Case, events: list[Event], chunks: list[engine.Chunk]) -> bool:
    workflow, stored = None, Stored()
    try:
        for _, current, _ in replayed(case, events, digests=False, stored=stored):
            workflow = current
    except engine.EngineError:
        return False
    return ends_in_stored_state(case, events, workflow, stored, chunks)


def ends_in_stored_state(case: Case, events: list[Event], workflow, stored: Stored,
                         chunks: list[engine.Chunk]) -> bool:
    """Whether the replayed workflow is the case's stored state (its chunks and live part, byte for byte) and
    the one its last engine event recorded."""
    if workflow is None or stored.live is None:
        return False
    digest = engine.flat_digest(stored.live)
    last = max(e.seq for e in events if e.kind in history.ENGINE_KINDS)
    if last < case.flat_since_seq:  # recorded in format 1, before the upgrade
        recorded = engine.digest(engine.dump(workflow))
    else:
        recorded = digest
    return stored.same_as(case, chunks) and all(e.state_digest in (None, recorded) for e in events if e.seq >= last)


def _replay_each(case: Case, events: list[Event], verdict: Verdict, chunks: list[engine.Chunk]) -> None:
    stored = Stored()
    replay = replayed(case, events, stored=stored)
    while True:
        try:
            event, _, digest = next(replay)
        except StopIteration:
            break
        except engine.EngineError as exc:
            seq = _failing_seq(events, verdict)
            verdict.fail("replay", seq, f"event {seq} cannot be replayed: {exc}")
            return
        if event.state_digest is not None and event.state_digest != digest:
            verdict.fail("replay", event.seq, f"event {event.seq}: replay does not reach the recorded state")
            return
        verdict.replayed = event.seq
    if not stored.same_as(case, chunks):
        verdict.fail("replay", events[-1].seq if events else None,
                     "the case's stored state is not the state its events produce")


def _failing_seq(events: list[Event], verdict: Verdict) -> int | None:
    following = [e.seq for e in events if e.seq > (verdict.replayed or 0) and e.kind in history.ENGINE_KINDS]
    return following[0] if following else None


def verify_case_in_session(session: Session, case: Case) -> Verdict:
    """The verdict on one case, read in the caller's session."""
    events = list(session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq, Event.id)))
    return _verify(case, events, state_store.chunks_of(session, [case.id])[case.id])


def _verify(case: Case, events: list[Event], chunks: list[engine.Chunk]) -> Verdict:
    verdict = Verdict(case_id=case.id, number=case.number, events=len(events))
    check_chain(case, events, verdict)
    _replay(case, events, verdict, chunks)
    return verdict


def verify_case(ctx: ServiceContext, actor: Actor, case_id: int) -> Verdict:
    """The verdict on one case the actor may audit (hash chain and replay)."""
    with ctx.read() as session:
        case, _ = access.get_audit_case(session, actor, case_id)
        return verify_case_in_session(session, case)


# Cases verified per batch: their rows, states and events come in two queries instead of three per case.
BATCH = 200


def _verify_batch(session: Session, case_ids: list[int]) -> list[Verdict]:
    cases = session.scalars(select(Case).where(Case.id.in_(case_ids)).options(undefer(Case.state))
                            .order_by(Case.id)).all()
    events: dict[int, list[Event]] = {case_id: [] for case_id in case_ids}
    for event in session.scalars(select(Event).where(Event.case_id.in_(case_ids))
                                 .order_by(Event.case_id, Event.seq, Event.id)):
        events[event.case_id].append(event)
    chunks = state_store.chunks_of(session, case_ids)
    return [_verify(case, events[case.id], chunks[case.id]) for case in cases]


def _batches(ids: list[int]):
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def verify_all(ctx: ServiceContext) -> list[Verdict]:
    """Every case, for `planflow audit verify --all` and the nightly run."""
    with ctx.read() as session:
        ids = list(session.scalars(select(Case.id).order_by(Case.id)))
    verdicts = []
    for batch in _batches(ids):
        with ctx.read() as session:
            verdicts += _verify_batch(session, batch)
    return verdicts


def record_run(ctx: ServiceContext, verdicts: list[Verdict], started_at) -> dict[str, Any]:
    """Keep the result of a verification of every case where supervisors see it."""
    failed = [v.as_dict() for v in verdicts if not v.ok]
    with ctx.write() as session:
        run = VerificationRun(started_at=started_at, finished_at=ctx.now(), cases=len(verdicts),
                              failed=len(failed), failures=failed[:200])
        session.add(run)
        session.flush()
        return verification_run_dict(run)


def verification_run_dict(run: VerificationRun) -> dict[str, Any]:
    """A verification run as the API and pages show it."""
    return {"id": run.id, "started_at": run.started_at.isoformat(), "finished_at": run.finished_at.isoformat(),
            "cases": run.cases, "failed": run.failed, "failures": run.failures,
            "night": run.night.isoformat() if run.night else None}


def latest_runs(ctx: ServiceContext, actor: Actor, limit: int = 10) -> list[dict[str, Any]]:
    """The latest verifications of every case, for supervisors, auditors and administrators."""
    if not (actor.is_supervisor or actor.is_auditor or actor.is_admin):
        raise Forbidden("supervisors and auditors see verification runs")
    with ctx.read() as session:
        runs = session.scalars(select(VerificationRun).order_by(VerificationRun.id.desc()).limit(limit))
        return [verification_run_dict(r) for r in runs]


NIGHTLY_AT = time(1, 0)  # 01:00 Bangkok, when nobody is at work


def run_nightly(ctx: ServiceContext) -> dict[str, Any] | None:
    """Verify every case once tonight is due and no run has claimed it; None when there is nothing to do.

    Exactly once, the way due jobs are: the run's row is keyed by its night (a unique index) and
    inserted with ON CONFLICT DO NOTHING, so of any number of schedulers one inserts it; the
    verification and its result are written in that same transaction, so a crash leaves no claim.
    """
    now = ctx.now()
    night = now.astimezone(BANGKOK).date()
    if now < datetime.combine(night, NIGHTLY_AT, tzinfo=BANGKOK).astimezone(UTC):
        return None
    with ctx.read() as session:
        if session.scalar(select(VerificationRun.id).where(VerificationRun.night == night)) is not None:
            return None
    with ctx.write() as session:
        dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
        table = VerificationRun.__table__
        claimed = session.execute(dialect.insert(table).values(
            started_at=now, finished_at=now, cases=0, failed=0, failures=[], night=night,
        ).on_conflict_do_nothing(index_elements=["night"]).returning(table.c.id)).scalar()
        if claimed is None:
            return None
        verdicts = []
        for batch in _batches(list(session.scalars(select(Case.id).order_by(Case.id)))):
            verdicts += _verify_batch(session, batch)
            session.expunge_all()  # read only: keep memory flat over a night's million events
        run = session.get(VerificationRun, claimed)
        failed = [v.as_dict() for v in verdicts if not v.ok]
        run.cases, run.failed, run.failures, run.finished_at = len(verdicts), len(failed), failed[:200], ctx.now()
        session.flush()
        return verification_run_dict(run)
