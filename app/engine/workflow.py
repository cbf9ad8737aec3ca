"""SpiffWorkflow's workflow classes with the tree walks of each step replaced by the open-task index.

Three walks of the whole task tree ran on every step: the search for ready engine tasks (several
times per step), the refresh of waiting tasks (after every task that completes) and the completion
check. Each is redone here from `task_order`, in the same order, so the work done and the state
reached are those of the library's own methods; only the cost no longer grows with the history.
Set PLANFLOW_ENGINE_CROSSCHECK=1 to compare every answer with the library's walk (slow; for tests).
"""
from __future__ import annotations

import os

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.util.task import TaskIterator, TaskState

from . import budget, clock, start_timers, task_order
from .ledger import OrderedTable, Tracked

_READY, _WAITING = TaskState.READY, TaskState.WAITING


def _crosscheck() -> bool:
    return os.environ.get("PLANFLOW_ENGINE_CROSSCHECK") == "1"


def _ready(workflow) -> list:
    """READY tasks of the workflow and its nested subprocesses, as `get_tasks(state=READY)` lists them."""
    found = [t for each in task_order.within(workflow) for t in task_order.open_tasks(each) if t._state == _READY]
    found = task_order.in_walk_order(found)
    if _crosscheck():
        _same(found, list(BpmnTaskIterator(workflow.task_tree, state=_READY)), "ready")
    return found


def _update_waiting(workflow) -> None:
    """What `Workflow.update_waiting_tasks` does, from the index."""
    waiting = task_order.in_walk_order([t for t in task_order.open_tasks(workflow) if t._state == _WAITING])
    if _crosscheck():
        _same(waiting, list(TaskIterator(workflow.task_tree, state=_WAITING)), "waiting")
    for task in waiting:
        # The library's walk tests each task when it reaches it: an update may already have moved a
        # later one on (a join cancels the other branches' waiting joins).
        if task._state == _WAITING:
            task.task_spec._update(task)


def _is_completed(workflow) -> bool:
    if not workflow.completed and not task_order.open_tasks(workflow):
        workflow.completed = True
    if _crosscheck():
        unfinished = list(TaskIterator(workflow.task_tree, state=TaskState.NOT_FINISHED_MASK))
        _same([workflow.completed], [workflow.completed or not unfinished], "completed")
    return workflow.completed


def _same(found, walked, what: str) -> None:
    if [id(t) for t in found] != [id(t) for t in walked]:
        raise AssertionError(f"{what} tasks differ from the library's walk: {found} != {walked}")


class CaseWorkflow(BpmnWorkflow):
    """The top workflow of a case."""

    # Tables that number their entries in creation order (see `ledger.py`), from the first task on.
    tasks = Tracked(task_order.TaskTable)
    subprocesses = Tracked(OrderedTable)

    def create_subprocess(self, my_task, spec_name):
        budget.enter_call(my_task.workflow.depth + 1, my_task)
        subprocess = CaseSubWorkflow(self.subprocess_specs[spec_name], parent_task_id=my_task.id,
                                     top_workflow=self)
        self.subprocesses[my_task.id] = subprocess
        at = clock.current()
        if isinstance(my_task.task_spec, CallActivity) and at is not None:
            # A called process starts when it is called, as a case starts when it is started: a timer start
            # event of its own (a process that also runs on a schedule) fires once now, instead of starting
            # the process again inside the calling case at every turn of its cycle, for ever.
            start_timers.fire_once(subprocess, at)
        return subprocess

    def _do_engine_steps(self, will_complete_task=None, did_complete_task=None):
        # The library's loop, with the ready tasks from the index. Like the library, each round runs
        # the list it found at its start, in order.
        def update_workflow(wf):
            count = 0
            for task in _ready(wf):
                if not task.task_spec.manual:
                    budget.charge(task)  # before running it: a loop stops here, its state unsaved
                    if will_complete_task is not None:
                        will_complete_task(task)
                    task.run()
                    count += 1
                    if did_complete_task is not None:
                        did_complete_task(task)
            return count

        active_subprocesses = self.get_active_subprocesses()
        for subprocess in sorted(active_subprocesses, key=lambda v: v.depth, reverse=True):
            count = None
            while count is None or count > 0:
                count = update_workflow(subprocess)
            if subprocess.parent_task_id is not None:
                task = self.get_task_from_id(subprocess.parent_task_id)
                task.task_spec._update(task)

        count = update_workflow(self)
        return count > 0 or len(self.get_active_subprocesses()) > len(active_subprocesses)

    def update_waiting_tasks(self):
        _update_waiting(self)

    def is_completed(self):
        return _is_completed(self)


class CaseSubWorkflow(BpmnSubWorkflow):
    """A subprocess (call activity or embedded subprocess) of a case."""

    tasks = Tracked(task_order.TaskTable)

    def update_waiting_tasks(self):
        _update_waiting(self)

    def is_completed(self):
        return _is_completed(self)
