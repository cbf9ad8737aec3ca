"""Every refusal as docs/api.md's error body: {"error": {"code", "message", "fields"?, "details"?}}."""
from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from app.services.kernel.errors import InvalidDiagramError, ServiceError


def error_body(code: str, message: str, **extra) -> dict:
    body = {"code": code, "message": message}
    body.update({k: v for k, v in extra.items() if v})
    return {"error": body}


def service_error_response(exc: ServiceError):
    extra = {}
    if exc.fields:
        extra["fields"] = exc.fields
    if isinstance(exc, InvalidDiagramError):
        extra["details"] = exc.details
    if exc.extra.get("element_id"):
        extra["element_id"] = exc.extra["element_id"]
    return jsonify(error_body(exc.code, exc.message, **extra)), exc.status


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        if wants_json():
            return service_error_response(exc)
        from .pages.errors import render_error  # pages render their own Thai error page
        return render_error(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        if wants_json():
            return jsonify(error_body(code, exc.description or exc.name)), exc.code
        from .pages.errors import render_error
        return render_error(exc.code or 500, exc.description or exc.name)
