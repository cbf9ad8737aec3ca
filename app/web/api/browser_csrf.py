"""The API's writes from a signed-in browser carry the page's CSRF token.

Scripts authenticate with a bearer token, which no other site can make a browser send. The editor's
page (and any page script) calls the same routes with the session cookie instead, and a cookie is sent
whoever made the request; so a write authenticated by the cookie must also send the token the page was
given (`X-CSRFToken`), exactly as the pages' forms do. SameSite cookies stop most of this already; the
token stops the rest.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request, session
from flask_wtf.csrf import ValidationError, validate_csrf

from ..errors import error_body

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def require_token_from_browsers(api: Blueprint) -> None:
    @api.before_request
    def _check_csrf():
        if request.method in SAFE_METHODS or request.headers.get("Authorization", "").startswith("Bearer "):
            return None
        if not session.get("username"):
            return None  # neither a token nor a session: the route answers 401
        try:
            validate_csrf(request.headers.get("X-CSRFToken"))
        except ValidationError:
            return jsonify(error_body("csrf", "send the page's CSRF token in the X-CSRFToken header, "
                                              "or authenticate with a bearer token")), 400
        return None
