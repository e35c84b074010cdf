"""Who calls Partner Center: a bearer token, checked as ARM and Graph check theirs.

The one audience accepted is Partner Center's own resource id,
`https://api.partnercenter.microsoft.com` (what the SDK, `New-PartnerAccessToken` and
`az rest --resource` ask for); an ARM or Graph token is refused, as Partner Center refuses
them. What the caller may do is decided by `services.partner_center` from the token's
tenant and object id, on every request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cspadmin.api.activity import note_caller
from cspadmin.api.auth import Principal, principal_of
from cspadmin.api.errors import WireError
from cspadmin.api.state import state_of


def partner_center_principal(request: Request) -> Principal:
    state = state_of(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise WireError(401, "800001", "The partner token is missing from the request.")
    resource = state.endpoints.partner_center
    principal = principal_of(
        state, token.strip(), (resource, resource + "/"), "InvalidAuthenticationToken"
    )
    caller = principal.caller
    note_caller(request, caller.object_id, principal.name, caller.tenant_id)
    return principal


PartnerCenterPrincipal = Annotated[Principal, Depends(partner_center_principal)]
