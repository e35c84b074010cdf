"""The pages as one ASGI app, and the middleware that routes to it from the API's app.

`WebPages` sits inside the API's `ActivityLog`, so every post a page makes is recorded
(with the link's token redacted), and outside its `RequestLimits`, which admit only JSON
bodies: the pages read their own small forms (`forms`). Errors on these paths are pages,
not JSON envelopes: a refusal (`CspadminError`) is rendered with its status and message
(a lapsed session as the page's sign-in form); anything unexpected is logged without the
path, which may hold a token, and answered 500. A path with a control character is
refused before routing (400), as the API's `RequestLimits` would: PostgreSQL can neither
store nor look up a NUL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cspadmin.api.limits import CONTROL_CHARACTER
from cspadmin.api.state import AppState
from cspadmin.errors import CspadminError
from cspadmin.web import gdap_approval, invitations, signing
from cspadmin.web import session as sessions
from cspadmin.web.forms import FormRefused
from cspadmin.web.render import STYLESHEET_PATH, page, stylesheet
from cspadmin.web.session import FormNotVerified, Session, SignInRequired
from cspadmin.web.signing import Entry

log = logging.getLogger("cspadmin.web")
_PREFIXES = ("/invitations/", "/web/", gdap_approval.PREFIX)
_ENTRIES: tuple[Callable[[Request], Entry | None], ...] = (
    invitations.entry_of,
    gdap_approval.entry_of,
)
_TITLES = {
    401: "Sign in",
    403: "Refused",
    404: "Not found",
    405: "Not allowed",
    500: "Something went wrong",
}


def serves(path: str) -> bool:
    """Whether `path` is one of the pages' (the API's are under other prefixes)."""
    return path == "/invitations" or path.startswith(_PREFIXES)


def create_pages(state: AppState) -> Starlette:
    routes = [
        *invitations.ROUTES,
        *gdap_approval.ROUTES,
        Route(STYLESHEET_PATH, lambda request: stylesheet(), methods=["GET"]),
    ]
    pages = Starlette(
        routes=routes,
        exception_handlers={
            CspadminError: _refusal,
            HTTPException: _http_error,
            500: _server_error,
        },
    )
    pages.state.cspadmin = state
    return pages


class WebPages:
    """Sends the pages' paths to the pages' app and everything else on to the API."""

    def __init__(self, app: ASGIApp, state: AppState) -> None:
        self.app = app
        self.pages = create_pages(state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not serves(scope["path"]):
            await self.app(scope, receive, send)
            return
        if CONTROL_CHARACTER.search(scope["path"]):
            unreadable = "This address holds a character that is not allowed."
            await _message(400, unreadable)(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.pages(scope, receive, tracked)
        except Exception:
            log.exception("unhandled error on a page (%s)", scope["method"])
            if not started:
                await _broken()(scope, receive, send)


async def _refusal(request: Request, error: Exception) -> Response:
    assert isinstance(error, CspadminError)
    entry = next((e for e in (of(request) for of in _ENTRIES) if e is not None), None)
    if entry is None:
        return _message(error.status, error.message)
    if isinstance(error, SignInRequired):
        return signing.sign_in_page(entry, error=error.message, status=error.status)
    back = isinstance(error, (FormRefused, FormNotVerified))  # the page itself is fine
    return _message(error.status, error.message, entry, sessions.current(request), back=back)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    message = "There is no such page here." if error.status_code == 404 else str(error.detail)
    return _message(error.status_code, message)


async def _server_error(request: Request, error: Exception) -> Response:
    return _broken()


def _broken() -> Response:
    return _message(500, "The server could not show this page; the error has been logged.")


def _message(
    status: int,
    message: str,
    entry: Entry | None = None,
    session: Session | None = None,
    *,
    back: bool = False,
) -> Response:
    """A page that only says why. With the `entry` it is about, it links back to that
    page if `back`, and offers a signed-in `session` to sign out (to sign in as someone
    else: a user of another organization, say)."""
    return page(
        "message.html",
        status,
        title=_TITLES.get(status, "Refused"),
        message=message,
        back=entry if back else None,
        session=session if entry is not None else None,
        path=None if entry is None else entry.path,
    )
