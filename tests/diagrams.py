"""Small diagrams written for the deadline stories: one step with a due period, a step with boundary timers,
a process that starts itself every quarter."""

from __future__ import annotations

from app.services.editor import deployment
from app.services.kernel.actors import SYSTEM

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" '
    'targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def _properties(props: dict[str, str]) -> str:
    if not props:
        return ""
    inner = "".join(f'<spiffworkflow:property name="{k}" value="{v}" />' for k, v in props.items())
    return (f"<bpmn:extensionElements><spiffworkflow:properties>{inner}</spiffworkflow:properties>"
            "</bpmn:extensionElements>")


def _lanes(lanes: dict[str, list[str]]) -> str:
    body = "".join(
        f'<bpmn:lane id="lane_{name}" name="{name}">'
        + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
        + "</bpmn:lane>"
        for name, nodes in lanes.items()
    )
    return f'<bpmn:laneSet id="lanes">{body}</bpmn:laneSet>'


def one_step(
    key: str,
    step_props: dict[str, str],
    process_props: dict[str, str] | None = None,
    start_timer: str | None = None,
) -> bytes:
    """start → the user task `answer` (lane plan_staff) → end."""
    timer = (
        f'<bpmn:timerEventDefinition id="start_timer"><bpmn:timeCycle xsi:type="bpmn:tFormalExpression">'
        f"{start_timer}</bpmn:timeCycle></bpmn:timerEventDefinition>"
        if start_timer
        else ""
    )
    return (
        _HEAD
        + f'<bpmn:process id="{key}" name="ตอบหนังสือ" isExecutable="true">'
        + _properties(process_props or {})
        + _lanes({"plan_staff": ["start", "answer", "end"]})
        + f'<bpmn:startEvent id="start" name="เริ่ม"><bpmn:outgoing>f1</bpmn:outgoing>{timer}</bpmn:startEvent>'
        + '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="answer" />'
        + '<bpmn:userTask id="answer" name="จัดทำหนังสือตอบ">'
        + _properties(step_props)
        + "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>"
        + '<bpmn:sequenceFlow id="f2" sourceRef="answer" targetRef="end" />'
        + '<bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
        + "</bpmn:process></bpmn:definitions>"
    ).encode("utf-8")


def with_boundary_timers(key: str, interrupting: str, non_interrupting: str) -> bytes:
    """`answer` (plan staff, due in 3 working days) with two timers: a non-interrupting one that asks plan
    staff to note the delay (`note_delay`), and an interrupting one that takes the matter from them and
    hands it to the group director (`takeover`)."""
    parts = [
        '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>',
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="answer" />',
        '<bpmn:userTask id="answer" name="จัดทำหนังสือตอบ">'
        + _properties({"dueWorkingDays": "3"})
        + "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>",
        '<bpmn:sequenceFlow id="f2" sourceRef="answer" targetRef="end" />',
        '<bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>',
        '<bpmn:boundaryEvent id="nudge" name="แจ้งความล่าช้า" attachedToRef="answer" cancelActivity="false">'
        '<bpmn:outgoing>f5</bpmn:outgoing><bpmn:timerEventDefinition id="t_nudge">'
        f'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{non_interrupting}</bpmn:timeDuration>'
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>",
        '<bpmn:sequenceFlow id="f5" sourceRef="nudge" targetRef="note_delay" />',
        '<bpmn:userTask id="note_delay" name="บันทึกเหตุผลความล่าช้า">'
        "<bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing></bpmn:userTask>",
        '<bpmn:sequenceFlow id="f6" sourceRef="note_delay" targetRef="end_note" />',
        '<bpmn:endEvent id="end_note"><bpmn:incoming>f6</bpmn:incoming></bpmn:endEvent>',
        '<bpmn:boundaryEvent id="too_late" name="เกินกำหนด" attachedToRef="answer">'
        '<bpmn:outgoing>f3</bpmn:outgoing><bpmn:timerEventDefinition id="t_late">'
        f'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{interrupting}</bpmn:timeDuration>'
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>",
        '<bpmn:sequenceFlow id="f3" sourceRef="too_late" targetRef="takeover" />',
        '<bpmn:userTask id="takeover" name="ผู้อำนวยการกลุ่มมอบหมายผู้ปฏิบัติใหม่">'
        "<bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>",
        '<bpmn:sequenceFlow id="f4" sourceRef="takeover" targetRef="end_takeover" />',
        '<bpmn:endEvent id="end_takeover"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>',
    ]
    lanes = {
        "plan_staff": ["start", "answer", "end", "nudge", "note_delay", "end_note", "too_late"],
        "group_director": ["takeover", "end_takeover"],
    }
    return (
        _HEAD
        + f'<bpmn:process id="{key}" name="ตอบหนังสือด่วน" isExecutable="true">'
        + _lanes(lanes)
        + "".join(parts)
        + "</bpmn:process></bpmn:definitions>"
    ).encode("utf-8")


