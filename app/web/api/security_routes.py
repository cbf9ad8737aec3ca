"""Routes for a person's own API tokens, administrators' view of anyone's tokens, and the record of
sign-ins and failed sign-ins."""
from __future__ import annotations

from flask import jsonify, request
from marshmallow import fields, validate

from app.services.accounts import signin, users
from app.services.kernel.errors import Forbidden, Invalid

from ..auth import current_actor, services
from ..input_safety import json_body
from .schemas import _Strict, load_body
from .table import route


class TokenBody(_Strict):
    name = fields.String(load_default="", validate=validate.Length(max=100))


def _admin():
    actor = current_actor()
    if not actor.is_admin:
        raise Forbidden("only administrators manage other people's tokens and see sign-ins")
    return actor


@route("GET", "/me/tokens", "The caller's API tokens (names and dates, never the tokens)", many=True, errors=(401,))
def my_tokens():
    return jsonify(users.list_tokens(services(), current_actor().username))


@route("POST", "/me/tokens", "A new API token for the caller; the token is shown in this answer only",
       body=TokenBody, ok=201, errors=(400, 401))
def new_token():
    body = load_body(TokenBody(), json_body(optional=True))
    return jsonify(users.issue_token(services(), current_actor().username, body["name"])), 201


@route("DELETE", "/me/tokens/<int:token_id>", "Revoke one of the caller's tokens", body_kind="none",
       errors=(401, 404))
def revoke_my_token(token_id: int):
    return jsonify(users.revoke_token(services(), current_actor().username, token_id))


@route("GET", "/users/<username>/tokens", "A user's API tokens (administrators)", many=True,
       errors=(401, 403, 404))
def user_tokens(username: str):
    _admin()
    return jsonify(users.list_tokens(services(), username))


@route("DELETE", "/users/<username>/tokens/<int:token_id>", "Revoke a user's token (administrators)",
       body_kind="none", errors=(401, 403, 404))
def revoke_user_token(username: str, token_id: int):
    _admin()
    return jsonify(users.revoke_token(services(), username, token_id))


@route("GET", "/sign-ins", "Recent sign-ins and failed sign-ins, newest first (administrators)", many=True,
       errors=(400, 401, 403), query=(("username", "string"), ("failed", "boolean"), ("limit", "integer")))
def sign_ins():
    _admin()
    limit = request.args.get("limit", "200")
    if not limit.isdigit() or not 1 <= int(limit) <= 1000:
        raise Invalid("limit must be a whole number from 1 to 1000", {"limit": ["1-1000"]})
    failed = request.args.get("failed", "").lower() in ("1", "true", "yes")
    return jsonify(signin.recent(services(), username=request.args.get("username") or None,
                                 failed_only=failed, limit=int(limit)))
