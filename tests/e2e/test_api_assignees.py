"""The director's instruction on a letter names who acts on it: the step offers the members of the group
that acts, and anyone else is refused naming the field, leaving the letter as it was."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select

from app.services.accounts import users
from app.services.ops.demo import DEMO_USERS
from app.store.models import Group, Membership, User

from .conftest import assert_error

# The plan staff's active members: the planners, the process owner, and the director who directs them.
PLAN_STAFF = ["director", "owner", "plan1", "plan2"]


@pytest.fixture
def letter(start):
    """A registered letter waiting for the director's instruction."""
    case = start("correspondence", title="หนังสือ สพฐ. ขอข้อมูลนักเรียน")
    case.complete("register", "plan1", urgency="normal",
                  secrecy="normal")
    assert case.open_steps() == ["assign"]
    return case


def _assign_form(api, letter) -> dict:
    answer = api.as_("director").get(f"/tasks/{letter.task_of('assign')['id']}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["form"]


def _display_names(usernames) -> list[str]:
    names = {user[0]: user[1] for user in DEMO_USERS}
    return [names[u] for u in usernames]


def test_the_director_is_offered_the_members_of_the_group_that_acts(api, ctx, letter):
    field = _assign_form(api, letter)["properties"]["assigned_to"]
    assert field["enum"] == PLAN_STAFF
    assert field["x-enum-titles"] == _display_names(PLAN_STAFF), "each member by name"
    assert field["x-assignee"]["groups"] == ["plan_staff"] and field["x-assignee"]["steps"] == ["act"]
    assert field["x-assignee"]["group_name"] == "เจ้าหน้าที่กลุ่มนโยบายและแผน"
    groups = {g["code"]: g["members"] for g in api.as_("director").get("/groups").get_json()}
    assert set(field["enum"]) == set(groups["plan_staff"]), "the same people GET /groups lists"
    stored = json.loads((ctx.forms_dir / "correspondence_assign.json").read_text(encoding="utf-8"))
    assert "enum" not in stored["properties"]["assigned_to"], "the form file stays generic"


def test_assigning_a_member_opens_the_next_step_in_their_hands(letter):
    letter.complete("assign", "director", instruction_type="act", assigned_to="plan2")
    act = letter.task_of("act")
    assert (act["assignee"], act["status"]) == ("plan2", "claimed")


@pytest.mark.parametrize("who", ["office", "nobody", "retired"], ids=["non-member", "unknown", "deactivated"])
def test_anyone_else_is_refused_naming_the_field_and_nothing_changes(api, ctx, letter, who):
    users.create_user(ctx, "retired", None, groups=["plan_staff"], display_name="นายเกษียณ อายุราชการ")
    with ctx.write() as session:
        session.scalar(select(User).where(User.username == "retired")).active = False
    assert who not in _assign_form(api, letter)["properties"]["assigned_to"]["enum"]
    before = api.snapshot(letter.id)
    step_id = letter.task_of("assign")["id"]
    data = letter.form_data(step_id, "director", instruction_type="act", assigned_to=who)
    answer = api.as_("director").post(f"/tasks/{step_id}/complete", json={"data": data})
    error = assert_error(answer, 400)
    assert list(error["fields"]) == ["assigned_to"]
    assert error["fields"]["assigned_to"] == [
        "กรุณาเลือกจากรายชื่อสมาชิกของกลุ่มผู้ปฏิบัติ เจ้าหน้าที่กลุ่มนโยบายและแผน "
        "(choose an active member of the group Plan staff)"]
    assert api.snapshot(letter.id) == before, "the case, its steps and its history are as they were"


def test_a_wrong_member_is_named_with_the_forms_own_problems(api, letter):
    step_id = letter.task_of("assign")["id"]
    answer = api.as_("director").post(f"/tasks/{step_id}/complete",
                                      json={"data": {"instruction_type": "act", "assigned_to": "office"}})
    error = assert_error(answer, 400)
    assert set(error["fields"]) == {"assigned_to", "director_instructions"}, "every bad field at once"


def test_a_group_with_no_members_offers_nobody_and_says_so(api, ctx, letter):
    with ctx.write() as session:
        group_id = session.scalar(select(Group.id).where(Group.code == "plan_staff"))
        session.execute(delete(Membership).where(Membership.group_id == group_id))
    field = _assign_form(api, letter)["properties"]["assigned_to"]
    assert field["enum"] == [] and field["x-assignee"]["groups"] == ["plan_staff"]
    before = api.snapshot(letter.id)
    step_id = letter.task_of("assign")["id"]
    answer = api.as_("director").post(f"/tasks/{step_id}/complete", json={"data": {
        "instruction_type": "act", "assigned_to": "plan1", "director_instructions": "ดำเนินการ"}})
    error = assert_error(answer, 400)
    assert error["fields"]["assigned_to"][0].startswith("กลุ่มผู้ปฏิบัติ เจ้าหน้าที่กลุ่มนโยบายและแผน ยังไม่มีสมาชิก")
    assert "(the group Plan staff has no active members" in error["fields"]["assigned_to"][0]
    assert api.snapshot(letter.id) == before
