"""Every field a diagram uses to name who does a later step (`assigneeField`) resolves, from the compiled
process, to the group that does that step, and the step that fills it in offers and checks that group's
members, whatever the diagram."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app import engine
from app.services.cases import assignees, lifecycle, step_actions
from app.services.catalog import processes
from app.services.kernel.errors import Invalid
from app.store.models import Group, Membership, User

from ..diagrams import deploy, name_then_act
from ..stories import CaseDriver

SCHOOL = "school-1040050001"


def _deployed(ctx):
    """(key, compiled process, frozen forms) of the newest version of every deployed process."""
    found = []
    for listed in processes.list_processes(ctx):
        with ctx.read() as session:
            version = processes.latest_version(session, listed["key"])
            found.append((version.key, processes.compiled(version), dict(version.forms)))
    return found


def _group_of(step: engine.UserTaskInfo) -> str | None:
    # A school's step stands here for any school's: the demo's first school.
    return SCHOOL if step.lane == "school" else step.lane


def test_every_assignee_field_of_every_deployed_diagram_resolves_to_a_group_with_members(ctx):
    resolved = {}
    for key, process, frozen in _deployed(ctx):
        for field, assigned in process.assignee_fields.items():
            filled_at = [step for step in process.user_tasks.values()
                         if step.form and field in (frozen[step.form].get("properties") or {})]
            assert filled_at, f"{key}: no step's form asks for {field}, which assigns {assigned}"
            for step in filled_at:
                groups = assignees.target_groups(process, field, step.lane, _group_of(step))
                assert groups, f"{key}: {field} filled at {step.element_id} resolves to no group"
                resolved[(key, field, step.element_id)] = groups
    assert resolved[("correspondence", "assigned_to", "assign")] == ("plan_staff",), \
        "the director's instruction names one of the plan staff"
    with ctx.read() as session:
        for (key, field, step_id), groups in resolved.items():
            members = assignees.active_members(session, groups)
            known = set(session.scalars(select(Group.code).where(Group.code.in_(groups))))
            assert known == set(groups) and members, f"{key}: {field} at {step_id} offers nobody"


def test_a_per_school_step_assigned_at_a_schools_own_step_offers_that_schools_members():
    xml = name_then_act("school_review", ("nominate", "school", "x.json"), ("review", "school"), "reviewer")
    process = engine.compile_diagram(xml, "school_review")
    assert process.assignee_fields == {"reviewer": ("review",)}
    assert assignees.target_groups(process, "reviewer", "school", SCHOOL) == (SCHOOL,)
    assert assignees.target_groups(process, "reviewer", "plan_staff", "plan_staff") == ("school",), \
        "filled in outside any school, it is the lane's own group, as step_runner.group_for has it"


NOMINATION = {"type": "object", "title": "เสนอผู้พิจารณา", "x-title-en": "Nominate the reviewer",
              "properties": {"reviewer": {"type": "string", "title": "ผู้พิจารณา", "x-title-en": "Reviewer"},
                             "note": {"type": "string", "title": "หมายเหตุ", "x-title-en": "Note"}},
              "additionalProperties": False}


@pytest.fixture
def review(ctx, people, own_forms):
    """A diagram of its own: the director names which office director reviews the matter."""
    (own_forms / "review_nominate.json").write_text(json.dumps(NOMINATION, ensure_ascii=False), encoding="utf-8")
    deploy(ctx, "review", name_then_act("review", ("nominate", "group_director", "review_nominate.json"),
                                       ("decide", "office_director"), "reviewer"))
    case = CaseDriver(ctx, people, lifecycle.start_case(ctx, people["director"], "review", "เรื่องเสนอพิจารณา"))
    return case, case.task_of("nominate")["id"]


def test_any_diagram_offers_the_members_of_the_lane_its_field_assigns(ctx, people, review):
    case, step_id = review
    field = step_actions.get_task(ctx, people["director"], step_id)["form"]["properties"]["reviewer"]
    assert (sorted(field["enum"]), field["x-assignee"]["groups"]) == (["deputy", "office"], ["office_director"])
    with pytest.raises(Invalid) as caught:
        step_actions.complete(ctx, people["director"], step_id, {"reviewer": "plan1"})
    assert list(caught.value.fields) == ["reviewer"]
    assert case.open_steps() == ["nominate"]
    step_actions.complete(ctx, people["director"], step_id, {"reviewer": "office"})
    decide = case.task_of("decide")
    assert (decide["assignee"], decide["status"]) == ("office", "claimed")


@pytest.mark.parametrize("left", [{}, {"reviewer": ""}], ids=["left out", "left empty"])
def test_an_optional_field_left_empty_sends_the_next_step_to_the_group_queue(ctx, people, review, left):
    case, step_id = review
    step_actions.complete(ctx, people["director"], step_id, {"note": "ตามที่เห็นสมควร", **left})
    decide = case.task_of("decide")
    assert (decide["assignee"], decide["status"], decide["group"]) == (None, "open", "office_director")


def test_when_the_groups_members_are_deactivated_nobody_is_offered_or_accepted(ctx, people, review):
    _, step_id = review
    with ctx.write() as session:
        for member in session.scalars(select(User).join(Membership).join(Group)
                                      .where(Group.code == "office_director")):
            member.active = False
    field = step_actions.get_task(ctx, people["director"], step_id)["form"]["properties"]["reviewer"]
    assert field["enum"] == [], "nobody active is left to offer"
    with pytest.raises(Invalid) as caught:
        step_actions.complete(ctx, people["director"], step_id, {"reviewer": "office"})
    assert "no active members" in caught.value.fields["reviewer"][0]
