"""BPMN shapes the office's diagrams use rarely or not at all, most inside a loop so that finished rounds pile
up behind the running one: an event-based gateway (a message or a reminder timer), parallel steps, an
embedded subprocess, a called process with a per-school step, boundary timers on a step; and the diagrams
of the other engine tests."""
from __future__ import annotations

from app import engine

from ..diagrams import with_boundary_timers
from . import test_engine_calls_and_messages as calls
from .test_engine_loops import LOOP_XML

HEAD = calls.HEAD


def _flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'
    return (f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
            f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>')


def _user(task_id: str, incoming: list[str], outgoing: str) -> str:
    flows = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming)
    return (f'<bpmn:userTask id="{task_id}" name="{task_id}">{flows}<bpmn:outgoing>{outgoing}</bpmn:outgoing>'
            "</bpmn:userTask>")


def _revise_gateway(gateway_id: str, incoming: str, back: str, back_to: str, out: str) -> str:
    """An exclusive gateway that sends the case back while `decision == "revise"`, else on."""
    return (f'<bpmn:exclusiveGateway id="{gateway_id}" default="{out}"><bpmn:incoming>{incoming}</bpmn:incoming>'
            f"<bpmn:outgoing>{back}</bpmn:outgoing><bpmn:outgoing>{out}</bpmn:outgoing></bpmn:exclusiveGateway>"
            + _flow(back, gateway_id, back_to, 'decision == "revise"'))


def _process(process_id: str, body: str, tail: str = "") -> bytes:
    return (HEAD % process_id.encode() + f'<bpmn:process id="{process_id}" isExecutable="true">'.encode()
            + body.encode() + b"</bpmn:process>" + tail.encode() + b"</bpmn:definitions>")


# Prepare, then wait at an event-based gateway for OBEC's notice or a two-day reminder; the reminder has
# staff chase the notice and wait again (each round cancels the catch events not taken).
EVENT_GATEWAY = _process("chase", (
    '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>' + _flow("f1", "start", "prepare")
    + _user("prepare", ["f1"], "f2") + _flow("f2", "prepare", "wait")
    + '<bpmn:eventBasedGateway id="wait"><bpmn:incoming>f2</bpmn:incoming><bpmn:incoming>f6</bpmn:incoming>'
    "<bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:eventBasedGateway>"
    + _flow("f3", "wait", "notice") + _flow("f4", "wait", "reminder")
    + '<bpmn:intermediateCatchEvent id="notice"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>'
    '<bpmn:messageEventDefinition id="notice_def" messageRef="msg"><bpmn:extensionElements>'
    "<spiffworkflow:messageVariable>allocation</spiffworkflow:messageVariable></bpmn:extensionElements>"
    "</bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>"
    + '<bpmn:intermediateCatchEvent id="reminder"><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f7</bpmn:outgoing>'
    '<bpmn:timerEventDefinition id="reminder_def"><bpmn:timeDuration>"P2D"</bpmn:timeDuration>'
    "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
    + _flow("f7", "reminder", "chase_notice") + _user("chase_notice", ["f7"], "f6")
    + _flow("f6", "chase_notice", "wait")
    + _flow("f5", "notice", "notify") + _user("notify", ["f5"], "f8") + _flow("f8", "notify", "end")
    + '<bpmn:endEvent id="end"><bpmn:incoming>f8</bpmn:incoming></bpmn:endEvent>'
), '<bpmn:message id="msg" name="obec_allocation"/>')

