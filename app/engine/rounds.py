"""Closing a per-school round: the case moves on with what the schools sent, without the silent ones.

A round is a parallel multi-instance step (see `round_specs.py`). SpiffWorkflow already knows how a
multi-instance step ends early: when its completion condition holds it cancels the instances still
open and lets the step complete with the output collected so far. Closing a round does exactly that,
at the time and with the task-id seed of the event that closes it, so a replay of that event reaches
the same state byte for byte.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import ParallelMultiInstanceTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from .errors import NotWaiting
from .runtime import advance, engine_call, open_tasks
from .serializer import json_safe


@dataclass(frozen=True)
class OpenRound:
    """A round still waiting for some of its schools."""

    round_id: str  # the multi-instance step's task id: what closing it names
    element_id: str
    received: int  # instances completed
    waiting: tuple[tuple[str, Any], ...]  # (instance task id, its item, e.g. the school) still open


def _instances(task) -> list:
    return [child for child in task.children if child.task_spec.name == task.task_spec.task_spec]


def _item(task, instance) -> Any:
    item = task.task_spec.input_item
    return json_safe(instance.data.get(item.bpmn_id)) if item is not None else None


def _is_open_round(task) -> bool:
    return isinstance(task.task_spec, ParallelMultiInstanceTask) and task.state == TaskState.STARTED


def open_rounds(workflow: BpmnWorkflow) -> list[OpenRound]:
    """Every parallel multi-instance step of the workflow (and its called processes) still running."""
    found = []
    for task in open_tasks(workflow):
        if not _is_open_round(task):
            continue
        instances = _instances(task)
        waiting = tuple((str(i.id), _item(task, i)) for i in instances if not i.has_state(TaskState.FINISHED_MASK))
        found.append(OpenRound(round_id=str(task.id), element_id=task.task_spec.bpmn_id,
                               received=sum(1 for i in instances if i.state == TaskState.COMPLETED),
                               waiting=waiting))
    return found


def close_round(workflow: BpmnWorkflow, round_id: str, at: datetime, seed: str) -> list[Any]:
    """Cancel the round's open instances, complete the step with what the others sent and run what follows;
    the items (schools) of the cancelled instances. NotWaiting, changing nothing, unless the round is open."""
    try:
        task = workflow.get_task_from_id(UUID(str(round_id)))
    except (ValueError, TypeError, KeyError, SpiffWorkflowException):
        task = None
    if task is None or not _is_open_round(task):
        raise NotWaiting(f"no round {round_id} is open in this case")
    with engine_call(at, seed):
        closed = []
        for instance in _instances(task):
            if not instance.has_state(TaskState.FINISHED_MASK):
                closed.append(_item(task, instance))
                instance.cancel()
        # What SpiffWorkflow itself does when a multi-instance step's completion condition holds.
        task._set_state(TaskState.READY)
        advance(workflow)
    return closed
