"""A plan calls another process (the annual plan calls the MTEF), and a case waits for OBEC's notice."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import engine

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
        b'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        b'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d_%s" targetNamespace="x">')

PARENT = HEAD % b"parent" + b"""
  <bpmn:process id="parent" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="l1" name="plan_staff"><bpmn:flowNodeRef>study</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>publish</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="study" name="Study">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      </bpmn:userTask>
    <bpmn:callActivity id="update_budget" calledElement="child"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing></bpmn:callActivity>
    <bpmn:userTask id="publish" name="Publish">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="study"/>
    <bpmn:sequenceFlow id="f2" sourceRef="study" targetRef="update_budget"/>
    <bpmn:sequenceFlow id="f3" sourceRef="update_budget" targetRef="publish"/>
    <bpmn:sequenceFlow id="f4" sourceRef="publish" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""

CHILD = HEAD % b"child" + b"""
  <bpmn:process id="child" isExecutable="true">
    <bpmn:laneSet id="cls">
      <bpmn:lane id="cl1" name="plan_staff"><bpmn:flowNodeRef>frame</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="cl2" name="school"><bpmn:flowNodeRef>estimate</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="child_start"><bpmn:outgoing>g1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="frame" name="Frame">
      <bpmn:incoming>g1</bpmn:incoming><bpmn:outgoing>g2</bpmn:outgoing>
      </bpmn:userTask>
    <bpmn:userTask id="estimate" name="Estimate">
      <bpmn:extensionElements>
        <spiffworkflow:postScript>estimate_row = {"school": school["code"], "revenue": revenue}
        </spiffworkflow:postScript>
      </bpmn:extensionElements>
      <bpmn:incoming>g2</bpmn:incoming><bpmn:outgoing>g3</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics spiffworkflow:scriptsOnInstances="true">
        <bpmn:loopDataInputRef>schools</bpmn:loopDataInputRef><bpmn:loopDataOutputRef>estimates</bpmn:loopDataOutputRef>
        <bpmn:inputDataItem id="school" name="school"/>
        <bpmn:outputDataItem id="estimate_row" name="estimate_row"/>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:endEvent id="child_end"><bpmn:incoming>g3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="g1" sourceRef="child_start" targetRef="frame"/>
    <bpmn:sequenceFlow id="g2" sourceRef="frame" targetRef="estimate"/>
    <bpmn:sequenceFlow id="g3" sourceRef="estimate" targetRef="child_end"/>
  </bpmn:process>
</bpmn:definitions>"""

WAITING = HEAD % b"waiting" + b"""
  <bpmn:process id="waiting" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="prepare" name="Prepare">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      </bpmn:userTask>
    <bpmn:intermediateCatchEvent id="notice" name="OBEC notice">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:messageEventDefinition id="notice_def" messageRef="msg">
        <bpmn:extensionElements><spiffworkflow:messageVariable>allocation</spiffworkflow:messageVariable></bpmn:extensionElements>
      </bpmn:messageEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="notify" name="Notify">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare"/>
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="notice"/>
    <bpmn:sequenceFlow id="f3" sourceRef="notice" targetRef="notify"/>
    <bpmn:sequenceFlow id="f4" sourceRef="notify" targetRef="end"/>
  </bpmn:process>
  <bpmn:message id="msg" name="obec_allocation"/>
</bpmn:definitions>"""

SCHOOLS = [{"code": "1040050001", "name": "A"}, {"code": "1040050002", "name": "B"}]


def _open(workflow, process) -> list[str]:
    return sorted(t.element_id for t in engine.ready_human_tasks(workflow, process))


def _do(workflow, process, element_id, data, minute, round_trip):
    step = next(t for t in engine.ready_human_tasks(workflow, process) if t.element_id == element_id)
    engine.complete(workflow, step.engine_id, data, T0 + timedelta(minutes=minute), f"c:{minute}")
    return engine.attach(engine.load(process, engine.dump(workflow))) if round_trip else workflow


def _run_parent(round_trip: bool):
    process = engine.compile_diagram(PARENT, "parent", {"child": CHILD})
    workflow = engine.start(process, {"schools": SCHOOLS}, T0, "c:0")
    assert _open(workflow, process) == ["study"]
    workflow = _do(workflow, process, "study", {"allocation": 100}, 1, round_trip)
    assert _open(workflow, process) == ["frame"], "the called process's first step is a step of the case"
    workflow = _do(workflow, process, "frame", {"frame": "3 years"}, 2, round_trip)
    steps = engine.ready_human_tasks(workflow, process)
    assert [(s.element_id, s.lane, s.instance["code"]) for s in steps] == [
        ("estimate", "school", "1040050001"), ("estimate", "school", "1040050002")]
    for minute, step in enumerate(steps, start=3):
        engine.complete(workflow, step.engine_id, {"revenue": minute * 1000}, T0 + timedelta(minutes=minute),
                        f"c:{minute}")
        if round_trip:
            workflow = engine.attach(engine.load(process, engine.dump(workflow)))
    assert _open(workflow, process) == ["publish"], "the case goes on after the called process ends"
    workflow = _do(workflow, process, "publish", {}, 9, round_trip)
    return process, workflow


