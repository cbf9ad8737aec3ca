"""Where a case's workflow state lives (state format 2, see app/engine/state.py): the live part on the case
row, the finished history in append-only chunks of `case_state_chunks`.

Every writer of a case's state goes through `put` and `write_chunks` (step_runner.set_state and save_state),
in the transaction of the event that records the step: the live part rides on the case row's
version-checked UPDATE, and the chunks are inserted only after it, so a request that lost the race fails
on the row (a 409) before touching the chunks. A workflow whose save was not committed never goes back
into the cache (`step_runner.remember` runs after the commit), since its record of what is stored counts
chunks the database does not hold.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app import engine
from app.store.models import Case, CaseStateChunk

_CHUNKS = CaseStateChunk.__table__


def put(case: Case, workflow) -> engine.Saved:
    """Record the workflow's state since its last save: the live part on the case row (unflushed); the
    chunks are for `write_chunks` once the row's UPDATE went through."""
    saved = engine.save_flat(workflow)
    case.state, case.state_format = saved.live, engine.FLAT_STATE_FORMAT
    return saved


def write_chunks(session: Session, case: Case, saved: engine.Saved) -> None:
    """Append the save's chunks (all of them instead of the stored ones when it `replaces` them)."""
    if saved.replaces and case.last_seq > 0:  # a new case has none yet: nothing to delete
        session.execute(delete(_CHUNKS).where(_CHUNKS.c.case_id == case.id))
    if saved.chunks:
        session.execute(insert(_CHUNKS), [{"case_id": case.id, "seq": c.seq, "text": c.text, "chain": c.chain}
                                          for c in saved.chunks])


def chunk_texts(session: Session, case_id: int) -> list[str]:
    """The case's stored chunks, in seq order."""
    return list(session.scalars(select(CaseStateChunk.text).where(CaseStateChunk.case_id == case_id)
                                .order_by(CaseStateChunk.seq)))


def chunks_of(session: Session, case_ids: Iterable[int]) -> dict[int, list[engine.Chunk]]:
    """The stored chunks of several cases, each case's in seq order (for the audit)."""
    found: dict[int, list[engine.Chunk]] = {case_id: [] for case_id in case_ids}
    if found:
        for row in session.execute(select(CaseStateChunk).where(CaseStateChunk.case_id.in_(list(found)))
                                   .order_by(CaseStateChunk.case_id, CaseStateChunk.seq)).scalars():
            found[row.case_id].append(engine.Chunk(row.seq, row.text, row.chain))
    return found


def load(session: Session, process, case: Case):
    """The case's workflow from its stored state (a cold load: not in the cache)."""
    if case.state_format != engine.FLAT_STATE_FORMAT:
        raise engine.EngineError(f"case {case.number} is stored in format {case.state_format}: "
                                 f"run the database migrations")
    return engine.attach(engine.load_flat(process, chunk_texts(session, case.id), case.state))
