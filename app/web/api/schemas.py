"""Marshmallow schemas of the API's own request and response bodies (forms are JSON Schema, not these)."""
from __future__ import annotations

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, validate

from app.services.kernel.errors import Invalid


class Strict(Schema):
    """A request body that refuses fields it does not declare."""

    class Meta:
        unknown = RAISE


class StartCaseBody(Strict):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=80))
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    data = fields.Dict(keys=fields.String(), load_default=dict)


class ReasonBody(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class AssignBody(Strict):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))


class CompleteBody(Strict):
    data = fields.Dict(keys=fields.String(), load_default=dict)


class CloseRoundBody(Strict):
    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class MessageBody(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    data = fields.Dict(keys=fields.String(), load_default=dict)


class MigrateBody(Strict):
    case_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=2**63 - 1)),
                           required=True, validate=validate.Length(min=1, max=200))
    to_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    dry_run = fields.Boolean(load_default=False)


class _Open(Schema):
    """Response shapes: the fields docs/api.md promises; answers may carry more (documented as allowed)."""

    class Meta:
        unknown = INCLUDE


class TaskOut(_Open):
    id = fields.Integer()
    case_id = fields.Integer()
    name = fields.String()
    spec_id = fields.String()
    lane = fields.String(allow_none=True)
    group = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(["open", "claimed", "completed", "cancelled"]))
    created_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)


class WaitOut(_Open):
    """Something a case waits on besides people: a message from outside (with the form its data must satisfy,
    as `form_name` and, in a single case's answer, as the JSON Schema `form`) or a timer (with `due_at`)."""

    kind = fields.String(validate=validate.OneOf(["message", "timer"]))
    element_id = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    lane = fields.String(allow_none=True)
    since = fields.DateTime()
    message = fields.String(allow_none=True)
    form_name = fields.String(allow_none=True)
    form = fields.Dict()
    due_at = fields.DateTime(allow_none=True)


class CaseOut(_Open):
    id = fields.Integer()
    number = fields.String()
    process_key = fields.String()
    version = fields.Integer()
    title = fields.String()
    status = fields.String(validate=validate.OneOf(["running", "completed", "cancelled", "suspended", "error"]))
    started_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    open_tasks = fields.List(fields.Nested(TaskOut))
    waiting_for = fields.List(fields.Nested(WaitOut))


class EventOut(_Open):
    seq = fields.Integer()
    at = fields.DateTime()
    actor = fields.String(allow_none=True)
    kind = fields.String()
    task_spec_id = fields.String(allow_none=True)
    data = fields.Dict()
    hash = fields.String()
    prev_hash = fields.String()


class ErrorOut(_Open):
    error = fields.Dict()


def load_body(schema: Schema, payload) -> dict:
    """Parse a JSON body, turning marshmallow's errors into our 400 with `fields`."""
    if not isinstance(payload, dict):
        raise Invalid("the body must be a JSON object", {"_body": ["ต้องเป็น JSON object (must be an object)"]})
    try:
        return schema.load(payload)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_body": exc.messages}
        flat = {k: v if isinstance(v, list) else [str(v)] for k, v in messages.items()}
        raise Invalid("the request body is not valid: " + ", ".join(sorted(flat)), flat) from None
