"""Lists of generic resources, across a subscription or within one resource group.

    GET /subscriptions/{s}/resources                  $filter, $expand, $top
    GET /subscriptions/{s}/resourceGroups/{rg}/resources

Lists show what the caller may read: everything with the list action at the subscription
(group), else each resource the caller may read. `$filter` takes ARM's clauses joined by
`and`: `resourceGroup`, `resourceType`, `name`, `location` (`eq`), `tagName`/`tagValue`,
`substringof('text', name)`; `$expand` adds `createdTime`, `changedTime`,
`provisioningState`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Query

from cspadmin.api.arm.common import ArmPrincipal, State, page
from cspadmin.api.arm.odata import Clause, filter_clauses
from cspadmin.api.arm.providers import Version, authorize_at, subscription_scope
from cspadmin.api.arm.resources import display_name, resource_json
from cspadmin.api.auth import Principal
from cspadmin.api.state import AppState
from cspadmin.domain.scope import parse_scope
from cspadmin.services import resources as service
from cspadmin.store.estate import ResourceRecord

router = APIRouter()
LIST_ALL = "Microsoft.Resources/subscriptions/resources/read"
LIST_GROUP = "Microsoft.Resources/subscriptions/resourceGroups/resources/read"
_EXPANDABLE = {"createdtime", "changedtime", "provisioningstate"}


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
        if key == "name" and c.op == "eq" and display_name(scope).lower() != value:
            return False
        if key == "name" and c.op == "substringof" and value not in display_name(scope).lower():
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