# Two staff draft their parts side by side; the director reviews and may send both back.
PARALLEL_LOOP = _process("side_by_side", (
    '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>' + _flow("f1", "start", "split")
    + '<bpmn:parallelGateway id="split"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>back</bpmn:incoming>'
    "<bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:parallelGateway>"
    + _flow("f2", "split", "part_a") + _flow("f3", "split", "part_b")
    + _user("part_a", ["f2"], "f4") + _user("part_b", ["f3"], "f5") + _flow("f4", "part_a", "join")
    + _flow("f5", "part_b", "join")
    + '<bpmn:parallelGateway id="join"><bpmn:incoming>f4</bpmn:incoming><bpmn:incoming>f5</bpmn:incoming>'
    "<bpmn:outgoing>f6</bpmn:outgoing></bpmn:parallelGateway>"
    + _flow("f6", "join", "review") + _user("review", ["f6"], "f7") + _flow("f7", "review", "again")
    + _revise_gateway("again", "f7", "back", "split", "f8") + _flow("f8", "again", "end")
    + '<bpmn:endEvent id="end"><bpmn:incoming>f8</bpmn:incoming></bpmn:endEvent>'
))

# Each round runs an embedded subprocess (gather, then check), then the director decides.
EMBEDDED_LOOP = _process("rounds_of_gathering", (
    '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>' + _flow("f1", "start", "gather")
    + '<bpmn:subProcess id="gather"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>back</bpmn:incoming>'
    "<bpmn:outgoing>f2</bpmn:outgoing>"
    '<bpmn:startEvent id="inner_start"><bpmn:outgoing>g1</bpmn:outgoing></bpmn:startEvent>'
    + _flow("g1", "inner_start", "collect") + _user("collect", ["g1"], "g2") + _flow("g2", "collect", "check")
    + _user("check", ["g2"], "g3") + _flow("g3", "check", "inner_end")
    + '<bpmn:endEvent id="inner_end"><bpmn:incoming>g3</bpmn:incoming></bpmn:endEvent></bpmn:subProcess>'
    + _flow("f2", "gather", "decide") + _user("decide", ["f2"], "f3") + _flow("f3", "decide", "again")
    + _revise_gateway("again", "f3", "back", "gather", "f4") + _flow("f4", "again", "end")
    + '<bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>'
))

# Each round calls the MTEF-like process (a framing step, then one estimate per school); a round sent
# back starts with no estimates.
CALL_LOOP = _process("calls_again", (
    '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
    + _flow("f1", "start", "estimate_round")
    + '<bpmn:callActivity id="estimate_round" calledElement="child"><bpmn:incoming>f1</bpmn:incoming>'
    "<bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:callActivity>"
    + _flow("f2", "estimate_round", "decide") + _user("decide", ["f2"], "f3") + _flow("f3", "decide", "again")
    + _revise_gateway("again", "f3", "back", "clear", "f4") + _flow("f4", "again", "end")
    + '<bpmn:scriptTask id="clear" scriptFormat="python"><bpmn:incoming>back</bpmn:incoming>'
    "<bpmn:outgoing>f5</bpmn:outgoing><bpmn:script>estimates = []</bpmn:script></bpmn:scriptTask>"
    + _flow("f5", "clear", "estimate_round")
    + '<bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>'
))


def compiled(name: str) -> engine.CompiledProcess:
    """The shape `name`, compiled (with the process it calls, if any)."""
    if name == "boundary_timers":
        return engine.compile_diagram(with_boundary_timers("urgent_letter", '"P5D"', '"P2D"'), "urgent_letter")
    xml = {"event_gateway": EVENT_GATEWAY, "parallel_loop": PARALLEL_LOOP, "embedded_loop": EMBEDDED_LOOP,
           "call_loop": CALL_LOOP, "parent_calls_child": calls.PARENT, "waits_for_notice": calls.WAITING,
           "revise_loop": LOOP_XML}[name]
    called = {"child": calls.CHILD} if name in ("call_loop", "parent_calls_child") else None
    return engine.compile_diagram(xml, name, called)


# The shapes above, and those of the other engine tests: a called process, a waiting message, a loop.
SHAPES = ["event_gateway", "parallel_loop", "embedded_loop", "call_loop", "boundary_timers", "parent_calls_child",
          "waits_for_notice", "revise_loop"]
