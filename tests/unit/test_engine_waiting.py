"""What a case waits on besides people, as the engine reads it: a message (with the form its data must satisfy),
a timer (with its due time), in the case's own diagram or in a process it calls; since the step that began the
wait, the same after the case is stored and loaded."""
from __future__ import annotations

from datetime import timedelta

from app import engine

from .test_engine_calls_and_messages import HEAD, T0, WAITING, _do, _waiting

# A review with a reminder timer on it (three days, not interrupting), then a call of a process that waits
# for OBEC's notice.
REVIEWED = HEAD % b"reviewed" + """
  <bpmn:process id="reviewed" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="l1" name="group_director"><bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>review_late</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="Review"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      </bpmn:userTask>
    <bpmn:boundaryEvent id="review_late" name="ครบสามวัน" cancelActivity="false" attachedToRef="review">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="nameEn" value="Three days passed"/></spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:outgoing>f5</bpmn:outgoing>
      <bpmn:timerEventDefinition id="late_def"><bpmn:timeDuration>"P3D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="late_end"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:callActivity id="await_notice" calledElement="waiting"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing></bpmn:callActivity>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="await_notice"/>
    <bpmn:sequenceFlow id="f3" sourceRef="await_notice" targetRef="end"/>
    <bpmn:sequenceFlow id="f5" sourceRef="review_late" targetRef="late_end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def _summary(workflow, process):
    return [(w.kind, w.element_id, w.name, w.message, w.form, w.since, w.due_at)
            for w in engine.waiting_for(workflow, process)]


def test_a_case_waiting_for_obecs_notice_says_so_since_the_step_that_led_there():
    process, workflow = _waiting()
    assert _summary(workflow, process) == [
        ("message", "notice", "OBEC notice", "obec_allocation", None, T0 + timedelta(minutes=1), None)]
    _, stored = _waiting(round_trip=True)
    assert _summary(stored, process) == _summary(workflow, process), "the same once stored and loaded"
    engine.deliver_message(workflow, "obec_allocation", {}, T0 + timedelta(days=2), "m:2")
    assert engine.waiting_for(workflow, process) == []


def test_the_notices_form_is_the_one_the_message_is_checked_against():
    with_form = WAITING.replace(
        b'<bpmn:intermediateCatchEvent id="notice" name="OBEC notice">',
        b'<bpmn:intermediateCatchEvent id="notice" name="OBEC notice"><bpmn:extensionElements>'
        b'<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" value="notice.json"/>'
        b'</spiffworkflow:properties></bpmn:extensionElements>')
    process = engine.compile_diagram(with_form, "waiting")
    assert process.catch_events["notice"].form == process.messages["obec_allocation"].form == "notice.json"


def test_a_timer_on_a_step_and_a_message_in_a_called_process_are_both_waits():
    process = engine.compile_diagram(REVIEWED, "reviewed", {"waiting": WAITING})
    workflow = engine.start(process, {}, T0, "r:0")
    [timer] = engine.waiting_for(workflow, process)
    assert (timer.kind, timer.element_id, timer.name, timer.name_en, timer.lane) == (
        "timer", "review_late", "ครบสามวัน", "Three days passed", "group_director")
    assert (timer.since, timer.due_at) == (T0, T0 + timedelta(days=3))
    assert engine.next_timer_at(workflow) == timer.due_at
    workflow = _do(workflow, process, "review", {}, 5, round_trip=True)
    workflow = _do(workflow, process, "prepare", {}, 6, round_trip=True)
    assert _summary(workflow, process) == [
        ("message", "notice", "OBEC notice", "obec_allocation", None, T0 + timedelta(minutes=6), None)]
