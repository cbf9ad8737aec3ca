"""Make a SpiffWorkflow run reproducible: task ids and timestamps come from the step, not the machine.

SpiffWorkflow gives each task a random `uuid4()` and stamps `time.time()`. We route both through a
context set for each engine call: ids drawn from a generator seeded by the case and step, times from
the step's clock. Replaying a case's events with the same seeds and times then yields byte-identical
state, so its digest proves the stored state is the one the events produce.
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import random
import time as _real_time
import uuid
from collections.abc import Iterator
from datetime import datetime

from SpiffWorkflow import task as _task_module

from . import clock

_rng: contextvars.ContextVar[random.Random | None] = contextvars.ContextVar("planflow_rng", default=None)
_stamp: contextvars.ContextVar[float | None] = contextvars.ContextVar("planflow_stamp", default=None)


def _uuid4() -> uuid.UUID:
    rng = _rng.get()
    if rng is None:
        return uuid.uuid4()
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class _Time:
    """Stands in for the `time` module inside SpiffWorkflow's task module."""

    @staticmethod
    def time() -> float:
        stamp = _stamp.get()
        return _real_time.time() if stamp is None else stamp

    def __getattr__(self, name):
        return getattr(_real_time, name)


_task_module.uuid4 = _uuid4  # type: ignore[attr-defined]
_task_module.time = _Time()  # type: ignore[attr-defined]


@contextlib.contextmanager
def step(at: datetime, seed: str) -> Iterator[None]:
    """Run the enclosed engine calls at time `at`, with task ids drawn from `seed`."""
    seed_int = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:16], "big")
    rng_token = _rng.set(random.Random(seed_int))
    stamp_token = _stamp.set(clock.require_aware(at).timestamp())
    try:
        with clock.at(at):
            yield
    finally:
        _rng.reset(rng_token)
        _stamp.reset(stamp_token)
