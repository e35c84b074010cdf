"""Signing in to and out of a page that a link opens; the same for every such page.

A page behind sign-in is an `Entry`: its path (its sign-in form posts to `{path}/sign-in`,
its sign-out to `{path}/sign-out`, and both lead back to it) and the words its sign-in
form says. A user signs in to their home tenant by the token service's own rules
(`services/tokens.py`); a refused sign-in shows the token service's message and starts
no session. The session (`session`) is one for all pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cspadmin.api.activity import note_caller
from cspadmin.api.state import state_of
from cspadmin.services.tokens import SignInError, sign_in_user
from cspadmin.web import session as sessions
from cspadmin.web.forms import read_form
from cspadmin.web.render import HEADERS, page


@dataclass(frozen=True, slots=True)
class Entry:
    """A page behind sign-in, and how its sign-in form and links speak of it."""

    path: str
    heading: str
    """The sign-in form's heading."""
    intro: str
    """What signing in shows, and who can act on it."""
    back: str
    """The text of a link back to the page, from a page that only says why."""


async def sign_in(request: Request, entry: Entry) -> Response:
    """Sign in with the posted user name and password, then back to the page (303)."""
    form = await read_form(request)
    username = form.get("username", "").strip()
    state = state_of(request)
    plane = state.plane
    try:
        identity = await run_in_threadpool(
            sign_in_user, plane.database, plane.engine, None, username, form.get("password", "")
        )
    except SignInError as error:
        return sign_in_page(entry, username=username, error=error.message, status=error.status)
    note_caller(request, identity.object_id, identity.name, identity.tenant.id)
    response = RedirectResponse(entry.path, status_code=303, headers=HEADERS)
    sessions.start(response, state, identity)
    return response


async def sign_out(request: Request, entry: Entry) -> Response:
    """End the session (a signed-in post must echo its CSRF token), then back to the page."""
    form = await read_form(request)
    if sessions.current(request) is not None:
        sessions.verified(request, form)
    response = RedirectResponse(entry.path, status_code=303, headers=HEADERS)
    sessions.end(response)
    return response


def sign_in_page(
    entry: Entry, *, username: str = "", error: str | None = None, status: int = 200
) -> Response:
    return page(
        "sign_in.html",
        status,
        path=entry.path,
        heading=entry.heading,
        intro=entry.intro,
        username=username,
        error=error,
        session=None,
    )
