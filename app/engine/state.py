"""State format 2: a case's finished history in append-only chunks, and a small live part.

Format 1 (`serializer.dump`) writes the whole workflow on every step, so a step at round 500 of a revise
loop writes 500 rounds. Format 2 keeps the same records apart:

* chunks: each save appends at most one chunk, the tasks that finished for good since the last save
  (and the headers of subprocesses that finished for good), as `{"subprocesses": [[key, ordinal,
  header]...], "tasks": [[key, ordinal, task]...]}`. `key` names the workflow ("" the case's top
  workflow, else the subprocess's key: the id of the task that runs it); `ordinal` is the record's
  creation number in its table (`ledger.py`); `task` and `header` are exactly the dicts format 1 writes.
* the live part: everything else (the top workflow's header with its data, the headers of running
  subprocesses, every task not in a chunk, the pending BPMN events, the tables' next ordinals) plus
  the number of chunks and the head of their hash chain.

A save costs what changed: the saver keeps on the in-memory workflow what it already wrote and looks
only at the tasks live at the last save and those added since. `load(chunks, live)` rebuilds exactly
the dict format 1 writes and loads it like format 1, so `serializer.dump` of the result is byte for
byte the dump of the workflow that was saved; `full_text` gives that text without loading.

The digest is the SHA-256 of the live part's text, and covers the whole state: the live part holds
the number of chunks and `chain`, where chain_0 = 64 zeros and chain_k = SHA-256(chain_(k-1) + the
text of chunk k). Loading refuses chunks whose chain does not end at the live part's. A replay that
saves at the same points (after each event) writes the same chunks, live parts and digests: task ids
and times are reproducible (`determinism.py`) and ordinals are creation numbers.

Finished for good ("settled") is: COMPLETED or CANCELLED (ERROR can be retried), and a workflow's root
or a task whose parent is settled. A subprocess's header settles when the subprocess is completed and
the task that runs it is settled. Evidence, from SpiffWorkflow 3.2's source, that a settled record
never changes:
* state and last_state_change change only in `Task._set_state`; `_ready` skips COMPLETED and
  CANCELLED tasks, `cancel()` of a finished task only cascades to its children, and the engine runs
  only READY tasks. Joins (`Join._do_join`, `_on_trigger`) set CANCELLED on their other thread tasks
  whatever their state: watched (`ledger.py`).
* children: added through `_child_added_notify` while a task runs or is predicted (`_sync_children`);
  after that only under the top root, when a message starts an event subprocess or a conditional path
  opens (`trigger_wf`, `add_path`): watched. Removed through `_remove_task`, which drops unfinished
  children, and by `UnstructuredJoin._run_hook`, which prunes an older COMPLETED join after a reset:
  watched.
* data, delta, internal_data: written on the task that is running or being created (form data,
  scripts, `_inherit_data`, timers' event values, messages on the waiting catch event, a call
  activity's result). The delta is against the parent's data, hence "the parent settled": the
  instances of a multi-instance step stay live while their parent is STARTED and merges their
  outputs into its data; a call activity is STARTED, so live, until it takes its subprocess's result.
  A root's data is the start data, set before the root runs.
* triggered: set when the task is created. Subprocess headers: written until the subprocess
  completes; `cancel` reaches only subprocesses of unfinished tasks.
* Event-based gateways and boundary events: an event-based gateway waits (live) and drops the branches
  not taken when it runs; a boundary split finishes at once, and its join cancels the events still
  waiting (or the interrupted step) in the step that decides. A cancelled task's unfinished children
  are dropped as it is cancelled; nothing touches it afterwards.
One gap the watch cannot see: SpiffWorkflow copies only the first level of data from parent to child,
so a script that changes a nested value in place (`rows.append(x)`) changes earlier steps' data too (in
format 1 as well). The office's scripts build new values; PLANFLOW_STATE_CROSSCHECK=1 compares every
written record with a full dump at each save and names the task if one changed.

A watched change makes the next save rewrite the chunks (`Saved.replaces`, chain restarted), as the
first save of a new case does; a replay does the same at the same step.

Next phase (the database): a table of chunks per case (case id, seq, text, chain), insert-only,
unique (case id, seq); the case row holds the live part with state_format 2. A save inserts
`Saved.chunks` and updates the live part in the step's transaction (under lock_version); when
`replaces` is set it first deletes the case's chunks. The event's state digest is `Saved.digest`. A
cold step loads the chunks in seq order with the live part. The migration turns each format-1 case
into `upgrade(text)`; audit replay checks events recorded before it with `serializer.digest(dump)`,
and at the upgrade point goes on from `load` of `upgrade(dump(workflow))`, as the stored case did;
after it, the replay's `save` after each event must give the events' digests and, at the end, the
stored chunks and live part. A workflow whose save was not committed must leave the cache (its
ledger counts chunks that were not stored).
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn import BpmnWorkflow

from . import serializer, state_records
from .ledger import OrderedTable, clear_rewritten, describe, is_sealed, ordinal, renumber, rewritten, seal, unseal
from .state_records import FORMAT, GENESIS, TOP, link, settles
from .task_order import TaskTable

if TYPE_CHECKING:
    from .diagram import CompiledProcess

_WRITTEN = "_planflow_written"


@dataclass(frozen=True)
class Chunk:
    """One stored chunk: its place in the case's chain, its text, and the chain's head after it."""

    seq: int
    text: str
    chain: str


@dataclass(frozen=True)
class Saved:
    """What a save hands to storage: chunks to append (or to store instead of all, if `replaces`)."""

    chunks: tuple[Chunk, ...]
    replaces: bool
    live: str
    digest: str
    tasks_written: int  # task records serialized by this save, in its chunk and its live part

    @property
    def bytes_written(self) -> int:
        return sum(len(c.text.encode()) for c in self.chunks) + len(self.live.encode())


class StateMismatch(ValueError):
    """Stored chunks and live part that do not belong together (a chunk missing, changed or extra)."""


def _crosscheck() -> bool:
    return os.environ.get("PLANFLOW_STATE_CROSSCHECK") == "1"


class _Written:
    """What the stored state of one in-memory workflow already holds (kept on it between saves)."""

    def __init__(self) -> None:
        self.chunks, self.chain = 0, GENESIS
        self.marks: dict[str, int] = {}  # open workflow -> its table's next ordinal at the last save
        self.live: dict[str, list] = {}  # open workflow -> its tasks in the live part, oldest first
        self.subprocess_mark = 0
        self.open: list = []  # subprocesses with a live header or live tasks, oldest first
        self.texts: list[str] | None = [] if _crosscheck() else None  # cross-check: every chunk
        self.records: dict[tuple[str, str], str] = {}  # cross-check: every sealed record's text


def save(workflow: BpmnWorkflow) -> Saved:
    """Record the workflow's state since its last save: a chunk of newly settled tasks and the live part."""
    written = workflow.__dict__.get(_WRITTEN)
    replaces = written is None or rewritten(workflow) is not None
    if replaces:
        if written is not None:
            _unseal_all(workflow)
        clear_rewritten(workflow)
        written = _Written()
        workflow.__dict__[_WRITTEN] = written
    with serializer.encoding():
        settled_heads, settled_tasks, live = _advance(written, workflow)
        chunks: tuple[Chunk, ...] = ()
        if settled_heads or settled_tasks:
            text = serializer.encode({"subprocesses": settled_heads, "tasks": settled_tasks})
            written.chunks, written.chain = written.chunks + 1, link(written.chain, text)
            chunks = (Chunk(written.chunks, text, written.chain),)
            if written.texts is not None:
                written.texts.append(text)
        live["chunks"], live["chain"] = written.chunks, written.chain
        live_text = serializer.encode(state_records.ordered_live(live))
    if written.texts is not None:
        _check(workflow, written, live_text)
    return Saved(chunks, replaces, live_text, digest(live_text), len(settled_tasks) + len(live["tasks"]))


