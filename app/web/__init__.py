"""The Flask application: an application factory, the JSON API and the pages as blueprints."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g, has_request_context, jsonify, request, session
from flask.sessions import SecureCookieSessionInterface

from app import config as config_module
from app.bootstrap import build_context
from app.services.kernel import access
from app.services.kernel.context import ServiceContext

from . import errors, input_safety, observability
from .api import api, build_openapi
from .auth import current_actor
from .calendar_feed import calendar
from .pages import init_pages, pages

# Signing in and out and choosing the language change no case; auditors use them like everyone.
SESSION_ENDPOINTS = frozenset({
    "pages.login", "pages.logout", "pages.language", "static",
    # One's own account (password, tokens, notifications, settings) is no case either.
    "pages.change_password", "pages.create_token", "pages.revoke_token", "api.new_token", "api.revoke_my_token",
    "api.change_my_settings", "api.my_calendar", "api.read_notification", "api.read_all_notifications",
})

SESSION_IDLE = timedelta(hours=8)


class _Sessions(SecureCookieSessionInterface):
    """The session cookie is Secure when configured so, and whenever the request came over HTTPS
    (seen through the proxy's X-Forwarded-Proto in production)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def create_app(settings: config_module.Settings | None = None, context: ServiceContext | None = None) -> Flask:
    """Build the application; nothing connects or schedules at import time."""
    settings = settings or config_module.from_environment()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 256 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.https,  # behind HTTPS the cookie is never sent over plain HTTP
        PERMANENT_SESSION_LIFETIME=SESSION_IDLE,  # idle sessions end after 8 hours
        JSON_AS_ASCII=False,
        TESTING=settings.testing,
    )
    app.session_interface = _Sessions()
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["planflow"] = context or build_context(settings)
    app.extensions["planflow_settings"] = settings
    observability.init_app(app)  # first, so every request gets its id and timing before any blueprint hook runs
    app.url_map.converters["int"] = input_safety.BoundedIntConverter  # before any route is bound
    app.before_request(_refuse_unstorable_text)
    app.before_request(_auditors_only_read)
    app.before_request(_sliding_session)
    app.after_request(_security_headers)
    app.register_blueprint(api)
    app.register_blueprint(pages)
    app.register_blueprint(calendar)
    errors.register(app)
    init_pages(app)
    openapi_document = build_openapi()
    app.add_url_rule("/api/openapi.json", "openapi", lambda: jsonify(openapi_document))
    app.add_url_rule("/healthz", "healthz", lambda: jsonify({"status": "ok"}))
    return app


def _refuse_unstorable_text():
    input_safety.check_request_text(request.path, request.args)
    if request.mimetype in input_safety.FORM_TYPES:  # the pages' posts (JSON bodies: json_body)
        input_safety.check_fields(request.form)


def _auditors_only_read():
    # Auditors read every case and change none: every write route refuses them, whatever it is.
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in SESSION_ENDPOINTS:
        return None
    try:
        actor = current_actor(required=False)
    except Exception:  # noqa: BLE001 - a bad token is answered by the route's own check
        return None
    if actor is None:
        g.pop("actor", None)  # let the route ask again, and refuse the request as it does
        return None
    access.require_may_write(actor)
    return None


def _sliding_session():
    if session.get("username"):  # every request of a signed-in browser renews the 8-hour idle limit
        session.permanent = True
        session.modified = True


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure or current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith("/api/"):
        response.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
    return response
