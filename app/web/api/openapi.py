"""OpenAPI 3 description of the API, generated from the route table and the marshmallow schemas."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from . import schemas
from .table import ROUTES

_RESPONSE_SCHEMAS = {"Task": schemas.TaskOut, "Case": schemas.CaseOut, "Event": schemas.EventOut}


def _schema_name(schema) -> str:
    """TaskOut -> Task, so a nested schema and its explicit registration are one component."""
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Out")
_PARAM = re.compile(r"<(?:(int):)?(\w+)>")


def _openapi_path(path: str) -> tuple[str, list[dict]]:
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1} if kind == "int" else {"type": "string"}}
              for kind, name in _PARAM.findall(path)]
    return "/api/v1" + _PARAM.sub(lambda m: "{" + m.group(2) + "}", path), params


def build() -> dict:
    """The OpenAPI document of every route of the route table."""
    spec = APISpec(title="PlanFlow API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in _RESPONSE_SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    spec.components.schema("Error", schema=schemas.ErrorOut)
    paths: dict[str, dict] = {}
    for info in ROUTES:
        path, params = _openapi_path(info.path)
        operation: dict = {"summary": info.summary, "operationId": info.endpoint, "parameters": params + [
            {"name": name, "in": "query", "required": False, "schema": {"type": kind}} for name, kind in info.query
        ], "security": [{"bearer": []}], "responses": {}}
        if info.body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": info.body}}}
        elif info.body_kind == "xml-or-multipart":
            operation["requestBody"] = {"required": True, "content": {
                "application/xml": {"schema": {"type": "string"}},
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "file": {"type": "string", "format": "binary"}}}}}}
        elif info.body_kind == "multipart":
            file_field = {"file": {"type": "string", "format": "binary"}}
            operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": file_field}}}}
        ok_schema: dict = {"type": "object"}
        if info.response in _RESPONSE_SCHEMAS:
            ref = {"$ref": f"#/components/schemas/{info.response}"}
            ok_schema = {"type": "array", "items": ref} if info.many else ref
        elif info.many:
            ok_schema = {"type": "array", "items": {"type": "object"}}
        for status in (info.ok, *info.also_ok):
            operation["responses"][str(status)] = {"description": "OK",
                                                   "content": {"application/json": {"schema": ok_schema}}}
        for status in info.errors:
            operation["responses"][str(status)] = {"description": "Error", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        paths.setdefault(path, {})[info.method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
