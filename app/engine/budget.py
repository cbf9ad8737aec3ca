"""A bound on what one engine call may do, so that no diagram can hold the worker that runs it.

The sandbox already stops a single script or condition that runs too long. What it cannot see is a
diagram whose automatic steps never reach a person: a call activity that calls its own process, two
processes calling each other, a gateway looping back to a script. SpiffWorkflow runs such a loop for
ever. Each engine call (start, complete, deliver, fire timers, migrate) therefore gets a meter that
counts the automatic tasks it runs and watches the time it has taken; past either limit the call is
abandoned with `RunTooLong`, and because the services save state only after the engine returns, the
case is left exactly as it was.

The meter also counts the tasks a call creates. A multi-instance step opens one task per item of its
collection (or per count of its cardinality) in one go, before any of them runs: a cardinality of three
million, from the diagram or from a form, held the worker for minutes and gigabytes without one
automatic step being counted. A call that creates more than `max_new_tasks` tasks beyond a few per
automatic step it runs is abandoned the same way (a loop of automatic steps creates two or three tasks
per step and is left to the step count, which names it as a loop).

The task limits are what tests rely on (they do not depend on the machine); the time limit is the
backstop for work that is slow rather than long.
"""
from __future__ import annotations

import contextlib
import contextvars
import sys
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
    # Tasks one call may create besides PER_STEP_CREATED for each automatic step it runs. A step of the
    # office's diagrams creates a few hundred (the per-school round: a handful per school); a
    # multi-instance step over tens of thousands of items is no office's.
    max_new_tasks: int = 50_000


PER_STEP_CREATED = 4


_limits = Limits()
_monotonic = time.monotonic  # replaced by tests that need time to pass without waiting


class _Meter:
    __slots__ = ("limits", "tasks", "created", "deadline", "element")

    def __init__(self, limits: Limits):
        self.limits = limits
        self.tasks = 0
        self.created = 0
        self.deadline = _monotonic() + limits.max_seconds
        self.element: str | None = None  # the element of the task running now, for what a new task came from

    def charge(self, task) -> None:
        self.tasks += 1
        element = self.element = _element(task)
        if self.tasks > self.limits.max_tasks:
            raise RunTooLong(f"the diagram ran more than {self.limits.max_tasks} automatic steps without "
                             f"reaching a person's step (last at '{element}'): it loops or calls itself",
                             element_id=element, limit="tasks")
        self._watch_clock(element)

    def count_new(self) -> None:
        self.created += 1
        if self.created > self.limits.max_new_tasks + PER_STEP_CREATED * self.tasks:
            element = _opening_element() or self.element
            raise RunTooLong(f"the diagram opened more than {self.limits.max_new_tasks} tasks in one step (at "
                             f"'{element}'): a multi-instance step over a collection or count this large "
                             "cannot run", element_id=element, limit="new tasks")
        if self.created % 100 == 0:
            self._watch_clock(self.element)

    def _watch_clock(self, element: str | None) -> None:
        # Read at every task run: one task may be slow (a deep call, a big data copy), and a reading
        # costs far less than running the task.
        if _monotonic() > self.deadline:
            raise RunTooLong(f"the engine ran longer than {self.limits.max_seconds:g} s in one step "
                             f"(last at '{element}')", element_id=element, limit="seconds")

    def enter_call(self, depth: int, task) -> None:
        if depth > self.limits.max_call_depth:
            element = _element(task)
            raise RunTooLong(f"call activities nest more than {self.limits.max_call_depth} levels deep at "
                             f"'{element}': the diagram calls itself", element_id=element, limit="depth")


def _element(task) -> str:
    return getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name


def _opening_element() -> str | None:
    """The element whose task is opening new tasks now: SpiffWorkflow's methods name it `my_task` (a
    multi-instance step creating its instances), and the new task has no element of its own yet."""
    frame = sys._getframe(2)
    while frame is not None:
        task = frame.f_locals.get("my_task")
        element = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
        if element:
            return element
        frame = frame.f_back
    return None


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


def count_new() -> None:
    """Count one task created by the running call (a call outside `metered`, such as loading, is free)."""
    meter = _meter.get()
    if meter is not None:
        meter.count_new()


def running(task) -> None:
    """Note the task a person completes, so that what it opens is counted against its element."""
    meter = _meter.get()
    if meter is not None:
        meter.element = _element(task)


def enter_call(depth: int, task) -> None:
    """Refuse a call activity that would open a subprocess `depth` levels below the case's top process."""
    meter = _meter.get()
    if meter is not None:
        meter.enter_call(depth, task)
