"""An owner uploads a diagram drawn outside PlanFlow: what a PlanFlow case cannot carry out is refused when it
is deployed, naming the element and saying what to draw instead, instead of deploying and failing (or
waiting for ever) in the first case that reaches it."""
from __future__ import annotations

import pytest

from app import engine

from .outside_shapes import MESSAGE_VARIABLE, T0, around, event_subprocess, flow, process, step_then, timer

_MESSAGE = '<bpmn:message id="m" name="obec_notice"/>'
_SIGNAL = '<bpmn:signal id="sig" name="budget_ready"/>'
_NOTICE = f'<bpmn:messageEventDefinition messageRef="m">{MESSAGE_VARIABLE}</bpmn:messageEventDefinition>'

REFUSED = {
    "a message matched by a correlation key": (step_then(
        f'<bpmn:intermediateCatchEvent id="x">{_NOTICE}</bpmn:intermediateCatchEvent>',
        _MESSAGE + '<bpmn:correlationProperty id="case_number" name="case_number">'
                   '<bpmn:correlationPropertyRetrievalExpression messageRef="m">'
                   "<bpmn:formalExpression>number</bpmn:formalExpression>"
                   "</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>"),
        "case_number", "correlation is not supported"),
    "a catch event matched by the case's own variables": (step_then(
        '<bpmn:intermediateCatchEvent id="x"><bpmn:messageEventDefinition messageRef="m"><bpmn:extensionElements>'
        "<spiffworkflow:messageVariable>notice</spiffworkflow:messageVariable><spiffworkflow:processVariableCorrelation>"
        "<spiffworkflow:propertyId>number</spiffworkflow:propertyId><spiffworkflow:expression>number"
        "</spiffworkflow:expression></spiffworkflow:processVariableCorrelation></bpmn:extensionElements>"
        "</bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>", _MESSAGE),
        "x", "correlation is not supported"),
    "an event waiting for a message or a timer at once": (step_then(
        f'<bpmn:intermediateCatchEvent id="x">{_NOTICE}<bpmn:timerEventDefinition><bpmn:timeDuration>"P3D"'
        "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>", _MESSAGE),
        "x", "several triggers"),
    "a link to elsewhere in the diagram": (around(
        '<bpmn:intermediateThrowEvent id="x"><bpmn:linkEventDefinition name="later"/></bpmn:intermediateThrowEvent>'),
        "x", "link events are not supported"),
    "undoing a step by compensation": (process(
        '<bpmn:startEvent id="start"/>' + flow("f1", "start", "pay") + '<bpmn:userTask id="pay"/>'
        + flow("f2", "pay", "end") + '<bpmn:endEvent id="end"/>'
        '<bpmn:boundaryEvent id="x" attachedToRef="pay"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>'
        '<bpmn:userTask id="refund" isForCompensation="true"/>'
        '<bpmn:association id="a1" associationDirection="One" sourceRef="x" targetRef="refund"/>'),
        "refund", "compensation is not supported"),
    "a data store": (around(
        '<bpmn:scriptTask id="x"><bpmn:dataOutputAssociation id="o1"><bpmn:targetRef>register</bpmn:targetRef>'
        '</bpmn:dataOutputAssociation><bpmn:script>total = 1</bpmn:script></bpmn:scriptTask>'
        '<bpmn:dataStoreReference id="register" dataStoreRef="store"/>', '<bpmn:dataStore id="store" name="store"/>'),
        "register", "data stores are not supported"),
    "a DMN decision table": (around('<bpmn:businessRuleTask id="x"/>'), "x", "business rule tasks"),
    "a call to another system": (around('<bpmn:serviceTask id="x"/>'), "x", "service tasks are not supported"),
    "a complex gateway": (around('<bpmn:complexGateway id="x"/>'), "x", "complex gateways are not supported"),
    "an ad hoc subprocess": (around('<bpmn:adHocSubProcess id="x"><bpmn:userTask id="any_order"/>'
                                    "</bpmn:adHocSubProcess>"), "x", "ad hoc subprocesses are not supported"),
    "an event subprocess started by a message": (event_subprocess(_NOTICE, _MESSAGE), "trigger",
                                                  "event subprocess started by a message"),
    "an event subprocess started by a signal": (event_subprocess('<bpmn:signalEventDefinition signalRef="sig"/>',
                                                                 _SIGNAL), "trigger", "started by a signal"),
    "a signal nothing in the diagram sends": (step_then(
        '<bpmn:intermediateCatchEvent id="x"><bpmn:signalEventDefinition signalRef="sig"/>'
        "</bpmn:intermediateCatchEvent>", _SIGNAL), "x", "nothing in the diagram sends the signal 'budget_ready'"),
    "a process marked as not executable": (process('<bpmn:startEvent id="start"/>' + flow("f1", "start", "end")
                                                   + '<bpmn:endEvent id="end"/>', executable="false"),
                                           "outside", "marked as not executable"),
    "a timer of a million years": (around(timer("timeDuration", '"P999999Y"')), "x", "longer than 100 years"),
    "a timer date without a UTC offset": (around(timer("timeDate", '"2027-01-15T09:00:00"')), "x", "no UTC offset"),
    "a timer date that is no date": (around(timer("timeDate", '"2027-13-45T09:00:00+07:00"')), "x",
                                     "is not an ISO 8601 date"),
}


