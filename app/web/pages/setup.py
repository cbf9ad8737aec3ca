"""What the pages add to the application: CSRF on every form, Thai and English catalogs, Thai dates
as template filters, the navigation's counts, a strict Content-Security-Policy, and bpmn-js files
served from node_modules."""
from __future__ import annotations

import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect

from app.services.cases import inbox
from app.services.kernel import access
from app.services.kernel.errors import Invalid, ServiceError
from app.services.letters import registers

from ..api import api
from ..auth import current_actor, services
from ..errors import service_error_response, wants_json
from . import display, pdf, vendor
from .errors import render_error
from .language import locale

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"

csrf = CSRFProtect()
babel = Babel()

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def compile_catalogs(source: Path = TRANSLATIONS) -> Path:
    """Compile each .po into its .mo when the .mo is missing or older; beside it, or in a temporary
    folder when the package is installed read-only. Returns the folder Flask-Babel should read."""
    target = source
    for po in source.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        try:
            _compile(po, mo)
        except OSError:
            target = Path(tempfile.mkdtemp(prefix="planflow-i18n-"))
            for each in source.glob("*/LC_MESSAGES/*.po"):
                out = target / each.relative_to(source).with_suffix(".mo")
                out.parent.mkdir(parents=True, exist_ok=True)
                _compile(each, out)
            break
    return target


def _compile(po: Path, mo: Path) -> None:
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=po.parent.parent.name)
    tmp = mo.with_suffix(".mo.tmp")
    with tmp.open("wb") as handle:
        write_mo(handle, catalog)
    tmp.replace(mo)


def init_pages(app: Flask) -> None:
    """Give the application what the pages need: CSRF, the catalogs, the filters, the headers."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "th")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compile_catalogs())
    csrf.init_app(app)
    csrf.exempt(api)  # bearer-token JSON only: no form posts, and the session cookie is SameSite
    babel.init_app(app, locale_selector=locale)
    display.register(app)

    def read_only() -> bool:
        """Whether the signed-in person only reads (auditors): the pages then offer no action."""
        try:
            actor = current_actor(required=False)
        except ServiceError:
            return False
        return actor is not None and access.is_read_only(actor)

    app.jinja_env.globals["read_only"] = read_only
    vendor.register(app)
    pdf.register(app)

    @app.context_processor
    def _navigation():
        actor = None
        if request.endpoint and not request.path.startswith("/api/"):
            try:
                actor = current_actor(required=False)
            except ServiceError:  # a bad token on a page: show it as signed out
                actor = None
        counts = inbox.counts(services(), actor) if actor is not None else None
        return {"actor": actor, "nav_counts": counts, "lang": locale(),
                "may_read_registers": registers.may_read(actor)}

    @app.errorhandler(Invalid)
    def _invalid(exc: Invalid):
        if wants_json():
            return service_error_response(exc)
        return render_error(exc.status, exc.message, exc.fields)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return render_error(400, "csrf")

    @app.after_request
    def _headers(response):
        if not request.path.startswith("/api/"):
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            if response.mimetype == "text/html":
                response.headers.setdefault("Cache-Control", "no-store")
        return response
