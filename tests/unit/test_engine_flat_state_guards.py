"""What keeps chunks honest: stored chunks that do not end at the live part's chain are refused; a finished
task the engine changes after it was written makes the next save rewrite the chunks; the cross-check names
a finished step whose data a later script changed in place; moving a case to a new version of its diagram,
or cancelling it, appends like any other step."""
from __future__ import annotations

from datetime import timedelta

import pytest
from SpiffWorkflow.util.task import TaskState

from app import engine

from ..editor_samples import budget_transfer_v2
from .case_walks import Stored
from .test_engine_calls_and_messages import HEAD
from .test_engine_loops import T0, _revise
from .test_engine_migration import ROOT, START, _compiled, _step


def _saved_loop(rounds: int):
    process, workflow = _revise(0, round_trip=False, last="revise")
    stored = Stored()
    stored.save(workflow)
    for i in range(rounds):
        ready = engine.ready_human_tasks(workflow, process)
        engine.complete(workflow, ready[0].engine_id, {"decision": "revise"}, T0 + timedelta(hours=i), f"g:{i}")
        stored.save(workflow)
    return process, workflow, stored


def test_chunks_that_do_not_end_at_the_live_parts_chain_are_refused():
    process, _, stored = _saved_loop(4)
    chunks, live = stored.chunks, stored.live
    changed = chunks[1].replace('"state":64', '"state":256', 1)
    assert changed != chunks[1]
    for wrong in (chunks[:-1], [*chunks, chunks[-1]], [chunks[1], chunks[0], *chunks[2:]],
                  [chunks[0], changed, *chunks[2:]]):
        with pytest.raises(engine.StateMismatch):
            engine.load_flat(process, wrong, live)
    assert engine.dump(engine.load_flat(process, chunks, live)) == engine.flat_full_text(chunks, live)


def test_the_digest_is_the_live_parts_and_moves_with_every_chunk():
    _, _, stored = _saved_loop(3)
    digests = [s.digest for s in stored.saves]
    assert len(set(digests)) == len(digests)
    assert all(s.digest == engine.flat_digest(s.live) for s in stored.saves)
    assert f'"chain":"{stored.saves[-1].chunks[-1].chain}"' in stored.live


@pytest.mark.parametrize("change", ["state", "child"])
def test_a_finished_task_changed_after_it_was_written_makes_the_next_save_rewrite_the_chunks(change):
    """SpiffWorkflow's joins may cancel a finished join task, and events may add under a finished task."""
    process, workflow, stored = _saved_loop(3)
    counted = next(t for t in workflow.tasks.values() if t.task_spec.name == "count" and t.state == TaskState.COMPLETED)
    if change == "state":
        counted._set_state(TaskState.CANCELLED)
    else:
        counted._add_child(counted.task_spec.outputs[0], TaskState.MAYBE)
    saved = stored.save(workflow)
    assert saved.replaces and [c.seq for c in saved.chunks] == [1]
    assert engine.dump(stored.load(process)) == engine.dump(workflow)
    ready = engine.ready_human_tasks(workflow, process)
    engine.complete(workflow, ready[0].engine_id, {"decision": "approve"}, T0 + timedelta(days=1), "g:end")
    saved = stored.save(workflow)
    assert not saved.replaces and [c.seq for c in saved.chunks] == [2]
    assert engine.dump(stored.load(process)) == engine.dump(workflow)


IN_PLACE = HEAD % b"in_place" + b"""
  <bpmn:process id="in_place" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="plan" name="Plan"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      </bpmn:userTask>
    <bpmn:userTask id="review" name="Review"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      </bpmn:userTask>
    <bpmn:scriptTask id="tally" scriptFormat="python"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>budget["rows"].append(3)</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="plan"/>
    <bpmn:sequenceFlow id="f2" sourceRef="plan" targetRef="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="tally"/>
    <bpmn:sequenceFlow id="f4" sourceRef="tally" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_the_crosscheck_names_a_finished_step_whose_data_a_later_script_changed_in_place():
    """SpiffWorkflow copies only the first level of data, so the script's list is the plan step's list."""
    process = engine.compile_diagram(IN_PLACE, "in_place")
    workflow, stored = engine.start(process, {}, T0, "p:0"), Stored()
    [plan] = engine.ready_human_tasks(workflow, process)
    engine.complete(workflow, plan.engine_id, {"budget": {"rows": [1, 2]}}, T0, "p:1")
    stored.save(workflow)
    [review] = engine.ready_human_tasks(workflow, process)
    engine.complete(workflow, review.engine_id, {}, T0, "p:2")
    with pytest.raises(AssertionError, match=r"finished task 'plan' \(.*\) changed after it was written: delta"):
        stored.save(workflow)


@pytest.mark.parametrize("key", ["budget_transfer", "development_plan", "annual_action_plan"])
def test_a_case_moved_to_a_new_version_midway_keeps_appending_to_its_chunks(key):
    xml = (ROOT / "processes" / f"{key}.bpmn").read_bytes()
    old = _compiled(key, xml)
    new = _compiled(key, xml.replace(b"</bpmn:definitions>", b"<!-- revised layout --></bpmn:definitions>"))
    workflow, stored, at, process = engine.start(old, {"schools": []}, START, f"{key}:1"), Stored(), START, old
    stored.save(workflow)
    for seq in range(2, 100):
        if engine.is_completed(workflow):
            break
        at += timedelta(hours=1)
        if seq == 4:
            engine.migrate(workflow, new, at, f"{key}:move")
            process = new
        else:
            _step(workflow, process, f"{key}:{seq}", at)
        assert not stored.save(workflow).replaces
        assert engine.dump(stored.load(process)) == engine.dump(workflow)
    assert engine.is_completed(workflow) and process is new


def test_a_case_moved_to_a_version_that_renames_its_open_step_keeps_appending_to_its_chunks():
    old = _compiled("budget_transfer", (ROOT / "processes" / "budget_transfer.bpmn").read_bytes())
    new = _compiled("budget_transfer", budget_transfer_v2())
    workflow, stored = engine.start(old, {}, START, "t:1"), Stored()
    stored.save(workflow)
    _step(workflow, old, "t:2", START + timedelta(hours=1))
    stored.save(workflow)
    engine.migrate(workflow, new, START + timedelta(hours=2), "t:3")
    assert not stored.save(workflow).replaces
    assert engine.dump(stored.load(new)) == engine.dump(workflow)
    for seq in range(4, 20):
        if engine.is_completed(workflow):
            break
        _step(workflow, new, f"t:{seq}", START + timedelta(hours=seq))
        assert not stored.save(workflow).replaces
    assert engine.is_completed(workflow) and engine.dump(stored.load(new)) == engine.dump(workflow)


def test_a_cancelled_case_appends_its_cancelled_steps_like_any_other():
    process, workflow, stored = _saved_loop(2)
    engine.cancel(workflow, T0 + timedelta(days=2), "g:cancel")
    saved = stored.save(workflow)
    assert not saved.replaces and len(saved.chunks) == 1
    assert engine.dump(stored.load(process)) == engine.dump(workflow)
