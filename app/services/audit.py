"""Proving a case's record: the hash chain, and a replay of its events that must reach every recorded state."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import engine
from app.store.models import Case, Event

from . import access, casework, history, processes
from .actors import Actor
from .context import ServiceContext


@dataclass
class Verdict:
    case_id: int
    number: str
    chain_ok: bool = True
    replay_ok: bool = True
    events: int = 0
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)

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


def _check_chain(case: Case, events: list[Event], verdict: Verdict) -> None:
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
    seed = casework.seed(case, event.seq)
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
    return workflow


def _replay(case: Case, events: list[Event], verdict: Verdict) -> None:
    process = processes.compiled(case.version)
    workflow, digest = None, None
    for event in events:
        if event.kind in history.ENGINE_KINDS:
            try:
                workflow = _apply(process, workflow, case, event)
            except engine.EngineError as exc:
                verdict.fail("replay", event.seq, f"event {event.seq} cannot be replayed: {exc}")
                return
            digest = engine.digest(engine.dump(workflow))
        if event.state_digest is not None and event.state_digest != digest:
            verdict.fail("replay", event.seq, f"event {event.seq}: replay does not reach the recorded state")
            return
    if engine.digest(case.state) != digest:
        verdict.fail("replay", events[-1].seq if events else None,
                     "the case's stored state is not the state its events produce")


def verify_case_in_session(session: Session, case: Case) -> Verdict:
    events = list(session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq, Event.id)))
    verdict = Verdict(case_id=case.id, number=case.number, events=len(events))
    _check_chain(case, events, verdict)
    _replay(case, events, verdict)
    return verdict


def verify_case(ctx: ServiceContext, actor: Actor, case_id: int) -> Verdict:
    with ctx.read() as session:
        case = access.get_visible_case(session, actor, case_id)
        return verify_case_in_session(session, case)


def verify_all(ctx: ServiceContext) -> list[Verdict]:
    """Every case, for `planflow audit verify --all` and the nightly run."""
    with ctx.read() as session:
        ids = list(session.scalars(select(Case.id).order_by(Case.id)))
    verdicts = []
    for case_id in ids:
        with ctx.read() as session:
            verdicts.append(verify_case_in_session(session, session.get(Case, case_id)))
    return verdicts
