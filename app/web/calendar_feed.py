"""The iCalendar feed at /calendar/<token>.ics, found by its secret token (calendars cannot sign in)."""

from __future__ import annotations

from flask import Blueprint, Response

from app.services.scheduling import ical_feed as feeds

from .auth import services

calendar = Blueprint("calendar", __name__)


@calendar.get("/calendar/<token>.ics")
def feed(token: str):
    body = feeds.feed(services(), token)
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'inline; filename="planflow.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )
