"""A case's state as finished chunks plus a live part: every office diagram and every engine test shape,
saved after each step, loads back to exactly the state that ran in memory; a replay writes the same
chunks, live parts and digests; and a save late in a long loop writes what an early one writes."""
from __future__ import annotations

import pytest

from app import engine
from app.engine import serializer

from .case_walks import Stored, Walk, office_walk, shape_walk, variants_of
from .engine_shapes import SHAPES
from .test_engine_loops import T0, _revise
from .test_office_diagrams_round_trip import DIAGRAMS

VARIANTS = 3

def _recorded(walk: Walk, reload_every_step: bool) -> tuple[list[engine.Saved], list[str]]:
    """Save after every step (and, if asked, go on from what storage holds); the saves and full dumps."""
    stored, dumps = Stored(), []
    for _ in walk.steps():
        stored.save(walk.workflow)
        full = engine.dump(walk.workflow)
        assert engine.flat_full_text(stored.chunks, stored.live) == full, "chunks + live part = the full state"
        dumps.append(full)
        if reload_every_step:
            walk.workflow = stored.load(walk.process)
            assert engine.dump(walk.workflow) == full, "loaded from chunks + live part: the same full state"
    return stored.saves, dumps


def _same_saves(first: list[engine.Saved], second: list[engine.Saved]) -> None:
    assert [s.digest for s in first] == [s.digest for s in second]
    assert [(s.chunks, s.live, s.replaces) for s in first] == [(s.chunks, s.live, s.replaces) for s in second]


OFFICE_WALKS = [(key, variant) for key in DIAGRAMS for variant in range(variants_of(key))]


@pytest.mark.parametrize(("key", "variant"), OFFICE_WALKS)
def test_an_office_case_saved_after_every_step_loads_back_and_replays_to_the_same_chunks(key, variant):
    in_memory, dumps = _recorded(office_walk(key, variant), reload_every_step=False)
    reloaded, reloaded_dumps = _recorded(office_walk(key, variant), reload_every_step=True)
    assert reloaded_dumps == dumps
    _same_saves(reloaded, in_memory)
    assert not any(s.replaces for s in in_memory[1:]), "after the first save, every save appends"


@pytest.mark.parametrize("variant", range(VARIANTS))
@pytest.mark.parametrize("name", SHAPES)
def test_each_engine_shape_saved_after_every_step_loads_back_and_replays_to_the_same_chunks(name, variant):
    in_memory, dumps = _recorded(shape_walk(name, variant), reload_every_step=False)
    reloaded, reloaded_dumps = _recorded(shape_walk(name, variant), reload_every_step=True)
    assert reloaded_dumps == dumps
    _same_saves(reloaded, in_memory)
    assert not any(s.replaces for s in in_memory[1:])


def _elements(process: engine.CompiledProcess) -> set[str]:
    found = set()
    for spec in [process.spec, *process.subprocess_specs.values()]:
        found |= {ts.bpmn_id for ts in spec.task_specs.values()
                  if getattr(ts, "bpmn_id", None) and type(ts).__name__ != "StartEvent"}
    return found


def _passed(walk: Walk) -> set[str]:
    for _ in walk.steps():
        pass
    return set(engine.path_of(walk.workflow)["done"])


@pytest.mark.parametrize("name", DIAGRAMS + SHAPES)
def test_the_variants_of_a_walk_pass_every_element_of_the_diagram(name):
    """What makes the tests above cover every branch: each element but the start events is passed."""
    walks = [office_walk(name, v) if name in DIAGRAMS else shape_walk(name, v) for v in range(variants_of(name))]
    passed = set().union(*(_passed(walk) for walk in walks))
    assert _elements(walks[0].process) - passed == set()


def _late_save(rounds: int) -> tuple[engine.Saved, int, int]:
    """The save of one more revision after `rounds`: (what it wrote, tasks it serialized, format-1 size)."""
    process, workflow = _revise(rounds, round_trip=False, last="revise")
    engine.save_flat(workflow)  # the first save of this workflow writes its history once
    ready = engine.ready_human_tasks(workflow, process)
    engine.complete(workflow, ready[0].engine_id, {"decision": "revise"}, T0, "loop:late")
    calls_before = _TaskRecords.count
    saved = engine.save_flat(workflow)
    return saved, _TaskRecords.count - calls_before, len(engine.dump(workflow))


class _TaskRecords:
    count = 0


@pytest.fixture
def counted_task_records(monkeypatch):
    record = serializer.task_record

    def counted(task):
        _TaskRecords.count += 1
        return record(task)

    monkeypatch.setattr(serializer, "task_record", counted)


def test_a_save_late_in_a_long_loop_writes_what_an_early_one_writes(counted_task_records, monkeypatch):
    monkeypatch.delenv("PLANFLOW_STATE_CROSSCHECK")  # the cross-check serializes everything on purpose
    early, early_tasks, early_full = _late_save(5)
    late, late_tasks, late_full = _late_save(500)
    assert late_full > 30 * early_full, "format 1 writes the whole history at every step"
    assert late_tasks == early_tasks == late.tasks_written == early.tasks_written
    assert abs(late.bytes_written - early.bytes_written) <= 64, (early.bytes_written, late.bytes_written)
    assert not late.replaces and len(late.chunks) == 1
