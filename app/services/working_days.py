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
