"""Case state without the diagram: the spec is stored once per deployed version, not in every case.

SpiffWorkflow's own serializer writes the whole parsed spec into each workflow's JSON; for a
20-step diagram that is half the blob and half the load/save time. Our converter writes what the base
converter writes for tasks, data, subprocesses and pending events, and rebuilds the workflow from
the already-parsed spec of the case's version (cached per process in `diagram.py`).

The JSON is written in a fixed order with no random parts (see `determinism.py`), so the SHA-256 of
the stored text is the state's digest, and a replay of the case's events reproduces it exactly. Keys
inside data are sorted: a workflow rebuilt from storage holds the same data in another key order than
one that ran in memory (multi-instance steps merge their items differently), and the two must dump alike.
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .workflow import CaseSubWorkflow, CaseWorkflow

if TYPE_CHECKING:
    from .diagram import CompiledProcess

# Bump when the stored shape changes, and add an upgrade step in `upgrade_state` (habit 7).
STATE_FORMAT = 1

_loading: contextvars.ContextVar[CompiledProcess] = contextvars.ContextVar("planflow_loading_process")


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    # Our workflow class is stored under the library's name, so state written before it existed loads
    # into it and its state dumps to the same text.
    def __init__(self, target_class, registry, typename=None):
        super().__init__(target_class, registry, "BpmnWorkflow")

    def to_dict(self, workflow):
        dct = _canonical(WorkflowConverter.to_dict(self, workflow))
        subprocesses = self.mapping_to_dict(workflow.subprocesses)
        dct["subprocesses"] = {key: _canonical(sub) for key, sub in subprocesses.items()}
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        process = _loading.get()
        workflow = self.target_class(process.spec, process.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class _SubWorkflowConverter(BpmnSubWorkflowConverter):
    def __init__(self, target_class, registry, typename=None):
        super().__init__(target_class, registry, "BpmnSubWorkflow")


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _canonical(workflow_dct: dict[str, Any]) -> dict[str, Any]:
    """Sort the keys inside a (sub)workflow's data and each task's data, keeping the tasks' own order."""
    workflow_dct["data"] = _sorted(workflow_dct["data"])
    for task in workflow_dct["tasks"].values():
        _canonical_task(task)
    return workflow_dct


def _canonical_task(task: dict[str, Any]) -> dict[str, Any]:
    for name in ("data", "delta", "internal_data"):
        if name in task:
            task[name] = _sorted(task[name])
    if task.get("delta", {}).get("deletions"):
        # A set of keys, listed in the parent's data order: sorted like the data itself.
        task["delta"]["deletions"] = sorted(task["delta"]["deletions"])
    return task


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = _SpecFreeWorkflowConverter
# Registered last, so that loading builds our classes (see `workflow.py`).
_config[CaseWorkflow] = _SpecFreeWorkflowConverter
_config[CaseSubWorkflow] = _SubWorkflowConverter
_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))


def spec_registry():
    """The serializer's registry, which converts task specs to data (migration compares two versions' specs)."""
    return _serializer.registry


@contextlib.contextmanager
def encoding() -> Iterator[None]:
    """Convert and encode as `dump` does (the registry leaves typed values to the JSON encoder)."""
    registry = _serializer.registry
    registry._encoder_mode = True
    try:
        yield
    finally:
        registry._encoder_mode = False


def encode(value: Any) -> str:
    """JSON text as `dump` writes it: compact, Thai kept as is, typed values through the registry."""
    return json.dumps(value, cls=_serializer._encoder_cls, separators=(",", ":"), ensure_ascii=False)


def dump(workflow: BpmnWorkflow) -> str:
    """The workflow's state as canonical JSON text (sorted keys, Thai kept as is)."""
    with encoding():
        dct = _serializer.to_dict(workflow)
        dct[_serializer.VERSION_KEY] = _serializer.VERSION
        # Not sort_keys: tasks must stay parent-first, since each task stores its data as a delta.
        return encode(dct)


def task_record(task) -> dict[str, Any]:
    """One task as `dump` writes it inside its workflow's `tasks` (call within `encoding()`)."""
    return _canonical_task(_serializer.registry.convert(task))


def header_record(workflow) -> dict[str, Any]:
    """A (sub)workflow as `dump` writes it, less its tasks and the top's subprocesses and events.

    The keys are those of SpiffWorkflow 3.2's converters, in their order (call within `encoding()`).
    """
    registry = _serializer.registry
    dct: dict[str, Any] = {
        "data": _sorted(registry.convert(registry.clean(workflow.data))),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "root": str(workflow.task_tree.id),
    }
    if workflow.top_workflow is not workflow:
        dct["parent_task_id"] = str(workflow.parent_task_id)
        dct["spec"] = workflow.spec.name
    dct["typename"] = registry.typenames[type(workflow)]
    return dct


def pending_events(workflow) -> Any:
    """The top workflow's pending BPMN events as `dump` writes them (call within `encoding()`)."""
    return _serializer.registry.convert(workflow.bpmn_events)


SERIALIZER_VERSION_KEY, SERIALIZER_VERSION = _serializer.VERSION_KEY, _serializer.VERSION


def load(process: CompiledProcess, text: str) -> BpmnWorkflow:
    """Rebuild a workflow from `dump`'s text on the parsed spec of its version."""
    return load_dict(process, json.loads(text))


def load_dict(process: CompiledProcess, dct: dict[str, Any]) -> BpmnWorkflow:
    """Rebuild a workflow from `dump`'s text already parsed (the dict is consumed)."""
    token = _loading.set(process)
    try:
        _serializer.migrate(dct)
        workflow = _serializer.from_dict(dct)
    finally:
        _loading.reset(token)
    return workflow


def migrate_dict(dct: dict[str, Any]) -> None:
    """Bring a parsed state written by an older SpiffWorkflow to the current serializer version."""
    _serializer.migrate(dct)
    dct[_serializer.VERSION_KEY] = _serializer.VERSION


def digest(text: str) -> str:
    """The digest recorded in the case's events for a stored state."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade_state(text: str, stored_format: int) -> str:
    """Bring state written by an older PlanFlow to STATE_FORMAT (no older formats exist yet)."""
    if stored_format != STATE_FORMAT:
        raise ValueError(f"unknown state format {stored_format}")
    return text


def json_safe(value: Any) -> Any:
    """Deep-copy case data into plain JSON types, so no later step can change what was recorded."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))
