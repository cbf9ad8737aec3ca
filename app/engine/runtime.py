"""Running a case's workflow: start, complete a ready human step, fire due timers, deliver messages.

Every call takes the time it runs at and a seed for task ids (see `determinism.py`) so that the
scheduler, tests and the auditor's replay all get the same result from the same inputs.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.util import task as _bpmn_task_iteration
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util import task as _task_iteration
from SpiffWorkflow.util.task import TaskState

from . import budget, determinism, notices, sandbox, start_timers, task_order, timer_limits  # noqa: F401 - it patches
from .diagram import CompiledProcess, UserTaskInfo
from .errors import EngineStall, NotWaiting, StepFailed, TaskNotReady
from .failures import diagram_failures
from .serializer import json_safe
from .waiting import dead_end, pending_events, timer_due
from .workflow import CaseWorkflow

# SpiffWorkflow stops walking the task tree at depth 1000; a revise loop crosses that after ~250
# rounds and the engine then silently skips ready work and reports an unfinished case as complete.
# The walk is iterative (no recursion), so we lift the limit; `_advance` still checks the result
# against the flat task table and refuses to go on if the two ever disagree.
_UNBOUNDED_DEPTH = 10**9


def _lift_depth_limit(init) -> None:
    init.__defaults__ = tuple(_UNBOUNDED_DEPTH if d == 1000 else d for d in init.__defaults__)


_lift_depth_limit(_task_iteration.TaskIterator.__init__)
_lift_depth_limit(_bpmn_task_iteration.BpmnTaskIterator.__init__)


class _SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Routes every condition, timer expression and script of a diagram through the sandbox."""

    def evaluate(self, expression, context, external_context=None):
        return sandbox.evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script, context, external_context=None):
        sandbox.execute(script, context)
        return True

    def call_service(self, context, **kwargs):
        raise sandbox.SandboxError("service tasks are not supported")


class _ScriptEngine(PythonScriptEngine):
    def validate(self, expression):
        sandbox.compile_expression(expression)


SCRIPT_ENGINE = _ScriptEngine(environment=_SandboxEnvironment())


@dataclass(frozen=True)
class HumanTask:
    """A step waiting for a person, as the services see it."""

    engine_id: str
    element_id: str
    name: str
    lane: str | None
    info: UserTaskInfo | None
    instance: Any  # the multi-instance item (e.g. a school) this step is for, if any


@contextlib.contextmanager
def engine_call(at: datetime, seed: str) -> Iterator[None]:
    """One engine call: reproducible (ids and times from the step) and bounded (see `budget.py`)."""
    with determinism.step(at, seed), budget.metered():
        yield


def start(process: CompiledProcess, data: dict[str, Any], at: datetime, seed: str) -> BpmnWorkflow:
    """Start a workflow of `process` with `data` as its start data."""
    with engine_call(at, seed):
        with diagram_failures():
            workflow = CaseWorkflow(process.spec, process.subprocess_specs, script_engine=SCRIPT_ENGINE)
            start_task = workflow.get_tasks(state=TaskState.READY)[0]
            start_task.data.update(json_safe(data))
            start_timers.fire_once(workflow, at)
        _advance(workflow)
    return workflow


def attach(workflow: BpmnWorkflow) -> BpmnWorkflow:
    """Give a freshly loaded workflow our script engine (it is not part of the stored state)."""
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


def complete(workflow: BpmnWorkflow, engine_id: str, data: dict[str, Any], at: datetime, seed: str) -> None:
    """Complete one READY human task with `data`; any other state is refused, nothing changes."""
    task = _ready_human_task(workflow, engine_id)
    with engine_call(at, seed):
        task.data.update(json_safe(data))
        _run(task)
        _advance(workflow)


def task_data(workflow: BpmnWorkflow, engine_id: str) -> dict[str, Any]:
    """A copy of the data a READY human task holds (what its step sees); any other state is refused."""
    return json_safe(dict(_ready_human_task(workflow, engine_id).data))


