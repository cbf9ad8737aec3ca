"""A person's open steps and their due dates as an iCalendar feed (RFC 5545), for any calendar program.

Each step with a due date is an all-day event on its due day, named after the step and the case, with
a link to the step. The feed is found by the secret token of `preferences.calendar_feed`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from app.services.accounts import users
from app.services.calendar import deadlines
from app.services.kernel import access
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import NotFound
from app.store.deadline_models import UserSetting
from app.store.models import Case, Group, Membership, Task, User
from app.thaidate import BANGKOK, format_datetime


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space, never inside a character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def render(events: list[dict[str, Any]], name: str, now: datetime) -> str:
    """An iCalendar document with one all-day VEVENT per item (uid, day, summary, description, url)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//PlanFlow//Deadlines//TH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
        "X-WR-TIMEZONE:Asia/Bangkok",
    ]
    for event in events:
        day = event["day"]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event['uid']}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(event['summary'])}",
            f"DESCRIPTION:{_escape(event['description'])}",
        ]
        if event.get("url"):
            lines.append(f"URL:{event['url']}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def feed(ctx: ServiceContext, token: str) -> str:
    """The calendar of the user whose feed token this is; NotFound for any other token."""
    if not token or len(token) > 100:
        raise NotFound("no such calendar")
    base = (ctx.settings.get("base_url") or "").rstrip("/")
    with ctx.read() as session:
        user = session.scalar(
            select(User)
            .join(UserSetting, UserSetting.user_id == User.id)
            .where(UserSetting.calendar_token == token, User.active.is_(True))
        )
        if user is None:
            raise NotFound("no such calendar")
        groups = (
            select(Group.code)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.user_id == user.id)
        )
        rows = session.execute(
            deadlines.open_steps_with_due(Case.number, Case.title)
            .where(
                or_(Task.assignee == user.username, Task.assignee.is_(None) & Task.group_code.in_(groups)),
                # The same rule as everywhere: a case the person may not see is not in their calendar.
                Case.id.in_(select(Case.id).where(access.visible_cases_clause(users.actor_of(user)))),
            )
            .order_by(Task.due_at, Task.id)
        ).all()
        events = [
            {
                "uid": f"planflow-task-{task.id}@planflow",
                "day": task.due_at.astimezone(BANGKOK).date(),
                "summary": f"ครบกำหนด: {task.name} ({number})",
                "description": f"{title}\nครบกำหนด {format_datetime(task.due_at)}\n"
                f"{base}/tasks/{task.id}",
                "url": f"{base}/tasks/{task.id}" if base else None,
            }
            for task, number, title in rows
        ]
        return render(events, f"PlanFlow: {user.display_name or user.username}", ctx.now())
