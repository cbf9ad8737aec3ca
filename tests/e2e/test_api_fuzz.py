"""Whatever a script sends, the API answers below 500, and a refused request changes nothing.

Hypothesis generates the bodies and query strings; each test function works on one case (a new one
only when an accepted request finished or cancelled it). Inputs that once crashed the app (unpaired
surrogates, NUL, NaN, odd digits, huge ids) are in the strategies and pinned by tests at the end.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from flask import request
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from app.web.input_safety import problem_with_text

from ..samples import fill
from .conftest import assert_error

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FORMS = Path(__file__).resolve().parents[2] / "forms"
REVIEW_FORM = json.loads((FORMS / "development_plan_review_mission.json").read_text(encoding="utf-8"))
GOOD_REVIEW = fill(REVIEW_FORM)
ATTACHMENT_FIELD = "information_report"

text = st.text(max_size=40)  # lone surrogates and NUL included: refused with a 400, never a 500
huge = st.builds(lambda ch, n: ch * n, st.sampled_from(["ก", "a", "😀", " ", "\u200b"]), st.integers(300, 60_000))
scalars = (st.none() | st.booleans() | st.integers(-(2**80), 2**80) | text | huge
           | st.floats())  # NaN and Infinity included
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                      max_leaves=8)


def objects(*keys: str):
    """Arbitrary JSON, objects with arbitrary keys, and objects with the route's own keys holding anything."""
    known = st.fixed_dictionaries({}, optional={k: values | text for k in keys})
    return values | st.dictionaries(st.sampled_from(keys) | text, values, max_size=4) | known