def digest(live: str) -> str:
    """The state's digest: covers the chunks through the chain head the live part holds."""
    return hashlib.sha256(live.encode("utf-8")).hexdigest()


def _table(owner, name: str, table_class: type[OrderedTable]) -> OrderedTable:
    table = getattr(owner, name)
    if not isinstance(table, OrderedTable):  # a workflow of SpiffWorkflow's own class
        table = table_class(table)
        setattr(owner, name, table)
    return table


def _advance(written: _Written, top) -> tuple[list, list, dict[str, Any]]:
    """Seal what settled since the last save; the records of the chunk and of the live part."""
    subprocesses = _table(top, "subprocesses", OrderedTable)
    running = [s for s in written.open if subprocesses.get(s.parent_task_id) is s]
    running += subprocesses.since(written.subprocess_mark)
    written.subprocess_mark = subprocesses.next_ordinal
    heads, settled, live_heads, live_tasks, next_ordinals = [], [], [], [], {}
    passed, still_open = [top], []
    for wf in [top, *running]:
        key = TOP if wf is top else str(wf.parent_task_id)
        table = _table(wf, "tasks", TaskTable)
        if wf is not top and not is_sealed(wf):
            head = [key, ordinal(wf), serializer.header_record(wf)]
            if wf.completed and is_sealed(_owner(top, wf, passed)):
                seal(wf)
                heads.append(head)
                _note(written, key, "", head)
            else:
                live_heads.append(head)
        live = []
        unwritten = [t for t in written.live.get(key, ()) if table.get(t.id) is t]
        for task in unwritten + table.since(written.marks.get(key, 0)):
            record = [key, ordinal(task), serializer.task_record(task)]
            if settles(task._state, task is wf.task_tree, is_sealed(table.get(task._parent))):
                seal(task)
                settled.append(record)
                _note(written, key, str(task.id), record)
            else:
                live.append(task)
                live_tasks.append(record)
        if wf is top or live or not is_sealed(wf):  # a subprocess all written needs no more looking at
            written.live[key], written.marks[key] = live, table.next_ordinal
            next_ordinals[key] = table.next_ordinal
            if wf is not top:
                still_open.append(wf)
        else:
            written.live.pop(key, None)
            written.marks.pop(key, None)
        passed.append(wf)
    written.open = still_open
    live_part = {"workflow": serializer.header_record(top), "next": next_ordinals,
                 "subprocess_next": subprocesses.next_ordinal, "subprocesses": live_heads, "tasks": live_tasks,
                 "bpmn_events": serializer.pending_events(top)}
    return heads, settled, live_part


