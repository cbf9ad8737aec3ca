"""The Flask application: an application factory, the JSON API and the pages as blueprints."""
from __future__ import annotations

from flask import Flask, g, jsonify, request

from app import config as config_module
from app.bootstrap import build_context
from app.services.context import ServiceContext

from . import errors, input_safety, ops

# Signing in and out and choosing the language change no case; auditors use them like everyone.
SESSION_ENDPOINTS = frozenset({"pages.login", "pages.logout", "pages.language", "static"})


def create_app(settings: config_module.Settings | None = None, context: ServiceContext | None = None) -> Flask:
    """Build the application; nothing connects or schedules at import time."""
    settings = settings or config_module.from_environment()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 256 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_AS_ASCII=False,
        TESTING=settings.testing,
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["planflow"] = context or build_context(settings)
    app.extensions["planflow_settings"] = settings
    ops.init_app(app)  # first, so every request gets its id and timing before any blueprint hook runs

    from .api import api, build_openapi
    from .pages import init_pages, pages

    app.url_map.converters["int"] = input_safety.BoundedIntConverter  # before any route is bound

    @app.before_request
    def _refuse_unstorable_text():
        input_safety.check_request_text(request.path, request.args)

    @app.before_request
    def _auditors_only_read():
        # Auditors read every case and change none: every write route refuses them, whatever it is.
        if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in SESSION_ENDPOINTS:
            return None
        from app.services import access
        from app.services.errors import Forbidden

        from .auth import current_actor

        try:
            actor = current_actor(required=False)
        except Exception:  # noqa: BLE001 - a bad token is answered by the route's own check
            return None
        if actor is None:
            g.pop("actor", None)  # let the route ask again, and refuse the request as it does
            return None
        if access.is_read_only(actor):
            raise Forbidden("auditors may read cases but not change them")
        return None

    app.register_blueprint(api)
    app.register_blueprint(pages)
    from .calendar_feed import calendar

    app.register_blueprint(calendar)
    errors.register(app)
    init_pages(app)
    openapi_document = build_openapi()

    @app.get("/api/openapi.json")
    def openapi():
        return jsonify(openapi_document)

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    return app
