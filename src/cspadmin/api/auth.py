"""Who is calling: the bearer token of every ARM and Graph request, checked.

Signature, issuer, audience and expiry are verified on every call; ARM accepts only ARM
tokens and Graph only Graph tokens. What the token may do is not decided here but by the
engine, from the token's tenant and object id, on every request, so a revoked grant or
relationship is in force at once even for tokens already issued.

A partner's token for a customer tenant is also held, on every request, to the rule that
issued it (`tokens.delegated_into`): once the partner's DAP is gone, or the GDAP access
assignment that let the principal in is deleted or its relationship terminated or expired,
the token is refused with 401, as a sign-in would be, from the very next request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cspadmin.api.activity import correlation_id, note_caller
from cspadmin.api.errors import WireError
from cspadmin.api.jwt_issuer import InvalidToken
from cspadmin.api.state import AppState, state_of
from cspadmin.authz.decision import Caller
from cspadmin.services.csp_subscriptions import Initiator
from cspadmin.services.tokens import delegated_into


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    caller: Caller
    name: str
    """UPN for users, app id for service principals: what Azure's messages show."""
    is_user: bool


def initiator(
    request: Request, principal: Principal, correlation_headers: Sequence[str]
) -> Initiator:
    """The caller as the activity log names it, with the correlation id the client sent
    in its surface's header (`api.activity.ARM_CORRELATION`, `PARTNER_CENTER_CORRELATION`),
    for the events a service records on the caller's behalf."""
    correlation = correlation_id(request.headers, correlation_headers)
    return Initiator(principal.caller, principal.name, correlation)


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise WireError(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing or not a Bearer token.",
        )
    return token.strip()


def principal_of(state: AppState, token: str, audiences: tuple[str, ...], code: str) -> Principal:
    """The caller a token names, once signature, issuer, audience, expiry and (for a
    partner in a customer tenant) its delegated access still hold."""
    try:
        claims = state.issuer.decode_access(token, audiences)
    except InvalidToken as error:
        raise WireError(401, code, str(error)) from None
    oid, tid = str(claims.get("oid", "")), str(claims.get("tid", ""))
    home = state.plane.engine.home_tenant(oid) or tid
    is_user = claims.get("idtyp") == "user"
    name = str(claims.get("unique_name") or claims.get("upn") or claims.get("appid") or oid)
    if home != tid and not delegated_into(state.plane.engine, oid, home, tid):
        raise WireError(
            401,
            code,
            f"The token is no longer valid in tenant '{tid}': the partner's delegated access "
            "there (DAP, or a GDAP access assignment of an active relationship) no longer "
            "covers this principal. Sign in again.",
        )
    return Principal(Caller(oid, tid, home), name, is_user)


def _authenticated(request: Request, audience: str) -> Principal:
    state = state_of(request)
    audiences = (audience, audience.rstrip("/"))
    principal = principal_of(state, _bearer(request), audiences, "InvalidAuthenticationToken")
    note_caller(request, principal.caller.object_id, principal.name, principal.caller.tenant_id)
    return principal


def arm_principal(request: Request) -> Principal:
    return _authenticated(request, state_of(request).endpoints.arm)


def graph_principal(request: Request) -> Principal:
    return _authenticated(request, state_of(request).endpoints.graph)


ArmPrincipal = Annotated[Principal, Depends(arm_principal)]
GraphPrincipal = Annotated[Principal, Depends(graph_principal)]