def _owner(top, subprocess, passed: list):
    """The task that runs a subprocess, looked up first in the workflows this save went through."""
    for wf in passed:
        task = wf.tasks.get(subprocess.parent_task_id)
        if task is not None:
            return task
    return top.get_task_from_id(subprocess.parent_task_id)


def _note(written: _Written, key: str, task_id: str, record: list) -> None:
    if written.texts is not None:
        written.records[(key, task_id)] = serializer.encode(record[2])


def _all_workflows(top) -> list[tuple[str, Any]]:
    return [(TOP, top), *((str(k), sub) for k, sub in top.subprocesses.items())]


def _unseal_all(top) -> None:
    for _, wf in _all_workflows(top):
        unseal(wf)
        for task in wf.tasks.values():
            unseal(task)


def load(process: CompiledProcess, chunks: Sequence[str], live: str) -> BpmnWorkflow:
    """Rebuild a workflow from its chunks (in seq order) and live part, ready for the next `save`."""
    state = json.loads(live)
    if state.get("format") != FORMAT:
        raise StateMismatch(f"not a state of format {FORMAT}")
    chain = GENESIS
    for text in chunks:
        chain = link(chain, text)
    if len(chunks) != state["chunks"] or chain != state["chain"]:
        raise StateMismatch(f"{len(chunks)} stored chunks do not end at the chain of the live part "
                            f"({state['chunks']} chunks)")
    parsed = [json.loads(text) for text in chunks]
    workflow = serializer.load_dict(process, state_records.assemble(parsed, state))
    _restore(workflow, parsed, state, chunks)
    return workflow


