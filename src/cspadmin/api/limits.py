"""Requests the API refuses before any route sees them, in one place.

    413  a body over its surface's limit: 4 MiB on ARM and Graph (ARM's own request limit),
         64 KiB on the token endpoint. Content-Length is checked first; a body without one
         (chunked) is counted as it arrives and refused as soon as it passes the limit.
    415  a PUT, PATCH or POST on ARM or Graph whose body is not JSON: `application/json` or
         any `+json` type, parameters such as `charset` allowed. An empty body needs no
         content type (POST …/register, DELETE); the token endpoint keeps its own rule
         (form-encoded, in `token`).
    400  a Content-Length that is not a number; a control character in the path; a NUL in
         the query, a JSON body (an escaped `\\u0000`) or a form body (`%00`). No Azure name
         or property holds one, and PostgreSQL can neither store nor look up a NUL.

Refusals are answered in their surface's envelope (`errors.render`, `errors.oauth_error`)
with the codes `errors` gives the same statuses. ARM: `RequestEntityTooLarge`,
`UnsupportedMediaType`, `InvalidContentLength`, `BadRequest`; Graph: `Request_BadRequest`
for all; OAuth: `invalid_request` with AADSTS9002313 ("Request is malformed or invalid").

The middleware sits inside `ActivityLog`, so a refused write is still recorded, and outside
the routes, so nothing refused reaches a handler or the store. A body it lets through has
been read here once, within the limit, and reaches the app as one message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cspadmin.api.errors import oauth_error, render, surface
from cspadmin.services.tokens import SignInError

MiB = 1024 * 1024
BODY_LIMIT = 4 * MiB
TOKEN_BODY_LIMIT = 64 * 1024
_JSON_BODIES = {"PUT", "PATCH", "POST"}
_DIGITS = re.compile(r"[0-9]+")
# A C0 control or DEL: refused in a path (the pages use it too, `web.app`).
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
# `\u0000` after an even number of backslashes: an escaped NUL, not the text `\u0000`.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class MalformedRequest(SignInError):
    code = "invalid_request"
    aadsts = 9002313


class RequestTooLarge(MalformedRequest):
    status = 413


@dataclass(frozen=True, slots=True)
class Refusal:
    """A 4xx answered by the middleware; `arm_code` on ARM, Request_BadRequest on Graph."""

    status: int
    arm_code: str
    message: str

    async def answer(self, scope: Scope, send: Send) -> None:
        kind = surface(scope["path"])
        if kind == "oauth":
            error = (RequestTooLarge if self.status == 413 else MalformedRequest)(self.message)
            response = oauth_error(error)
        else:
            code = "Request_BadRequest" if kind == "graph" else self.arm_code
            response = render(Request(scope), self.status, code, self.message)
        await response(scope, _disconnected, send)


def is_json(content_type: str) -> bool:
    """`application/json` or a `+json` structured type, with or without parameters."""
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def body_limit(path: str) -> int:
    return TOKEN_BODY_LIMIT if surface(path) == "oauth" else BODY_LIMIT


class RequestLimits:
    """Refuses what the module docstring lists; passes everything else on untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = body_limit(scope["path"])
        refusal = _url_refusal(scope) or _length_refusal(headers, limit)
        first: Message | None = None
        if refusal is None:
            first = await _read_body(receive, limit)
            refusal = _body_refusal(scope, headers, first, limit)
        if refusal is not None:
            await refusal.answer(scope, send)
            return
        assert first is not None
        await self.app(scope, _replay(first, receive), send)


def _url_refusal(scope: Scope) -> Refusal | None:
    query = scope["query_string"]
    if CONTROL_CHARACTER.search(scope["path"]) or b"\x00" in unquote_to_bytes(query):
        return Refusal(400, "BadRequest", "The request URL holds a control character.")
    return None


def _length_refusal(headers: Headers, limit: int) -> Refusal | None:
    declared = headers.get("content-length")
    if declared is None:
        return None
    digits = declared.strip()
    if not _DIGITS.fullmatch(digits):
        return Refusal(400, "InvalidContentLength", "The Content-Length header is not a length.")
    if len(digits) > 18 or int(digits) > limit:
        return _too_large(limit)
    return None


async def _read_body(receive: Receive, limit: int) -> Message | None:
    """The whole body as one message, or None once it passes `limit`. A client that
    disconnects mid-body has its disconnect replayed instead."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return message
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}


def _body_refusal(
    scope: Scope, headers: Headers, first: Message | None, limit: int
) -> Refusal | None:
    if first is None:
        return _too_large(limit)
    body: bytes = first.get("body", b"")
    if not body:
        return None
    content_type = headers.get("content-type", "")
    if surface(scope["path"]) == "oauth":
        if b"\x00" in unquote_to_bytes(body):
            return Refusal(400, "BadRequest", "The request body holds a NUL character.")
        return None
    json_body = is_json(content_type)
    if scope["method"] in _JSON_BODIES and not json_body:
        return Refusal(
            415,
            "UnsupportedMediaType",
            f"The content media type '{content_type}' is not supported. "
            "Only 'application/json' is supported.",
        )
    if json_body and _JSON_NUL.search(body):
        return Refusal(
            400, "InvalidRequestContent", "The request content was invalid: it holds a NUL."
        )
    return None


def _too_large(limit: int) -> Refusal:
    size = f"{limit // MiB} MiB" if limit >= MiB else f"{limit // 1024} KiB"
    return Refusal(
        413,
        "RequestEntityTooLarge",
        f"The request content is larger than the {size} this endpoint accepts.",
    )


def _replay(first: Message, receive: Receive) -> Receive:
    pending = [first]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}
