"""No diagram can hold a worker: a call graph with a cycle is refused when it is deployed or checked, and
every engine call runs on a budget of automatic steps and seconds (engine/budget.py) — past it the
request is refused and the case is left exactly as it was."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import engine
from app.engine import budget, diagram
from app.services.cases import lifecycle
from app.services.editor import deployment, diagram_check
from app.services.kernel.errors import EngineTimeExceeded, Invalid, InvalidDiagramError
from app.store.models import Case, Event, ProcessVersion

from ..stories import start

HOSTILE = Path(__file__).resolve().parent / "hostile"


def _xml(name: str) -> bytes:
    return (HOSTILE / name).read_bytes()


def _count(ctx, model) -> int:
    with ctx.read() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("name, element", [("call-self.bpmn", "call"), ("call-mutual.bpmn", "b_call")])
def test_a_call_graph_with_a_cycle_is_refused_at_deploy_naming_the_call(ctx, people, name, element):
    before = _count(ctx, ProcessVersion)
    with pytest.raises(InvalidDiagramError) as refused:
        deployment.deploy_version(ctx, people["owner"], "budget_transfer", _xml(name))
    problems = {d["element_id"]: d["message"] for d in refused.value.details}
    assert element in problems, problems
    assert "may not call itself" in problems[element]
    assert _count(ctx, ProcessVersion) == before


def test_the_editor_check_names_the_call_that_closes_the_cycle(ctx, people):
    problems = diagram_check.check_diagram(ctx, people["owner"], "budget_transfer", _xml("call-self.bpmn"))
    assert [p["element_id"] for p in problems if "may not call itself" in p["message"]] == ["call"]


def test_the_api_refuses_a_self_calling_diagram_with_a_400_naming_the_element(api):
    answer = api.as_("owner").post("/processes/budget_transfer/versions", data=_xml("call-self.bpmn"),
                                   content_type="application/xml")
    assert answer.status_code == 400
    details = answer.get_json()["error"]["details"]
    assert any(d["element_id"] == "call" and "budget_transfer → budget_transfer" in d["message"] for d in details)


@pytest.fixture
def cycles_unchecked(monkeypatch):
    """The call-cycle check switched off, to show the run-time budget holds on its own. Compiled diagrams
    are cached by their text: what compiled without the check must not be served to later tests."""
    monkeypatch.setattr(engine.checks, "check_call_cycles", lambda documents: [])
    diagram._compile_cached.cache_clear()
    yield
    diagram._compile_cached.cache_clear()


def _deploy_unchecked(ctx, people, name: str) -> None:
    """Deploy a diagram past the call-cycle check (with `cycles_unchecked` in force)."""
    deployment.deploy_version(ctx, people["owner"], "budget_transfer", _xml(name))


@pytest.mark.parametrize("name, stopped_by", [("loop-automatic.bpmn", "automatic steps"),
                                              ("call-self.bpmn", "levels deep")])
def test_a_diagram_that_never_reaches_a_person_is_stopped_and_no_case_is_stored(ctx, people, request, monkeypatch,
                                                                                name, stopped_by):
    # Room for 2,000 automatic steps, not 50,000: on a loaded machine the count, not the clock, stops the loop.
    monkeypatch.setattr(budget, "_limits", budget.Limits(max_tasks=2_000))
    if name == "loop-automatic.bpmn":  # only running it shows the loop: it deploys
        deployment.deploy_version(ctx, people["owner"], "budget_transfer", _xml(name))
    else:
        request.getfixturevalue("cycles_unchecked")
        _deploy_unchecked(ctx, people, name)
    before = (_count(ctx, Case), _count(ctx, Event))
    with pytest.raises(Invalid) as refused:
        lifecycle.start_case(ctx, people["plan1"], "budget_transfer", "วนไม่รู้จบ")
    assert stopped_by in refused.value.message
    assert refused.value.extra["element_id"] in ("count", "gw_again", "call")
    assert (_count(ctx, Case), _count(ctx, Event)) == before


def test_the_task_budget_is_what_stops_a_loop(ctx, people, monkeypatch):
    """Counted, not timed: with room for 200 automatic steps the loop runs exactly that many and stops."""
    deployment.deploy_version(ctx, people["owner"], "budget_transfer", _xml("loop-automatic.bpmn"))
    charged = []
    monkeypatch.setattr(budget, "_limits", budget.Limits(max_tasks=200))
    original = budget._Meter.charge
    monkeypatch.setattr(budget._Meter, "charge", lambda meter, task: (charged.append(1), original(meter, task)))
    with pytest.raises(Invalid, match="more than 200 automatic steps"):
        lifecycle.start_case(ctx, people["plan1"], "budget_transfer", "วนไม่รู้จบ")
    assert len(charged) == 201


def test_an_engine_call_past_its_time_budget_is_a_503_and_changes_nothing(ctx, people, monkeypatch):
    """A clock that moves a second per reading stands in for a slow run: no test waits."""
    deployment.deploy_version(ctx, people["owner"], "budget_transfer", _xml("loop-automatic.bpmn"))
    ticks = iter(range(10**6))
    monkeypatch.setattr(budget, "_monotonic", lambda: float(next(ticks)))
    monkeypatch.setattr(budget, "_limits", budget.Limits(max_seconds=5))
    before = (_count(ctx, Case), _count(ctx, Event))
    with pytest.raises(EngineTimeExceeded) as refused:
        lifecycle.start_case(ctx, people["plan1"], "budget_transfer", "ช้าเกินไป")
    assert refused.value.status == 503 and "longer than 5 s" in refused.value.message
    assert (_count(ctx, Case), _count(ctx, Event)) == before


def test_a_step_whose_run_exceeds_the_budget_leaves_the_case_as_it_was(ctx, people, monkeypatch):
    """Completing the group director's review runs its gateway and the authority gateway: two automatic
    steps, one allowed."""
    transfer = start(ctx, people, "budget_transfer")
    transfer.complete("request", "plan1", category_from="operating", category_to="other", amount=1000)
    transfer.complete("analysis", "plan2")
    with ctx.read() as session:
        row = session.get(Case, transfer.id)
        state, version = row.state, row.lock_version
    events = _count(ctx, Event)
    monkeypatch.setattr(budget, "_limits", budget.Limits(max_tasks=1))
    with pytest.raises(Invalid) as refused:
        transfer.complete("group_review", "director", review_decision="support")
    assert refused.value.extra["element_id"] and "automatic steps" in refused.value.message
    with ctx.read() as session:
        row = session.get(Case, transfer.id)
        assert (row.state, row.lock_version) == (state, version)
    assert _count(ctx, Event) == events and transfer.open_steps() == ["group_review"]
    monkeypatch.setattr(budget, "_limits", budget.Limits())
    transfer.complete("group_review", "director", review_decision="support")  # the same step, within its budget
    assert transfer.open_steps() == ["director_approval"]


def test_the_api_answers_a_looping_start_with_a_400_and_stores_no_case(api, monkeypatch):
    monkeypatch.setattr(budget, "_limits", budget.Limits(max_tasks=2_000))  # counted before the clock could stop it
    owner, staff = api.as_("owner"), api.as_("plan1")
    deployed = owner.post("/processes/budget_transfer/versions", data=_xml("loop-automatic.bpmn"),
                          content_type="application/xml")
    assert deployed.status_code == 201, deployed.get_json()
    before = len(staff.get("/cases").get_json())
    answer = staff.post("/cases", json={"process_key": "budget_transfer", "title": "วนไม่รู้จบ"})
    assert answer.status_code == 400
    assert "automatic steps" in answer.get_json()["error"]["message"]
    assert len(staff.get("/cases").get_json()) == before
