"""The actors of recently used API tokens, per worker process and database, for a few seconds.

A script sends its bearer token with every request; looking it up (the token, its user, roles and groups) is
one statement and one transaction per request. Each worker keeps the answer for `TTL` seconds. A token
revoked, or an actor changed (language), through this worker is dropped at once; another worker goes on
accepting the token, with the actor as it was, for at most `TTL` seconds. A refused token is never kept.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

TTL = 5.0  # seconds: how long another worker may still honour a token after it was revoked


class TokenCache:
    def __init__(self, ttl: float = TTL, size: int = 1024, clock: Callable[[], float] = time.monotonic):
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._ttl, self._size, self._clock = ttl, size, clock
        self._lock = threading.Lock()

    def get(self, digest: str):
        with self._lock:
            found = self._items.get(digest)
            if found is None:
                return None
            if self._clock() >= found[0]:
                del self._items[digest]
                return None
            return found[1]

    def put(self, digest: str, actor) -> None:
        with self._lock:
            self._items[digest] = (self._clock() + self._ttl, actor)
            self._items.move_to_end(digest)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every token: one was revoked, or an actor changed, in this process."""
        with self._lock:
            self._items.clear()
