"""Counting Thai working days: weekends and Thai public holidays are not working days."""
from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta

import holidays

from app.thaidate import BANGKOK

END_OF_WORKING_DAY = time(16, 30)


@functools.lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("TH", years=year).keys())


def is_working_day(day: date, closures: frozenset[date] = frozenset()) -> bool:
    """Monday to Friday, not a Thai public holiday and not a closure the office added."""
    return day.weekday() < 5 and day not in _public_holidays(day.year) and day not in closures


def add_working_days(start: datetime, days: int, closures: frozenset[date] = frozenset()) -> datetime:
    """The end of the working day `days` working days after `start` (Bangkok time)."""
    day = start.astimezone(BANGKOK).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, closures):
            counted += 1
    return datetime.combine(day, END_OF_WORKING_DAY, tzinfo=BANGKOK)


MAX_DAYS = 3660  # ten years of working days is more than any deadline or "stalled" filter needs


def subtract_working_days(end: datetime, days: int, closures: frozenset[date] = frozenset()) -> datetime:
    """The same wall-clock time `days` working days before `end` (for "no progress in N working days")."""
    days = min(days, MAX_DAYS)
    moment = end.astimezone(BANGKOK)
    counted = 0
    while counted < days:
        moment -= timedelta(days=1)
        if is_working_day(moment.date(), closures):
            counted += 1
    return moment


START_OF_WORKING_DAY = time(8, 30)


def due_after_working_days(start: datetime, days: int, closures: frozenset[date] = frozenset()) -> datetime:
    """The end of the working day a step opened at `start` is due when given `days` working days.

    Zero days ("act at once", the most urgent correspondence) means the end of this working day, or of
    the next one when the step opens after hours or on a day off.
    """
    if days > 0:
        return add_working_days(start, days, closures)
    local = start.astimezone(BANGKOK)
    if is_working_day(local.date(), closures) and local.time() < END_OF_WORKING_DAY:
        return datetime.combine(local.date(), END_OF_WORKING_DAY, tzinfo=BANGKOK)
    return add_working_days(start, 1, closures)


def working_day_before(day: date, days: int, closures: frozenset[date] = frozenset()) -> date:
    """The working day `days` working days before `day`."""
    counted = 0
    while counted < days:
        day -= timedelta(days=1)
        if is_working_day(day, closures):
            counted += 1
    return day


def working_day_after(day: date, days: int, closures: frozenset[date] = frozenset()) -> date:
    """The working day `days` working days after `day`."""
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, closures):
            counted += 1
    return day


def start_of_day(day: date) -> datetime:
    """The start of office hours on `day` (Bangkok), when the day's reminders go out."""
    return datetime.combine(day, START_OF_WORKING_DAY, tzinfo=BANGKOK)
