"""The OpenAPI document `/openapi.json` serves, as precise as the routes allow.

FastAPI documents each route's success and a 422 this server never sends (validation errors
are 400s, see `errors`). Here every operation also documents its surface's error envelope
for any 4XX, and ARM and Graph operations their bearer token, so a client generator or a
fuzzer (tests/api/test_schemathesis.py) knows what a refusal looks like:

    ARM    {"error": {"code", "message"}}
    Graph  {"error": {"code", "message", "innerError": {"date", "request-id", …}}}
    OAuth  {"error", "error_description", "error_codes", "timestamp", "trace_id", …}
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArmErrorDetail(_Strict):
    code: str
    message: str


class ArmError(_Strict):
    error: ArmErrorDetail


class GraphInnerError(BaseModel):
    date: str
    request_id: str = Field(alias="request-id")
    client_request_id: str = Field(alias="client-request-id")


class GraphErrorDetail(_Strict):
    code: str
    message: str
    innerError: GraphInnerError


class GraphError(_Strict):
    error: GraphErrorDetail


class OAuthError(BaseModel):
    error: str
    error_description: str
    error_codes: list[int]
    timestamp: str
    trace_id: str
    correlation_id: str


_ENVELOPES: tuple[type[BaseModel], ...] = (ArmError, GraphError, OAuthError)
BEARER = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def install(app: FastAPI) -> None:
    """Serve the document below from `app.openapi()` and `/openapi.json`."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    schemas: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for model in _ENVELOPES:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    doc["components"]["securitySchemes"] = {"bearer": BEARER}
    for path, operations in doc.get("paths", {}).items():
        envelope = envelope_of(path)
        for method, operation in operations.items():
            _describe(operation, envelope, has_body=method != "head")
    return doc


def envelope_of(path: str) -> type[BaseModel] | None:
    """The error envelope of a documented path; None for the token service's discovery
    documents (OpenID configuration, keys, realm, cloud metadata), which refuse nothing."""
    if "/oauth2/" in path:
        return OAuthError
    if path.startswith("/v1.0/"):
        return GraphError
    if path.startswith(("/subscriptions", "/providers", "/tenants", "/{scope}")):
        return ArmError
    return None


def _describe(
    operation: dict[str, Any], envelope: type[BaseModel] | None, *, has_body: bool
) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    if not has_body:  # HEAD: the status is the answer
        for response in responses.values():
            response.pop("content", None)
    if envelope is None:
        return
    refused: dict[str, Any] = {"description": "Refused, in the surface's error envelope"}
    if has_body:
        ref = {"$ref": f"#/components/schemas/{envelope.__name__}"}
        refused["content"] = {"application/json": {"schema": ref}}
    responses["4XX"] = refused
    if envelope is not OAuthError:
        operation["security"] = [{"bearer": []}]
