"""Timer start events: PlanFlow starts one case per occurrence; the engine must not repeat inside a case.

Left alone, SpiffWorkflow keeps a cycle start event (`R/2026-10-01T08:00:00+07:00/P3M`) waiting in the
case it started and runs the whole process again inside that same case every quarter, so the case
never ends. Here the scheduler owns the cycle instead: `schedule_of` reads it from the diagram at deploy,
the scheduler starts a case at each occurrence, and `fire_once` makes the start event of every new
case fire exactly once, at the moment the case starts (also when someone starts one by hand).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.util.task import TaskState

from . import sandbox
from .diagram import CompiledProcess
from .errors import InvalidDiagram, Problem

_DURATION = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)


@dataclass(frozen=True)
class StartSchedule:
    """When a process starts cases by itself: `first`, then every `period`, `cycles` times (-1: for ever)."""

    element_id: str
    expression: str
    first: datetime
    period: str | None  # an ISO 8601 duration; None for a single date
    cycles: int

    def occurrence(self, index: int) -> datetime | None:
        """The start time of occurrence `index` (0 is the first), or None past the last one."""
        if index < 0 or (self.cycles >= 0 and index >= self.cycles):
            return None
        if self.period is None:
            return self.first if index == 0 else None
        return _add_duration(self.first, self.period, index)

    def next_at_or_after(self, moment: datetime) -> tuple[int, datetime] | None:
        """The first occurrence not before `moment`, with its index."""
        index = 0
        if self.period is not None and moment > self.first:
            # Jump close, then walk. The jump counts every month as 31 days so it never overshoots.
            span = _longest_seconds(self.period)
            index = max(int((moment - self.first).total_seconds() // span) - 1, 0)
        while True:
            at = self.occurrence(index)
            if at is None:
                return None
            if at >= moment:
                return index, at
            index += 1


def _start_event_spec(process: CompiledProcess):
    starts = [
        s
        for s in process.spec.start.outputs
        if isinstance(getattr(s, "event_definition", None), TimerEventDefinition)
    ]
    return starts[0] if starts else None


def schedule_of(process: CompiledProcess) -> StartSchedule | None:
    """The process's own start schedule from its timer start event (cycle or date), or None.

    Raises InvalidDiagram, naming the start event, when the timer cannot be turned into a schedule.
    """
    spec = _start_event_spec(process)
    if spec is None:
        return None
    definition = spec.event_definition
    if not isinstance(definition, (CycleTimerEventDefinition, TimeDateEventDefinition)):
        return None  # a duration start timer has no fixed time: the case starts when someone starts it
    try:
        value = sandbox.evaluate(definition.expression, {})
    except sandbox.SandboxError as exc:
        raise _invalid(spec, f"the start timer must not depend on case data: {exc}") from None
    if not isinstance(value, str):
        raise _invalid(spec, "the start timer must give a text such as R/2026-10-01T08:00:00+07:00/P3M")
    if isinstance(definition, TimeDateEventDefinition):
        return StartSchedule(spec.bpmn_id, value, _aware(spec, value), None, 1)
    return _parse_cycle(spec, value)


def _parse_cycle(spec, value: str) -> StartSchedule:
    parts = value.strip().split("/")
    if len(parts) != 3 or not parts[0].upper().startswith("R"):
        raise _invalid(
            spec,
            "the cycle must read R[n]/<start date and time with offset>/<period>, "
            "e.g. R/2026-10-01T08:00:00+07:00/P3M",
        )
    count = parts[0][1:]
    if count and not count.isdigit():
        raise _invalid(spec, f"'{parts[0]}' is not a repetition count")
    period = parts[2].upper()
    match = _DURATION.match(period)
    if match is None or not any(match.groups()):
        raise _invalid(spec, f"'{parts[2]}' is not an ISO 8601 period such as P3M or P1Y")
    return StartSchedule(
        spec.bpmn_id, value.strip(), _aware(spec, parts[1]), period, int(count) if count else -1
    )


def _aware(spec, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(spec, f"'{text}' is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise _invalid(spec, f"'{text}' needs an offset, e.g. +07:00, so it means one moment everywhere")
    return moment


def _invalid(spec, message: str) -> InvalidDiagram:
    return InvalidDiagram([Problem(spec.bpmn_id, message)])


def _add_duration(start: datetime, period: str, times: int) -> datetime:
    years, months, weeks, days, hours, minutes, seconds = (
        int(g or 0) for g in _DURATION.match(period).groups()
    )
    total_months = start.month - 1 + (years * 12 + months) * times
    year, month = start.year + total_months // 12, total_months % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    moved = start.replace(year=year, month=month, day=day)
    return moved + timedelta(
        weeks=weeks * times,
        days=days * times,
        hours=hours * times,
        minutes=minutes * times,
        seconds=seconds * times,
    )


def _longest_seconds(period: str) -> float:
    years, months, weeks, days, hours, minutes, seconds = (
        int(g or 0) for g in _DURATION.match(period).groups()
    )
    return max(
        ((years * 366 + months * 31 + weeks * 7 + days) * 86400 + hours * 3600 + minutes * 60 + seconds), 1
    )


def fire_once(workflow, at: datetime) -> None:
    """Make the process's timer start event (if any) fire now, once, instead of waiting or cycling."""
    for task in workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK):
        spec = task.task_spec
        if task.parent is None or task.parent.task_spec is not workflow.spec.start:
            continue
        definition = getattr(spec, "event_definition", None)
        if not isinstance(definition, TimerEventDefinition):
            continue
        just_before = (at - timedelta(seconds=1)).isoformat()
        if isinstance(definition, CycleTimerEventDefinition):
            # A cycle start event never predicts its path (it adds one per cycle as the cycle comes
            # round); add that path once, as the engine would for the first cycle, and count the event
            # as fired, so the start event completes into it and waits for nothing more.
            for output in spec.outputs:
                child = task._add_child(output, TaskState.FUTURE)
                child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)
            task._set_internal_data(event_fired=True)
        else:
            task._set_internal_data(event_value=just_before)
