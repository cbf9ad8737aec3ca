"""A bound on timer lengths, before SpiffWorkflow turns them into a time span.

SpiffWorkflow adds up a duration's years and months one month at a time (it looks up each month's
length), so a timer of "P999999999Y" — written in the diagram, or read from a form field the diagram
names — kept the worker adding months for hours, inside one task where no budget looks. A timer
longer than a century is no office's deadline: it is refused before the months are counted, and the
case is told which element has it (see `failures.py`).
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

MAX_YEARS = 100
_DAYS_PER_YEAR = 366


class TimerTooLong(ValueError):
    """A timer's duration is longer than MAX_YEARS."""


def check_duration(parsed: dict) -> None:
    """Refuse a parsed ISO 8601 duration longer than MAX_YEARS (the parse is SpiffWorkflow's dict)."""
    months = float(parsed.get("years", 0)) * 12 + float(parsed.get("months", 0))
    days = (float(parsed.get("weeks", 0)) * 7 + float(parsed.get("days", 0)) + float(parsed.get("hours", 0)) / 24
            + float(parsed.get("minutes", 0)) / 1440 + float(parsed.get("seconds", 0)) / 86400)
    if months > MAX_YEARS * 12 or days > MAX_YEARS * _DAYS_PER_YEAR or months * 31 + days > MAX_YEARS * _DAYS_PER_YEAR:
        raise TimerTooLong(f"the timer is longer than {MAX_YEARS} years")


def _bounded(expand):
    def bounded(parsed_duration, moment=None):
        check_duration(parsed_duration)
        return expand(parsed_duration, moment)
    return staticmethod(bounded)


# Both ways SpiffWorkflow expands a duration (from a start, back from an end) go through the check.
TimerEventDefinition.get_timedelta_from_start = _bounded(TimerEventDefinition.get_timedelta_from_start)
TimerEventDefinition.get_timedelta_from_end = _bounded(TimerEventDefinition.get_timedelta_from_end)
