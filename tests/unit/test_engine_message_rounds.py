"""OBEC's allocation in rounds, at the engine: a notice before the wait is kept and taken there, later rounds are
recorded while the case is elsewhere, and the same deliveries replayed give the same state byte for byte."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app import engine

from .test_engine_calls_and_messages import T0, WAITING

ROUNDS = WAITING.replace(
    b'<bpmn:intermediateCatchEvent id="notice" name="OBEC notice">',
    b'<bpmn:intermediateCatchEvent id="notice" name="OBEC notice"><bpmn:extensionElements><spiffworkflow:properties>'
    b'<spiffworkflow:property name="messageRounds" value="allocation_rounds"/>'
    b'</spiffworkflow:properties></bpmn:extensionElements>')
FIRST = {"round_number": 1, "amount": 1_000_000}
SECOND = {"round_number": 2, "amount": 250_000}


def _open(workflow, process) -> list[str]:
    return sorted(t.element_id for t in engine.ready_human_tasks(workflow, process))


def _complete(workflow, process, element_id: str, minute: int) -> None:
    step = next(t for t in engine.ready_human_tasks(workflow, process) if t.element_id == element_id)
    engine.complete(workflow, step.engine_id, {}, T0 + timedelta(minutes=minute), f"c:{minute}")


def _early_then_later(round_trip: bool):
    process = engine.compile_diagram(ROUNDS, "rounds")
    workflow = engine.start(process, {}, T0, "c:0")
    assert engine.deliver_message(workflow, "obec_allocation", FIRST, T0 + timedelta(minutes=1), "c:1") == "pending"
    if round_trip:
        workflow = engine.attach(engine.load(process, engine.dump(workflow)))
    assert _open(workflow, process) == ["prepare"], "an early notice leaves the case where it is"
    assert engine.case_data(workflow)["pending_messages"][0]["data"] == FIRST
    _complete(workflow, process, "prepare", 2)
    assert _open(workflow, process) == ["notify"], "the notice kept is taken when the case reaches the wait"
    assert engine.deliver_message(workflow, "obec_allocation", SECOND, T0 + timedelta(minutes=3), "c:3") == "round"
    if round_trip:
        workflow = engine.attach(engine.load(process, engine.dump(workflow)))
    return process, workflow


def test_an_early_notice_is_kept_taken_at_the_wait_and_a_later_round_is_recorded():
    process, workflow = _early_then_later(round_trip=False)
    assert process.messages["obec_allocation"].rounds == "allocation_rounds"
    data = engine.case_data(workflow)
    assert "pending_messages" not in data and data["allocation"] == FIRST
    assert [(r["round_number"], r["amount"], r.get("kept_early", False)) for r in data["allocation_rounds"]] == [
        (1, 1_000_000, True), (2, 250_000, False)]
    _complete(workflow, process, "notify", 4)
    assert engine.is_completed(workflow)
    assert [r["round_number"] for r in engine.case_data(workflow)["allocation_rounds"]] == [1, 2], \
        "the end of the case keeps the rounds"
    with pytest.raises(engine.NotWaiting):
        engine.deliver_message(workflow, "obec_allocation", {"round_number": 3}, T0 + timedelta(minutes=5), "c:5")


def test_rounds_stored_and_loaded_replay_byte_for_byte():
    _, stored = _early_then_later(round_trip=True)
    _, in_memory = _early_then_later(round_trip=False)
    assert engine.dump(stored) == engine.dump(in_memory)


def test_a_notice_on_time_is_the_first_round():
    process = engine.compile_diagram(ROUNDS, "rounds")
    workflow = engine.start(process, {}, T0, "c:0")
    _complete(workflow, process, "prepare", 1)
    assert engine.deliver_message(workflow, "obec_allocation", FIRST, T0 + timedelta(minutes=2), "c:2") == "taken"
    assert engine.case_data(workflow)["allocation_rounds"] == [{**FIRST, "received_at": (T0 + timedelta(
        minutes=2)).isoformat()}]