def fire_timers(workflow: BpmnWorkflow, at: datetime, seed: str) -> None:
    """Let every timer due at `at` fire, and run what follows them."""
    with engine_call(at, seed):
        _advance(workflow)


def deliver_message(workflow: BpmnWorkflow, name: str, payload: dict[str, Any], at: datetime,
                    seed: str) -> str:
    """Hand the workflow a message (e.g. OBEC's allocation notice) with its data, and run what follows.

    Returns "taken" when a catch event waiting now took it. A message the diagram takes in rounds
    (`notices.py`) is also accepted when nothing waits for it: "pending" (kept for the wait the case has not
    reached) or "round" (a later round, recorded). Any other message is refused with NotWaiting, changing nothing.
    """
    rounds = notices.rounds_variable(workflow, name)
    if name not in waiting_messages(workflow):
        if rounds is None or workflow.is_completed():
            raise NotWaiting(f"the case is not waiting for the message '{name}'")
        with engine_call(at, seed):
            return notices.keep(workflow, name, rounds, payload, at)
    with engine_call(at, seed):
        _send_message(workflow, name, payload, rounds, at.isoformat())
        _advance(workflow)
    return "taken"


def _send_message(workflow: BpmnWorkflow, name: str, payload: dict[str, Any], rounds: str | None,
                  received_at: str, early: bool = False) -> None:
    # The parser builds spiff message definitions; an event matches a catch event of the same class and name.
    event = BpmnEvent(MessageEventDefinition(name), payload=json_safe(payload))
    with diagram_failures():
        workflow.send_event(event)
    if rounds is not None:
        notices.record_round(workflow, rounds, payload, received_at, early)


def _take_kept_notices(workflow: BpmnWorkflow) -> bool:
    """Hand a catch event the case has just reached the notice kept for it; whether one was handed."""
    if not notices.has_pending(workflow):
        return False
    taken = notices.take_pending(workflow, waiting_messages(workflow))
    if taken is None:
        return False
    name, payload, received_at = taken
    _send_message(workflow, name, payload, notices.rounds_variable(workflow, name), received_at, early=True)
    return True


def waiting_messages(workflow: BpmnWorkflow) -> list[str]:
    """The names of the messages the workflow is waiting for now."""
    return sorted({e.name for e in pending_events(workflow) if e.event_type == "MessageEventDefinition"})


def cancel(workflow: BpmnWorkflow, at: datetime, seed: str) -> None:
    with engine_call(at, seed), diagram_failures():
        workflow.cancel()


def _ready_human_task(workflow: BpmnWorkflow, engine_id: str):
    try:
        task = workflow.get_task_from_id(UUID(str(engine_id)))
    except (ValueError, TypeError, KeyError, SpiffWorkflowException):
        raise TaskNotReady(f"no task {engine_id} in this case") from None
    if task is None:
        raise TaskNotReady(f"no task {engine_id} in this case")
    if task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotReady(f"task {engine_id} is {TaskState.get_name(task.state)}, not waiting for a person")
    return task


def _run(task) -> None:
    budget.running(task)
    with diagram_failures(task):
        task.run()


def _advance(workflow: BpmnWorkflow) -> None:
    with diagram_failures():
        workflow.refresh_timers()
        workflow.do_engine_steps()
    while _take_kept_notices(workflow):  # an early notice: the wait it was kept for is reached
        with diagram_failures():
            workflow.refresh_timers()
            workflow.do_engine_steps()
    _check_no_stall(workflow)
    _check_not_dead(workflow)


def advance(workflow: BpmnWorkflow) -> None:
    """Run the workflow's automatic steps until it waits for a person, a message or a timer, failing loudly
    on a script error or a stall (what every engine call does after its own step; migration too)."""
    _advance(workflow)


def _check_not_dead(workflow: BpmnWorkflow) -> None:
    """Refuse a step after which the case would wait for nothing PlanFlow can bring it (a signal no one
    throws, a condition nothing can make true): it would never move again, and no one would be told."""
    found = dead_end(workflow, open_tasks(workflow),
                     lambda: bool(waiting_messages(workflow)) or next_timer_at(workflow) is not None)
    if found is not None:
        raise StepFailed(*found)


