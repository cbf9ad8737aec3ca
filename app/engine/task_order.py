"""Open tasks and their tree order, found without walking the case's whole history.

SpiffWorkflow finds ready and waiting tasks by walking the task tree from its root, depth first. A
revise loop nests each round under the last, so every step walks every step before it and a long case
gets slower with each step. Here a workflow's task table notes the tasks added to it, an index keeps
the tasks that are not finished yet (a finished task never reopens while a case runs; `forget` after
anything that resets tasks), and the few open tasks are put in the walk's order by comparing their
paths only up to where they meet. The engine must run tasks in exactly the walk's order: a replay of
a case recorded before this module existed has to reach the same state byte for byte.
"""
from __future__ import annotations

from functools import cmp_to_key

from SpiffWorkflow.util.task import TaskState

from . import budget
from .ledger import OrderedTable

_FINISHED = TaskState.FINISHED_MASK


class TaskTable(OrderedTable):
    """A workflow's `tasks` table that also remembers which tasks were added since it was last read."""

    __slots__ = ("added",)

    def __init__(self, *args):
        super().__init__(*args)
        self.added = list(self.values())

    def __setitem__(self, key, task):
        if key not in self:
            budget.count_new()  # a new task, not one assigned again
        super().__setitem__(key, task)
        self.added.append(task)


def open_tasks(workflow) -> list:
    """The workflow's unfinished tasks (its own, not its subprocesses'), in the order of its task table."""
    table = workflow.tasks
    if not isinstance(table, TaskTable):
        table = workflow.tasks = TaskTable(table)  # a workflow of the library's own class
    indexed = getattr(workflow, "_planflow_open", None)
    if indexed is None or indexed[0] is not table:
        # A table just loaded, or tasks just reset: index it once from scratch.
        indexed = workflow._planflow_open = (table, {})
        table.added = list(table.values())
    index = indexed[1]
    if table.added:
        for task in table.added:
            index[task.id] = task
        table.added.clear()
    gone = [key for key, task in index.items() if task._state & _FINISHED or table.get(key) is not task]
    for key in gone:
        del index[key]
    return list(index.values())


def forget(workflow) -> None:
    """Drop the index of a workflow and its subprocesses (after tasks were reset, as migration does)."""
    for each in [workflow, *getattr(workflow, "subprocesses", {}).values()]:
        each._planflow_open = None


def _owner(workflow):
    """The task that runs a subprocess, or None for the top workflow (or a subprocess left without one)."""
    owner_id = getattr(workflow, "parent_task_id", None)
    if owner_id is None:
        return None
    top = workflow.top_workflow
    for each in (top, *top.subprocesses.values()):
        task = each.tasks.get(owner_id)
        if task is not None:
            return task
    return None


def _up(task):
    """The task's parent in the walk's tree, where a subprocess hangs under the task that runs it."""
    if task._parent is not None:
        return task.workflow.tasks.get(task._parent)
    return _owner(task.workflow)


def _place(parent, child) -> int:
    """Where the walk visits `child` among `parent`'s: a subprocess first, then the children in order."""
    if child._parent is None:
        return -1
    return parent._children.index(child.id)


def _compare(a, b) -> int:
    """Depth-first order of two tasks: climb from both at once until the paths meet."""
    if a is b:
        return 0
    came_a, came_b = {id(a): None}, {id(b): None}
    x, y = a, b
    while x is not None or y is not None:
        if x is not None:
            if id(x) in came_b:
                return _at_meeting(x, came_a[id(x)], came_b[id(x)])
            parent = _up(x)
            if parent is not None:
                came_a.setdefault(id(parent), x)
            x = parent
        if y is not None:
            if id(y) in came_a:
                return _at_meeting(y, came_a[id(y)], came_b[id(y)])
            parent = _up(y)
            if parent is not None:
                came_b.setdefault(id(parent), y)
            y = parent
    raise RuntimeError("two tasks of one workflow share no ancestor")


def _at_meeting(common, from_a, from_b) -> int:
    if from_a is None:  # `a` is the common ancestor: visited first
        return -1
    if from_b is None:
        return 1
    return -1 if _place(common, from_a) < _place(common, from_b) else 1


def in_walk_order(tasks: list) -> list:
    """The tasks in the order SpiffWorkflow's depth-first walk would meet them."""
    return sorted(tasks, key=cmp_to_key(_compare)) if len(tasks) > 1 else list(tasks)


def within(workflow) -> list:
    """The workflow and every subprocess nested in it (a walk from its root enters them all)."""
    top = workflow.top_workflow
    found = [workflow]
    for sub in top.subprocesses.values():
        current = sub
        while current is not None and current is not workflow:
            owner = _owner(current)
            current = owner.workflow if owner is not None else None
        if current is workflow and sub is not workflow:
            found.append(sub)
    return found
