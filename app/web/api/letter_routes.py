"""The registers of official letters: outgoing (ทะเบียนหนังสือส่ง) and incoming (ทะเบียนหนังสือรับ), searched."""
from __future__ import annotations

from flask import jsonify, request

from app.services.letters import registers

from ..auth import current_actor, services
from .table import route

SEARCH = (("year", "integer"), ("number", "string"), ("q", "string"), ("party", "string"), ("from", "string"),
          ("to", "string"), ("limit", "integer"))


@route("GET", "/registers/outgoing", "The outgoing register: letters numbered when signed, newest first", many=True,
       errors=(400, 401, 403), query=SEARCH)
def outgoing_register():
    actor = current_actor()
    return jsonify(registers.outgoing(services(), actor, registers.search_from(request.args)))


@route("GET", "/registers/incoming", "The incoming register: letters numbered when received, newest first",
       many=True, errors=(400, 401, 403), query=SEARCH)
def incoming_register():
    actor = current_actor()
    return jsonify(registers.incoming(services(), actor, registers.search_from(request.args)))
