"""The Permissions API: what the caller may do at a scope, one entry per role it holds.

    GET {scope}/providers/Microsoft.Authorization/permissions

The spec names two scopes, a resource group (`/subscriptions/{s}/resourcegroups/{rg}`)
and a resource under one; the subscription, and any other scope, are answered the same.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from cspadmin.api.arm.common import ArmPrincipal, State, api_version, page
from cspadmin.api.arm.role_definitions import permission_json
from cspadmin.services.role_assignment_queries import held_permissions

router = APIRouter()
VERSIONS = ("2015-07-01", "2018-01-01-preview", "2022-04-01", "2022-05-01-preview")
Version = Annotated[str, Depends(api_version(*VERSIONS))]


@router.get("/{scope:path}/providers/Microsoft.Authorization/permissions")
def list_permissions(scope: str, state: State, principal: ArmPrincipal, _: Version) -> Any:
    held = held_permissions(state.plane, principal.caller, "/" + scope, client=principal.name)
    return page([permission_json(p) for p in held])
