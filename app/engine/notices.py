"""Messages a case takes in rounds (OBEC's allocation comes in งวด), and notices that arrive early.

A message catch event whose diagram sets `messageRounds` to a case-data name (`allocation_rounds`) takes its
message more than once. Every notice of that message becomes a round in that list, in the order they came:
- when the case waits at the event, the notice goes to the event (its `messageVariable`) and is the first round;
- before the case reaches the event, the notice is kept in `pending_messages`; when the case reaches the event,
  the engine hands it the notices kept for it, the earliest first, and records each as a round;
- after the case passed the event, the notice is a later round, recorded beside the others.
Both lists live in the workflow's own data (never a task's), so a step's data never overwrites them, and
they are written only here: a replay of the same deliveries writes them the same way.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.util.task import TaskState

from .diagram import catch_definitions
from .serializer import json_safe

ROUNDS_PROPERTY = "messageRounds"
PENDING = "pending_messages"


def rounds_variable(workflow, name: str) -> str | None:
    """The case-data list the message `name` is recorded in round by round, or None for a message taken once."""
    for spec in [workflow.spec, *workflow.subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            if not isinstance(task_spec, CatchingEvent):
                continue
            for catch, definition in catch_definitions(task_spec):
                if isinstance(definition, MessageEventDefinition) and definition.name == name:
                    props = (getattr(catch, "extensions", {}) or {}).get("properties", {}) or {}
                    variable = str(props.get(ROUNDS_PROPERTY) or "").strip()
                    if variable:
                        return variable
    return None


def _caught_before(workflow, name: str) -> bool:
    """Whether a catch event of the message has already taken it (the case is past the wait)."""
    for flow in [workflow, *workflow.subprocesses.values()]:
        for task in flow.tasks.values():
            if task.state != TaskState.COMPLETED:
                continue
            for _, definition in catch_definitions(task.task_spec):
                if isinstance(definition, MessageEventDefinition) and definition.name == name:
                    return True
    return False


def record_round(workflow, variable: str, payload: dict[str, Any], received_at: str, early: bool = False) -> None:
    """Add a notice to the case's list of rounds."""
    entry = {**json_safe(payload), "received_at": received_at}
    if early:
        entry["kept_early"] = True
    workflow.data[variable] = [*workflow.data.get(variable, []), entry]


def keep(workflow, name: str, variable: str, payload: dict[str, Any], at: datetime) -> str:
    """A notice for a case not waiting for it now: a later round once the case has taken the message
    ("round"), else kept until the case waits for it ("pending")."""
    if _caught_before(workflow, name):
        record_round(workflow, variable, payload, at.isoformat())
        return "round"
    kept = {"name": name, "data": json_safe(payload), "received_at": at.isoformat()}
    workflow.data[PENDING] = [*workflow.data.get(PENDING, []), kept]
    return "pending"


def take_pending(workflow, waiting: list[str]) -> tuple[str, dict[str, Any], str] | None:
    """The earliest notice kept for a message the case now waits for, removed from those kept; or None."""
    pending = workflow.data.get(PENDING) or []
    for position, kept in enumerate(pending):
        if kept.get("name") in waiting:
            rest = pending[:position] + pending[position + 1:]
            if rest:
                workflow.data[PENDING] = rest
            else:
                del workflow.data[PENDING]
            return kept["name"], kept.get("data") or {}, kept.get("received_at") or ""
    return None


def has_pending(workflow) -> bool:
    return bool(workflow.data.get(PENDING))
