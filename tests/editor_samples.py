"""Diagrams for the editor's stories: the budget transfer as a process owner would revise it, a small
diagram drawn in Camunda Modeler, and a spiff-arena process model zipped with its forms."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_TRANSFER = (ROOT / "processes" / "budget_transfer.bpmn").read_bytes()

ANALYSIS_V1 = "วิเคราะห์ผลการติดตามประเมินผลและความเหมาะสมของการโอนเปลี่ยนแปลง"
ANALYSIS_V2 = "วิเคราะห์ความเหมาะสมและผลกระทบของการโอนเปลี่ยนแปลง"

_DUE_3_DECIDE = (b'<spiffworkflow:property name="dueWorkingDays" value="3" />\n'
                 b'          <spiffworkflow:property name="nameEn" value="Decide on the transfer" />')
_NOTIFY = """<bpmn:userTask id="notify_requester" name="แจ้งผู้ขอทราบผลการโอนเปลี่ยนแปลง">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="budget_transfer_record.json" />
          <spiffworkflow:property name="dueWorkingDays" value="2" />
          <spiffworkflow:property name="nameEn" value="Tell the requester" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f_recorded</bpmn:incoming>
      <bpmn:outgoing>f_notified</bpmn:outgoing>
    </bpmn:userTask>
    """.encode()


def budget_transfer_v2() -> bytes:
    """The budget transfer revised: the analysis step renamed, the director given four working days instead
    of three, and a new step after the transfer is recorded that tells the requester."""
    assert f'name="{ANALYSIS_V1}"'.encode() in BUDGET_TRANSFER, "the sample renames the analysis step as deployed"
    xml = BUDGET_TRANSFER.replace(f'name="{ANALYSIS_V1}"'.encode(), f'name="{ANALYSIS_V2}"'.encode(), 1)
    assert _DUE_3_DECIDE in xml
    xml = xml.replace(_DUE_3_DECIDE, _DUE_3_DECIDE.replace(b'value="3"', b'value="4"'), 1)
    xml = xml.replace(b'<bpmn:sequenceFlow id="f_recorded" sourceRef="record_transfer" targetRef="end_transferred" />',
                      b'<bpmn:sequenceFlow id="f_recorded" sourceRef="record_transfer" targetRef="notify_requester" />'
                      b'\n    <bpmn:sequenceFlow id="f_notified" sourceRef="notify_requester" '
                      b'targetRef="end_transferred" />', 1)
    xml = xml.replace(b'<bpmn:incoming>f_recorded</bpmn:incoming>\n    </bpmn:endEvent>',
                      b'<bpmn:incoming>f_notified</bpmn:incoming>\n    </bpmn:endEvent>', 1)
    xml = xml.replace(b'<bpmn:endEvent id="end_transferred"', _NOTIFY + b'<bpmn:endEvent id="end_transferred"', 1)
    xml = xml.replace(b'<bpmn:flowNodeRef>end_transferred</bpmn:flowNodeRef>',
                      b'<bpmn:flowNodeRef>end_transferred</bpmn:flowNodeRef>\n'
                      b'        <bpmn:flowNodeRef>notify_requester</bpmn:flowNodeRef>', 1)
    assert xml.count(b"notify_requester") == 4, xml.count(b"notify_requester")
    return xml


def without_lane(xml: bytes, element_id: str) -> bytes:
    ref = f"<bpmn:flowNodeRef>{element_id}</bpmn:flowNodeRef>".encode()
    assert ref in xml
    return xml.replace(ref, b"", 1)


CAMUNDA = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn"
    exporter="Camunda Modeler" exporterVersion="5.20.0">
  <bpmn:process id="Process_0x7kq2m" name="โอนงบประมาณ (จาก Camunda)" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="รับคำขอ">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="Activity_request" name="บันทึกคำขอ" camunda:candidateGroups="plan_staff"
        camunda:formKey="budget_transfer_request" camunda:dueDate="P5D">
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:intermediateCatchEvent id="Event_wait" name="รอหนึ่งชั่วโมง">
      <bpmn:incoming>Flow_2</bpmn:incoming>
      <bpmn:outgoing>Flow_3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TimerEventDefinition_1">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT1H</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="Activity_approve" name="พิจารณาอนุมัติ" camunda:candidateGroups="office_director, group_director"
        camunda:formKey="embedded:app:forms/budget_transfer_director_approval.html" camunda:dueDate="P1W">
      <bpmn:incoming>Flow_3</bpmn:incoming>
      <bpmn:outgoing>Flow_4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="Gateway_decision" name="อนุมัติหรือไม่" default="Flow_rejected">
      <bpmn:incoming>Flow_4</bpmn:incoming>
      <bpmn:outgoing>Flow_approved</bpmn:outgoing>
      <bpmn:outgoing>Flow_rejected</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:userTask id="Activity_record" name="บันทึกการโอน" camunda:candidateGroups="plan_staff"
        camunda:formKey="budget_transfer_record" camunda:dueDate="${dueLater}">
      <bpmn:incoming>Flow_approved</bpmn:incoming>
      <bpmn:outgoing>Flow_5</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="Event_done" name="โอนแล้ว">
      <bpmn:incoming>Flow_5</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:endEvent id="Event_rejected" name="ไม่อนุมัติ">
      <bpmn:incoming>Flow_rejected</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_request" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_request" targetRef="Event_wait" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Event_wait" targetRef="Activity_approve" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Activity_approve" targetRef="Gateway_decision" />
    <bpmn:sequenceFlow id="Flow_approved" name="อนุมัติ" sourceRef="Gateway_decision" targetRef="Activity_record">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">
        ${director_decision == 'approve' &amp;&amp; amount &gt; 0}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_rejected" sourceRef="Gateway_decision" targetRef="Event_rejected" />
    <bpmn:sequenceFlow id="Flow_5" sourceRef="Activity_record" targetRef="Event_done" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_0x7kq2m">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="152" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_request_di" bpmnElement="Activity_request">
        <dc:Bounds x="240" y="80" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1">
        <di:waypoint x="188" y="120" />
        <di:waypoint x="240" y="120" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
""".encode()


