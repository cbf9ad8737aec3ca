"""A plan sent back for revision again and again must still end correctly, or fail loudly — never stall."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from app import engine

LOOP = (Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "loop.bpmn")
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)

LOOP_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="revise" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="init" scriptFormat="python"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>rounds = 0</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="draft" name="Draft"><bpmn:incoming>f2</bpmn:incoming><bpmn:incoming>f5</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:scriptTask id="count" scriptFormat="python"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>rounds = rounds + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="again" default="f6"><bpmn:incoming>f4</bpmn:incoming>
      <bpmn:outgoing>f5</bpmn:outgoing><bpmn:outgoing>f6</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>f6</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="init"/>
    <bpmn:sequenceFlow id="f2" sourceRef="init" targetRef="draft"/>
    <bpmn:sequenceFlow id="f3" sourceRef="draft" targetRef="count"/>
    <bpmn:sequenceFlow id="f4" sourceRef="count" targetRef="again"/>
    <bpmn:sequenceFlow id="f5" sourceRef="again" targetRef="draft">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">decision == "revise"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f6" sourceRef="again" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _revise(rounds: int, round_trip: bool, last: str = "approve"):
    process = engine.compile_diagram(LOOP_XML, "revise")
    workflow = engine.start(process, {}, T0, "loop:1")
    for i in range(rounds + 1):
        ready = engine.ready_human_tasks(workflow, process)
        assert len(ready) == 1, f"round {i}: expected the draft step to be open"
        decision = "revise" if i < rounds else last
        at = T0 + timedelta(minutes=i)
        engine.complete(workflow, ready[0].engine_id, {"decision": decision}, at, f"loop:{i + 2}")
        if round_trip:
            workflow = engine.attach(engine.load(process, engine.dump(workflow)))
    return process, workflow


def test_a_plan_revised_300_times_still_finishes_with_every_round_counted():
    process, workflow = _revise(300, round_trip=False)
    assert engine.is_completed(workflow)
    assert engine.ready_human_tasks(workflow, process) == []
    assert engine.case_data(workflow)["rounds"] == 301


def test_the_long_revise_loop_survives_storing_and_loading_at_every_step():
    process, workflow = _revise(260, round_trip=True)
    assert engine.is_completed(workflow)
    assert engine.case_data(workflow)["rounds"] == 261


def test_replaying_the_same_steps_reproduces_the_same_state_byte_for_byte():
    _, first = _revise(20, round_trip=True)
    _, second = _revise(20, round_trip=False)
    assert engine.dump(first) == engine.dump(second)
