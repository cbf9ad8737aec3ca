"""What a use case refuses with. The web layer turns each into its HTTP status and error body."""
from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refusal; `fields` maps each form field it is about to its messages (a file too large names its field)."""

    code = "error"
    status = 400

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra


class Invalid(ServiceError):
    """Bad input; `fields` maps each form field to its messages."""

    code = "invalid"


class InvalidDiagramError(Invalid):
    code = "invalid_diagram"

    def __init__(self, message: str, details: list[dict[str, Any]]):
        super().__init__(message)
        self.details = details


class Unauthenticated(ServiceError):
    code = "unauthenticated"
    status = 401


class Forbidden(ServiceError):
    code = "forbidden"
    status = 403


class NotFound(ServiceError):
    code = "not_found"
    status = 404


class Conflict(ServiceError):
    code = "conflict"
    status = 409


class RoundClosed(Conflict):
    """A school sent its step after the office closed the round it belonged to; nothing was kept."""

    code = "round_closed"


class TooLarge(ServiceError):
    code = "too_large"
    status = 413


class Unavailable(ServiceError):
    """The database cannot be reached (connection lost, server restarting); the request changed nothing."""

    code = "unavailable"
    status = 503


class EngineTimeExceeded(ServiceError):
    """One engine call ran past its time budget (see engine/budget.py); the case was left as it was."""

    code = "engine_time_exceeded"
    status = 503


class StorageFull(ServiceError):
    """The attachments disk is full; the upload was not kept."""

    code = "insufficient_storage"
    status = 507