@pytest.mark.parametrize("xml, element, phrase", REFUSED.values(), ids=REFUSED.keys())
def test_what_a_case_cannot_carry_out_is_refused_at_deploy_naming_the_element(xml, element, phrase):
    with pytest.raises(engine.InvalidDiagram) as refused:
        engine.compile_diagram(xml, "uploaded")  # deployed under PlanFlow's key, not the process's id
    named: dict[str | None, list[str]] = {}
    for problem in refused.value.problems:
        named.setdefault(problem.element_id, []).append(problem.message)
    assert any(phrase in message for message in named.get(element, [])), named


def test_an_event_subprocess_started_by_a_timer_is_no_longer_refused_as_unreachable():
    """Its start event waits for the timer, not for a flow: the check used to call it unreachable."""
    xml = event_subprocess('<bpmn:timerEventDefinition><bpmn:timeDuration>"P2D"</bpmn:timeDuration>'
                           "</bpmn:timerEventDefinition>")
    process_ = engine.compile_diagram(xml, "uploaded")
    assert {"work", "respond"} <= set(process_.user_tasks)


def test_a_signal_the_case_sends_itself_and_an_empty_correlation_key_deploy():
    """Camunda Modeler and spiff-arena write an empty correlation key into every collaboration; a signal sent
    and caught inside one case is the case's own business."""
    xml = process(
        '<bpmn:startEvent id="start"/>' + flow("f1", "start", "split") + '<bpmn:parallelGateway id="split"/>'
        + flow("f2", "split", "announce") + flow("f3", "split", "hear")
        + '<bpmn:userTask id="announce"/>' + flow("f4", "announce", "send")
        + '<bpmn:intermediateThrowEvent id="send"><bpmn:signalEventDefinition signalRef="sig"/>'
          "</bpmn:intermediateThrowEvent>" + flow("f5", "send", "join")
        + '<bpmn:intermediateCatchEvent id="hear"><bpmn:signalEventDefinition signalRef="sig"/>'
          "</bpmn:intermediateCatchEvent>" + flow("f6", "hear", "join")
        + '<bpmn:parallelGateway id="join"/>' + flow("f7", "join", "end") + '<bpmn:endEvent id="end"/>',
        _SIGNAL).replace(b"<bpmn:process ", b'<bpmn:collaboration id="c"><bpmn:participant id="p" '
                         b'processRef="outside"/><bpmn:correlationKey id="k" name="MainCorrelationKey"/>'
                         b"</bpmn:collaboration><bpmn:process ", 1)
    process_ = engine.compile_diagram(xml, "uploaded")
    workflow = engine.start(process_, {}, T0, "signal:0")
    [announce] = engine.ready_human_tasks(workflow, process_)
    engine.complete(workflow, announce.engine_id, {}, T0, "signal:1")
    assert engine.is_completed(workflow)


