"""Reading the small form bodies the pages post, and refusing anything else.

The pages sit ahead of the API's JSON-only request limits (`api/limits.py`), so the same
care is taken here for forms: a body is empty or `application/x-www-form-urlencoded`, at most
`FORM_LIMIT` bytes (counted as it arrives), valid UTF-8 and free of NUL, which PostgreSQL
can neither store nor look up. A post whose `Origin` is another site is refused before
its body is read: browsers send `Origin` with every form post, so this stops cross-site
posts (sign-in included, where no session exists yet to carry a CSRF token).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from cspadmin.errors import CspadminError

FORM_LIMIT = 8 * 1024
_FORM = "application/x-www-form-urlencoded"


class FormRefused(CspadminError):
    """A post the pages do not accept; answered with `status` and nothing changes."""

    code = "InvalidForm"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def read_form(request: Request) -> dict[str, str]:
    """The posted fields (the first value of each), or FormRefused."""
    _check_origin(request)
    body = await _body(request)
    if not body:
        return {}
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != _FORM:
        raise FormRefused(415, "This page accepts only the forms it shows.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise FormRefused(400, "The form could not be read.") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            raise FormRefused(400, "The form holds a character that is not allowed.")
        fields.setdefault(name, value)
    return fields


def _check_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise FormRefused(403, "This form was posted from another site and was refused.")


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "").strip()
    if declared and (not (declared.isascii() and declared.isdigit()) or len(declared) > 18):
        raise FormRefused(400, "The Content-Length header is not a length.")
    if declared and int(declared) > FORM_LIMIT:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > FORM_LIMIT:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> FormRefused:
    return FormRefused(413, f"The form is larger than the {FORM_LIMIT // 1024} KiB accepted.")
