"""State format 2 as JSON: which records settle, the chunks' chain, format 1 rebuilt, format 1 split.

Everything here works on parsed JSON, without a diagram: a database migration can upgrade a case with
`split`, and `assemble` gives back the very dict `serializer.dump` writes. `state.py` holds the format's
description and the in-memory side (saving a running workflow, loading one).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState

from . import serializer

FORMAT = 2
GENESIS = "0" * 64  # the chain's head before the first chunk
TOP = ""  # the key of the case's top workflow in records; a subprocess's key is its task's id

_SETTLED = TaskState.COMPLETED | TaskState.CANCELLED


def settles(state: int, is_root: bool, parent_settled: bool) -> bool:
    """Whether a task is finished for good (see `state.py`): the one rule, for memory and for JSON."""
    return bool(state & _SETTLED) and (is_root or parent_settled)


def link(chain: str, text: str) -> str:
    """The chain's head after a chunk: SHA-256 of the previous head followed by the chunk's text."""
    return hashlib.sha256((chain + text).encode("utf-8")).hexdigest()


def ordered_live(live: dict[str, Any]) -> dict[str, Any]:
    """The live part's keys in their fixed order."""
    return {"format": FORMAT, "chunks": live["chunks"], "chain": live["chain"], "workflow": live["workflow"],
            "next": live["next"], "subprocess_next": live["subprocess_next"],
            "subprocesses": live["subprocesses"], "tasks": live["tasks"], "bpmn_events": live["bpmn_events"],
            serializer.SERIALIZER_VERSION_KEY: serializer.SERIALIZER_VERSION}


def all_task_records(chunks: list[dict], live: dict[str, Any]) -> Iterator[tuple[str, int, dict]]:
    """(workflow key, ordinal, task) of every task stored, chunks first."""
    for chunk in chunks:
        for key, ordinal, record in chunk["tasks"]:
            yield key, ordinal, record
    for key, ordinal, record in live["tasks"]:
        yield key, ordinal, record


def all_header_ordinals(chunks: list[dict], live: dict[str, Any]) -> Iterator[tuple[str, int]]:
    """(subprocess key, ordinal) of every subprocess stored."""
    for chunk in chunks:
        for key, ordinal, _ in chunk["subprocesses"]:
            yield key, ordinal
    for key, ordinal, _ in live["subprocesses"]:
        yield key, ordinal


def uuid_of(record: dict) -> UUID:
    return UUID(record["id"])


def assemble(chunks: list[dict], live: dict[str, Any]) -> dict[str, Any]:
    """The dict `serializer.dump` writes for the state stored as these parsed chunks and live part."""
    tasks: dict[str, list[tuple[int, dict]]] = {}
    for key, ordinal, record in all_task_records(chunks, live):
        tasks.setdefault(key, []).append((ordinal, record))
    headers: dict[str, tuple[int, dict]] = {}
    for chunk in chunks:
        for key, ordinal, header in chunk["subprocesses"]:
            headers[key] = (ordinal, header)
    for key, ordinal, header in live["subprocesses"]:
        headers[key] = (ordinal, header)

    def table(key: str) -> dict[str, dict]:
        return {record["id"]: record for _, record in sorted(tasks.get(key, []), key=lambda pair: pair[0])}

    subprocesses = {key: _with_tasks(header, table(key), {})
                    for key, (_, header) in sorted(headers.items(), key=lambda item: item[1][0])}
    top = _with_tasks(live["workflow"], table(TOP), {"subprocesses": subprocesses, "bpmn_events": live["bpmn_events"]})
    top[serializer.SERIALIZER_VERSION_KEY] = live[serializer.SERIALIZER_VERSION_KEY]
    return top


def _with_tasks(header: dict[str, Any], tasks: dict[str, dict], after_root: dict[str, Any]) -> dict[str, Any]:
    """A header with its tasks put back where SpiffWorkflow's converters write them: before `root`."""
    out: dict[str, Any] = {}
    for name, value in header.items():
        if name == "root":
            out["tasks"] = tasks
            out[name] = value
            out.update(after_root)
        else:
            out[name] = value
    return out


def split(text: str) -> tuple[dict[str, Any], dict[str, list]]:
    """A format-1 text as (live part without its chain, one chunk of all settled records).

    Ordinals are the positions in the tables a format-1 load builds: tasks in the text's order,
    subprocesses in the order SpiffWorkflow restores them (`subprocesses_from_dict`).
    """
    dct = json.loads(text)
    serializer.migrate_dict(dct)
    subprocesses = dct["subprocesses"]
    order = _load_order(dct["tasks"], dict(subprocesses))
    settled_ids: set[str] = set()
    chunk: dict[str, list] = {"subprocesses": [], "tasks": []}
    live: dict[str, Any] = {"subprocesses": [], "tasks": [], "next": {}}
    for ordinal, key in [(0, TOP), *((n, k) for n, k in enumerate(order))]:
        wf = dct if key == TOP else subprocesses[key]
        header_settled = False
        if key != TOP:
            header = {name: value for name, value in wf.items() if name != "tasks"}
            header_settled = bool(wf["completed"]) and key in settled_ids
            (chunk if header_settled else live)["subprocesses"].append([key, ordinal, header])
        open_tasks = _split_tasks(key, wf, settled_ids, chunk, live)
        if key == TOP or open_tasks or not header_settled:
            live["next"][key] = len(wf["tasks"])
    skipped = {"tasks", "subprocesses", "bpmn_events", serializer.SERIALIZER_VERSION_KEY}
    live["workflow"] = {name: value for name, value in dct.items() if name not in skipped}
    live["subprocess_next"] = len(order)
    live["bpmn_events"] = dct["bpmn_events"]
    return live, chunk


def _split_tasks(key: str, wf: dict, settled_ids: set[str], chunk: dict, live: dict) -> int:
    """Put a workflow's task records in the chunk or the live part; how many stay live."""
    root, open_tasks = wf["root"], 0
    for ordinal, (task_id, record) in enumerate(wf["tasks"].items()):
        if settles(record["state"], task_id == root, record["parent"] in settled_ids):
            settled_ids.add(task_id)
            chunk["tasks"].append([key, ordinal, record])
        else:
            open_tasks += 1
            live["tasks"].append([key, ordinal, record])
    return open_tasks


def _load_order(tasks: dict[str, dict], remaining: dict[str, dict]) -> list[str]:
    """Subprocess keys in the order a format-1 load restores them: depth first along the task tables."""
    order = []
    for task_id in tasks:
        sub = remaining.pop(task_id, None)
        if sub is not None:
            order.append(task_id)
            order += _load_order(sub["tasks"], remaining)
    return order
