"""Generic resources of any provider and type, nested child types included.

    PUT|GET|PATCH|DELETE|HEAD
        /subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{type}/{name}…]
    GET /subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}[/{name}/{type}…]
        the resources of one type under their parent (what the SDKs' list_by_… call)
    GET /subscriptions/{s}/resources                  $filter, $expand, $top
    GET /subscriptions/{s}/resourceGroups/{rg}/resources

The api-version must be one the provider lists for the type (400 NoRegisteredProviderFound
otherwise; see `providers`). The action checked is the type's: `{ns}/{type}/write`,
`/read`, `/delete` (`Microsoft.Storage/storageAccounts/blobServices/read`). A resource needs
its group (404 ResourceGroupNotFound) and a child its parent (404 ParentResourceNotFound);
a delete takes the children and the role assignments beneath with it, and answers 200, or
204 when there was nothing to delete. Every resource answers `provisioningState:
Succeeded`: nothing here is asynchronous.

Lists show what the caller may read: everything with the list action at the subscription
(group), else each resource the caller may read. `$filter` takes ARM's clauses joined by
`and`: `resourceGroup`, `resourceType`, `name`, `location` (`eq`), `tagName`/`tagValue`,
`substringof('text', name)`; `$expand` adds `createdTime`, `changedTime`,
`provisioningState`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from cspadmin.api.activity import note_operation
from cspadmin.api.arm.common import ArmPrincipal, State, page
from cspadmin.api.arm.providers import (
    Version,
    authorize_at,
    check_resource_request,
    subscription_scope,
)
from cspadmin.api.auth import Principal
from cspadmin.api.errors import WireError
from cspadmin.api.state import AppState
from cspadmin.domain.scope import Scope, ScopeKind, parse_scope
from cspadmin.errors import (
    BadRequest,
    InvalidScope,
    MissingApiVersionParameter,
    ResourceGroupNotFound,
    ResourceNotFound,
)
from cspadmin.services import resources as service
from cspadmin.store.estate import ResourceRecord

router = APIRouter()
RESOURCE = "/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{path:path}"
LIST_ALL = "Microsoft.Resources/subscriptions/resources/read"
LIST_GROUP = "Microsoft.Resources/subscriptions/resourceGroups/resources/read"
_ROUTED_ELSEWHERE = {
    "microsoft.authorization/roleassignments",
    "microsoft.authorization/roledefinitions",
    "microsoft.authorization/denyassignments",
    "microsoft.authorization/permissions",
}
_EXPANDABLE = {"createdtime", "changedtime", "provisioningstate"}


class InvalidFilter(BadRequest):
    code = "InvalidFilterInQueryString"


class ResourceBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    location: str | None = None
    tags: dict[str, str] | None = None
    properties: dict[str, Any] | None = None
    kind: str | None = None
    sku: dict[str, Any] | None = None


# -- $filter -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Clause:
    """One OData comparison: `field op value`; `substringof('v', f)` is op `substringof`."""

    field: str
    op: str
    value: str


_TOKEN = re.compile(r"\s*(?:'((?:[^']|'')*)'|([(),])|([^\s(),']+))")
_OPERATORS = {"eq", "ne", "gt", "ge", "lt", "le"}


def filter_clauses(
    text: str, fields: Collection[str], operators: Collection[str] = ("eq", "substringof")
) -> list[Clause]:
    """Parse `a eq 'x' and b ge 2024-01-01T00:00:00Z and substringof('y', c)`; every field
    must be one of `fields` (lower-case) and every operator one of `operators`. Values may
    be quoted or bare, as az sends them."""
    tokens = _tokens(text)
    clauses: list[Clause] = []
    while tokens:
        clauses.append(_clause(text, tokens))
        if tokens:
            kind, word = tokens.pop(0)
            if kind != "word" or word.lower() != "and":
                raise InvalidFilter(f"The $filter '{text}' is invalid: expected 'and'.")
    for clause in clauses:
        if clause.field.lower() not in fields or clause.op not in operators:
            raise InvalidFilter(
                f"The $filter '{text}' is invalid: '{clause.field} {clause.op}' is not supported."
            )
    return clauses


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None:
            raise InvalidFilter(f"The $filter '{text}' is invalid.")
        quoted, punct, word = match.groups()
        if quoted is not None:
            tokens.append(("text", quoted.replace("''", "'")))
        else:
            tokens.append(("punct", punct) if punct else ("word", word))
        position = match.end()
    return tokens


def _clause(text: str, tokens: list[tuple[str, str]]) -> Clause:
    invalid = InvalidFilter(f"The $filter '{text}' is invalid.")
    if len(tokens) >= 6 and tokens[0][1].lower() == "substringof" and tokens[1][1] == "(":
        needle, comma, subject, close = tokens[2], tokens[3], tokens[4], tokens[5]
        if needle[0] != "text" or comma[1] != "," or subject[0] != "word" or close[1] != ")":
            raise invalid
        del tokens[:6]
        return Clause(subject[1], "substringof", needle[1])
    if len(tokens) < 3 or tokens[0][0] != "word" or tokens[1][1].lower() not in _OPERATORS:
        raise invalid
    name, op, (kind, value) = tokens[0][1], tokens[1][1].lower(), tokens[2]
    if kind == "punct":
        raise invalid
    del tokens[:3]
    return Clause(name, op, value)


def _matches(record: ResourceRecord, clauses: Iterable[Clause]) -> bool:
    resource = record.resource
    scope = parse_scope(resource.id)
    tag_name = tag_value = None
    for c in clauses:
        key, value = c.field.lower(), c.value.lower()
        if key == "resourcegroup" and (scope.resource_group or "").lower() != value:
            return False
        if key == "resourcetype" and resource.type.lower() != value:
            return False
        if key == "location" and resource.location.lower() != value.replace(" ", ""):
            return False
        if key == "name" and c.op == "eq" and _display_name(scope).lower() != value:
            return False
        if key == "name" and c.op == "substringof" and value not in _display_name(scope).lower():
            return False
        if key == "tagname":
            tag_name = value
        if key == "tagvalue":
            tag_value = value
    if tag_name is None:
        return True
    return any(
        k.lower() == tag_name and (tag_value is None or v.lower() == tag_value)
        for k, v in resource.tags.items()
    )


# -- wire shapes -------------------------------------------------------------------------


def _display_name(scope: Scope) -> str:
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
        "name": _display_name(scope) if listed else resource.id.rsplit("/", 1)[-1],
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


@router.delete(RESOURCE)
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


# -- lists -------------------------------------------------------------------------------

Filter = Annotated[str | None, Query(alias="$filter")]
Expand = Annotated[str | None, Query(alias="$expand")]
Top = Annotated[int | None, Query(alias="$top", ge=1)]
_LIST_FIELDS = {"resourcegroup", "resourcetype", "name", "location", "tagname", "tagvalue"}


@router.get("/subscriptions/{subscription_id}/resources")
def list_subscription_resources(
    subscription_id: str,
    state: State,
    principal: ArmPrincipal,
    _: Version,
    filter_: Filter = None,
    expand: Expand = None,
    top: Top = None,
) -> dict[str, Any]:
    scope = subscription_scope(subscription_id)
    clauses = filter_clauses(filter_, _LIST_FIELDS) if filter_ else []
    records = service.resources_in(state.plane, subscription_id)
    visible = _readable(state, principal, LIST_ALL, scope, records)
    return _listing(visible, clauses, expand, top)


@router.get("/subscriptions/{subscription_id}/resourceGroups/{group}/resources")
def list_group_resources(
    subscription_id: str,
    group: str,
    state: State,
    principal: ArmPrincipal,
    _: Version,
    filter_: Filter = None,
    expand: Expand = None,
    top: Top = None,
) -> dict[str, Any]:
    service.check_group_name(group)
    scope = f"{subscription_scope(subscription_id)}/resourceGroups/{group}"
    clauses = filter_clauses(filter_, _LIST_FIELDS) if filter_ else []
    authorize_at(state, principal, "Microsoft.Resources/subscriptions/resourceGroups/read", scope)
    records = service.resources_in(state.plane, subscription_id, group)
    visible = _readable(state, principal, LIST_GROUP, scope, records)
    return _listing(visible, clauses, expand, top)


def _readable(
    state: AppState,
    principal: Principal,
    list_action: str,
    scope: str,
    records: list[ResourceRecord],
) -> list[ResourceRecord]:
    """All of them when the caller may list at `scope`; else those it may read, and a
    403 when that is none and the caller holds nothing at `scope` either."""
    engine, caller = state.plane.engine, principal.caller
    if engine.is_allowed(caller, list_action, scope):
        return records
    visible = [
        r for r in records if engine.is_allowed(caller, f"{r.resource.type}/read", r.resource.id)
    ]
    if not visible:
        authorize_at(state, principal, list_action, scope)
    return visible


def _listing(
    records: list[ResourceRecord], clauses: list[Clause], expand: str | None, top: int | None
) -> dict[str, Any]:
    wanted = {e.strip().lower() for e in (expand or "").split(",") if e.strip()}
    found = [r for r in records if _matches(r, clauses)][:top]
    return page([resource_json(r, listed=True, expand=wanted & _EXPANDABLE) for r in found])
