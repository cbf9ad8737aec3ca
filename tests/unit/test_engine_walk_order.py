"""Our engine finds its work without walking the whole history, yet every case ends byte for byte where
SpiffWorkflow's own walks take it: cases recorded before must still replay to their digests."""
from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.util.task import TaskIterator

from app import engine
from app.engine import runtime, task_order

from . import test_engine_calls_and_messages as calls
from .test_engine_loops import T0, _revise
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


class _Visits:
    """Counts the engine's walking: tasks SpiffWorkflow's iterators visit, and steps up the task tree."""

    def __init__(self, monkeypatch):
        self.count = 0
        for iterator in (TaskIterator, BpmnTaskIterator):  # each visit of a task is one `_next`
            monkeypatch.setattr(iterator, "_next", self._counted(iterator._next))
        monkeypatch.setattr(task_order, "_up", self._counted(task_order._up))

    def _counted(self, function):
        def counted(*args):
            self.count += 1
            return function(*args)
        return counted

    def of_one_step_after(self, rounds: int) -> int:
        """The visits of the step that sends the plan back once more, after `rounds` revisions."""
        process, workflow = _revise(rounds, round_trip=False, last="revise")
        ready = engine.ready_human_tasks(workflow, process)
        self.count = 0
        engine.complete(workflow, ready[0].engine_id, {"decision": "revise"}, T0, "loop:late")
        engine.ready_human_tasks(workflow, process)
        return self.count


def test_a_step_late_in_a_long_loop_visits_what_an_early_one_visits(monkeypatch):
    visits = _Visits(monkeypatch)
    early, late = visits.of_one_step_after(20), visits.of_one_step_after(600)
    assert late <= early + 10, f"after 20 rounds: {early} visits; after 600: {late}"


def test_the_library_walks_would_visit_the_whole_history(monkeypatch, library_walks):
    """The same count tells the two apart: the library's walk grows with every round before."""
    library_walks()
    visits = _Visits(monkeypatch)
    early, late = visits.of_one_step_after(20), visits.of_one_step_after(600)
    assert late > 10 * early, f"after 20 rounds: {early} visits; after 600: {late}"
