"""Rendering errors into the envelope of each wire surface, in one place.

    ARM         {"error": {"code", "message"}}
    Graph       {"error": {"code", "message", "innerError": {"date", "request-id", ...}}}
    OAuth       {"error", "error_description", "error_codes", "timestamp", "trace_id", ...}
    Partner Center  {"code": <number>, "description", "data": [...], "source": "PartnerFD"}

The surface is known from the path: `/v1.0/` is Graph, `/{tenant}/oauth2/` is OAuth,
`/v1/` is Partner Center, everything else is ARM. Partner Center's `code` is a number: an
error whose code is one (`"900150"`) keeps it; any other code becomes the number Partner
Center gives its status (`_PARTNER_CENTER_CODES`) and travels by name in `data`.

Nothing a client sends reaches a 500: unexpected exceptions are logged and answered as
ARM's InternalServerError (on Partner Center: code 800003).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cspadmin.api.activity import redacted_path
from cspadmin.errors import CspadminError
from cspadmin.services.tokens import SignInError

log = logging.getLogger("cspadmin.api")


class WireError(CspadminError):
    """An error that only exists on the wire (authentication, bad HTTP input)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


_PARTNER_CENTER_CODES = {400: 800002, 401: 400, 403: 2032, 404: 1000}


def surface(path: str) -> str:
    if path.startswith("/v1.0/") or path == "/v1.0":
        return "graph"
    if path.startswith("/v1/") or path == "/v1":
        return "partnercenter"
    if "/oauth2/" in path:
        return "oauth"
    return "arm"


def render(request: Request, status: int, code: str, message: str) -> JSONResponse:
    kind = surface(request.url.path)
    correlation = (
        request.headers.get("x-ms-client-request-id")
        or request.headers.get("client-request-id")
        or str(uuid.uuid4())
    )
    body: dict[str, Any]
    headers = {"x-ms-request-id": correlation, "x-ms-correlation-request-id": correlation}
    if kind == "partnercenter":
        return _partner_center(request, status, code, message)
    if kind == "graph":
        body = {
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": correlation,
                    "client-request-id": correlation,
                },
            }
        }
    else:
        body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def _partner_center(request: Request, status: int, code: str, message: str) -> JSONResponse:
    request_id = request.headers.get("ms-requestid") or str(uuid.uuid4())
    correlation = request.headers.get("ms-correlationid") or str(uuid.uuid4())
    if code.isdigit():
        number, data = int(code), []
    else:
        fallback = 800003 if status >= 500 else 800002
        number, data = _PARTNER_CENTER_CODES.get(status, fallback), [code]
    body = {"code": number, "description": message[:1024], "data": data, "source": "PartnerFD"}
    headers = {"MS-RequestId": request_id, "MS-CorrelationId": correlation}
    return JSONResponse(body, status_code=status, headers=headers)


def oauth_error(error: SignInError) -> JSONResponse:
    trace = str(uuid.uuid4())
    now = datetime.now(UTC)
    description = (
        f"{error.message} Trace ID: {trace} Correlation ID: {trace} "
        f"Timestamp: {now.strftime('%Y-%m-%d %H:%M:%SZ')}"
    )
    body = {
        "error": error.code,
        "error_description": description,
        "error_codes": [error.aadsts],
        "timestamp": now.strftime("%Y-%m-%d %H:%M:%SZ"),
        "trace_id": trace,
        "correlation_id": trace,
        "error_uri": "https://login.microsoftonline.com/error?code=" + str(error.aadsts),
    }
    return JSONResponse(body, status_code=error.status)


_HTTP_CODES = {
    404: ("NotFound", "Request_ResourceNotFound"),
    405: ("MethodNotAllowed", "Request_BadRequest"),
    413: ("RequestEntityTooLarge", "Request_BadRequest"),
    415: ("UnsupportedMediaType", "Request_BadRequest"),
}


def install(app: FastAPI) -> None:
    @app.exception_handler(SignInError)
    async def _sign_in(request: Request, error: SignInError) -> JSONResponse:
        return oauth_error(error)

    @app.exception_handler(CspadminError)
    async def _domain(request: Request, error: CspadminError) -> JSONResponse:
        return render(request, error.status, error.code, error.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"The request content was invalid: {where}: {first.get('msg', 'invalid')}."
        graph = surface(request.url.path) == "graph"
        return render(
            request, 400, "Request_BadRequest" if graph else "InvalidRequestContent", message
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        arm_code, graph_code = _HTTP_CODES.get(
            error.status_code, ("BadRequest", "Request_BadRequest")
        )
        graph = surface(request.url.path) == "graph"
        message = str(error.detail) if error.detail else "The request is not supported."
        return render(request, error.status_code, graph_code if graph else arm_code, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, redacted_path(request.url.path))
        return render(
            request,
            500,
            "InternalServerError",
            "The server encountered an internal error; it has been logged.",
        )
