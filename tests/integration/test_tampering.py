"""An auditor proves the record: any edit to the events or the stored state names the case and event."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, update

from app import engine
from app.cli import main as cli_main
from app.services.audit import verification
from app.services.cases import state_store
from app.services.catalog import processes
from app.store.models import Case, CaseStateChunk, Event

from ..stories import start


def _transfer(ctx, people):
    transfer = start(ctx, people, "budget_transfer")
    transfer.complete("request", "plan1", category_from="operating", category_to="other", amount=1000)
    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="support")
    transfer.complete("director_approval", "office")
    return transfer


def _verify(ctx, people, case_id):
    return verification.verify_case(ctx, people["auditor"], case_id)


def test_an_untouched_case_verifies(ctx, people):
    transfer = _transfer(ctx, people)
    verdict = _verify(ctx, people, transfer.id)
    assert verdict.ok and verdict.first_bad_seq is None and verdict.events >= 5


def test_changing_the_data_of_an_event_names_that_event(ctx, people):
    transfer = _transfer(ctx, people)
    with ctx.write() as session:
        event = session.scalar(select(Event).where(Event.case_id == transfer.id, Event.kind == "task_completed")
                               .order_by(Event.seq).limit(1))
        seq = event.seq
        session.execute(update(Event).where(Event.id == event.id).values(data={**event.data, "amount": 999999}))
    verdict = _verify(ctx, people, transfer.id)
    assert not verdict.chain_ok and verdict.first_bad_seq == seq


def test_deleting_an_event_names_the_gap(ctx, people):
    transfer = _transfer(ctx, people)
    with ctx.write() as session:
        session.execute(delete(Event).where(Event.case_id == transfer.id, Event.seq == 3))
    verdict = _verify(ctx, people, transfer.id)
    assert not verdict.chain_ok and verdict.first_bad_seq == 4


def test_reordering_events_is_detected(ctx, people):
    transfer = _transfer(ctx, people)
    with ctx.write() as session:
        session.execute(update(Event).where(Event.case_id == transfer.id, Event.seq == 2).values(seq=-2))
        session.execute(update(Event).where(Event.case_id == transfer.id, Event.seq == 3).values(seq=2))
        session.execute(update(Event).where(Event.case_id == transfer.id, Event.seq == -2).values(seq=3))
    verdict = _verify(ctx, people, transfer.id)
    assert not verdict.chain_ok and verdict.first_bad_seq == 2


def test_editing_the_cases_state_behind_the_logs_back_is_detected(ctx, people):
    transfer = _transfer(ctx, people)
    with ctx.write() as session:
        case = session.get(Case, transfer.id)
        state = json.loads(case.state)  # the live part of state format 2
        state["workflow"]["data"]["injected"] = "yes"
        session.execute(update(Case).where(Case.id == case.id).values(state=json.dumps(state)))
    verdict = _verify(ctx, people, transfer.id)
    assert verdict.chain_ok and not verdict.replay_ok


def _finished_history(ctx, case_id) -> list[CaseStateChunk]:
    with ctx.read() as session:
        chunks = list(session.scalars(select(CaseStateChunk).where(CaseStateChunk.case_id == case_id)
                                      .order_by(CaseStateChunk.seq)))
        session.expunge_all()
        return chunks


def test_editing_a_stored_chunk_of_finished_steps_is_detected_and_the_case_refuses_to_load(ctx, people):
    transfer = _transfer(ctx, people)
    chunks = _finished_history(ctx, transfer.id)
    assert len(chunks) >= 3, "each step appended the steps it finished"
    edited = chunks[2]  # the request's, after the start's and the matter's
    with ctx.write() as session:
        session.execute(update(CaseStateChunk).where(CaseStateChunk.case_id == transfer.id,
                                                     CaseStateChunk.seq == edited.seq)
                        .values(text=edited.text.replace('"amount":1000', '"amount":1')))
    assert _finished_history(ctx, transfer.id)[2].text != edited.text, "the amount is in that chunk"
    verdict = _verify(ctx, people, transfer.id)
    assert verdict.chain_ok and not verdict.replay_ok
    assert "stored state" in verdict.problems[0]
    ctx.workflow_cache.clear()
    with ctx.write() as session:
        case = session.get(Case, transfer.id)
        with pytest.raises(engine.StateMismatch):
            state_store.load(session, processes.compiled(case.version), case)


def test_a_chunk_removed_from_the_stored_state_is_detected(ctx, people):
    transfer = _transfer(ctx, people)
    with ctx.write() as session:
        session.execute(delete(CaseStateChunk).where(CaseStateChunk.case_id == transfer.id,
                                                     CaseStateChunk.seq == 1))
    verdict = _verify(ctx, people, transfer.id)
    assert verdict.chain_ok and not verdict.replay_ok


def test_rewriting_an_event_and_its_hash_is_caught_by_the_next_link(ctx, people):
    transfer = _transfer(ctx, people)
    from app.services.cases.history import event_hash
    with ctx.write() as session:
        event = session.scalar(select(Event).where(Event.case_id == transfer.id, Event.seq == 2))
        event.data = {**event.data, "amount": 1}
        event.hash = event_hash(transfer.case["number"], event)
    verdict = _verify(ctx, people, transfer.id)
    assert not verdict.ok and verdict.first_bad_seq in (2, 3)


def test_audit_verify_all_on_the_command_line_exits_1_and_names_the_case(ctx, people, monkeypatch, capsys):
    good = _transfer(ctx, people)
    bad = _transfer(ctx, people)
    with ctx.write() as session:
        session.execute(update(Event).where(Event.case_id == bad.id, Event.seq == 2).values(actor="someone"))
    monkeypatch.setenv("DATABASE_URL", ctx.db.url)
    assert cli_main(["audit", "verify", "--all"]) == 1
    out = capsys.readouterr().out
    assert f"case {bad.id} ({bad.case['number']}): event 2" in out
    assert f"case {good.id} " not in out


def test_an_event_rewritten_with_the_whole_chain_after_it_is_named_by_the_replay(ctx, people):
    transfer = _transfer(ctx, people)
    from app.services.cases.history import event_hash
    with ctx.write() as session:
        events = list(session.scalars(select(Event).where(Event.case_id == transfer.id).order_by(Event.seq)))
        changed = next(e for e in events if e.kind == "task_completed")
        changed.data = {**changed.data, "amount": 1}
        previous = None
        for event in events:
            if previous is not None:
                event.prev_hash = previous.hash
            if event.seq >= changed.seq:
                event.hash = event_hash(transfer.case["number"], event)
            previous = event
    verdict = _verify(ctx, people, transfer.id)
    assert verdict.chain_ok and not verdict.replay_ok and verdict.first_bad_seq == changed.seq
