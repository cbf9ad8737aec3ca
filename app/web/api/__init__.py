"""The JSON API of API.md under /api/v1, and its OpenAPI description at /api/openapi.json."""
from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")

from . import deadline_routes, form_routes, routes, security_routes  # noqa: E402,F401,I001  (registering the routes on the blueprint)
from .openapi import build as build_openapi  # noqa: E402,F401  (the factory serves it)
