"""What the API's routes read from a request besides a marshmallow body: the caller's JSON body after
authentication, small whole numbers and dates from the query string, and an uploaded diagram."""
from __future__ import annotations

import re
from datetime import datetime

from flask import request

from app.services.kernel.errors import Invalid
from app.thaidate import BANGKOK

from ..auth import current_actor
from ..input_safety import json_body


def caller_json_body() -> dict:
    """The request's JSON body (after authentication: 401 comes before any complaint about the body)."""
    current_actor()
    return json_body()


WHOLE_NUMBER = re.compile(r"[0-9]{1,4}")


def int_arg(name: str) -> int | None:
    """A small whole number from the query string (day counts); anything else is a 400."""
    value = request.args.get(name)
    if value in (None, ""):
        return None
    if not WHOLE_NUMBER.fullmatch(value):
        raise Invalid(f"{name} must be a whole number from 0 to 9999",
                      {name: ["ต้องเป็นจำนวนเต็ม 0–9999 (whole number from 0 to 9999)"]})
    return int(value)


def date_arg(name: str):
    value = request.args.get(name)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{name} must be an ISO date", {name: ["รูปแบบวันที่ไม่ถูกต้อง (ISO date expected)"]}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=BANGKOK)


def uploaded_diagram() -> bytes:
    """The diagram in the body (application/xml) or in the multipart field `file`, after authentication."""
    current_actor()
    if request.mimetype.startswith("multipart/"):
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("send the diagram in the multipart field 'file'", {"file": ["required"]})
        xml = upload.read()
    else:
        xml = request.get_data(cache=False)
    if not xml:
        raise Invalid("the body is empty: send the BPMN XML", {"file": ["required"]})
    return xml
