"""Who is signed in to the pages: a signed, time-limited session cookie with a CSRF token.

The cookie is a JWT signed with the server's token-signing key (`server/keys.py`), so it
survives restarts and is checked by the token service's own decoder against the plane's
clock. Its audience is the pages' alone: it is no bearer token for ARM, Graph or Partner
Center, and no access or refresh token is a session. It carries the user, the tenant it
signed in to, and a random CSRF token that every form posting to the session must echo.

The cookie is HttpOnly, Secure and SameSite=Lax, and scoped to `/`: one sign-in serves
every page a link opens (an invitation, a GDAP approval), each under a path of its own.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt
from starlette.requests import Request
from starlette.responses import Response

from cspadmin.api.jwt_issuer import InvalidToken
from cspadmin.api.state import AppState, state_of
from cspadmin.authz.decision import Caller
from cspadmin.errors import CspadminError
from cspadmin.services.tokens import Identity

COOKIE = "cspadmin_session"
COOKIE_PATH = "/"
AUDIENCE = "urn:cspadmin:web-session"
LIFETIME = timedelta(hours=1)


class SignInRequired(CspadminError):
    code = "SignInRequired"
    status = 401

    def __init__(self) -> None:
        super().__init__("Your sign-in has ended. Sign in again to continue.")


class FormNotVerified(CspadminError):
    """A post without the CSRF token of the session it arrives with."""

    code = "FormNotVerified"
    status = 403

    def __init__(self) -> None:
        super().__init__(
            "This form could not be verified, so nothing was changed. "
            "Open the link again and retry."
        )


@dataclass(frozen=True, slots=True)
class Session:
    object_id: str
    tenant_id: str
    user_principal_name: str
    display_name: str
    csrf: str

    @property
    def caller(self) -> Caller:
        return Caller.native(self.object_id, self.tenant_id)


def start(response: Response, state: AppState, identity: Identity) -> Session:
    """A new session for `identity`, set on `response`."""
    now = state.issuer.clock()
    session = Session(
        identity.object_id,
        identity.tenant.id,
        identity.name,
        identity.display_name,
        secrets.token_urlsafe(32),
    )
    claims = {
        "aud": AUDIENCE,
        "iss": state.endpoints.authority,
        "iat": int(now.timestamp()),
        "exp": int((now + LIFETIME).timestamp()),
        "jti": str(uuid.uuid4()),
        "oid": session.object_id,
        "tid": session.tenant_id,
        "upn": session.user_principal_name,
        "name": session.display_name,
        "csrf": session.csrf,
    }
    key = state.issuer.key
    value = jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(LIFETIME.total_seconds()),
        path=COOKIE_PATH,
        secure=True,
        httponly=True,
        samesite="lax",
    )
    return session


def end(response: Response) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, secure=True, httponly=True, samesite="lax")


def current(request: Request) -> Session | None:
    """The session the request's cookie proves, or None (absent, forged or expired)."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    state = state_of(request)
    try:
        claims = state.issuer.decode(value, [AUDIENCE], issuer=state.endpoints.authority)
    except InvalidToken:
        return None
    fields = [claims.get(name) for name in ("oid", "tid", "upn", "name", "csrf")]
    if not all(isinstance(field, str) and field for field in fields):
        return None
    return Session(*(str(field) for field in fields))


def verified(request: Request, form: dict[str, str]) -> Session:
    """The request's session, once the form echoes its CSRF token."""
    session = current(request)
    if session is None:
        raise SignInRequired()
    if not secrets.compare_digest(form.get("csrf", "").encode(), session.csrf.encode()):
        raise FormNotVerified()
    return session
