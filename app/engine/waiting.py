"""What a running case waits on besides people: messages from outside and timers.

SpiffWorkflow keeps every catch event that is waiting in its event manager (the top workflow's, for
called processes too); each is read from there, never from a walk of the task tree. The time a wait
began is the task's last state change, which `determinism.py` stamps with the step's own time: the
same on replay, and known for cases that waited before anyone asked.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.event import PendingBpmnEvent
from SpiffWorkflow.util.task import TaskState

from .diagram import CompiledProcess, catch_definitions


@dataclass(frozen=True)
class Wait:
    """One thing a case waits on: a message (with the form its data must satisfy) or a timer (with its due time)."""

    engine_id: str
    kind: str  # "message" | "timer"
    element_id: str
    name: str
    name_en: str | None
    lane: str | None
    message: str | None
    form: str | None
    since: datetime
    due_at: datetime | None


def timer_due(value: Any) -> datetime | None:
    """The due time held in a waiting timer's event value (a date, or a cycle's next occurrence)."""
    if isinstance(value, dict):
        value = value.get("next")
    if value is None:
        return None
    try:
        due = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return due if due.tzinfo is not None else due.replace(tzinfo=UTC)


def _waiting_catches(workflow: BpmnWorkflow) -> Iterator[tuple[Any, Any, Any, str]]:
    """(waiting task, catch event spec, the event it catches, an id for this wait) for everything the workflow
    waits on. An event-based gateway's task waits on each event after it: each is a wait of its own, with an
    id made from the gateway task's and the event's, the same on every reading."""
    for task in list(workflow.event_manager.tasks.values()):
        catches = catch_definitions(task.task_spec)
        for spec, definition in catches:
            wait_id = str(task.id) if len(catches) == 1 and spec is task.task_spec else \
                str(uuid5(UUID(str(task.id)), getattr(spec, "bpmn_id", None) or spec.name))
            yield task, spec, definition, wait_id


def pending_events(workflow: BpmnWorkflow) -> list[PendingBpmnEvent]:
    """What SpiffWorkflow's `waiting_events` lists, with an event-based gateway's events each listed alone."""
    return [definition.details(task) for task, _spec, definition, _id in _waiting_catches(workflow)]


def waiting_for(workflow: BpmnWorkflow, process: CompiledProcess) -> list[Wait]:
    """The messages and timers the workflow waits on now, the longest-waiting first."""
    found = []
    for task, spec, definition, wait_id in _waiting_catches(workflow):
        info = process.catch_events.get(getattr(spec, "bpmn_id", None) or "")
        if info is None:
            continue  # signals, errors, conditions: nothing an office waits on by name
        due = None
        if info.kind == "timer":
            due = timer_due(definition.details(task).value)
        found.append(Wait(
            engine_id=wait_id, kind=info.kind, element_id=info.element_id, name=info.name,
            name_en=info.name_en, lane=info.lane, message=info.message, form=info.form,
            since=datetime.fromtimestamp(task.last_state_change, UTC), due_at=due))
    return sorted(found, key=lambda w: (w.since, w.element_id, w.engine_id))


# What PlanFlow can hand a waiting case: a person's step, a message from outside, a timer coming due.
# Anything else a case might wait on (a signal, a condition, an error) only ever comes from the case itself,
# so a case waiting on nothing but those waits for ever.
_FRIENDLY = {"SignalEventDefinition": "a signal", "ConditionalEventDefinition": "a condition",
             "ErrorEventDefinition": "an error", "EscalationEventDefinition": "an escalation",
             "MultipleEventDefinition": "several events at once", "CancelEventDefinition": "a cancellation",
             "MessageEventDefinition": "a message", "TimerEventDefinition": "a timer"}


def dead_end(workflow: BpmnWorkflow, open_tasks, deliverable: Callable[[], bool]) -> tuple[str, str | None] | None:
    """(why, an element) when the running workflow waits, and only for what no one can bring it; else None.

    `open_tasks` are its unfinished tasks (the top workflow's and its subprocesses'); `deliverable` tells
    whether a message or timer it waits on is pending (asked only when no person's step is ready)."""
    if workflow.is_completed():
        return None
    waiting = []
    for task in open_tasks:
        if task.state == TaskState.READY and task.task_spec.manual:
            return None
        if task.state in (TaskState.WAITING, TaskState.STARTED):
            waiting.append(task)
    if deliverable():
        return None
    found = []
    for _task, spec, definition, _id in _waiting_catches(workflow):
        name = getattr(definition, "name", None)
        kind = _FRIENDLY.get(type(definition).__name__, "an event")
        found.append((getattr(spec, "bpmn_id", None) or spec.name,
                      f"{kind} '{name}'" if name and kind in ("a signal", "a message") else kind))
    if not found:
        found = [(t.task_spec.bpmn_id, "the rest of the case") for t in waiting
                 if getattr(t.task_spec, "bpmn_id", None)]
    if not found:
        return None  # nothing waits at all: not a wait this check can name (EngineStall's side of things)
    listed = ", ".join(f"{what} at '{element}'" for element, what in found)
    return (f"after this step the case would wait only for {listed}: no person's step, message from outside or "
            "timer could move it on, so it would never reach its end", found[0][0])
