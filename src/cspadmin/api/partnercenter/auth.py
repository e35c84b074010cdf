"""Who calls Partner Center: a bearer token, checked as ARM and Graph check theirs.

Audiences accepted: Partner Center's own resource id, `https://api.partnercenter.microsoft.com`
(what the SDK and `New-PartnerAccessToken` ask for), and this server's ARM audience, which
is what `az account get-access-token` hands out today. What the caller may do is decided
by `services.partner_center` from the token's tenant and object id, on every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cspadmin.api.activity import note_caller
from cspadmin.api.auth import Principal
from cspadmin.api.errors import WireError
from cspadmin.api.jwt_issuer import InvalidToken
from cspadmin.api.state import state_of
from cspadmin.authz.decision import Caller

PARTNER_CENTER_RESOURCE = "https://api.partnercenter.microsoft.com"


def partner_center_principal(request: Request) -> Principal:
    state = state_of(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise WireError(401, "800001", "The partner token is missing from the request.")
    arm = state.endpoints.arm
    audiences = (PARTNER_CENTER_RESOURCE, PARTNER_CENTER_RESOURCE + "/", arm, arm.rstrip("/"))
    try:
        claims = state.issuer.decode_access(token.strip(), audiences)
    except InvalidToken as error:
        raise WireError(401, "InvalidAuthenticationToken", str(error)) from None
    oid, tid = str(claims.get("oid", "")), str(claims.get("tid", ""))
    home = state.plane.engine.home_tenant(oid) or tid
    name = str(claims.get("unique_name") or claims.get("upn") or claims.get("appid") or oid)
    principal = Principal(Caller(oid, tid, home), name, claims.get("idtyp") == "user")
    note_caller(request, oid, name, tid)
    return principal


PartnerCenterPrincipal = Annotated[Principal, Depends(partner_center_principal)]
