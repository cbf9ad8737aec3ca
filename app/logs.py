"""Logging for production: one JSON object per line, carrying the request id of the web request it
belongs to, so that a line from gunicorn, one from the application and a user's report of
`X-Request-Id: …` can be matched up.

`PLANFLOW_LOG_FORMAT` is `json` (the default under gunicorn) or `text`; `PLANFLOW_LOG_LEVEL` sets the
level (INFO by default).
"""
from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
from datetime import UTC, datetime

# The id of the web request being served in this thread, or None outside a request.
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("planflow_request_id", default=None)

# Attributes every LogRecord has; anything else was passed in `extra=` and goes into the JSON object.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, request id, then any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = getattr(record, "request_id", None) or request_id.get()
        if current:
            entry["request_id"] = current
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Adds the current request id to text-format records (`%(request_id)s`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id.get() or "-"
        return True


def configure(log_format: str | None = None, level: str | None = None) -> None:
    """Send every logger's records to standard error in the chosen format (idempotent)."""
    log_format = (log_format or os.environ.get("PLANFLOW_LOG_FORMAT") or "json").lower()
    level = (level or os.environ.get("PLANFLOW_LOG_LEVEL") or "INFO").upper()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_planflow", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._planflow = True  # type: ignore[attr-defined]
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.addFilter(RequestIdFilter())
        text_format = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        handler.setFormatter(logging.Formatter(text_format))
    root.addHandler(handler)
    root.setLevel(level)
    # /readyz asks Alembic for the revision every few seconds; its "Context impl" lines are noise.
    logging.getLogger("alembic.runtime.migration").setLevel(max(logging.WARNING, root.level))