def test_the_called_processs_steps_are_steps_of_the_calling_case_and_its_data_comes_back():
    process, workflow = _run_parent(round_trip=False)
    assert engine.is_completed(workflow)
    data = engine.case_data(workflow)
    assert data["allocation"] == 100 and data["frame"] == "3 years"
    assert data["estimates"] == [{"school": "1040050001", "revenue": 3000},
                                 {"school": "1040050002", "revenue": 4000}]


def test_a_case_inside_a_called_process_survives_storing_and_replays_byte_for_byte():
    _, stored = _run_parent(round_trip=True)
    _, in_memory = _run_parent(round_trip=False)
    assert engine.dump(stored) == engine.dump(in_memory)


def test_the_compiled_process_knows_the_called_steps_lanes_and_what_it_calls():
    process = engine.compile_diagram(PARENT, "parent", {"child": CHILD})
    assert set(process.user_tasks) == {"study", "frame", "estimate", "publish"}
    assert process.lanes == ("plan_staff", "school")
    assert process.calls == ("child",)
    assert engine.called_processes(PARENT) == ["child"]
    assert engine.called_processes(CHILD) == []


def test_a_call_to_a_process_that_is_not_deployed_names_the_call_activity():
    with pytest.raises(engine.InvalidDiagram) as caught:
        engine.compile_diagram(PARENT, "parent")
    assert [(p.element_id, p.message) for p in caught.value.problems] == [
        ("update_budget", "calls process 'child', which is not deployed")]


def test_a_step_id_used_in_both_the_caller_and_the_called_process_is_refused():
    clash = CHILD.replace(b'id="frame"', b'id="study"').replace(b">frame<", b">study<")
    for end in (b"targetRef", b"sourceRef"):
        clash = clash.replace(end + b'="frame"', end + b'="study"')
    with pytest.raises(engine.InvalidDiagram) as caught:
        engine.compile_diagram(PARENT, "parent", {"child": clash})
    assert caught.value.problems[0].element_id == "study"
    assert "both" in caught.value.problems[0].message


def test_a_problem_in_the_called_process_says_which_process_has_it():
    broken = CHILD.replace(b'targetRef="child_end"', b'targetRef="nowhere"')
    with pytest.raises(engine.InvalidDiagram) as caught:
        engine.compile_diagram(PARENT, "parent", {"child": broken})
    assert any(p.element_id == "g3" and "in called process child" in p.message for p in caught.value.problems)


def _waiting(round_trip: bool = False):
    process = engine.compile_diagram(WAITING, "waiting")
    workflow = engine.start(process, {}, T0, "m:0")
    workflow = _do(workflow, process, "prepare", {}, 1, round_trip)
    return process, workflow


def test_the_case_waits_for_obecs_notice_and_its_data_arrives_with_it():
    process, workflow = _waiting()
    assert process.messages["obec_allocation"].element_ids == ("notice",)
    assert process.messages["obec_allocation"].variable == "allocation"
    assert _open(workflow, process) == [] and engine.waiting_messages(workflow) == ["obec_allocation"]
    assert engine.next_timer_at(workflow) is None, "a message is not a timer"
    notice = {"number": "ศธ 04002/ว1234", "amount": 1500000}
    engine.deliver_message(workflow, "obec_allocation", notice, T0 + timedelta(days=3), "m:2")
    assert _open(workflow, process) == ["notify"]
    assert engine.case_data(workflow)["allocation"] == notice
    assert engine.waiting_messages(workflow) == []


def test_a_message_the_case_is_not_waiting_for_is_refused_and_changes_nothing():
    process = engine.compile_diagram(WAITING, "waiting")
    workflow = engine.start(process, {}, T0, "m:0")
    before = engine.dump(workflow)
    with pytest.raises(engine.NotWaiting):
        engine.deliver_message(workflow, "obec_allocation", {"amount": 1}, T0, "m:1")
    _, waiting = _waiting()
    with pytest.raises(engine.NotWaiting):
        engine.deliver_message(waiting, "another_message", {}, T0, "m:2")
    assert engine.dump(workflow) == before


def test_a_waiting_case_stored_and_loaded_still_takes_the_message_and_replays_byte_for_byte():
    process, stored = _waiting(round_trip=True)
    _, in_memory = _waiting(round_trip=False)
    for workflow in (stored, in_memory):
        engine.deliver_message(workflow, "obec_allocation", {"amount": 7}, T0 + timedelta(days=1), "m:2")
    assert engine.dump(stored) == engine.dump(in_memory)
    assert _open(stored, process) == ["notify"]


def test_a_message_catch_event_without_a_variable_for_its_data_is_refused():
    bare = WAITING.replace(
        b"<bpmn:extensionElements><spiffworkflow:messageVariable>allocation</spiffworkflow:messageVariable>"
        b"</bpmn:extensionElements>", b"")
    with pytest.raises(engine.InvalidDiagram) as caught:
        engine.compile_diagram(bare, "waiting")
    assert caught.value.problems[0].element_id == "notice"
