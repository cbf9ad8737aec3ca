"""The budget transfer authority table (ตารางอำนาจการโอนเปลี่ยนแปลงงบประมาณ): read by those who work on
transfers, kept by process owners."""
from __future__ import annotations

from flask import jsonify
from marshmallow import fields, validate

from app.services.budget import authority

from ..auth import current_actor, services
from ..input_safety import json_body
from .schemas import Strict
from .table import route


class AuthorityRuleBody(Strict):
    """One row; the service checks it (the choices and the citation) and names each bad field."""

    position = fields.Integer(validate=validate.Range(min=1, max=9999))
    scope = fields.String(required=True, validate=validate.OneOf((*authority.SCOPES, authority.ANY)))
    category_from = fields.String(required=True, validate=validate.OneOf((*authority.CATEGORIES, authority.ANY)))
    category_to = fields.String(required=True, validate=validate.OneOf((*authority.CATEGORIES, authority.ANY)))
    max_amount = fields.Integer(allow_none=True)
    decided_by = fields.String(required=True, validate=validate.OneOf(authority.DECIDERS))
    citation = fields.String(required=True, validate=validate.Length(min=1, max=authority.MAX_TEXT))
    citation_is_example = fields.Boolean()
    note = fields.String(validate=validate.Length(max=authority.MAX_TEXT))


@route("GET", "/transfer-authority", "The transfer authority table, in the order it is read", many=True,
       errors=(401, 403))
def list_transfer_authority():
    return jsonify(authority.list_rules(services(), current_actor()))


@route("POST", "/transfer-authority", "Add a row to the transfer authority table (process owners)",
       body=AuthorityRuleBody, ok=201, errors=(400, 401, 403))
def add_transfer_authority():
    actor = current_actor()
    return jsonify(authority.save_rule(services(), actor, json_body())), 201


@route("PUT", "/transfer-authority/<int:rule_id>", "Change a row of the transfer authority table (process owners)",
       body=AuthorityRuleBody, errors=(400, 401, 403, 404))
def change_transfer_authority(rule_id: int):
    actor = current_actor()
    return jsonify(authority.save_rule(services(), actor, json_body(), rule_id))


@route("DELETE", "/transfer-authority/<int:rule_id>", "Remove a row of the transfer authority table (process owners)",
       body_kind="none", errors=(401, 403, 404))
def remove_transfer_authority(rule_id: int):
    return jsonify(authority.delete_rule(services(), current_actor(), rule_id))
