"""Templates, the stylesheet, and the headers every page carries.

Templates are package data (`templates/`), rendered with autoescaping on and undefined
names as errors. The URL of an invitation page holds its secret token, so every page is
`no-store` and sends a Referer only to this server (`same-origin`: with `no-referrer`
browsers send `Origin: null` on form posts, which `forms` refuses); the policy allows only
this server's stylesheet and forms, and no scripts at all.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse, Response

STYLESHEET_PATH = "/web/invitation.css"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}

_TEMPLATES = Environment(
    loader=PackageLoader("cspadmin.web", "templates"),
    autoescape=select_autoescape(("html",), default_for_string=True, default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_STYLESHEET = files("cspadmin.web").joinpath("static", "invitation.css").read_bytes()


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _TEMPLATES.get_template(template).render(stylesheet=STYLESHEET_PATH, **context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def stylesheet() -> Response:
    return Response(
        _STYLESHEET,
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
