"""Our engine finds its work without walking the whole history, yet every case ends byte for byte where
SpiffWorkflow's own walks take it: cases recorded before must still replay to their digests."""
from __future__ import annotations

import time

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow

from app import engine
from app.engine import runtime

from . import test_engine_calls_and_messages as calls
from .test_engine_loops import _revise
from .test_office_diagrams_round_trip import DIAGRAMS, _run


@pytest.fixture
def library_walks(monkeypatch):
    """Run cases on SpiffWorkflow's own workflow class, as PlanFlow did before it kept an index."""
    def use() -> None:
        monkeypatch.setattr(runtime, "CaseWorkflow", BpmnWorkflow)
    return use


@pytest.fixture
def crosschecked(monkeypatch):
    """Each answer of the index compared with the library's walk as the case runs."""
    monkeypatch.setenv("PLANFLOW_ENGINE_CROSSCHECK", "1")


@pytest.mark.parametrize("key", DIAGRAMS)
def test_every_office_diagram_ends_where_the_librarys_walks_take_it(key, library_walks, crosschecked):
    ours = _run(key, round_trip=True)
    library_walks()
    assert _run(key, round_trip=False) == ours


def test_a_called_process_and_a_waiting_message_end_where_the_librarys_walks_take_them(library_walks, crosschecked):
    ours = engine.dump(calls._run_parent(round_trip=True)[1])
    library_walks()
    assert engine.dump(calls._run_parent(round_trip=False)[1]) == ours


def test_a_long_revise_loop_ends_where_the_librarys_walks_take_it(library_walks, crosschecked):
    ours = engine.dump(_revise(120, round_trip=False)[1])
    library_walks()
    assert engine.dump(_revise(120, round_trip=False)[1]) == ours


def test_a_step_late_in_a_long_loop_costs_about_what_an_early_one_costs():
    early = _time_rounds(20)
    late = _time_rounds(600)
    # The library's walks made a round at 600 cost some 30 times one at 20; a loose bound, for noisy machines.
    assert late < early * 6, f"20 rounds: {early:.4f} s per round; 600 rounds: {late:.4f} s per round"


def _time_rounds(rounds: int) -> float:
    began = time.perf_counter()
    _revise(rounds, round_trip=False)
    return (time.perf_counter() - began) / (rounds + 1)
