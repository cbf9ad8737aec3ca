"""Secret correspondence (ลับ, ลับมาก, ลับที่สุด) is seen only by its assignees, the group director and
cleared auditors — in every list and route."""
from __future__ import annotations

import json

import pytest

from app.services.accounts import users
from app.services.cases import inbox, lifecycle, step_actions
from app.services.editor import deployment
from app.services.kernel.errors import NotFound

LETTER = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">
  <bpmn:process id="letter" name="letter" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l1" name="plan_staff"><bpmn:flowNodeRef>register</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>act</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="register" name="register"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="letter_register.json"/></spiffworkflow:properties>
      </bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="act" name="act">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="register"/>
    <bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="act"/>
    <bpmn:sequenceFlow id="f3" sourceRef="act" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
FORM = {"type": "object", "properties": {"secrecy": {"type": "string", "enum": ["normal", "confidential", "secret",
                                                                                  "top_secret"]}},
        "required": ["secrecy"], "additionalProperties": False}


@pytest.fixture
def secret_letter(ctx, people, tmp_path):
    forms_dir = tmp_path / "forms"
    forms_dir.mkdir()
    (forms_dir / "letter_register.json").write_text(json.dumps(FORM))
    ctx.forms_dir = forms_dir
    deployment.deploy_version(ctx, people["owner"], "letter", LETTER)
    case = lifecycle.start_case(ctx, people["plan1"], "letter", "หนังสือลับ เรื่องการสอบสวน")
    register = case["open_tasks"][0]["id"]
    step_actions.complete(ctx, people["plan1"], register, {"secrecy": "secret"})
    return lifecycle.get_case(ctx, people["plan1"], case["id"])


def _visible_to(ctx, actor, case_id) -> bool:
    listed = any(c["id"] == case_id for c in lifecycle.list_cases(ctx, actor))
    try:
        lifecycle.get_case(ctx, actor, case_id)
        reachable = True
    except NotFound:
        reachable = False
    assert listed == reachable, "a list and a route never disagree about a case"
    return reachable


def test_a_secret_letter_is_hidden_from_the_rest_of_the_group_and_other_supervisors(ctx, people, secret_letter):
    case_id = secret_letter["id"]
    assert secret_letter["secrecy"] == "secret"
    assert _visible_to(ctx, people["plan1"], case_id), "the registrar"
    assert _visible_to(ctx, people["director"], case_id), "the group director"
    assert not _visible_to(ctx, people["plan2"], case_id), "another member of the group"
    assert not _visible_to(ctx, people["auditor"], case_id), "an auditor without clearance"
    assert not _visible_to(ctx, people["admin"], case_id), "an administrator without clearance"
    step = secret_letter["open_tasks"][0]
    assert all(t["case_id"] != case_id for t in inbox.list_tasks(ctx, people["plan2"], "mine"))
    with pytest.raises(NotFound):
        step_actions.get_task(ctx, people["plan2"], step["id"])


def test_the_director_assigns_a_secret_step_and_only_the_assignee_gains_sight_of_it(ctx, people, secret_letter):
    case_id = secret_letter["id"]
    step = secret_letter["open_tasks"][0]
    step_actions.assign(ctx, people["director"], step["id"], "plan2")
    assert _visible_to(ctx, people["plan2"], case_id)
    assert any(t["id"] == step["id"] for t in inbox.list_tasks(ctx, people["plan2"], "mine"))
    users.create_user(ctx, "chief_auditor", "a-long-password", roles=["auditor", "cleared"])
    assert _visible_to(ctx, users.actor_for_username(ctx, "chief_auditor"), case_id)
