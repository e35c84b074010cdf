"""Role definitions (Microsoft.Authorization/roleDefinitions).

    GET    {scope}/providers/Microsoft.Authorization/roleDefinitions?$filter=
    GET    {scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}
    PUT    {scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}   custom roles
    DELETE {scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}

`{scope}` is any scope, the root included (its own routes: `/{scope:path}/providers/…`
cannot match an empty scope); a full role id (`/subscriptions/{s}/providers/…/{guid}`,
`/providers/…/{guid}`) is the same path. Ids follow the scope: subscription-qualified
anywhere inside a subscription, tenant-level elsewhere.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from cspadmin.api.activity import note_operation
from cspadmin.api.arm.common import ArmPrincipal, State, api_version, authorize, page
from cspadmin.api.auth import Principal
from cspadmin.api.bodies import invalid_content
from cspadmin.api.state import AppState
from cspadmin.domain.roles import Permission, RoleDefinition
from cspadmin.domain.scope import ROOT, Scope, parse_scope
from cspadmin.services.role_definitions import (
    CustomRoleRequest,
    DefinitionFilter,
    custom_role_from,
    delete_custom_role,
    get_role,
    role_definition_id,
    save_custom_role,
    visible_roles,
)

router = APIRouter()
VERSIONS = ("2015-07-01", "2018-01-01-preview", "2022-04-01", "2022-05-01-preview")
Version = Annotated[str, Depends(api_version(*VERSIONS))]
Filter = Annotated[str | None, Query(alias="$filter")]
JsonBody = Annotated[Any, Body()]

READ = "Microsoft.Authorization/roleDefinitions/read"
WRITE = "Microsoft.Authorization/roleDefinitions/write"
DELETE = "Microsoft.Authorization/roleDefinitions/delete"
_PATH = "/providers/Microsoft.Authorization/roleDefinitions"


def permission_json(permission: Permission) -> dict[str, list[str]]:
    return {
        "actions": list(permission.actions),
        "notActions": list(permission.not_actions),
        "dataActions": list(permission.data_actions),
        "notDataActions": list(permission.not_data_actions),
    }


def definition_json(role: RoleDefinition, scope: Scope) -> dict[str, Any]:
    return {
        "id": role_definition_id(role.id, scope),
        "name": role.id,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": role.role_name,
            "type": role.role_type,
            "description": role.description,
            "assignableScopes": list(role.assignable_scopes),
            "permissions": [permission_json(p) for p in role.permissions],
            "createdOn": None,
            "updatedOn": None,
            "createdBy": None,
            "updatedBy": None,
        },
    }


def _scope(path: str) -> Scope:
    return parse_scope("/" + path)


def _resource_id(scope: Scope, guid: str) -> str:
    """The id the request addresses (what authorization and the activity log name)."""
    return ("" if scope == ROOT else scope.id) + f"{_PATH}/{guid}"


def _authorize_read(state: AppState, principal: Principal, scope: Scope, target: str) -> None:
    # Every signed-in principal may read the tenant-level definitions, as in Azure;
    # below the root, reading needs roleDefinitions/read like any other resource.
    if scope != ROOT:
        authorize(state, principal, READ, target)


def _list(state: AppState, principal: Principal, scope: Scope, query: str | None) -> Any:
    _authorize_read(state, principal, scope, scope.id)
    roles = visible_roles(
        state.plane, principal.caller.tenant_id, scope, DefinitionFilter.parse(query)
    )
    return page([definition_json(r, scope) for r in roles])


def _get(state: AppState, principal: Principal, scope: Scope, guid: str) -> Any:
    _authorize_read(state, principal, scope, _resource_id(scope, guid))
    return definition_json(get_role(state.plane, principal.caller.tenant_id, guid), scope)


@router.get(_PATH)
def list_at_root(state: State, principal: ArmPrincipal, _: Version, filter_: Filter = None) -> Any:
    return _list(state, principal, ROOT, filter_)


@router.get("/{scope:path}" + _PATH)
def list_at_scope(
    scope: str, state: State, principal: ArmPrincipal, _: Version, filter_: Filter = None
) -> Any:
    return _list(state, principal, _scope(scope), filter_)


@router.get(_PATH + "/{guid}")
def get_at_root(guid: str, state: State, principal: ArmPrincipal, _: Version) -> Any:
    return _get(state, principal, ROOT, guid)


@router.get("/{scope:path}" + _PATH + "/{guid}")
def get_at_scope(scope: str, guid: str, state: State, principal: ArmPrincipal, _: Version) -> Any:
    return _get(state, principal, _scope(scope), guid)


def custom_role_request(body: Any) -> CustomRoleRequest:
    """The `properties` of a PUT; InvalidRequestContent when they are not a role."""
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        raise invalid_content("the 'properties' object is required")
    name = props.get("roleName")
    scopes: list[str] = props.get("assignableScopes") or []
    permissions = props.get("permissions", [])
    if not isinstance(name, str):
        raise invalid_content("'properties.roleName' must be a string")
    if not scopes or not _strings(scopes):
        raise invalid_content("'properties.assignableScopes' must be a list of scope ids")
    if not isinstance(permissions, list) or not all(isinstance(p, dict) for p in permissions):
        raise invalid_content("'properties.permissions' must be a list of permission objects")
    return CustomRoleRequest(
        name,
        tuple(_permission(p) for p in permissions),
        tuple(scopes),
        str(props.get("description") or ""),
    )


def _permission(item: dict[str, Any]) -> Permission:
    lists = []
    for key in ("actions", "notActions", "dataActions", "notDataActions"):
        value = item.get(key) or []
        if not _strings(value):
            raise invalid_content(f"'{key}' must be a list of strings")
        lists.append(tuple(value))
    return Permission(*lists)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _put(
    request: Request, state: AppState, principal: Principal, scope: Scope, guid: str, body: Any
) -> JSONResponse:
    target = _resource_id(scope, guid)
    note_operation(request, WRITE, target)
    authorize(state, principal, WRITE, target)
    role = custom_role_from(guid, custom_role_request(body))
    for assignable in role.assignable_scopes:
        authorize(state, principal, WRITE, assignable)
    created = save_custom_role(state.plane, principal.caller.tenant_id, role)
    return JSONResponse(definition_json(role, scope), status_code=201 if created else 200)


def _delete(
    request: Request, state: AppState, principal: Principal, scope: Scope, guid: str
) -> Response:
    target = _resource_id(scope, guid)
    note_operation(request, DELETE, target)
    authorize(state, principal, DELETE, target)
    role = delete_custom_role(state.plane, principal.caller.tenant_id, guid)
    if role is None:
        return Response(status_code=204)
    return JSONResponse(definition_json(role, scope))


@router.put(_PATH + "/{guid}")
def put_at_root(
    guid: str,
    request: Request,
    state: State,
    principal: ArmPrincipal,
    _: Version,
    body: JsonBody = None,
) -> JSONResponse:
    return _put(request, state, principal, ROOT, guid, body)


@router.put("/{scope:path}" + _PATH + "/{guid}")
def put_at_scope(
    scope: str,
    guid: str,
    request: Request,
    state: State,
    principal: ArmPrincipal,
    _: Version,
    body: JsonBody = None,
) -> JSONResponse:
    return _put(request, state, principal, _scope(scope), guid, body)


@router.delete(_PATH + "/{guid}")
def delete_at_root(
    guid: str, request: Request, state: State, principal: ArmPrincipal, _: Version
) -> Response:
    return _delete(request, state, principal, ROOT, guid)


@router.delete("/{scope:path}" + _PATH + "/{guid}")
def delete_at_scope(
    scope: str, guid: str, request: Request, state: State, principal: ArmPrincipal, _: Version
) -> Response:
    return _delete(request, state, principal, _scope(scope), guid)
