"""Workflows of recently stepped cases, and the frozen forms of deployed versions, kept per database.

Every service context holds one (two databases in one process never share entries); a step takes its
case's workflow from here instead of deserializing it when the row says nothing changed since.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from app.store.models import ProcessVersion


class WorkflowCache:
    """Recently used workflows, keyed by case and lock version.

    The database row is the truth: an entry is only used when its lock version is the one just read
    from the row, it is taken out while a step runs (so no two requests share an object), and it is
    put back only after the step's transaction committed. Saves deserializing on every step.
    """

    def __init__(self, size: int = 512):
        self._items: OrderedDict[tuple[int, int], Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        # The forms (JSON Schemas) of deployed versions. They are frozen at deploy, so reading them once
        # per version spares every step a round trip for the deferred column. Kept here because this
        # object is per database and emptied when a backup is restored into it.
        self._forms: dict[tuple, dict[str, Any]] = {}

    def take(self, case_id: int, lock_version: int):
        with self._lock:
            return self._items.pop((case_id, lock_version), None)

    def put(self, case_id: int, lock_version: int, workflow) -> None:
        with self._lock:
            self._items[(case_id, lock_version)] = workflow
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def carry(self, case_id: int, before: int, after: int) -> None:
        """The case's row moved from lock version `before` to `after` (committed) without its workflow
        changing (an event of its history only): a cached workflow stays good under the new version."""
        if before == after:
            return
        with self._lock:
            workflow = self._items.pop((case_id, before), None)
            if workflow is not None:
                self._items[(case_id, after)] = workflow

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._forms.clear()

    def forms(self, version: ProcessVersion) -> dict[str, Any]:
        """The version's frozen forms, read from the row the first time."""
        key = (version.id, version.sha256, version.deployed_at)
        found = self._forms.get(key)
        if found is None:
            found = version.forms
            with self._lock:
                self._forms[key] = found
        return found
