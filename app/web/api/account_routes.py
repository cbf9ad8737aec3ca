"""Accounts: the groups and their members, a person's own API tokens, administrators' view of anyone's tokens,
and the record of sign-ins and failed sign-ins."""
from __future__ import annotations

from flask import jsonify, request
from marshmallow import fields, validate

from app.services.accounts import signin, users

from ..auth import current_actor, services
from ..input_safety import json_body
from .schemas import Strict, load_body
from .table import route


@route("GET", "/groups", "Every group with its members", response="Group", many=True, errors=(401,))
def list_groups():
    current_actor()
    return jsonify(users.list_groups(services()))


class TokenBody(Strict):
    name = fields.String(load_default="", validate=validate.Length(max=100))


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
    return jsonify(users.tokens_of(services(), current_actor(), username))


@route("DELETE", "/users/<username>/tokens/<int:token_id>", "Revoke a user's token (administrators)",
       body_kind="none", errors=(401, 403, 404))
def revoke_user_token(username: str, token_id: int):
    return jsonify(users.revoke_token_of(services(), current_actor(), username, token_id))


@route("GET", "/sign-ins", "Recent sign-ins and failed sign-ins, newest first (administrators)", many=True,
       errors=(400, 401, 403), query=(("username", "string"), ("failed", "boolean"), ("limit", "integer")))
def sign_ins():
    failed = request.args.get("failed", "").lower() in ("1", "true", "yes")
    return jsonify(signin.recent(services(), current_actor(), username=request.args.get("username") or None,
                                 failed_only=failed, limit=request.args.get("limit", "200")))
