"""Generic resources of any provider and type, nested child types included.

    PUT|GET|PATCH|DELETE|HEAD
        /subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{type}/{name}…]
    GET /subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}[/{name}/{type}…]
        the resources of one type under their parent (what the SDKs' list_by_… call)

The api-version must be one the provider lists for the type (400 NoRegisteredProviderFound
otherwise; see `providers`). The action checked is the type's: `{ns}/{type}/write`,
`/read`, `/delete` (`Microsoft.Storage/storageAccounts/blobServices/read`). A resource needs
its group (404 ResourceGroupNotFound) and a child its parent (404 ParentResourceNotFound);
a delete takes the children and the role assignments beneath with it, and answers 200, or
204 when there was nothing to delete. Every resource answers `provisioningState:
Succeeded`: nothing here is asynchronous.

The lists of resources across a subscription or group, with their `$filter` and
`$expand`, are `resource_lists`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from cspadmin.api.activity import note_operation
from cspadmin.api.arm.common import ArmPrincipal, State, page
from cspadmin.api.arm.providers import (
    authorize_at,
    check_resource_request,
    subscription_scope,
)
from cspadmin.api.errors import WireError
from cspadmin.api.state import AppState
from cspadmin.domain.scope import Scope, ScopeKind, parse_scope
from cspadmin.errors import (
    InvalidScope,
    MissingApiVersionParameter,
    ResourceGroupNotFound,
    ResourceNotFound,
)
from cspadmin.services import resources as service
from cspadmin.store.estate import ResourceRecord

router = APIRouter()
RESOURCE = "/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{path:path}"
_ROUTED_ELSEWHERE = {
    "microsoft.authorization/roleassignments",
    "microsoft.authorization/roledefinitions",
    "microsoft.authorization/denyassignments",
    "microsoft.authorization/permissions",
}


class ResourceBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    location: str | None = None
    tags: dict[str, str] | None = None
    properties: dict[str, Any] | None = None
    kind: str | None = None
    sku: dict[str, Any] | None = None


# -- wire shapes -------------------------------------------------------------------------


def display_name(scope: Scope) -> str:
    """What ARM's lists call a nested resource: its names joined, `vnet/subnet`."""
    below = scope.id.split("/providers/")[-1].split("/")
    return "/".join(below[2::2])


def resource_json(
    record: ResourceRecord, *, listed: bool = False, expand: Collection[str] = ()
) -> dict[str, Any]:
    """A provider's GET body, or (`listed`) the item of an ARM resource list."""
    resource = record.resource
    scope = parse_scope(resource.id)
    body: dict[str, Any] = {
        "id": resource.id,
        "name": display_name(scope) if listed else resource.id.rsplit("/", 1)[-1],
        "type": resource.type,
        "location": resource.location,
    }
    if record.kind:
        body["kind"] = record.kind
    if record.sku:
        body["sku"] = record.sku
    if resource.tags:
        body["tags"] = dict(resource.tags)
    if not listed:
        body["properties"] = {**resource.properties, "provisioningState": "Succeeded"}
        return body
    if "createdtime" in expand and record.created_at:
        body["createdTime"] = _timestamp(record.created_at)
    if "changedtime" in expand and (record.changed_at or record.created_at):
        body["changedTime"] = _timestamp(record.changed_at or record.created_at)
    if "provisioningstate" in expand:
        body["provisioningState"] = "Succeeded"
    return body


def _timestamp(at: datetime | None) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at else None


