"""Cases recorded by the release before state format 2 (the whole workflow on the row, every event digesting
that whole text) are upgraded by the migration: each case's state becomes chunks of its finished steps and a
live part, its row learns its last event, and the audit still proves every case, checking the events before
the upgrade with the digests they were recorded with and the steps after it with format 2's."""
from __future__ import annotations

import json

from alembic import command
from sqlalchemy import select, text, update

from app import engine
from app.services.audit import verification
from app.services.cases import history
from app.store import schema
from app.store.models import Case, CaseStateChunk, Event

from ..stories import start


def _as_the_previous_release_recorded(ctx) -> None:
    """Rewrite the database as the release before format 2 left it: the schema before migration 0014 (whose
    downgrade puts each case's whole state back on its row) and, on every engine event, the digest of the
    whole state after it, the chain re-hashed over them."""
    recorded: dict[int, tuple[str, list[tuple[int, str | None, str]]]] = {}
    with ctx.read() as session, session.no_autoflush:
        for case in session.scalars(select(Case)).all():
            events = list(session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq)))
            case.flat_since_seq = len(events) + 1  # unflushed: replay as format 1 throughout
            digests = [(event.seq, digest if event.state_digest else None)
                       for event, _, digest in verification.replayed(case, events)]
            rows = []
            previous = history.GENESIS
            for event, (_, digest) in zip(events, digests, strict=True):
                event.state_digest, event.prev_hash = digest, previous
                event.hash = previous = history.event_hash(case.number, event)
                rows.append((event.seq, event.state_digest, event.hash))
            recorded[case.id] = (case.number, rows)
            session.expunge_all()
    bind = ctx.db.writer.kw["bind"]
    ctx.db.dispose()
    ctx.workflow_cache.clear()
    with bind.begin() as connection:
        command.downgrade(schema.alembic_config(connection), "0013_budget_transfer_authority")
        for case_id, (_, rows) in recorded.items():
            previous = history.GENESIS
            for seq, digest, hash_ in rows:
                connection.execute(text("UPDATE events SET state_digest = :d, prev_hash = :p, hash = :h "
                                        "WHERE case_id = :c AND seq = :s"),
                                   {"d": digest, "p": previous, "h": hash_, "c": case_id, "s": seq})
                previous = hash_


def test_cases_of_the_previous_release_are_upgraded_and_still_verify_before_and_after_their_next_step(
        ctx, people, clock):
    transfer = start(ctx, people, "budget_transfer", title="โอนงบก่อนปรับรูปแบบการเก็บ")
    transfer.complete("request", "plan1", category_from="operating", category_to="other", amount=1000)
    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="support")
    fresh = start(ctx, people, "budget_transfer", title="เพิ่งเริ่ม")
    _as_the_previous_release_recorded(ctx)
    bind = ctx.db.writer.kw["bind"]
    with bind.connect() as connection:
        stored = dict(connection.execute(text("SELECT id, state_format FROM cases")).all())
        assert set(stored.values()) == {1}
        whole = connection.execute(text("SELECT state FROM cases WHERE id = :id"), {"id": transfer.id}).scalar()
    schema.upgrade(bind)

    with ctx.read() as session, session.no_autoflush:
        for case in session.scalars(select(Case)).all():
            events = list(session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq)))
            chunks = list(session.scalars(select(CaseStateChunk.text).where(CaseStateChunk.case_id == case.id)
                                          .order_by(CaseStateChunk.seq)))
            assert events, (case.id, case.number, case.state_format, case.last_seq)
            assert case.state_format == engine.FLAT_STATE_FORMAT and len(chunks) == 1
            assert (case.last_seq, case.last_hash) == (events[-1].seq, events[-1].hash)
            assert case.flat_since_seq == events[-1].seq + 1
            if case.id == transfer.id:
                assert engine.flat_full_text(chunks, case.state) == whole, "the same state, byte for byte"
            assert json.loads(case.state)["chunks"] == 1
    for case in (transfer, fresh):
        verdict = verification.verify_case(ctx, people["auditor"], case.id)
        assert verdict.ok, verdict.problems

    clock.advance(hours=2)
    transfer.complete("director_approval", "office")
    fresh.complete("request", "plan1", category_from="operating", category_to="other", amount=500)
    with ctx.read() as session:
        last = session.scalar(select(Event).where(Event.case_id == transfer.id).order_by(Event.seq.desc()).limit(1))
        case = session.get(Case, transfer.id)
        assert last.state_digest == engine.flat_digest(case.state), "recorded in format 2 from now on"
        assert last.seq >= case.flat_since_seq
    for case in (transfer, fresh):
        verdict = verification.verify_case(ctx, people["auditor"], case.id)
        assert verdict.ok, verdict.problems


def test_an_event_of_the_previous_release_altered_before_the_upgrade_is_still_named(ctx, people):
    transfer = start(ctx, people, "budget_transfer", title="แก้ไขย้อนหลัง")
    transfer.complete("request", "plan1", category_from="operating", category_to="other", amount=1000)
    _as_the_previous_release_recorded(ctx)
    schema.upgrade(ctx.db.writer.kw["bind"])
    with ctx.write() as session:
        session.execute(update(Event).where(Event.case_id == transfer.id, Event.seq == 2)
                        .values(state_digest="0" * 64))
    verdict = verification.verify_case(ctx, people["auditor"], transfer.id)
    assert not verdict.ok and verdict.first_bad_seq == 2
