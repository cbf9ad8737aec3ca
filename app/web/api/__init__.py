"""The JSON API under /api/v1 (docs/api.md), one module of routes per capability, and its OpenAPI description
at /api/openapi.json. Importing a routes module registers its routes on the blueprint (table.route)."""
from . import (  # noqa: F401 - each registers its routes
    account_routes,
    attachment_routes,
    audit_routes,
    budget_routes,
    case_routes,
    dashboard_routes,
    deadline_routes,
    form_routes,
    letter_routes,
    process_routes,
    step_routes,
)
from .browser_csrf import require_token_from_browsers
from .openapi import build as build_openapi  # noqa: F401 - the application factory serves it
from .table import api

require_token_from_browsers(api)
