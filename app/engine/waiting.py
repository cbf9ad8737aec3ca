"""What a running case waits on besides people: messages from outside and timers.

SpiffWorkflow keeps every catch event that is waiting in its event manager (the top workflow's, for
called processes too); each is read from there, never from a walk of the task tree. The time a wait
began is the task's last state change, which `determinism.py` stamps with the step's own time: the
same on replay, and known for cases that waited before anyone asked.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow

from .diagram import CompiledProcess


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


def waiting_for(workflow: BpmnWorkflow, process: CompiledProcess) -> list[Wait]:
    """The messages and timers the workflow waits on now, the longest-waiting first."""
    found = []
    for task in list(workflow.event_manager.tasks.values()):
        info = process.catch_events.get(getattr(task.task_spec, "bpmn_id", None) or "")
        if info is None:
            continue  # signals, errors, conditions: nothing an office waits on by name
        due = None
        if info.kind == "timer":
            due = timer_due(task.task_spec.event_definition.details(task).value)
        found.append(Wait(
            engine_id=str(task.id), kind=info.kind, element_id=info.element_id, name=info.name,
            name_en=info.name_en, lane=info.lane, message=info.message, form=info.form,
            since=datetime.fromtimestamp(task.last_state_change, UTC), due_at=due))
    return sorted(found, key=lambda w: (w.since, w.element_id, w.engine_id))