def name_then_act(key: str, first: tuple[str, str, str], then: tuple[str, str], field: str) -> bytes:
    """start → `first` (id, lane, form: the step whose form names who does the next one) → `then` (id, lane),
    which the diagram assigns through `assigneeField` = field → end."""
    (first_id, first_lane, form), (then_id, then_lane) = first, then
    parts = [
        '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>',
        f'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{first_id}" />',
        f'<bpmn:userTask id="{first_id}" name="เสนอผู้พิจารณา">' + _properties({"formJsonSchemaFilename": form})
        + "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>",
        f'<bpmn:sequenceFlow id="f2" sourceRef="{first_id}" targetRef="{then_id}" />',
        f'<bpmn:userTask id="{then_id}" name="พิจารณา">' + _properties({"assigneeField": field})
        + "<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>",
        f'<bpmn:sequenceFlow id="f3" sourceRef="{then_id}" targetRef="end" />',
        '<bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>',
    ]
    lanes = {first_lane: ["start", first_id]}
    lanes.setdefault(then_lane, []).extend([then_id, "end"])
    return (_HEAD + f'<bpmn:process id="{key}" name="เสนอและพิจารณา" isExecutable="true">' + _lanes(lanes)
            + "".join(parts) + "</bpmn:process></bpmn:definitions>").encode("utf-8")


def deploy(ctx, key: str, xml: bytes) -> dict:
    version, _ = deployment.deploy_version(ctx, SYSTEM, key, xml)
    return version


def notice_or_reminder(key: str) -> bytes:
    """Plan staff prepare, then the case waits at an event-based gateway for OBEC's notice (message
    `obec_allocation`) or for two days to pass; the reminder has them chase the notice and wait again."""
    parts = [
        '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>',
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare" />',
        '<bpmn:userTask id="prepare" name="เตรียมเอกสาร"><bpmn:incoming>f1</bpmn:incoming>'
        "<bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>",
        '<bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="wait" />',
        '<bpmn:eventBasedGateway id="wait"><bpmn:incoming>f2</bpmn:incoming><bpmn:incoming>f6</bpmn:incoming>'
        "<bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:eventBasedGateway>",
        '<bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="notice" />',
        '<bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="reminder" />',
        '<bpmn:intermediateCatchEvent id="notice" name="รับหนังสือแจ้งจัดสรร"><bpmn:incoming>f3</bpmn:incoming>'
        '<bpmn:outgoing>f5</bpmn:outgoing><bpmn:messageEventDefinition id="notice_def" messageRef="msg">'
        "<bpmn:extensionElements><spiffworkflow:messageVariable>allocation</spiffworkflow:messageVariable>"
        "</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>",
        '<bpmn:intermediateCatchEvent id="reminder" name="ครบสองวัน"><bpmn:incoming>f4</bpmn:incoming>'
        '<bpmn:outgoing>f7</bpmn:outgoing><bpmn:timerEventDefinition id="reminder_def">'
        '<bpmn:timeDuration>"P2D"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
        '<bpmn:sequenceFlow id="f7" sourceRef="reminder" targetRef="chase" />',
        '<bpmn:userTask id="chase" name="ติดตามหนังสือแจ้งจัดสรร"><bpmn:incoming>f7</bpmn:incoming>'
        "<bpmn:outgoing>f6</bpmn:outgoing></bpmn:userTask>",
        '<bpmn:sequenceFlow id="f6" sourceRef="chase" targetRef="wait" />',
        '<bpmn:sequenceFlow id="f5" sourceRef="notice" targetRef="notify" />',
        '<bpmn:userTask id="notify" name="แจ้งสถานศึกษา"><bpmn:incoming>f5</bpmn:incoming>'
        "<bpmn:outgoing>f8</bpmn:outgoing></bpmn:userTask>",
        '<bpmn:sequenceFlow id="f8" sourceRef="notify" targetRef="end" />',
        '<bpmn:endEvent id="end"><bpmn:incoming>f8</bpmn:incoming></bpmn:endEvent>',
    ]
    lanes = {"plan_staff": ["start", "prepare", "wait", "notice", "reminder", "chase", "notify", "end"]}
    return (_HEAD + f'<bpmn:process id="{key}" name="รอหนังสือหรือติดตาม" isExecutable="true">' + _lanes(lanes)
            + "".join(parts) + '</bpmn:process><bpmn:message id="msg" name="obec_allocation" />'
            + "</bpmn:definitions>").encode("utf-8")