@pytest.fixture
def client(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash must show as the 500 answer these tests look for
    return app.test_client()


def send(caller, method: str, path: str, body=None):
    """Post `body` as JSON text (ASCII-escaped, so the test client never chokes on it)."""
    if method == "GET":
        return caller.get(path)
    return caller.post(path, data=json.dumps(body), content_type="application/json")


def check_answer(answer) -> None:
    if currently_in_test_context():
        event(f"answered {answer.status_code}")  # shown by --hypothesis-show-statistics
    assert answer.status_code < 500, answer.get_data(as_text=True)[:300]
    if answer.status_code >= 400:
        assert_error(answer, answer.status_code)


class Case:
    """The test function's case: replaced only when an accepted request finished its step or ended it."""

    def __init__(self, api, process_key: str = "development_plan"):
        self.api, self.process_key = api, process_key
        self.renew()

    def renew(self) -> None:
        answer = self.api.as_("plan1").post("/cases", json={"process_key": self.process_key, "title": "ทดสอบ"})
        self.id = answer.get_json()["id"]
        self.task_id = answer.get_json()["open_tasks"][0]["id"]

    def snapshot(self):
        return self.api.snapshot(self.id)


@pytest.fixture
def case(api) -> Case:
    """One case per test function: hypothesis runs every example of the function against it."""
    return Case(api)


@pytest.fixture
def transfer(api) -> Case:
    return Case(api, "budget_transfer")


@pytest.fixture
def args_of(app):
    """The query string as the app reads it."""
    def parse(query: str):
        with app.test_request_context("/?" + query):
            return request.args.copy()
    return parse


def _case_count(api) -> int:
    return len(api.as_("plan1").get("/cases").get_json())  # the starter sees every case it started


@FUZZ
@given(body=objects("process_key", "title", "data")
       | st.fixed_dictionaries({"process_key": st.sampled_from(["development_plan", "budget_transfer"]),
                                "title": text | huge}, optional={"data": values}))
def test_starting_a_case_with_any_body(api, case, body):
    count, before = _case_count(api), case.snapshot()
    answer = send(api.as_("plan1"), "POST", "/cases", body)
    check_answer(answer)
    if answer.status_code == 201:
        assert _case_count(api) == count + 1 and answer.get_json()["status"] == "running"
    else:
        assert _case_count(api) == count
    assert case.snapshot() == before


def _mutated_review(field: str, value, drop: bool) -> dict:
    data = {k: v for k, v in GOOD_REVIEW.items() if not (drop and k == field)}
    if not drop:
        data[field] = value
    return {"data": data}


@FUZZ
@given(body=objects("data") | st.builds(_mutated_review, st.sampled_from([*REVIEW_FORM["properties"], "extra"]),
                                        values, st.booleans()))
def test_completing_a_step_with_any_body(api, case, body):
    before = case.snapshot()
    answer = send(api.as_("plan1"), "POST", f"/tasks/{case.task_id}/complete", body)
    check_answer(answer)
    if answer.status_code == 200:
        assert api.history(case.id)[-1]["kind"] == "task_completed" and len(api.history(case.id)) == before[1] + 1
        case.renew()
    else:
        assert case.snapshot() == before


@FUZZ
@given(body=objects("username") | st.fixed_dictionaries(
    {"username": st.sampled_from(["plan2", "plan1", "office", "school1", "nobody", "PLAN2", " plan2"]) | text}))
def test_assigning_a_step_with_any_body(api, case, body):
    before = case.snapshot()
    answer = send(api.as_("director"), "POST", f"/tasks/{case.task_id}/assign", body)
    check_answer(answer)
    if answer.status_code == 200:
        assert answer.get_json()["assignee"] == body["username"] in ("plan1", "plan2", "director", "owner")
        assert api.history(case.id)[-1]["kind"] == "task_assigned" and len(api.history(case.id)) == before[1] + 1
    else:
        assert case.snapshot() == before


@FUZZ
@given(body=objects("reason") | st.fixed_dictionaries({"reason": text | huge}))
def test_cancelling_a_case_with_any_body(api, transfer, body):
    before = transfer.snapshot()
    answer = send(api.as_("director"), "POST", f"/cases/{transfer.id}/cancel", body)
    check_answer(answer)
    if answer.status_code == 200:
        assert answer.get_json()["status"] == "cancelled" and answer.get_json()["open_tasks"] == []
        assert api.history(transfer.id)[-1]["data"]["reason"] == body["reason"].strip()
        transfer.renew()
    else:
        assert transfer.snapshot() == before


params = st.dictionaries(st.sampled_from(["status", "process_key", "overdue", "stalled_days", "scope"]) | text,
                         text | st.sampled_from(["running", "cancelled", "true", "mine", "group", "all", "-1"])
                         | st.integers(0, 400).map(str), max_size=4)
queries = params.map(urlencode) | text.map(lambda s: quote(s, safe="&=?%+"))


@FUZZ
@given(query=queries, who=st.sampled_from(["plan1", "director", "school1", "auditor"]))
def test_listing_cases_and_steps_with_any_query(api, case, args_of, query, who):
    args = args_of(query)
    before = case.snapshot()
    answers = {path: api.as_(who).get(f"/{path}?{query}") for path in ("cases", "tasks")}
    for answer in answers.values():
        check_answer(answer)
        if answer.status_code == 200:
            assert isinstance(answer.get_json(), list)
    scope = args.get("scope", "mine")
    expected = {"mine": 200, "group": 200, "all": 403 if who in ("plan1", "school1") else 200}.get(scope, 400)
    if any(problem_with_text(k) or problem_with_text(v) for k, v in args.items(multi=True)):
        expected = 400  # NUL or an unpaired surrogate anywhere in the query

    assert answers["tasks"].status_code == expected
    assert case.snapshot() == before


# Inputs the fuzzing once found to crash the app, each now refused with a 400 or answered.

def test_a_superscript_digit_in_stalled_days_is_refused(api):
    assert_error(api.as_("director").get("/cases?stalled_days=%C2%B2"), 400)


def test_a_huge_stalled_days_is_refused_or_answered(api):
    check_answer(api.as_("director").get("/cases?stalled_days=999999"))


def test_an_id_beyond_the_databases_integers_is_not_found(api):
    for path in ("/cases/9223372036854775808", "/tasks/99999999999999999999"):
        assert_error(api.as_("admin").get(path), 404)


def test_a_lone_surrogate_in_a_string_is_refused(api):
    case = Case(api)
    for path, body in (("/cases", {"process_key": "development_plan", "title": "แผน\ud800"}),
                       (f"/tasks/{case.task_id}/complete", {"data": {"x\ud800": 1}}),
                       (f"/cases/{case.id}/cancel", {"reason": "\udfff"})):
        check_answer(send(api.as_("director"), "POST", path, body))


def test_a_nul_character_is_refused_or_kept(api):
    check_answer(send(api.as_("plan1"), "POST", "/cases", {"process_key": "development_plan", "title": "a\x00b"}))
    check_answer(api.as_("plan1").get("/cases?status=%00"))


def test_nan_and_infinity_are_not_accepted_as_json_numbers(api):
    raw = '{"process_key": "development_plan", "title": "x", "data": {"a": NaN, "b": 1e999}}'
    answer = api.as_("plan1").post("/cases", data=raw, content_type="application/json")
    check_answer(answer)
    if answer.status_code == 201:
        history = api.as_("plan1").get(f"/cases/{answer.get_json()['id']}/history").get_data(as_text=True)
        json.loads(history, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))


def test_an_attachment_id_that_is_not_a_row_id_is_refused(api):
    case = Case(api)
    for odd in ("²", "9" * 30):
        data = {**GOOD_REVIEW, ATTACHMENT_FIELD: odd}
        assert_error(send(api.as_("plan1"), "POST", f"/tasks/{case.task_id}/complete", {"data": data}), 400)