def _restore(top, parsed: list[dict], state: dict[str, Any], chunks: Sequence[str]) -> None:
    """Give the loaded tables their stored ordinals, seal what the chunks hold, and note what is stored."""
    ordinals: dict[str, list[int]] = {}
    for key, number, _ in state_records.all_task_records(parsed, state):
        ordinals.setdefault(key, []).append(number)
    heads = dict(state_records.all_header_ordinals(parsed, state))
    workflows = dict(_all_workflows(top))
    subprocesses = _table(top, "subprocesses", OrderedTable)
    subprocesses.next_ordinal = state["subprocess_next"]
    for key, wf in workflows.items():
        if key != TOP:
            renumber(wf, heads[key])
        # `assemble` lists each workflow's tasks by ordinal and SpiffWorkflow keeps that order.
        numbers = sorted(ordinals.get(key, ()))
        table = _table(wf, "tasks", TaskTable)
        table.next_ordinal = state["next"].get(key, numbers[-1] + 1 if numbers else 0)  # a closed one: no more
        for task, number in zip(table.values(), numbers, strict=True):
            renumber(task, number)
            seal(task)  # all but the live ones, unsealed below
    written = _Written()
    written.chunks, written.chain, written.subprocess_mark = state["chunks"], state["chain"], state["subprocess_next"]
    for key, next_ordinal in state["next"].items():
        written.marks[key] = next_ordinal
        written.live[key] = []
    for key, _, record in state["tasks"]:
        task = workflows[key].tasks[state_records.uuid_of(record)]
        unseal(task)
        written.live[key].append(task)
    for chunk in parsed:
        for entry in chunk["subprocesses"]:
            seal(workflows[entry[0]])
    written.open = sorted((workflows[k] for k in state["next"] if k != TOP),
                          key=ordinal)
    if written.texts is not None:
        _note_stored(written, parsed, chunks)
    top.__dict__[_WRITTEN] = written


def _note_stored(written: _Written, parsed: list[dict], chunks: Sequence[str]) -> None:
    """For the cross-check: the chunks a loaded workflow's state is stored in, and their records."""
    written.texts = list(chunks)
    for chunk in parsed:
        for key, _, header in chunk["subprocesses"]:
            _note(written, key, "", [key, 0, header])
        for key, _, record in chunk["tasks"]:
            _note(written, key, record["id"], [key, 0, record])


def full_text(chunks: Sequence[str], live: str) -> str:
    """The format-1 text (`serializer.dump`) of the state stored as these chunks and live part."""
    return serializer.encode(state_records.assemble([json.loads(t) for t in chunks], json.loads(live)))


def upgrade(text: str) -> Saved:
    """Format-1 text as format 2: what a first save of the workflow loaded from it writes."""
    live, chunk = state_records.split(text)
    chunks: tuple[Chunk, ...] = ()
    with serializer.encoding():
        if chunk["subprocesses"] or chunk["tasks"]:
            chunk_text = serializer.encode(chunk)
            chunks = (Chunk(1, chunk_text, link(GENESIS, chunk_text)),)
        live["chunks"], live["chain"] = len(chunks), chunks[-1].chain if chunks else GENESIS
        live_text = serializer.encode(state_records.ordered_live(live))
    return Saved(chunks, True, live_text, digest(live_text), len(chunk["tasks"]) + len(live["tasks"]))


def _check(top, written: _Written, live: str) -> None:
    """The cross-check: every written record still as a full dump writes it, and the whole text equal."""
    count = 0
    with serializer.encoding():
        for key, wf in _all_workflows(top):
            if key != TOP and is_sealed(wf):
                _same_record(written, key, "", serializer.header_record(wf), f"the subprocess of task {key}")
                count += 1
            for task in wf.tasks.values():
                if is_sealed(task):
                    _same_record(written, key, str(task.id), serializer.task_record(task), f"task {describe(task)}")
                    count += 1
    if count != len(written.records):
        raise AssertionError(f"{len(written.records)} records were written but {count} are sealed")
    if full_text(written.texts or [], live) != serializer.dump(top):
        raise AssertionError("the stored chunks and live part do not make the workflow's full dump")


def _same_record(written: _Written, key: str, task_id: str, now: dict, what: str) -> None:
    before = written.records.get((key, task_id))
    if before is None:
        raise AssertionError(f"{what} is sealed but was never written")
    if serializer.encode(now) != before:
        old = json.loads(before)
        fields = sorted(k for k in set(old) | set(now) if json.loads(serializer.encode(now.get(k))) != old.get(k))
        raise AssertionError(f"finished {what} changed after it was written: {', '.join(fields)}")
