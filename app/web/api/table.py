"""The API's blueprint and its route table: each route is registered once here, with what OpenAPI needs to
describe it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint
from marshmallow import Schema

api = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str  # Flask syntax, e.g. /cases/<int:case_id>
    summary: str
    endpoint: str
    body: type[Schema] | None = None
    body_kind: str = "json"  # json | xml-or-multipart | multipart | none
    ok: int = 200
    also_ok: tuple[int, ...] = ()
    errors: tuple[int, ...] = (401, 403, 404)
    response: str | None = None  # name of the response schema
    many: bool = False
    query: tuple[tuple[str, str], ...] = field(default_factory=tuple)


ROUTES: list[RouteInfo] = []


def route(method: str, path: str, summary: str, **info) -> Callable:
    """Register the decorated view as the API's `method path`, and describe it for OpenAPI."""
    def register(view: Callable) -> Callable:
        ROUTES.append(RouteInfo(method=method, path=path, summary=summary, endpoint=view.__name__, **info))
        api.add_url_rule(path, view.__name__, view, methods=[method])
        return view
    return register