ARENA_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Definitions_arena"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="Collaboration_1">
    <bpmn:participant id="Participant_1" name="คำขอใช้ห้องประชุม" processRef="Process_room_booking_k3j2h1" />
  </bpmn:collaboration>
  <bpmn:process id="Process_room_booking_k3j2h1" name="คำขอใช้ห้องประชุม" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_staff" name="plan_staff">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>request</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>count_days</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end_booked</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end_refused</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="Lane_director" name="group_director">
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gw_review</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start">
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="request" name="ขอใช้ห้องประชุม">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="request-schema.json" />
          <spiffworkflow:property name="formUiSchemaFilename" value="request-uischema.json" />
        </spiffworkflow:properties>
        <spiffworkflow:instructionsForEndUser>กรอกวันที่และเหตุผล</spiffworkflow:instructionsForEndUser>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="count_days" name="นับจำนวนวัน">
      <bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>long_booking = days &gt; 2</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="review" name="พิจารณาคำขอ">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="review-schema.json" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="gw_review" default="f_refused">
      <bpmn:incoming>f4</bpmn:incoming>
      <bpmn:outgoing>f_booked</bpmn:outgoing>
      <bpmn:outgoing>f_refused</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="end_booked">
      <bpmn:incoming>f_booked</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:endEvent id="end_refused">
      <bpmn:incoming>f_refused</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="request" />
    <bpmn:sequenceFlow id="f2" sourceRef="request" targetRef="count_days" />
    <bpmn:sequenceFlow id="f3" sourceRef="count_days" targetRef="review" />
    <bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="gw_review" />
    <bpmn:sequenceFlow id="f_booked" sourceRef="gw_review" targetRef="end_booked">
      <bpmn:conditionExpression>decision == "approve"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_refused" sourceRef="gw_review" targetRef="end_refused" />
  </bpmn:process>
</bpmn:definitions>
""".encode()

ARENA_FORMS = {
    "request-schema.json": {
        "title": "ขอใช้ห้องประชุม", "type": "object", "required": ["room", "days", "reason"],
        "properties": {"room": {"type": "string", "title": "ห้อง", "enum": ["ห้องประชุม 1", "ห้องประชุม 2"]},
                       "days": {"type": "integer", "title": "จำนวนวัน", "minimum": 1, "maximum": 10},
                       "reason": {"type": "string", "title": "เหตุผล", "maxLength": 500}},
    },
    "request-uischema.json": {"ui:order": ["reason", "room", "days"], "reason": {"ui:widget": "textarea"},
                              "days": {"ui:help": "นับวันทำการ"}},
    "review-schema.json": {
        "title": "ผลการพิจารณา", "type": "object", "required": ["decision"],
        "properties": {"decision": {"type": "string", "title": "ผล", "enum": ["approve", "refuse"]}},
    },
}


def zipped(files: dict[str, bytes], symlinks: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.external_attr = 0o120777 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def arena_model(folder: str = "room-booking/") -> bytes:
    """A spiff-arena process model as its export zip: the diagram, its forms and process_model.json."""
    files = {f"{folder}room-booking.bpmn": ARENA_BPMN,
             f"{folder}process_model.json": json.dumps({"display_name": "Room booking",
                                                        "primary_file_name": "room-booking.bpmn"}).encode()}
    for name, schema in ARENA_FORMS.items():
        files[folder + name] = json.dumps(schema, ensure_ascii=False).encode()
    return zipped(files)
