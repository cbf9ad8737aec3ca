"""Small diagrams in the shapes that diagrams drawn outside PlanFlow bring (Camunda Modeler, spiff-arena,
SpiffWorkflow's own examples): each is a start, the shape, and an end, written here for these tests."""
from __future__ import annotations

from datetime import UTC, datetime

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
         'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
         'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="outside_definitions" '
         'targetNamespace="x">')
MESSAGE_VARIABLE = ("<bpmn:extensionElements><spiffworkflow:messageVariable>notice</spiffworkflow:messageVariable>"
                    "</bpmn:extensionElements>")


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    body = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else ""
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">{body}</bpmn:sequenceFlow>'


def process(body: str, tail: str = "", process_id: str = "outside", executable: str = "true") -> bytes:
    return (f'{_HEAD}<bpmn:process id="{process_id}" isExecutable="{executable}">{body}</bpmn:process>{tail}'
            "</bpmn:definitions>").encode()


def around(middle: str, tail: str = "") -> bytes:
    """start → `middle` (whose element is `x`) → end."""
    return process('<bpmn:startEvent id="start"/>' + flow("f1", "start", "x") + middle + flow("f2", "x", "end")
                   + '<bpmn:endEvent id="end"/>', tail)


def step_then(middle: str, tail: str = "") -> bytes:
    """start → the person's step `prepare` → `middle` (element `x`) → end."""
    return process('<bpmn:startEvent id="start"/>' + flow("f0", "start", "prepare") + '<bpmn:userTask id="prepare"/>'
                   + flow("f1", "prepare", "x") + middle + flow("f2", "x", "end") + '<bpmn:endEvent id="end"/>', tail)


def script(code: str) -> bytes:
    """start → the script `x` → the person's step `check` → end."""
    return process('<bpmn:startEvent id="start"/>' + flow("f1", "start", "x")
                   + f'<bpmn:scriptTask id="x"><bpmn:script>{code}</bpmn:script></bpmn:scriptTask>'
                   + flow("f2", "x", "check") + '<bpmn:userTask id="check"/>' + flow("f3", "check", "end")
                   + '<bpmn:endEvent id="end"/>')


def timer(part: str, text: str) -> str:
    return (f'<bpmn:intermediateCatchEvent id="x"><bpmn:timerEventDefinition><bpmn:{part}>{text}</bpmn:{part}>'
            "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>")


def per_item(loop: str) -> str:
    """The person's step `x`, once per item of `loop` (a multi-instance's characteristics)."""
    return (f'<bpmn:userTask id="x"><bpmn:multiInstanceLoopCharacteristics>{loop}'
            "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>")


def event_subprocess(start_definition: str, tail: str = "") -> bytes:
    """The person's step `work`, and an event subprocess whose start event `trigger` has `start_definition`
    and which asks for the person's step `respond`."""
    return process(
        '<bpmn:startEvent id="start"/>' + flow("f1", "start", "work") + '<bpmn:userTask id="work"/>'
        + flow("f2", "work", "end") + '<bpmn:endEvent id="end"/>'
        + '<bpmn:subProcess id="on_event" triggeredByEvent="true">'
        + f'<bpmn:startEvent id="trigger" isInterrupting="false">{start_definition}</bpmn:startEvent>'
        + flow("g1", "trigger", "respond") + '<bpmn:userTask id="respond"/>' + flow("g2", "respond", "done")
        + '<bpmn:endEvent id="done"/></bpmn:subProcess>', tail)