# -- one resource ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """What a generic path names: a resource, or (`collection`) the resources of
    `resource_type` directly under `scope`."""

    scope: Scope
    resource_type: str
    collection: bool


def _target(subscription_id: str, group: str, path: str) -> Target:
    service.check_group_name(group)
    base = f"{subscription_scope(subscription_id)}/resourceGroups/{group}/providers/"
    segments = [s for s in path.split("/") if s]
    try:
        scope = parse_scope(base + "/".join(segments))
        return Target(scope, scope.resource_type or "", False)
    except InvalidScope:
        if len(segments) < 2:
            raise
    parent_segments, last = segments[:-1], segments[-1]
    if len(parent_segments) >= 2 and parent_segments[-2].lower() == "providers":
        parent = parse_scope(base + "/".join(parent_segments[:-2]))
        return Target(parent, f"{parent_segments[-1]}/{last}", True)
    if len(parent_segments) == 1:
        parent = parse_scope(base[: -len("/providers/")])
        return Target(parent, f"{parent_segments[0]}/{last}", True)
    parent = parse_scope(base + "/".join(parent_segments))
    return Target(parent, f"{parent.resource_type}/{last}", True)


def _checked(
    state: AppState,
    subscription_id: str,
    group: str,
    path: str,
    version: str | None,
    *,
    location: str | None = None,
    note: tuple[Request, str] | None = None,
) -> tuple[Target, str]:
    """The target and its type in the catalogue's casing, once the api-version fits.
    `note` (request, verb) names the write for the activity log as soon as it is known."""
    target = _target(subscription_id, group, path)
    if note is not None:
        note_operation(note[0], f"{target.resource_type}/{note[1]}", target.scope.id)
    if not version:
        raise MissingApiVersionParameter()
    if target.resource_type.lower() in _ROUTED_ELSEWHERE:
        raise WireError(405, "MethodNotAllowed", "The requested method is not supported here.")
    entry = check_resource_request(state, target.resource_type, version, location)
    if note is not None:
        note_operation(note[0], f"{entry.full_type}/{note[1]}", target.scope.id)
    return target, entry.full_type


ApiVersion = Annotated[str | None, Query(alias="api-version")]


@router.put(RESOURCE)
def put_resource(
    subscription_id: str,
    group: str,
    path: str,
    request: Request,
    state: State,
    principal: ArmPrincipal,
    version: ApiVersion = None,
    body: ResourceBody | None = None,
) -> JSONResponse:
    spec = body or ResourceBody()
    target, full_type = _checked(
        state,
        subscription_id,
        group,
        path,
        version,
        location=spec.location,
        note=(request, "write"),
    )
    _only_resources(target)
    authorize_at(state, principal, f"{full_type}/write", target.scope.id)
    record, created = service.put_resource_at(
        state.plane,
        target.scope,
        full_type,
        service.ResourceSpec(
            spec.location,
            {k: v for k, v in (spec.properties or {}).items() if k != "provisioningState"},
            dict(spec.tags or {}),
            spec.kind,
            spec.sku,
        ),
    )
    return JSONResponse(resource_json(record), status_code=201 if created else 200)


@router.patch(RESOURCE)
def patch_resource(
    subscription_id: str,
    group: str,
    path: str,
    request: Request,
    state: State,
    principal: ArmPrincipal,
    version: ApiVersion = None,
    body: ResourceBody | None = None,
) -> dict[str, Any]:
    spec = body or ResourceBody()
    note = (request, "write")
    target, full_type = _checked(state, subscription_id, group, path, version, note=note)
    _only_resources(target)
    authorize_at(state, principal, f"{full_type}/write", target.scope.id)
    properties = {k: v for k, v in (spec.properties or {}).items() if k != "provisioningState"}
    record = service.update_resource(
        state.plane,
        target.scope,
        properties=properties,
        tags=spec.tags,
        kind=spec.kind,
        sku=spec.sku,
    )
    return resource_json(record)


@router.get(RESOURCE)
def get_resource(
    subscription_id: str,
    group: str,
    path: str,
    state: State,
    principal: ArmPrincipal,
    version: ApiVersion = None,
) -> dict[str, Any]:
    target, full_type = _checked(state, subscription_id, group, path, version)
    authorize_at(state, principal, f"{full_type}/read", target.scope.id)
    if not target.collection:
        return resource_json(service.find_resource(state.plane, target.scope))
    records = service.resources_in(state.plane, subscription_id, group)
    if target.scope.kind is ScopeKind.RESOURCE:
        service.find_resource(state.plane, target.scope)
    found = [
        r
        for r in records
        if r.resource.type.lower() == full_type.lower()
        and parse_scope(r.resource.id).parent == target.scope
    ]
    return page([resource_json(r) for r in found])


@router.head(RESOURCE)
def resource_exists(
    subscription_id: str,
    group: str,
    path: str,
    state: State,
    principal: ArmPrincipal,
    version: ApiVersion = None,
) -> Response:
    target, full_type = _checked(state, subscription_id, group, path, version)
    _only_resources(target)
    authorize_at(state, principal, f"{full_type}/read", target.scope.id)
    try:
        service.find_resource(state.plane, target.scope)
    except (ResourceNotFound, ResourceGroupNotFound):
        return Response(status_code=404)
    return Response(status_code=204)


@router.delete(
    RESOURCE,
    response_class=Response,
    responses={200: {"description": "Deleted"}, 204: {"description": "No such resource"}},
)
def delete_resource(
    subscription_id: str,
    group: str,
    path: str,
    request: Request,
    state: State,
    principal: ArmPrincipal,
    version: ApiVersion = None,
) -> Response:
    note = (request, "delete")
    target, full_type = _checked(state, subscription_id, group, path, version, note=note)
    _only_resources(target)
    authorize_at(state, principal, f"{full_type}/delete", target.scope.id)
    removed = service.delete_resource_at(state.plane, target.scope)
    return Response(status_code=200 if removed else 204)


def _only_resources(target: Target) -> None:
    if target.collection:
        raise WireError(405, "MethodNotAllowed", "A collection of resources can only be read.")
