"""Routes for deadlines: notifications, a person's settings and calendar address, the office's holidays,
and the scheduler's state for administrators."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify, request
from marshmallow import fields, validate

from app.services.accounts import preferences
from app.services.calendar import office_calendar
from app.services.kernel.errors import Invalid
from app.services.ops import ticks
from app.services.scheduling import notifications

from ..auth import current_actor, services
from ..input_safety import json_body
from .schemas import Strict, load_body
from .table import route


class SettingsBody(Strict):
    email_notifications = fields.Boolean(required=True, truthy={True}, falsy={False})


class CalendarBody(Strict):
    renew = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class ClosureBody(Strict):
    date = fields.String(required=True, validate=validate.Length(min=10, max=10))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


@route(
    "GET",
    "/notifications",
    "The caller's notifications, newest first",
    many=True,
    errors=(401,),
    query=(("unread", "boolean"),),
)
def list_notifications():
    unread = request.args.get("unread", "").lower() in ("1", "true", "yes")
    return jsonify(notifications.list_notifications(services(), current_actor(), unread_only=unread))


@route(
    "POST",
    "/notifications/<int:notification_id>/read",
    "Mark one notification read",
    body_kind="none",
    errors=(401, 404),
)
def read_notification(notification_id: int):
    return jsonify(notifications.mark_read(services(), current_actor(), notification_id))


@route(
    "POST",
    "/notifications/read-all",
    "Mark every notification of the caller read",
    body_kind="none",
    errors=(401,),
)
def read_all_notifications():
    return jsonify({"marked": notifications.mark_all_read(services(), current_actor())})


@route("GET", "/me/settings", "The caller's own settings (e-mail reminders, calendar address)", errors=(401,))
def my_settings():
    return jsonify(_absolute(preferences.get_preferences(services(), current_actor())))


@route("PATCH", "/me/settings", "Turn reminder e-mail on or off", body=SettingsBody, errors=(400, 401))
def change_my_settings():
    body = load_body(SettingsBody(), json_body(optional=True))
    return jsonify(
        _absolute(preferences.update_preferences(services(), current_actor(), body["email_notifications"]))
    )


@route(
    "POST",
    "/me/calendar",
    "The caller's secret calendar address (renew: a new one)",
    body=CalendarBody,
    errors=(400, 401),
)
def my_calendar():
    body = load_body(CalendarBody(), json_body(optional=True))
    found = preferences.calendar_feed(services(), current_actor(), renew=body["renew"])
    return jsonify({"url": request.url_root.rstrip("/") + found["url"], "path": found["url"]})


def _absolute(settings: dict) -> dict:
    if settings.get("calendar_url"):
        settings["calendar_url"] = request.url_root.rstrip("/") + settings["calendar_url"]
    return settings


@route(
    "GET",
    "/holidays",
    "Public holidays and office closures of a year",
    many=True,
    errors=(400, 401),
    query=(("year", "integer"),),
)
def list_holidays():
    current_actor()
    year = request.args.get("year") or str(datetime.now().year)
    if not year.isdecimal() or len(year) != 4:
        raise Invalid("year must be a four-digit Christian-Era year", {"year": ["เช่น 2027 (e.g. 2027)"]})
    return jsonify(office_calendar.holidays_of_year(services(), int(year)))


@route(
    "POST",
    "/holidays",
    "Add an office closure (administrators)",
    body=ClosureBody,
    ok=201,
    errors=(400, 401, 403, 409),
)
def add_closure():
    body = load_body(ClosureBody(), json_body(optional=True))
    return jsonify(office_calendar.add_closure(services(), current_actor(), body["date"], body["name"])), 201


@route(
    "DELETE",
    "/holidays/<day>",
    "Remove an office closure (administrators)",
    body_kind="none",
    errors=(400, 401, 403, 404),
)
def remove_closure(day: str):
    return jsonify(office_calendar.remove_closure(services(), current_actor(), day))


@route(
    "GET",
    "/scheduler",
    "The scheduler's heartbeats, due jobs, failures and e-mail (administrators)",
    errors=(401, 403),
)
def scheduler_state():
    return jsonify(ticks.scheduler_state(services(), current_actor()))
