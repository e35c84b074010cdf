"""Resource groups (Microsoft.Resources, api-version 2024-11-01 and older).

    PUT    /subscriptions/{s}/resourceGroups/{rg}     201 new, 200 existing
    GET    /subscriptions/{s}/resourceGroups/{rg}     200; 404 ResourceGroupNotFound
    HEAD   /subscriptions/{s}/resourceGroups/{rg}     204 exists, 404 does not (`az group exists`)
    PATCH  /subscriptions/{s}/resourceGroups/{rg}     tags, managedBy
    DELETE /subscriptions/{s}/resourceGroups/{rg}     202, Location, Retry-After: 0
    GET    /subscriptions/{s}/resourceGroups          $filter (tagName, tagValue), $top
    GET    /subscriptions/{s}/operationresults/{id}   200 once done

A delete is carried out before it is answered; the 202 and its operation are there because
`az group delete` accepts nothing else but 200 (never 204), and azure-core's poller is the
common path. The operation id is stateless, so any replica answers the poll.

Authorization comes first (ARM reveals nothing about groups a caller cannot read), then
existence. A subscription the store does not know is 404 SubscriptionNotFound; one in
another tenant, or where the caller holds nothing, is 403 AuthorizationFailed.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from cspadmin.api.activity import note_operation
from cspadmin.api.arm.common import ArmPrincipal, State, page
from cspadmin.api.arm.odata import filter_clauses
from cspadmin.api.arm.providers import (
    Version,
    authorize_at,
    catalogue,
    require_tenant_access,
    subscription_scope,
)
from cspadmin.errors import BadRequest, NotFound, ResourceGroupNotFound
from cspadmin.services import resources as service
from cspadmin.store.estate import ResourceGroupRecord

router = APIRouter()
GROUP_TYPE = "Microsoft.Resources/resourceGroups"
READ = "Microsoft.Resources/subscriptions/resourceGroups/read"
WRITE = "Microsoft.Resources/subscriptions/resourceGroups/write"
DELETE = "Microsoft.Resources/subscriptions/resourceGroups/delete"
GROUP = "/subscriptions/{subscription_id}/resourceGroups/{name}"


class LocationNotAvailableForResourceGroup(BadRequest):
    code = "LocationNotAvailableForResourceGroup"


class LocationRequired(BadRequest):
    code = "LocationRequired"

    def __init__(self) -> None:
        super().__init__("The location property is required for this definition.")


class OperationNotFound(NotFound):
    code = "OperationNotFound"

    def __init__(self, operation_id: str) -> None:
        super().__init__(f"The operation '{operation_id}' could not be found.")


class GroupBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    location: str | None = None
    tags: dict[str, str] | None = None
    managed_by: str | None = Field(default=None, alias="managedBy")


def group_json(record: ResourceGroupRecord) -> dict[str, Any]:
    group = record.group
    body: dict[str, Any] = {
        "id": record.id,
        "name": group.name,
        "type": GROUP_TYPE,
        "location": group.location,
    }
    if record.managed_by:
        body["managedBy"] = record.managed_by
    if group.tags:
        body["tags"] = dict(group.tags)
    body["properties"] = {"provisioningState": "Succeeded"}
    return body


def _scope(subscription_id: str, name: str) -> str:
    service.check_group_name(name)
    return f"{subscription_scope(subscription_id)}/resourceGroups/{name}"


@router.put(GROUP)
def create_or_update(
    subscription_id: str,
    name: str,
    body: GroupBody,
    request: Request,
    state: State,
    principal: ArmPrincipal,
    _: Version,
) -> JSONResponse:
    note_operation(request, WRITE, f"/subscriptions/{subscription_id}/resourceGroups/{name}")
    scope = _scope(subscription_id, name)
    authorize_at(state, principal, WRITE, scope)
    if not body.location:
        raise LocationRequired()
    if not catalogue().is_region(body.location):
        regions = ",".join(catalogue().regions)
        raise LocationNotAvailableForResourceGroup(
            f"The provided location '{body.location}' is not available for resource group. "
            f"List of available regions is '{regions}'."
        )
    record, created = service.create_or_update_group(
        state.plane,
        subscription_id,
        name,
        body.location,
        tags=body.tags,
        managed_by=body.managed_by,
    )
    return JSONResponse(group_json(record), status_code=201 if created else 200)


@router.get(GROUP)
def get_group(
    subscription_id: str, name: str, state: State, principal: ArmPrincipal, _: Version
) -> dict[str, Any]:
    authorize_at(state, principal, READ, _scope(subscription_id, name))
    return group_json(service.find_group(state.plane, subscription_id, name))


@router.head(GROUP)
def group_exists(
    subscription_id: str, name: str, state: State, principal: ArmPrincipal, _: Version
) -> Response:
    authorize_at(state, principal, READ, _scope(subscription_id, name))
    try:
        service.find_group(state.plane, subscription_id, name)
    except ResourceGroupNotFound:
        return Response(status_code=404)
    return Response(status_code=204)


@router.patch(GROUP)
def update_group(
    subscription_id: str,
    name: str,
    body: GroupBody,
    request: Request,
    state: State,
    principal: ArmPrincipal,
    _: Version,
) -> dict[str, Any]:
    note_operation(request, WRITE, f"/subscriptions/{subscription_id}/resourceGroups/{name}")
    authorize_at(state, principal, WRITE, _scope(subscription_id, name))
    record = service.update_group(
        state.plane,
        subscription_id,
        name,
        tags=body.tags,
        managed_by=body.managed_by,
        location=body.location,
    )
    return group_json(record)


@router.delete(
    GROUP,
    status_code=202,
    response_class=Response,
    responses={202: {"description": "Accepted: poll the Location header"}},
)
def delete_group(
    subscription_id: str,
    name: str,
    request: Request,
    state: State,
    principal: ArmPrincipal,
    version: Version,
) -> Response:
    note_operation(request, DELETE, f"/subscriptions/{subscription_id}/resourceGroups/{name}")
    authorize_at(state, principal, DELETE, _scope(subscription_id, name))
    record, _removed = service.delete_group(state.plane, subscription_id, name)
    operation = _operation_id(record)
    location = (
        f"{state.endpoints.authority}/subscriptions/{subscription_id}"
        f"/operationresults/{operation}?api-version={version}"
    )
    return Response(status_code=202, headers={"Location": location, "Retry-After": "0"})


@router.get("/subscriptions/{subscription_id}/resourceGroups")
def list_groups(
    subscription_id: str,
    state: State,
    principal: ArmPrincipal,
    _: Version,
    filter_: Annotated[str | None, Query(alias="$filter")] = None,
    top: Annotated[int | None, Query(alias="$top", ge=1)] = None,
) -> dict[str, Any]:
    scope = subscription_scope(subscription_id)
    tag = _tag_filter(filter_)
    engine, caller = state.plane.engine, principal.caller
    records = service.groups_of(state.plane, subscription_id)
    if not engine.is_allowed(caller, READ, scope):
        held = engine.scopes_of(caller, READ)
        records = [r for r in records if r.id in held]
        if not records:
            authorize_at(state, principal, READ, scope)
    if tag is not None:
        records = [r for r in records if _tagged(r, *tag)]
    return page([group_json(r) for r in records[:top]])


@router.get(
    "/subscriptions/{subscription_id}/operationresults/{operation_id}",
    response_class=Response,
    responses={200: {"description": "The operation has finished"}},
)
def operation_result(
    subscription_id: str,
    operation_id: str,
    state: State,
    principal: ArmPrincipal,
    _: Version,
) -> Response:
    """Every operation this server starts is finished when it is answered."""
    require_tenant_access(state, principal, subscription_id)
    _decode_operation(operation_id)
    return Response(status_code=200)


def _operation_id(record: ResourceGroupRecord) -> str:
    """ARM's shape: base64url of {"jobId": "RESOURCEGROUPDELETIONJOB-…", "jobLocation"}."""
    group = record.group
    job = {
        "jobId": f"RESOURCEGROUPDELETIONJOB-{group.name.upper()}-{group.location.upper()}",
        "jobLocation": group.location,
    }
    raw = json.dumps(job, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_operation(operation_id: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(operation_id + "=" * (-len(operation_id) % 4))
        job = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        raise OperationNotFound(operation_id) from None
    if not isinstance(job, dict) or not str(job.get("jobId", "")).startswith("RESOURCEGROUP"):
        raise OperationNotFound(operation_id)
    return job


def _tag_filter(text: str | None) -> tuple[str, str | None] | None:
    """`tagName eq 'k'` optionally `and tagValue eq 'v'`: the filters ARM allows on groups."""
    if not text:
        return None
    clauses = {
        c.field.lower(): c.value for c in filter_clauses(text, {"tagname", "tagvalue"}, ("eq",))
    }
    if "tagname" not in clauses:
        raise BadRequest(f"The $filter '{text}' is not supported: name a tag with tagName.")
    return clauses["tagname"], clauses.get("tagvalue")


def _tagged(record: ResourceGroupRecord, name: str, value: str | None) -> bool:
    for key, held in record.group.tags.items():
        if key.lower() == name.lower() and (value is None or held == value):
            return True
    return False
