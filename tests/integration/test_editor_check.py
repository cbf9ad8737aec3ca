"""A process owner checks a diagram before deploying it, and keeps drafts while editing."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.services.editor import diagram_check, diagram_drafts
from app.services.kernel.errors import Forbidden, InvalidDiagramError, NotFound, TooLarge
from app.services.scheduling import schedules
from app.store.models import ProcessVersion

from ..diagrams import name_then_act
from ..editor_samples import BUDGET_TRANSFER, budget_transfer_v2, without_lane
from ..transactions import watching

ROOT = Path(__file__).resolve().parents[2]


def _versions(ctx, key="budget_transfer") -> int:
    with ctx.read() as session:
        return session.scalar(select(func.count()).select_from(ProcessVersion).where(ProcessVersion.key == key))


def test_the_check_flags_a_step_without_a_lane_then_passes_once_it_is_in_one(ctx, people):
    owner = people["owner"]
    before = _versions(ctx)
    problems = diagram_check.check_diagram(ctx, owner, "budget_transfer", without_lane(BUDGET_TRANSFER, "analysis"))
    assert [p["element_id"] for p in problems] == ["analysis"]
    assert "no lane" in problems[0]["message"]
    assert diagram_check.check_diagram(ctx, owner, "budget_transfer", BUDGET_TRANSFER) == []
    assert _versions(ctx) == before, "checking deploys nothing"


def test_the_check_names_every_problem_by_element(ctx, people):
    xml = BUDGET_TRANSFER.replace(b'<bpmn:lane id="Lane_group_director" name="group_director">',
                                  b'<bpmn:lane id="Lane_group_director" name="finance_team">', 1)
    xml = xml.replace(b"budget_transfer_record.json", b"no_such_form.json", 1)
    xml = xml.replace(b'transfer_decided_by == "office"</bpmn:conditionExpression>',
                      b"__import__('os')</bpmn:conditionExpression>", 1)
    assert xml.count(b"finance_team") == 1 and b"no_such_form.json" in xml and b"__import__" in xml
    problems = diagram_check.check_diagram(ctx, people["owner"], "budget_transfer", xml)
    by_element = {}
    for problem in problems:
        by_element.setdefault(problem["element_id"], []).append(problem["message"])
    assert "f_within" in by_element and "__import__" in by_element["f_within"][0]
    assert any("no_such_form.json does not exist" in m for m in by_element["record_transfer"])
    for step in ("criteria_review", "group_review"):  # the two steps in the group director's lane
        assert any("finance_team" in m for m in by_element[step]), by_element


def test_a_step_without_a_form_and_a_timer_that_does_not_parse_are_problems(ctx, people):
    xml = BUDGET_TRANSFER.replace(
        b'<spiffworkflow:property name="formJsonSchemaFilename" value="budget_transfer_record.json" />', b"", 1)
    xml = xml.replace(b'<bpmn:endEvent id="end_not_transferred" name="', (
        b'<bpmn:intermediateCatchEvent id="wait_a_while"><bpmn:timerEventDefinition><bpmn:timeDuration>'
        b'"P5X"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        b'<bpmn:endEvent id="end_not_transferred" name="'), 1)
    assert b"wait_a_while" in xml
    problems = diagram_check.check_diagram(ctx, people["owner"], "budget_transfer", xml)
    assert {"element_id": "record_transfer",
            "message": "the step names no form: set its form (spiffworkflow property formJsonSchemaFilename)"} \
        in problems
    timer = [p for p in problems if p["element_id"] == "wait_a_while"]
    assert any("'P5X' is not an ISO 8601 duration" in p["message"] for p in timer), problems


def test_hostile_xml_gets_the_same_refusal_as_an_upload(ctx, people):
    xml = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + \
        BUDGET_TRANSFER.split(b"?>", 1)[1]
    problems = diagram_check.check_diagram(ctx, people["owner"], "budget_transfer", xml)
    assert problems and "entity" in problems[0]["message"]


def test_only_process_owners_and_administrators_check(ctx, people):
    with pytest.raises(Forbidden):
        diagram_check.check_diagram(ctx, people["plan1"], "budget_transfer", BUDGET_TRANSFER)
    assert diagram_check.check_diagram(ctx, people["admin"], "budget_transfer", BUDGET_TRANSFER) == []


def test_an_owner_keeps_a_draft_reopens_it_and_deploys_it_once_it_passes_the_check(ctx, people, clock):
    owner = people["owner"]
    broken = without_lane(budget_transfer_v2(), "notify_requester")
    saved = diagram_drafts.save_draft(ctx, owner, "budget_transfer", broken, base_version=1)
    assert saved["base_version"] == 1 and saved["size"] == len(broken)
    assert [d["key"] for d in diagram_drafts.list_drafts(ctx, owner)] == ["budget_transfer"]
    assert diagram_drafts.list_drafts(ctx, people["admin"]) == [], "drafts are each owner's own"
    assert diagram_drafts.load_draft(ctx, owner, "budget_transfer")["xml"].encode() == broken

    with pytest.raises(InvalidDiagramError) as refused:
        diagram_drafts.deploy_draft(ctx, owner, "budget_transfer")
    assert [d["element_id"] for d in refused.value.details] == ["notify_requester"]
    assert _versions(ctx) == 1

    clock.advance(minutes=5)
    diagram_drafts.save_draft(ctx, owner, "budget_transfer", budget_transfer_v2())
    assert diagram_drafts.load_draft(ctx, owner, "budget_transfer")["base_version"] == 1, "kept from the first save"
    version, created = diagram_drafts.deploy_draft(ctx, owner, "budget_transfer")
    assert created and version["version"] == 2
    assert diagram_drafts.list_drafts(ctx, owner) == [], "a deployed draft goes"


def test_drafts_are_capped_checked_for_safety_and_deleted_on_request(ctx, people):
    owner = people["owner"]
    huge = BUDGET_TRANSFER.replace(b"</bpmn:definitions>", b"<!--" + b"x" * (3 * 1024 * 1024) + b"-->"
                                   b"</bpmn:definitions>")
    with pytest.raises(TooLarge):
        diagram_drafts.save_draft(ctx, owner, "budget_transfer", huge)
    with pytest.raises(InvalidDiagramError):
        diagram_drafts.save_draft(ctx, owner, "budget_transfer", b"<html>not a diagram</html>")
    with pytest.raises(Forbidden):
        diagram_drafts.save_draft(ctx, people["plan1"], "budget_transfer", BUDGET_TRANSFER)
    diagram_drafts.save_draft(ctx, owner, "new_process", BUDGET_TRANSFER)
    assert diagram_drafts.delete_draft(ctx, owner, "new_process") == {"key": "new_process", "deleted": True}
    with pytest.raises(NotFound):
        diagram_drafts.load_draft(ctx, owner, "new_process")


def test_the_editor_offers_the_offices_groups_and_forms(ctx, people):
    options = diagram_check.editor_options(ctx, people["owner"])
    codes = {lane["code"] for lane in options["lanes"]}
    assert {"plan_staff", "group_director", "office_director", "committee_secretary", "school"} <= codes
    assert "budget_transfer_request.json" in {f["name"] for f in options["forms"]}
    with pytest.raises(Forbidden):
        diagram_check.editor_options(ctx, people["plan1"])


def test_a_field_naming_who_does_a_schools_step_must_be_filled_in_by_that_school(ctx, people, own_forms):
    (own_forms / "nominate.json").write_text('{"type": "object", "properties": {"reviewer": {"type": "string"}}}',
                                             encoding="utf-8")
    from_office = name_then_act("school_review", ("nominate", "plan_staff", "nominate.json"), ("review", "school"),
                                "reviewer")
    problems = diagram_check.check_diagram(ctx, people["owner"], "school_review", from_office)
    assert [p["element_id"] for p in problems if "reviewer" in p["message"]] == ["nominate"]
    assert any("which school's members to offer is unknown" in p["message"] for p in problems)
    by_school = name_then_act("school_review", ("nominate", "school", "nominate.json"), ("review", "school"),
                              "reviewer")
    assert [p for p in diagram_check.check_diagram(ctx, people["owner"], "school_review", by_school)
            if "reviewer" in p["message"]] == []


def test_a_draft_deploy_is_one_transaction_that_keeps_the_draft_when_it_fails(ctx, people, monkeypatch):
    owner = people["owner"]
    diagram_drafts.save_draft(ctx, owner, "budget_transfer", budget_transfer_v2(), base_version=1)
    before = _versions(ctx)

    def broken(*_args, **_kwargs):
        raise RuntimeError("registering the new version's schedules failed")

    monkeypatch.setattr(schedules, "register_version", broken)  # after the version's row is written
    with watching(ctx) as seen, pytest.raises(RuntimeError):
        diagram_drafts.deploy_draft(ctx, owner, "budget_transfer")
    assert any("process_versions" in tables for tables in seen.rolled_back), "written, then undone"
    assert seen.writing() == [] and _versions(ctx) == before
    assert diagram_drafts.load_draft(ctx, owner, "budget_transfer")["xml"].encode() == budget_transfer_v2()

    monkeypatch.undo()
    with watching(ctx) as seen:
        version, created = diagram_drafts.deploy_draft(ctx, owner, "budget_transfer")
    (written,) = seen.writing()
    assert {"process_versions", "diagram_drafts"} <= written, "the version and the draft's removal in one commit"
    assert created and version["version"] == before + 1 and _versions(ctx) == before + 1
    assert diagram_drafts.list_drafts(ctx, owner) == []


def test_a_draft_refused_by_the_check_stays_and_adds_no_version(ctx, people):
    owner = people["owner"]
    broken = without_lane(budget_transfer_v2(), "notify_requester")
    diagram_drafts.save_draft(ctx, owner, "budget_transfer", broken)
    before = _versions(ctx)
    with watching(ctx) as seen, pytest.raises(InvalidDiagramError):
        diagram_drafts.deploy_draft(ctx, owner, "budget_transfer")
    assert seen.writing() == [] and _versions(ctx) == before
    assert diagram_drafts.load_draft(ctx, owner, "budget_transfer")["xml"].encode() == broken


def test_the_committee_may_send_work_back_only_to_steps_of_the_diagram_through_a_form_that_chooses_one(
        ctx, people):
    plan = (ROOT / "processes" / "development_plan.bpmn").read_bytes()
    owner = people["owner"]
    assert diagram_check.check_diagram(ctx, owner, "development_plan", plan) == []
    unknown = plan.replace(b'value="vision_mission swot strategies projects"',
                           b'value="vision_mission no_such_step"', 1)
    assert [(p["element_id"], "no_such_step" in p["message"])
            for p in diagram_check.check_diagram(ctx, owner, "development_plan", unknown)] == [
        ("committee_decision", True)]
    no_choice = plan.replace(b'value="committee_gate.json"', b'value="committee_decision.json"', 1)
    problems = diagram_check.check_diagram(ctx, owner, "development_plan", no_choice)
    assert [p["element_id"] for p in problems] == ["committee_decision"]
    assert "x-revisable-steps" in problems[0]["message"]
