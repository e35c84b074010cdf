"""Role assignments (Microsoft.Authorization/roleAssignments, api-version 2022-04-01).

    GET    {scope}/providers/Microsoft.Authorization/roleAssignments?$filter=
    PUT    {scope}/providers/Microsoft.Authorization/roleAssignments/{name}   201, or 200
    GET    {scope}/providers/Microsoft.Authorization/roleAssignments/{name}
    DELETE {scope}/providers/Microsoft.Authorization/roleAssignments/{name}   200, or 204

`{scope}` is any scope, the root included (its own routes); `/{roleAssignmentId}` is the
same path. Every request is authorized at the assignment's id (the list at the scope),
as ARM does, so Azure's AuthorizationFailed names what was asked for.
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
from cspadmin.domain.scope import parse_scope
from cspadmin.services.role_assignment_queries import (
    AssignmentFilter,
    get_role_assignment,
    list_role_assignments,
)
from cspadmin.services.role_assignments import (
    AssignmentRequest,
    create_role_assignment,
    delete_role_assignment,
)
from cspadmin.services.role_definitions import role_definition_id
from cspadmin.store.assignments import StoredRoleAssignment

router = APIRouter()
VERSIONS = (
    "2015-07-01",
    "2018-01-01-preview",
    "2018-09-01-preview",
    "2020-04-01-preview",
    "2020-08-01-preview",
    "2020-10-01-preview",
    "2021-04-01-preview",
    "2022-01-01-preview",
    "2022-04-01",
)
Version = Annotated[str, Depends(api_version(*VERSIONS))]
Filter = Annotated[str | None, Query(alias="$filter")]
JsonBody = Annotated[Any, Body()]

READ = "Microsoft.Authorization/roleAssignments/read"
WRITE = "Microsoft.Authorization/roleAssignments/write"
DELETE = "Microsoft.Authorization/roleAssignments/delete"
_PATH = "/providers/Microsoft.Authorization/roleAssignments"


def _timestamp(value: Any) -> str | None:
    if value is None:
        return None
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond:06d}0Z"


def assignment_json(stored: StoredRoleAssignment) -> dict[str, Any]:
    a = stored.assignment
    scope = parse_scope(a.scope)
    return {
        "id": a.id,
        "name": a.name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": role_definition_id(a.role_definition_id, scope),
            "principalId": a.principal_id,
            "principalType": a.principal_type.value,
            "scope": a.scope,
            "condition": a.condition,
            "conditionVersion": "2.0" if a.condition else None,
            "createdOn": _timestamp(stored.created_on),
            "updatedOn": _timestamp(stored.updated_on or stored.created_on),
            "createdBy": stored.created_by,
            "updatedBy": stored.updated_by or stored.created_by,
            "delegatedManagedIdentityResourceId": None,
            "description": a.description,
        },
    }


def _scope_id(path: str | None) -> str:
    return "/" + path if path else "/"


def _assignment_id(scope_id: str, name: str) -> str:
    return ("" if scope_id == "/" else parse_scope(scope_id).id) + f"{_PATH}/{name}"


def assignment_request(body: Any) -> AssignmentRequest:
    """The `properties` of a PUT; InvalidRequestContent when they are not an assignment."""
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        raise invalid_content("the 'properties' object is required")
    for key in ("roleDefinitionId", "principalId"):
        if not isinstance(props.get(key), str) or not props[key]:
            raise invalid_content(f"'properties.{key}' is required and must be a string")
    for key in ("principalType", "condition", "conditionVersion", "description", "scope"):
        if props.get(key) is not None and not isinstance(props[key], str):
            raise invalid_content(f"'properties.{key}' must be a string")
    return AssignmentRequest(
        role_definition_id=props["roleDefinitionId"],
        principal_id=props["principalId"],
        principal_type=props.get("principalType"),
        condition=props.get("condition") or None,
        description=props.get("description"),
        scope=props.get("scope"),
    )


def _list(state: AppState, principal: Principal, scope_id: str, query: str | None) -> Any:
    authorize(state, principal, READ, scope_id)
    found = list_role_assignments(
        state.plane, principal.caller, scope_id, AssignmentFilter.parse(query)
    )
    return page([assignment_json(s) for s in found])


def _put(
    request: Request, state: AppState, principal: Principal, scope_id: str, name: str, body: Any
) -> JSONResponse:
    target = _assignment_id(scope_id, name)
    note_operation(request, WRITE, target)
    authorize(state, principal, WRITE, target)
    written = create_role_assignment(
        state.plane, principal.caller, scope_id, name, assignment_request(body)
    )
    status = 201 if written.created else 200
    return JSONResponse(assignment_json(written.stored), status_code=status)


def _get(state: AppState, principal: Principal, scope_id: str, name: str) -> Any:
    authorize(state, principal, READ, _assignment_id(scope_id, name))
    return assignment_json(get_role_assignment(state.plane, principal.caller, scope_id, name))


def _delete(
    request: Request, state: AppState, principal: Principal, scope_id: str, name: str
) -> Response:
    target = _assignment_id(scope_id, name)
    note_operation(request, DELETE, target)
    authorize(state, principal, DELETE, target)
    deleted = delete_role_assignment(state.plane, principal.caller, scope_id, name)
    if deleted is None:
        return Response(status_code=204)
    return JSONResponse(assignment_json(deleted))


@router.get(_PATH)
def list_at_root(state: State, principal: ArmPrincipal, _: Version, filter_: Filter = None) -> Any:
    return _list(state, principal, "/", filter_)


@router.get("/{scope:path}" + _PATH)
def list_at_scope(
    scope: str, state: State, principal: ArmPrincipal, _: Version, filter_: Filter = None
) -> Any:
    return _list(state, principal, _scope_id(scope), filter_)


@router.put(_PATH + "/{name}")
def put_at_root(
    name: str,
    request: Request,
    state: State,
    principal: ArmPrincipal,
    _: Version,
    body: JsonBody = None,
) -> JSONResponse:
    return _put(request, state, principal, "/", name, body)


@router.put("/{scope:path}" + _PATH + "/{name}")
def put_at_scope(
    scope: str,
    name: str,
    request: Request,
    state: State,
    principal: ArmPrincipal,
    _: Version,
    body: JsonBody = None,
) -> JSONResponse:
    return _put(request, state, principal, _scope_id(scope), name, body)


@router.get(_PATH + "/{name}")
def get_at_root(name: str, state: State, principal: ArmPrincipal, _: Version) -> Any:
    return _get(state, principal, "/", name)


@router.get("/{scope:path}" + _PATH + "/{name}")
def get_at_scope(scope: str, name: str, state: State, principal: ArmPrincipal, _: Version) -> Any:
    return _get(state, principal, _scope_id(scope), name)


@router.delete(_PATH + "/{name}")
def delete_at_root(
    name: str, request: Request, state: State, principal: ArmPrincipal, _: Version
) -> Response:
    return _delete(request, state, principal, "/", name)


@router.delete("/{scope:path}" + _PATH + "/{name}")
def delete_at_scope(
    scope: str, name: str, request: Request, state: State, principal: ArmPrincipal, _: Version
) -> Response:
    return _delete(request, state, principal, _scope_id(scope), name)
