"""What a case's stored state already holds: creation numbers, seals, and a watch on sealed tasks.

A workflow's task table (and the top workflow's table of subprocesses) numbers each entry in the order
it was added: its ordinal. Tables keep insertion order, so a workflow rebuilt from storage in ordinal
order lists its tasks exactly as the one that ran in memory did, and the entries added since a save
are found by reading the table backwards from its end, without looking at the history before them.

Once `state.save` has written a task into a chunk of finished tasks it seals it. SpiffWorkflow leaves
such a task alone (see the evidence in `state.py`), but a few of its paths could still touch one: a
join that cancels or prunes an older join task, a task added under a finished one. The watch below
notices each of those (a state change, a child added, the task or one of its children removed) and
marks the case, so that its next save rewrites the chunks instead of appending to a history that is
no longer true. Changes to a sealed task's data or internal data cannot be noticed this cheaply; the
cross-check (PLANFLOW_STATE_CROSSCHECK=1) compares every written task with a full dump instead.
"""
from __future__ import annotations

from SpiffWorkflow.task import Task

_SEAL = "_planflow_sealed"
_CHANGED = "_planflow_rewritten"
_ORDINAL = "_planflow_ordinal"


class OrderedTable(dict):
    """A mapping that numbers its values in the order they were first added (their ordinals).

    The number is kept on the value itself (a task or a subprocess belongs to one table), which spares
    hashing every task id again when a long case is loaded.
    """

    __slots__ = ("next_ordinal",)

    def __init__(self, *args):
        super().__init__(*args)
        for n, value in enumerate(self.values()):
            value.__dict__[_ORDINAL] = n
        self.next_ordinal = len(self)

    def __setitem__(self, key, value):
        old = self.get(key)
        if old is None:
            value.__dict__[_ORDINAL] = self.next_ordinal
            self.next_ordinal += 1
        else:  # a key assigned again keeps its place, and so its number
            value.__dict__[_ORDINAL] = old.__dict__[_ORDINAL]
        super().__setitem__(key, value)

    def pop(self, key, *default):
        present = key in self
        value = super().pop(key, *default)
        if present:
            _removed(self, value)
        return value

    def __delitem__(self, key):
        value = self[key]
        super().__delitem__(key)
        _removed(self, value)

    def since(self, mark: int) -> list:
        """The values added with an ordinal of `mark` or more, oldest first (read from the end)."""
        found = []
        for value in reversed(self.values()):
            if value.__dict__[_ORDINAL] < mark:
                break
            found.append(value)
        found.reverse()
        return found


def ordinal(value) -> int:
    """The creation number of a task or subprocess in its table."""
    return value.__dict__[_ORDINAL]


def renumber(value, number: int) -> None:
    """Give a value rebuilt from storage the number it was stored with."""
    value.__dict__[_ORDINAL] = number


class Tracked:
    """A workflow attribute that keeps any mapping assigned to it as a table of `table_class`.

    Only `__set__` is defined, so reading the attribute is a plain instance lookup (the engine reads
    `workflow.tasks` for every step up the task tree).
    """

    def __init__(self, table_class: type[OrderedTable]):
        self.table_class = table_class

    def __set_name__(self, owner, name):
        self.name = name

    def __set__(self, obj, value):
        obj.__dict__[self.name] = value if isinstance(value, self.table_class) else self.table_class(value)


def seal(obj) -> None:
    """Mark a task or subprocess as written into a chunk."""
    setattr(obj, _SEAL, True)


def unseal(obj) -> None:
    obj.__dict__.pop(_SEAL, None)


def is_sealed(obj) -> bool:
    return obj is not None and obj.__dict__.get(_SEAL, False)


def rewritten(workflow) -> str | None:
    """What changed in the written history of the case since its last save, if anything did."""
    return workflow.__dict__.get(_CHANGED)


def clear_rewritten(workflow) -> None:
    workflow.__dict__.pop(_CHANGED, None)


def _changed(top, what: str) -> None:
    if top is not None:
        top.__dict__.setdefault(_CHANGED, what)


def describe(task) -> str:
    """A task as a person reading an error can find it: its element and its id."""
    spec = task.task_spec
    return f"'{getattr(spec, 'bpmn_id', None) or spec.name}' ({task.id})"


def _removed(table: OrderedTable, value) -> None:
    if isinstance(value, Task):
        parent = table.get(value._parent)
        if is_sealed(value) or is_sealed(parent):
            _changed(value.workflow.top_workflow, f"task {describe(value)} was removed")
    elif is_sealed(value) or any(is_sealed(t) for t in getattr(value, "tasks", {}).values()):
        _changed(value.top_workflow, f"the subprocess of task {value.parent_task_id} was removed")


def _watch(method, what: str, changes):
    def watched(task, *args):
        if is_sealed(task) and changes(task, *args):
            _changed(task.workflow.top_workflow, f"task {describe(task)} {what}")
        return method(task, *args)

    watched.__wrapped__ = method
    return watched


if not hasattr(Task._set_state, "__wrapped__"):  # once, however often the module is reloaded
    Task._set_state = _watch(Task._set_state, "changed state", lambda task, value: value != task._state)
    Task._child_added_notify = _watch(Task._child_added_notify, "got a new child", lambda task, child: True)
