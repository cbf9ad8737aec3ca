"""Moving a running workflow onto a newer version of its diagram, when that cannot rewrite its past.

SpiffWorkflow's `diff_workflow` aligns the case's tasks with the new version's task specs (by element
id) and says which specs were removed or changed; `migrate_workflow` then points each task at its new
spec and re-predicts what follows the open and waiting steps. Its own docs call this new, so we only
let it run where the outcome is clear:

* a step the case has completed, is in the middle of (a subprocess, a multi-instance step), or that
  failed must exist in the new version unchanged — otherwise the case's history would belong to a
  diagram that no longer says what happened;
* an open step may change its label, properties (form, due period) or what follows it, but not its
  id, type or lane (its inbox row would silently move), and a waiting event (timer, message, join)
  must be unchanged (its due time is kept);
* nothing the case holds may point at a removed element unless the re-prediction drops it.

`migrate` keeps the data and timer state of the steps it re-predicts (SpiffWorkflow's reset would
re-derive them, losing a school step's own school and restarting timers), runs at the given time with
task ids from the given seed like every other engine call, and so replays byte for byte.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from . import task_order
from .diagram import CompiledProcess
from .errors import EngineError
from .runtime import advance, all_tasks, engine_call
from .serializer import spec_registry

_STATE_WORDS = {
    TaskState.COMPLETED: "completed", TaskState.STARTED: "in progress", TaskState.ERROR: "failed",
    TaskState.READY: "open", TaskState.WAITING: "waiting", TaskState.CANCELLED: "cancelled",
}
_PAST = TaskState.COMPLETED | TaskState.STARTED | TaskState.ERROR
_RESET = TaskState.READY | TaskState.WAITING
# What an open step may not change: its identity, its kind and its lane.
_OPEN_STEP_FIXED = {"name", "bpmn_id", "typename", "lane", "manual"}
# SpiffWorkflow's spec attributes in the office's words.
_ATTRIBUTE_WORDS = {
    "bpmn_name": "name", "extensions": "properties (form, due period, instructions)", "lane": "lane",
    "inputs": "incoming flows", "outputs": "outgoing flows", "typename": "type", "name": "id", "bpmn_id": "id",
    "cond_task_specs": "conditions", "default_task_spec": "default flow", "script": "script",
    "prescript": "pre-script", "postscript": "post-script", "event_definition": "event",
    "documentation": "documentation", "manual": "kind of step",
}


@dataclass(frozen=True)
class Blocker:
    """Why one task of the case keeps it from moving."""

    element_id: str | None
    name: str
    state: str
    problem: str  # "removed" | "changed"
    attributes: tuple[str, ...] = ()

    def describe(self) -> str:
        what = f"step {self.element_id}" if self.element_id else self.name
        if self.element_id and self.name and self.name != self.element_id:
            what += f" ({self.name})"
        if self.problem == "removed":
            return f"{what} is {self.state} in the case and does not exist in the new version"
        changed = ", ".join(dict.fromkeys(_ATTRIBUTE_WORDS.get(a, a) for a in self.attributes))
        return f"{what} is {self.state} in the case and changed in the new version ({changed})"


class MigrationRefused(EngineError):
    """The case cannot move to that version; `blockers` says which steps stand in the way."""

    def __init__(self, blockers: list[Blocker]):
        self.blockers = blockers
        super().__init__("; ".join(b.describe() for b in blockers))


def _diffs(workflow: BpmnWorkflow, target: CompiledProcess):
    """(diff, (sub)workflow, new spec) for the case and each of its subprocesses; diff None when the
    subprocess's spec is not part of the target."""
    top, subprocess_diffs = diff_workflow(spec_registry(), workflow, target.spec, target.subprocess_specs)
    pairs = [(top, workflow, target.spec)]
    for sp_id, sub in workflow.subprocesses.items():
        pairs.append((subprocess_diffs.get(sp_id), sub, target.subprocess_specs.get(sub.spec.name)))
    return pairs


def _blocker(task, problem: str, attributes=()) -> Blocker:
    spec = task.task_spec
    state = _STATE_WORDS.get(task.state, "predicted")
    return Blocker(getattr(spec, "bpmn_id", None), getattr(spec, "bpmn_name", None) or spec.name, state,
                   problem, tuple(attributes))


def _dropped_by_reset(task) -> bool:
    """A predicted task below an open or waiting step: re-prediction replaces it."""
    if not task.has_state(TaskState.PREDICTED_MASK | TaskState.FUTURE):
        return False
    parent = task.parent
    while parent is not None:
        if parent.has_state(_RESET):
            return True
        parent = parent.parent
    return False


def _blockers_of(diff) -> list[Blocker]:
    found: list[Blocker] = []
    for task in diff.removed:
        if not _dropped_by_reset(task):
            found.append(_blocker(task, "removed"))
    for task, keys in _changed_keys(diff).items():
        if task.has_state(_PAST) or task.has_state(TaskState.WAITING):
            found.append(_blocker(task, "changed", keys))
        elif task.has_state(TaskState.READY) and _OPEN_STEP_FIXED & set(keys):
            found.append(_blocker(task, "changed", sorted(_OPEN_STEP_FIXED & set(keys))))
    return found


def _changed_keys(diff) -> dict:
    keys = {}
    for task in diff.changed:
        spec_changes = _spec_changes(diff, task)
        if spec_changes:
            keys[task] = spec_changes
    return keys


def _spec_changes(diff, task) -> list[str]:
    new_spec = diff.alignment.get(task)
    if new_spec is None:
        return []
    old = spec_registry().convert(task.task_spec)
    new = spec_registry().convert(new_spec)
    if old.get("typename") != new.get("typename"):
        return ["typename"]
    return [key for key, value in old.items() if new.get(key) != value]


def migration_blockers(workflow: BpmnWorkflow, target: CompiledProcess) -> list[Blocker]:
    """Why the workflow cannot move to `target` (empty when it can)."""
    try:
        pairs = _diffs(workflow, target)
    except (KeyError, AttributeError, TypeError, ValueError) as exc:
        return [Blocker(None, "the diagram", "running", "changed", (f"not comparable: {exc}",))]
    found: list[Blocker] = []
    for diff, sub, new_spec in pairs:
        if diff is None or new_spec is None:
            found.append(Blocker(None, f"the called process {sub.spec.name}", "in progress", "removed"))
            continue
        found += _blockers_of(diff)
    return found


def migrate(workflow: BpmnWorkflow, target: CompiledProcess, at: datetime, seed: str) -> None:
    """Move the workflow onto `target`'s spec; MigrationRefused (nothing changed) unless it is safe."""
    blockers = migration_blockers(workflow, target)
    if blockers:
        raise MigrationRefused(blockers)
    pairs = _diffs(workflow, target)
    kept = {task.id: (copy.deepcopy(task.data), copy.deepcopy(task.internal_data))
            for task in all_tasks(workflow) if task.has_state(_RESET)}
    with engine_call(at, seed):
        for diff, sub, new_spec in pairs:
            migrate_workflow(diff, sub, new_spec)
        task_order.forget(workflow)  # migration resets tasks: index them afresh
        workflow.subprocess_specs = target.subprocess_specs
        for task in all_tasks(workflow):
            if task.id in kept and task.has_state(_RESET):
                task.data, task.internal_data = kept[task.id]
        advance(workflow)