def test_a_boundary_signal_nothing_sends_leaves_its_step_to_go_on_and_deploys():
    """A boundary event that never fires is only a way out not taken: the step under it still finishes."""
    recalled = ('<bpmn:boundaryEvent id="recalled" attachedToRef="answer">'
                '<bpmn:signalEventDefinition signalRef="sig"/></bpmn:boundaryEvent>')
    xml = process('<bpmn:startEvent id="start"/>' + flow("f1", "start", "answer") + '<bpmn:userTask id="answer"/>'
                  + flow("f2", "answer", "end") + '<bpmn:endEvent id="end"/>' + recalled
                  + flow("f3", "recalled", "end_recalled") + '<bpmn:endEvent id="end_recalled"/>', _SIGNAL)
    process_ = engine.compile_diagram(xml, "uploaded")
    workflow = engine.start(process_, {}, T0, "boundary:0")
    [answer] = engine.ready_human_tasks(workflow, process_)
    engine.complete(workflow, answer.engine_id, {}, T0, "boundary:1")
    assert engine.is_completed(workflow)


def test_two_steps_asking_for_the_same_field_in_camunda_form_data_deploy():
    """Camunda Modeler names a generated form's fields after the case's fields: the request and its approval both
    have a field `firstname`. Those are not element ids, and were refused as ids used twice."""
    def asks(step: str) -> str:
        return (f'<bpmn:userTask id="{step}"><bpmn:extensionElements><camunda:formData>'
                '<camunda:formField id="firstname" label="Firstname" type="string"/></camunda:formData>'
                "</bpmn:extensionElements></bpmn:userTask>")

    xml = process('<bpmn:startEvent id="start"/>' + flow("f1", "start", "request") + asks("request")
                  + flow("f2", "request", "approve") + asks("approve") + flow("f3", "approve", "end")
                  + '<bpmn:endEvent id="end"/>').replace(
        b"<bpmn:definitions ", b'<bpmn:definitions xmlns:camunda="http://camunda.org/schema/1.0/bpmn" ', 1)
    assert set(engine.compile_diagram(xml, "uploaded").user_tasks) == {"request", "approve"}


def test_a_flow_too_long_for_the_parser_to_follow_is_refused_with_a_sentence_not_a_recursion_error():
    steps = 600
    body = '<bpmn:startEvent id="start"/>' + flow("f0", "start", "t0")
    for n in range(steps):
        body += f'<bpmn:task id="t{n}"/>' + flow(f"f{n + 1}", f"t{n}", f"t{n + 1}" if n + 1 < steps else "end")
    with pytest.raises(engine.InvalidDiagram) as refused:
        engine.compile_diagram(process(body + '<bpmn:endEvent id="end"/>'), "uploaded")
    [problem] = refused.value.problems
    assert problem.element_id and "too long to read as one chain" in problem.message


def test_what_the_bpmn_schema_refuses_is_tied_to_the_element_on_the_line_it_names():
    """The schema check names only a line; the editor needs an element to mark (an empty ioSpecification, as
    some modelers write one, is not valid BPMN)."""
    xml = process('<bpmn:ioSpecification/><bpmn:startEvent id="start"/>' + flow("f1", "start", "end")
                  + '<bpmn:endEvent id="end"/>').replace(b"><bpmn:ioSpecification/>", b">\n<bpmn:ioSpecification/>")
    with pytest.raises(engine.InvalidDiagram) as refused:
        engine.compile_diagram(xml, "uploaded")
    [problem] = refused.value.problems
    assert problem.element_id == "outside" and "'bpmn:ioSpecification'" in problem.message
