"""The engine's clock: SpiffWorkflow reads `datetime.now()` inside its timer module and offers no hook.

We swap that module's `datetime` for a subclass whose `now()` answers the time of the step being run,
so that tests, replay and the scheduler all decide timers at the time they pass in, never the wall
clock. Outside `at()` the real clock answers.
"""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

_current: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("planflow_engine_now", default=None)


class _EngineDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        at = _current.get()
        if at is None:
            return datetime.now(tz)
        return at.astimezone(tz) if tz is not None else at.astimezone().replace(tzinfo=None)


_timer_module.datetime = _EngineDatetime  # type: ignore[attr-defined]


def current() -> datetime | None:
    """The time of the step being run (None outside one)."""
    return _current.get()


def require_aware(moment: datetime) -> datetime:
    """Refuse naive datetimes: a case's times must mean one instant wherever they are read."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the engine needs timezone-aware datetimes")
    return moment


@contextlib.contextmanager
def at(moment: datetime) -> Iterator[None]:
    """Run the enclosed engine calls as if the time were `moment`."""
    token = _current.set(require_aware(moment).astimezone(UTC))
    try:
        yield
    finally:
        _current.reset(token)
