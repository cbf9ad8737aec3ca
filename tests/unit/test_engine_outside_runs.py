"""Cases of diagrams drawn outside PlanFlow, as they run: whatever goes wrong is a step refused with the element
named (never an unhandled error), nothing holds the worker past the engine's budget, a case never comes to
rest waiting for what no one can bring it, and what a case holds reads back as it was written."""
from __future__ import annotations

from datetime import timedelta

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from app import engine
from app.engine import budget, checks, xml

from .outside_shapes import T0, around, event_subprocess, flow, per_item, process, script, timer


def _compiled(xml_bytes: bytes) -> engine.CompiledProcess:
    return engine.compile_diagram(xml_bytes, "uploaded")


def _open(workflow, process_) -> list[str]:
    return sorted(t.element_id for t in engine.ready_human_tasks(workflow, process_))


def _complete(workflow, process_, element: str, data: dict, seed: str) -> None:
    task = next(t for t in engine.ready_human_tasks(workflow, process_) if t.element_id == element)
    engine.complete(workflow, task.engine_id, data, T0 + timedelta(hours=1), seed)


FAILING = {
    "a count that is text": (per_item('<bpmn:loopCardinality>"3"</bpmn:loopCardinality>'), {}, "TypeError"),
    "a collection the case does not have": (
        per_item('<bpmn:loopDataInputRef>schools</bpmn:loopDataInputRef><bpmn:inputDataItem id="school"/>'), {},
        "TypeError"),
    "a collection that is a number": (
        per_item('<bpmn:loopDataInputRef>schools</bpmn:loopDataInputRef><bpmn:inputDataItem id="school"/>'),
        {"schools": 5}, "TypeError"),
    "a timer read from a field holding a number": (timer("timeDuration", "wait_for"), {"wait_for": 5},
                                                   "AttributeError"),
}


@pytest.mark.parametrize("middle, data, kind", FAILING.values(), ids=FAILING.keys())
def test_a_shape_that_fails_inside_the_library_is_a_refused_step_naming_the_element(middle, data, kind):
    """SpiffWorkflow reads these itself and failed with plain Python errors the services could not place."""
    with pytest.raises(engine.StepFailed) as failed:
        engine.start(_compiled(around(middle)), data, T0, "failing:0")
    assert failed.value.element_id == "x" and kind in str(failed.value)


def test_a_timer_of_a_billion_years_from_a_form_field_is_refused_before_any_month_is_counted(monkeypatch):
    """SpiffWorkflow adds a duration's months one at a time: "P999999999Y" held the worker for hours."""
    counted = []

    def monthrange(year, month):
        counted.append(month)
        assert len(counted) < 10_000, "the timer's months are being counted one by one"
        return 0, 30

    monkeypatch.setattr(spiff_timer, "monthrange", monthrange)
    process_ = _compiled(around(timer("timeDuration", "wait_for")))
    with pytest.raises(engine.StepFailed, match="longer than 100 years") as failed:
        engine.start(process_, {"wait_for": "P999999999Y"}, T0, "timer:0")
    assert failed.value.element_id == "x" and counted == []
    waiting = engine.start(process_, {"wait_for": "P1Y"}, T0, "timer:1")
    assert 0 < len(counted) < 20 and engine.next_timer_at(waiting) == T0 + timedelta(days=12 * 30)


def test_a_step_for_each_of_three_million_schools_is_stopped_by_the_budget_of_new_tasks(monkeypatch):
    """A multi-instance step opens all its tasks at once, before any runs: only a count of new tasks sees it."""
    monkeypatch.setattr(budget, "_limits", budget.Limits(max_new_tasks=100))
    created = []
    original = budget._Meter.count_new
    monkeypatch.setattr(budget._Meter, "count_new", lambda meter: (created.append(1), original(meter)))
    process_ = _compiled(around(per_item("<bpmn:loopCardinality>3000000</bpmn:loopCardinality>")))
    with pytest.raises(engine.RunTooLong, match="opened more than 100 tasks") as stopped:
        engine.start(process_, {}, T0, "many:0")
    assert stopped.value.element_id == "x" and stopped.value.limit == "new tasks"
    assert len(created) < 120  # stopped at the limit, not after three million
    created.clear()
    few = engine.start(_compiled(around(per_item("<bpmn:loopCardinality>40</bpmn:loopCardinality>"))), {}, T0,
                       "few:0")
    assert len(engine.ready_human_tasks(few, process_)) == 40


