"""A step's data is checked against its form on the server; a wrong submission changes nothing."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.services.cases import lifecycle, step_actions
from app.services.kernel.errors import Invalid

from ..stories import start


@pytest.fixture
def request_step(ctx, people):
    transfer = start(ctx, people, "budget_transfer")
    return transfer, transfer.task_of("request")


def _history(ctx, people, transfer):
    return lifecycle.case_history(ctx, people["admin"], transfer.id)


def _unchanged(ctx, people, transfer, before, history):
    assert lifecycle.get_case(ctx, people["admin"], transfer.id) == before
    assert _history(ctx, people, transfer) == history


def test_a_missing_field_is_named_and_nothing_changes(ctx, people, request_step):
    transfer, step = request_step
    before, history = transfer.refresh(), _history(ctx, people, transfer)
    with pytest.raises(Invalid) as caught:
        step_actions.complete(ctx, people["plan1"], step["id"], {"plan": "แผนงานพื้นฐาน"})
    assert "amount" in caught.value.fields and "category_from" in caught.value.fields
    _unchanged(ctx, people, transfer, before, history)


def test_a_wrong_type_is_named(ctx, people, request_step):
    transfer, step = request_step
    form = step_actions.get_task(ctx, people["plan1"], step["id"])["form"]
    from ..samples import fill
    data = fill(form, {"amount": "ห้าหมื่นบาท", "category_to": "lottery"})
    with pytest.raises(Invalid) as caught:
        step_actions.complete(ctx, people["plan1"], step["id"], data)
    assert set(caught.value.fields) == {"amount", "category_to"}


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(["plan", "project", "category_from", "category_to", "amount", "reason",
                                             "fiscal_year", "requesting_unit", "destination_plan",
                                             "extra"]), json_values, max_size=9))
def test_any_submission_is_either_accepted_whole_or_refused_without_a_trace(ctx, people, request_step, data):
    transfer, step = request_step
    before, history = transfer.refresh(), _history(ctx, people, transfer)
    if before["open_tasks"][0]["spec_id"] != "request":
        return  # an earlier example completed the step; nothing left to try on this case
    try:
        step_actions.complete(ctx, people["plan1"], step["id"], data)
    except Invalid as exc:
        assert exc.fields, "a refusal names the fields"
        _unchanged(ctx, people, transfer, before, history)


# The director's instruction on a letter names who acts on it: one of the plan staff's active members.
PLAN_STAFF = {"director", "owner", "plan1", "plan2"}
NAMES = sorted(PLAN_STAFF) + ["office", "school1", "admin", "nobody", "", " plan1", "PLAN1", "plan1\x00"]


@pytest.fixture
def letters(ctx, people):
    """Registered letters waiting for the director's instruction, a new one whenever the last was sent on."""
    def waiting():
        letter = start(ctx, people, "correspondence", title="หนังสือ สพฐ. ขอข้อมูลนักเรียน")
        letter.complete("register", "plan1", urgency="normal",
                        secrecy="normal")
        return letter
    held = [waiting()]

    def current():
        if held[0].open_steps() != ["assign"]:
            held[0] = waiting()
        return held[0]
    return current


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.sampled_from(NAMES) | json_values)
def test_any_assignee_is_either_a_member_who_gets_the_step_or_refused_naming_the_field(ctx, people, letters, value):
    letter = letters()
    step = letter.task_of("assign")
    form = step_actions.get_task(ctx, people["director"], step["id"])["form"]
    assert set(form["properties"]["assigned_to"]["enum"]) == PLAN_STAFF
    before, history = letter.refresh(), lifecycle.case_history(ctx, people["admin"], letter.id)
    data = {"instruction_type": "act", "director_instructions": "ดำเนินการ", "assigned_to": value}
    member = isinstance(value, str) and value in PLAN_STAFF
    try:
        step_actions.complete(ctx, people["director"], step["id"], data)
    except Invalid as exc:
        assert not member, f"{value!r} is a member and was refused: {exc.fields}"
        assert list(exc.fields) == ["assigned_to"]
        assert letter.refresh() == before and lifecycle.case_history(ctx, people["admin"], letter.id) == history
    else:
        assert member, f"{value!r} is no member and was accepted"
        act = letter.task_of("act")
        assert (act["assignee"], act["status"]) == (value, "claimed")
