"""The JSON API of API.md under /api/v1, and its OpenAPI description at /api/openapi.json."""
from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")

from . import deadline_routes, form_routes, routes, security_routes  # noqa: E402,F401,I001  (registering the routes on the blueprint)
from .browser_csrf import require_token_from_browsers  # noqa: E402

require_token_from_browsers(api)
from .openapi import build as build_openapi  # noqa: E402,F401  (the factory serves it)