UNSTORABLE = {
    "bytes": ("x = b'ab'", "is a bytes"),
    "a complex number": ("x = 1j", "is a complex"),
    "a range": ("x = range(3)", "is a range"),
    "not a number": ("x = float('nan')", "not a number"),
    "number keys": ("x = {1: 'a'}", "keys of a dict must be text"),
    "a tower of lists": ("x = []\nfor i in range(150):\n    x = [x]", "more than 100 levels"),
}


@pytest.mark.parametrize("code, phrase", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_a_script_that_leaves_a_value_a_case_cannot_store_is_refused_naming_the_variable(code, phrase):
    """Such a value made every save of the case fail, or read back as something else than it was."""
    with pytest.raises(engine.StepFailed) as failed:
        engine.start(_compiled(script(f"kept = 1\n{code}")), {}, T0, "unstorable:0")
    assert failed.value.element_id == "x"
    assert "the variable 'x'" in str(failed.value) and phrase in str(failed.value)


def test_a_tuple_left_by_a_script_is_the_list_it_reads_back_as_so_a_replay_takes_the_same_way():
    """In memory `x == [1, 2]` was false for the tuple and true once the case was read back as JSON."""
    xml_bytes = process(
        '<bpmn:startEvent id="start"/>' + flow("f1", "start", "x")
        + '<bpmn:scriptTask id="x"><bpmn:script>x = (1, 2)</bpmn:script></bpmn:scriptTask>'
        + flow("f2", "x", "check") + '<bpmn:userTask id="check"/>' + flow("f3", "check", "same")
        + '<bpmn:exclusiveGateway id="same" default="f5"/>' + flow("f4", "same", "agreed", "x == [1, 2]")
        + flow("f5", "same", "end") + '<bpmn:userTask id="agreed"/>' + flow("f6", "agreed", "end")
        + '<bpmn:endEvent id="end"/>')
    process_ = _compiled(xml_bytes)
    in_memory = engine.start(process_, {}, T0, "tuple:0")
    read_back = engine.attach(engine.load(process_, engine.dump(in_memory)))
    for workflow in (in_memory, read_back):
        assert engine.case_data(workflow)["x"] == [1, 2]
        _complete(workflow, process_, "check", {}, "tuple:1")
        assert _open(workflow, process_) == ["agreed"]
    assert engine.dump(in_memory) == engine.dump(read_back)


_CONDITIONAL = ('<bpmn:intermediateCatchEvent id="x"><bpmn:conditionalEventDefinition><bpmn:condition>confirmed'
                "</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>")


def test_a_step_after_which_the_case_would_wait_for_a_condition_nothing_can_change_is_refused():
    """Nothing a person, a message or a timer does would ever change the data again: the case would rest
    for ever, and no list would show it waiting."""
    process_ = _compiled(process(
        '<bpmn:startEvent id="start"/>' + flow("f1", "start", "decide") + '<bpmn:userTask id="decide"/>'
        + flow("f2", "decide", "route") + '<bpmn:exclusiveGateway id="route" default="f4"/>'
        + flow("f3", "route", "x", 'decision == "wait"') + flow("f4", "route", "end") + _CONDITIONAL
        + flow("f5", "x", "end") + '<bpmn:endEvent id="end"/>'))
    workflow = engine.start(process_, {}, T0, "dead:0")
    with pytest.raises(engine.StepFailed, match="wait only for a condition at 'x'") as refused:
        _complete(workflow, process_, "decide", {"decision": "wait", "confirmed": False}, "dead:1")
    assert refused.value.element_id == "x"
    workflow = engine.start(process_, {}, T0, "dead:0")
    _complete(workflow, process_, "decide", {"decision": "go"}, "dead:1")
    assert engine.is_completed(workflow)


def test_a_condition_a_person_beside_it_can_make_true_is_a_wait_the_case_may_rest_in():
    """The person's step writes the data object the condition reads (each path has its own copy of the
    case's fields; data objects are the process's)."""
    process_ = _compiled(process(
        '<bpmn:dataObject id="confirmed"/><bpmn:dataObjectReference id="confirmed_ref" dataObjectRef="confirmed"/>'
        '<bpmn:startEvent id="start"/>' + flow("f1", "start", "split") + '<bpmn:parallelGateway id="split"/>'
        + flow("f2", "split", "confirm") + flow("f3", "split", "x")
        + '<bpmn:userTask id="confirm"><bpmn:dataOutputAssociation id="o1"><bpmn:targetRef>confirmed_ref'
          "</bpmn:targetRef></bpmn:dataOutputAssociation></bpmn:userTask>" + _CONDITIONAL
        + flow("f4", "confirm", "join") + flow("f5", "x", "join") + '<bpmn:parallelGateway id="join"/>'
        + flow("f6", "join", "end") + '<bpmn:endEvent id="end"/>'))
    workflow = engine.start(process_, {}, T0, "beside:0")
    assert _open(workflow, process_) == ["confirm"]
    with pytest.raises(engine.StepFailed, match="condition at 'x'"):
        _complete(workflow, process_, "confirm", {"confirmed": False}, "beside:1")
    workflow = engine.start(process_, {}, T0, "beside:0")
    _complete(workflow, process_, "confirm", {"confirmed": True}, "beside:1")
    assert engine.is_completed(workflow)


def _wiring(process_) -> dict:
    specs = [("", process_.spec), *process_.subprocess_specs.items()]
    return {(owner, name): sorted(o.name for o in task_spec.outputs)
            for owner, spec in specs for name, task_spec in spec.task_specs.items()}


def test_an_event_subprocess_started_by_a_timer_is_a_listed_wait_and_leaves_the_shared_process_as_it_was():
    process_ = _compiled(event_subprocess('<bpmn:timerEventDefinition><bpmn:timeDuration>"P2D"</bpmn:timeDuration>'
                                          "</bpmn:timerEventDefinition>"))
    wiring = _wiring(process_)
    first = engine.start(process_, {}, T0, "esp:0")
    assert [w.element_id for w in engine.waiting_for(first, process_)] == ["trigger"]
    assert engine.next_timer_at(first) == T0 + timedelta(days=2)
    engine.fire_timers(first, T0 + timedelta(days=2, minutes=1), "esp:1")
    assert _open(first, process_) == ["respond", "work"]
    assert _wiring(process_) == wiring  # every case of the version runs on this one parsed process
    second = engine.start(process_, {}, T0, "esp:0")
    assert _open(second, process_) == ["work"]


def test_a_called_process_that_also_runs_on_a_schedule_runs_once_when_called_and_lets_the_caller_finish():
    """Its timer start event used to wait inside the calling case and start the process again at every turn
    of its cycle: one more step each quarter, and a calling case that could never end."""
    called = process('<bpmn:startEvent id="each_quarter"><bpmn:timerEventDefinition><bpmn:timeCycle>'
                     '"R/2026-10-01T09:00:00+07:00/P3M"</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>'
                     + flow("g1", "each_quarter", "follow_up") + '<bpmn:userTask id="follow_up"/>'
                     + flow("g2", "follow_up", "done") + '<bpmn:endEvent id="done"/>', process_id="quarterly")
    caller = process('<bpmn:startEvent id="start"/>' + flow("f1", "start", "x")
                     + '<bpmn:callActivity id="x" calledElement="quarterly"/>' + flow("f2", "x", "end")
                     + '<bpmn:endEvent id="end"/>', process_id="plan")
    process_ = engine.compile_diagram(caller, "plan", {"quarterly": called})
    workflow = engine.start(process_, {}, T0, "quarterly:0")
    assert _open(workflow, process_) == ["follow_up"] and engine.next_timer_at(workflow) is None
    _complete(workflow, process_, "follow_up", {}, "quarterly:1")
    assert engine.is_completed(workflow)


def test_checking_the_gateways_of_a_large_upload_looks_at_each_flow_once(monkeypatch):
    """Each gateway used to look through every flow of its process: a 1.2 MB upload held a deploy for 8 s."""
    looked_at = []
    original = checks._bare_flows
    monkeypatch.setattr(checks, "_bare_flows", lambda flows, default: (looked_at.extend(flows),
                                                                         original(flows, default))[1])
    gateways = 300
    body = '<bpmn:startEvent id="start"/>' + flow("f0", "start", "g0")
    for n in range(gateways):
        target = f"g{n + 1}" if n + 1 < gateways else "end"
        body += (f'<bpmn:exclusiveGateway id="g{n}" default="a{n}"/>' + flow(f"a{n}", f"g{n}", target)
                 + flow(f"b{n}", f"g{n}", target, "urgent"))
    problems = checks.check_structure(xml.parse(process(body + '<bpmn:endEvent id="end"/>')))
    assert problems == [] and len(looked_at) == 2 * gateways
