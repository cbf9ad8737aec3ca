"""The office's calendar: Thai public holidays (the `holidays` package) and closures an administrator adds.

A closure counts like a public holiday wherever working days are counted. Adding or removing one
moves the due dates of the open steps it falls within, and their reminders with them.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import holidays
from sqlalchemy import select

from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict, Invalid, NotFound
from app.store.deadline_models import Closure
from app.thaidate import format_date

from . import deadlines

closure_days = deadlines.closure_days


def parse_day(value: Any, field: str = "date") -> date:
    """A day from 'YYYY-MM-DD' (Christian Era, as ISO 8601 and HTML date inputs give it)."""
    try:
        day = date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(
            f"{field} must be a date written YYYY-MM-DD",
            {field: ["วันที่ต้องอยู่ในรูปแบบ YYYY-MM-DD (a date like 2027-04-16)"]},
        ) from None
    if not 2000 <= day.year <= 2200:
        raise Invalid(f"{field} is out of range", {field: ["ปีไม่ถูกต้อง (out of range)"]})
    return day


def closure_dict(closure: Closure) -> dict[str, Any]:
    """An office closure as the API and the CLI show it."""
    return {
        "date": closure.day.isoformat(),
        "name": closure.name,
        "kind": "closure",
        "date_th": format_date(closure.day, short=False),
        "created_by": closure.created_by,
        "created_at": closure.created_at.isoformat(),
    }


def add_closure(ctx: ServiceContext, actor: Actor, day: Any, name: str) -> dict[str, Any]:
    """Declare a day closed; open steps whose period spans it become due a working day later."""
    access.require_admin(actor, "change the office's calendar")
    day = parse_day(day)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise Invalid("a name of 1 to 200 characters is required", {"name": ["กรุณาระบุชื่อวันหยุด (required)"]})
    now = ctx.now()
    with ctx.write() as session:
        if session.get(Closure, day) is not None:
            raise Conflict(f"{day.isoformat()} is already a closure")
        closure = Closure(day=day, name=name, created_by=actor.username, created_at=now)
        session.add(closure)
        session.flush()
        moved = deadlines.reschedule_open_steps(session, now)
        return {**closure_dict(closure), "steps_rescheduled": moved}


def remove_closure(ctx: ServiceContext, actor: Actor, day: Any) -> dict[str, Any]:
    """Reopen a day declared closed; due dates move back accordingly."""
    access.require_admin(actor, "change the office's calendar")
    day = parse_day(day)
    now = ctx.now()
    with ctx.write() as session:
        closure = session.get(Closure, day)
        if closure is None:
            raise NotFound(f"{day.isoformat()} is not a closure")
        result = closure_dict(closure)
        session.delete(closure)
        session.flush()
        result["steps_rescheduled"] = deadlines.reschedule_open_steps(session, now)
        return result


def list_closures(ctx: ServiceContext, year: int | None = None) -> list[dict[str, Any]]:
    """The closures the office added, by date (of one Christian-Era year if given)."""
    query = select(Closure).order_by(Closure.day)
    if year is not None:
        query = query.where(Closure.day >= date(year, 1, 1), Closure.day <= date(year, 12, 31))
    with ctx.read() as session:
        return [closure_dict(c) for c in session.scalars(query)]


@functools.lru_cache(maxsize=32)
def _public_holidays_th(year: int) -> tuple[tuple[date, str], ...]:
    return tuple(sorted(holidays.country_holidays("TH", years=year, language="th").items()))


def holidays_of_year(ctx: ServiceContext, year: int) -> list[dict[str, Any]]:
    """Every day off of a year that is not a weekend: public holidays and the office's closures."""
    if not 2000 <= year <= 2200:
        raise Invalid("year is out of range", {"year": ["ปีไม่ถูกต้อง (out of range)"]})
    days = [
        {
            "date": day.isoformat(),
            "name": name,
            "kind": "public_holiday",
            "date_th": format_date(day, short=False),
        }
        for day, name in _public_holidays_th(year)
    ]
    days += list_closures(ctx, year)
    return sorted(days, key=lambda d: (d["date"], d["kind"]))
