"""A bound on what one engine call may do, so that no diagram can hold the worker that runs it.

The sandbox already stops a single script or condition that runs too long. What it cannot see is a
diagram whose automatic steps never reach a person: a call activity that calls its own process, two
processes calling each other, a gateway looping back to a script. SpiffWorkflow runs such a loop for
ever. Each engine call (start, complete, deliver, fire timers, migrate) therefore gets a meter that
counts the automatic tasks it runs and watches the time it has taken; past either limit the call is
abandoned with `RunTooLong`, and because the services save state only after the engine returns, the
case is left exactly as it was.

The task limit is what tests rely on (it does not depend on the machine); the time limit is the
backstop for work that is slow rather than long.
"""
from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import RunTooLong


@dataclass(frozen=True)
class Limits:
    # The largest office step (starting a per-school round for every school of the area) runs a few
    # thousand automatic tasks; ten times that is still well under a second of engine work.
    max_tasks: int = 50_000
    max_seconds: float = 10.0
    # The engine's cost per step grows with how deep call activities nest (each level walks the ones
    # above it): a process calling itself costs 1.4 s by level 80 and minutes by level 500, long before
    # the task count would stop it. The office's diagrams nest two levels; 32 is any sane diagram's.
    max_call_depth: int = 32


_limits = Limits()
_monotonic = time.monotonic  # replaced by tests that need time to pass without waiting


class _Meter:
    __slots__ = ("limits", "tasks", "deadline")

    def __init__(self, limits: Limits):
        self.limits = limits
        self.tasks = 0
        self.deadline = _monotonic() + limits.max_seconds

    def charge(self, task) -> None:
        self.tasks += 1
        element = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
        if self.tasks > self.limits.max_tasks:
            raise RunTooLong(f"the diagram ran more than {self.limits.max_tasks} automatic steps without "
                             f"reaching a person's step (last at '{element}'): it loops or calls itself",
                             element_id=element, limit="tasks")
        # The clock is read at every task: one task may be slow (a deep call, a big data copy), and a
        # reading costs far less than running the task.
        if _monotonic() > self.deadline:
            raise RunTooLong(f"the engine ran longer than {self.limits.max_seconds:g} s in one step "
                             f"(last at '{element}')", element_id=element, limit="seconds")


    def enter_call(self, depth: int, task) -> None:
        if depth > self.limits.max_call_depth:
            element = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
            raise RunTooLong(f"call activities nest more than {self.limits.max_call_depth} levels deep at "
                             f"'{element}': the diagram calls itself", element_id=element, limit="depth")


_meter: contextvars.ContextVar[_Meter | None] = contextvars.ContextVar("planflow_meter", default=None)


def configure(limits: Limits) -> None:
    """Set the limits every later engine call gets (from the application's configuration)."""
    global _limits
    _limits = limits


def current_limits() -> Limits:
    return _limits


@contextlib.contextmanager
def metered(limits: Limits | None = None) -> Iterator[_Meter]:
    """Meter the enclosed engine call; a nested call shares the outer meter (one request, one budget)."""
    outer = _meter.get()
    if outer is not None:
        yield outer
        return
    meter = _Meter(limits or _limits)
    token = _meter.set(meter)
    try:
        yield meter
    finally:
        _meter.reset(token)


def charge(task) -> None:
    """Count one automatic task against the running call's budget (a call outside `metered` is free)."""
    meter = _meter.get()
    if meter is not None:
        meter.charge(task)


def enter_call(depth: int, task) -> None:
    """Refuse a call activity that would open a subprocess `depth` levels below the case's top process."""
    meter = _meter.get()
    if meter is not None:
        meter.enter_call(depth, task)
