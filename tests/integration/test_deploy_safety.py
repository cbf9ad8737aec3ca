"""A process owner uploads a diagram: bad or hostile ones are refused naming the element, and nothing is stored."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.services.editor import deployment
from app.services.kernel.errors import Forbidden, InvalidDiagramError
from app.store.models import ProcessVersion

ROOT = Path(__file__).resolve().parents[2]
GOOD = (ROOT / "processes" / "budget_transfer.bpmn").read_bytes()


def _versions(ctx) -> int:
    with ctx.read() as session:
        return session.scalar(select(func.count()).select_from(ProcessVersion))


def _refused(ctx, people, xml: bytes, key: str = "budget_transfer") -> list[dict]:
    before = _versions(ctx)
    with pytest.raises(InvalidDiagramError) as caught:
        deployment.deploy_version(ctx, people["owner"], key, xml)
    assert _versions(ctx) == before, "a refused diagram stores nothing"
    return caught.value.details


def test_malformed_xml_is_refused(ctx, people):
    details = _refused(ctx, people, GOOD[: len(GOOD) // 2])
    assert "well-formed" in details[0]["message"]


def test_an_entity_declaration_is_refused(ctx, people):
    xml = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + GOOD.split(b"?>", 1)[1]
    assert "entity" in _refused(ctx, people, xml)[0]["message"]


def test_a_condition_calling_import_is_refused_with_its_element_id(ctx, people):
    approve = b'>decision in ("approve", "approve_with_remarks")<'  # the committee's approval
    xml = GOOD.replace(approve, b">__import__('os').system('touch /tmp/owned')<", 1)
    details = _refused(ctx, people, xml)
    flow = GOOD.split(approve)[0].rsplit(b'<bpmn:sequenceFlow id="', 1)[1].split(b'"')[0]
    assert flow == b"f_committee_approve"
    assert details[0]["element_id"] == flow.decode()
    assert "__import__" in details[0]["message"]
    assert not Path("/tmp/owned").exists()


def test_a_dangling_flow_is_refused_naming_the_flow(ctx, people):
    xml = GOOD.replace(b'targetRef="analysis"', b'targetRef="nowhere"', 1)
    details = _refused(ctx, people, xml)
    assert any("nowhere" in d["message"] and d["element_id"] for d in details)


def test_a_script_with_a_syntax_error_is_refused_with_the_script_task(ctx, people):
    # The diagram has no script task any more (the service decides the authority); its scripts are the
    # pre- and post-scripts of the letter steps, checked the same way and named by the step that holds them.
    xml = GOOD.replace(b"submission_letter_number = letter_number", b"submission_letter_number = = letter_number", 1)
    assert xml != GOOD
    details = _refused(ctx, people, xml)
    assert details[0]["element_id"] == "letter_to_committee"
    assert "SyntaxError" in details[0]["message"]


def test_a_user_task_naming_a_missing_form_is_refused(ctx, people):
    xml = GOOD.replace(b"budget_transfer_analysis.json", b"no_such_form.json", 1)
    details = _refused(ctx, people, xml)
    assert details == [{"element_id": "analysis", "message": "form no_such_form.json does not exist"}]


def test_an_oversized_upload_is_refused(ctx, people):
    xml = GOOD.replace(b"</bpmn:definitions>", b"<!--" + b"x" * (3 * 1024 * 1024) + b"--></bpmn:definitions>")
    assert "larger" in _refused(ctx, people, xml)[0]["message"]


def test_only_process_owners_deploy(ctx, people):
    with pytest.raises(Forbidden):
        deployment.deploy_version(ctx, people["plan1"], "budget_transfer", GOOD)


def test_a_changed_diagram_becomes_the_next_version_and_running_cases_keep_theirs(ctx, people):
    from ..stories import start
    running = start(ctx, people, "budget_transfer")
    changed = GOOD.replace(b'name="dueWorkingDays" value="3"', b'name="dueWorkingDays" value="4"', 1)
    assert changed != GOOD
    version, created = deployment.deploy_version(ctx, people["owner"], "budget_transfer", changed)
    assert created and version["version"] == 2
    assert deployment.deploy_version(ctx, people["owner"], "budget_transfer", changed) == (version, False)
    assert running.refresh()["version"] == 1
    assert start(ctx, people, "budget_transfer").case["version"] == 2