def all_tasks(workflow: BpmnWorkflow):
    """Every task of the workflow and its subprocesses from the flat tables, in creation order."""
    yield from workflow.tasks.values()
    for subprocess in workflow.subprocesses.values():
        yield from subprocess.tasks.values()


def open_tasks(workflow: BpmnWorkflow):
    """The unfinished tasks of `all_tasks`, in the same order, without going through the finished ones."""
    yield from task_order.open_tasks(workflow)
    for subprocess in workflow.subprocesses.values():
        yield from task_order.open_tasks(subprocess)


def _check_no_stall(workflow: BpmnWorkflow) -> None:
    engine_ready = [t for t in open_tasks(workflow) if t.state == TaskState.READY and not t.task_spec.manual]
    if engine_ready:
        names = ", ".join(sorted({t.task_spec.name for t in engine_ready}))
        raise EngineStall(f"the engine left automatic steps unrun: {names}")
    if workflow.is_completed():
        unfinished = [t for t in open_tasks(workflow)
                      if t.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED)]
        if unfinished:
            raise EngineStall("the engine reports the case complete while steps are still open")


def ready_human_tasks(workflow: BpmnWorkflow, process: CompiledProcess) -> list[HumanTask]:
    """The steps waiting for people, read from the flat task tables (never depth-limited)."""
    found = []
    for task in open_tasks(workflow):
        if task.state != TaskState.READY or not task.task_spec.manual:
            continue
        element_id = task.task_spec.bpmn_id
        found.append(HumanTask(
            engine_id=str(task.id),
            element_id=element_id,
            name=task.task_spec.bpmn_name or element_id,
            lane=task.task_spec.lane,
            info=process.user_task(element_id),
            instance=_instance_item(task),
        ))
    return found


def _instance_item(task) -> Any:
    name = _instance_item_name(task)
    return task.data.get(name) if name else None


def is_completed(workflow: BpmnWorkflow) -> bool:
    return workflow.is_completed()


def case_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The case's data as forms and documents see it.

    A finished case: the workflow's data (the end event copies its data there). A running case: the
    data flowing into its open steps; a per-school step carries its own school item, so for those we
    take the data of the multi-instance step that spawned them, which has only the shared fields.
    """
    if workflow.is_completed():
        return json_safe(dict(workflow.data))
    merged: dict[str, Any] = dict(workflow.data)
    for task in open_tasks(workflow):
        if task.state not in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
            continue
        source = task.parent if _instance_item_name(task) else task
        if source is not None:
            merged.update(source.data)
    return json_safe(merged)


def _instance_item_name(task) -> str | None:
    item = getattr(getattr(task.parent, "task_spec", None), "input_item", None)
    return item.bpmn_id if item is not None else None


def next_timer_at(workflow: BpmnWorkflow) -> datetime | None:
    """When the earliest pending timer of the workflow is due, so the scheduler knows when to wake it."""
    due = []
    for event in pending_events(workflow):
        if event.event_type not in ("TimerEventDefinition", "TimeDateEventDefinition",
                                    "DurationTimerEventDefinition", "CycleTimerEventDefinition"):
            continue
        moment = timer_due(event.value)
        if moment is not None:
            due.append(moment)
    return min(due) if due else None


def path_of(workflow: BpmnWorkflow) -> dict[str, list[str]]:
    """Which diagram elements the case has passed, is at, and has left behind (cancelled)."""
    done: dict[str, None] = {}
    active: dict[str, None] = {}
    cancelled: dict[str, None] = {}
    for task in all_tasks(workflow):
        element = getattr(task.task_spec, "bpmn_id", None)
        if not element:
            continue
        if task.state == TaskState.COMPLETED:
            done[element] = None
        elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
            active[element] = None
        elif task.state == TaskState.CANCELLED:
            cancelled[element] = None
    return {"done": list(done), "active": list(active), "cancelled": [e for e in cancelled if e not in done]}
