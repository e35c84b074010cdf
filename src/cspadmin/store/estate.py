"""Subscriptions, resource groups and resources in the store.

A resource group's resources are the rows whose id lies under the group's id; deleting
a group or a resource removes everything under it in the same statement set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, distinct, func, select

from cspadmin.domain.estate import (
    ManagementGroup,
    Resource,
    ResourceGroup,
    Subscription,
    SubscriptionState,
)
from cspadmin.domain.scope import Scope, ScopeKind, parse_scope
from cspadmin.store import schema as t
from cspadmin.store.upsert import upsert


def save_management_group(connection: Connection, group: ManagementGroup) -> None:
    upsert(
        connection,
        t.management_groups,
        [{"name": group.name, "tenant_id": group.tenant_id, "parent": group.parent}],
        ["name"],
    )


def save_subscription(connection: Connection, subscription: Subscription) -> None:
    upsert(
        connection,
        t.subscriptions,
        [
            {
                "id": subscription.id,
                "tenant_id": subscription.tenant_id,
                "display_name": subscription.display_name,
                "state": subscription.state.value,
                "offer": subscription.offer,
                "csp_partner_tenant_id": subscription.csp_partner_tenant_id,
                "management_group": subscription.management_group,
            }
        ],
        ["id"],
    )


def _subscription(row: Row[Any]) -> Subscription:
    return Subscription(
        row.id,
        row.tenant_id,
        row.display_name,
        SubscriptionState(row.state),
        row.offer,
        row.csp_partner_tenant_id,
        row.management_group,
    )


def get_subscription(connection: Connection, subscription_id: str) -> Subscription | None:
    row = connection.execute(
        select(t.subscriptions).where(t.subscriptions.c.id == subscription_id.lower())
    ).first()
    return _subscription(row) if row else None


def list_subscriptions(connection: Connection, tenant_id: str | None = None) -> list[Subscription]:
    query = select(t.subscriptions).order_by(t.subscriptions.c.display_name)
    if tenant_id is not None:
        query = query.where(t.subscriptions.c.tenant_id == tenant_id)
    return [_subscription(row) for row in connection.execute(query)]


@dataclass(frozen=True, slots=True)
class Moved:
    """What a subscription left behind when it changed tenant."""

    role_assignments: tuple[str, ...]
    deny_assignments: tuple[str, ...]


def move_subscription(connection: Connection, moved: Subscription) -> Moved:
    """Store `moved` (the subscription in its new tenant) and delete what Azure deletes
    when a subscription changes directory: every role and deny assignment at the
    subscription or below it. Resource groups and resources stay."""
    key = f"/subscriptions/{moved.id.lower()}"
    removed = []
    for table in (t.role_assignments, t.deny_assignments):
        scope = func.lower(table.c.scope)
        below = (scope == key) | scope.startswith(key + "/", autoescape=True)
        names = tuple(connection.scalars(select(table.c.name).where(below)))
        connection.execute(delete(table).where(below))
        removed.append(names)
    save_subscription(connection, moved)
    return Moved(removed[0], removed[1])


def save_resource_group(connection: Connection, group: ResourceGroup) -> None:
    upsert(
        connection,
        t.resource_groups,
        [
            {
                "subscription_id": group.subscription_id,
                "name_key": group.name.lower(),
                "name": group.name,
                "location": group.location,
                "tags": group.tags,
            }
        ],
        ["subscription_id", "name_key"],
    )


def list_resource_groups(connection: Connection, subscription_id: str) -> list[ResourceGroup]:
    rows = connection.execute(
        select(t.resource_groups)
        .where(t.resource_groups.c.subscription_id == subscription_id)
        .order_by(t.resource_groups.c.name_key)
    )
    return [ResourceGroup(r.subscription_id, r.name, r.location, dict(r.tags)) for r in rows]


def save_resource(connection: Connection, resource: Resource) -> None:
    scope = parse_scope(resource.id)
    upsert(
        connection,
        t.resources,
        [
            {
                "id_key": scope.key,
                "id": scope.id,
                "subscription_id": scope.subscription_id,
                "type": resource.type,
                "location": resource.location,
                "properties": resource.properties,
                "tags": resource.tags,
            }
        ],
        ["id_key"],
    )


def list_resources(connection: Connection, subscription_id: str) -> list[Resource]:
    rows = connection.execute(
        select(t.resources)
        .where(t.resources.c.subscription_id == subscription_id)
        .order_by(t.resources.c.id_key)
    )
    return [Resource(r.id, r.type, r.location, dict(r.properties), dict(r.tags)) for r in rows]


# -- the ARM surface: groups and resources with the bookkeeping ARM returns ---------------


@dataclass(frozen=True, slots=True)
class ResourceGroupRecord:
    """A resource group with what ARM reports besides the domain facts."""

    group: ResourceGroup
    managed_by: str | None = None
    created_at: datetime | None = None

    @property
    def id(self) -> str:
        return f"/subscriptions/{self.group.subscription_id}/resourceGroups/{self.group.name}"


@dataclass(frozen=True, slots=True)
class ResourceRecord:
    """A resource with what ARM reports besides the domain facts."""

    resource: Resource
    kind: str | None = None
    sku: dict[str, Any] | None = field(default=None, hash=False)
    created_at: datetime | None = None
    changed_at: datetime | None = None


def _group_record(row: Row[Any]) -> ResourceGroupRecord:
    group = ResourceGroup(row.subscription_id, row.name, row.location, dict(row.tags))
    return ResourceGroupRecord(group, row.managed_by, row.created_at)


def put_resource_group(connection: Connection, record: ResourceGroupRecord) -> None:
    """Create or replace a group by (subscription, case-insensitive name)."""
    group = record.group
    upsert(
        connection,
        t.resource_groups,
        [
            {
                "subscription_id": group.subscription_id,
                "name_key": group.name.lower(),
                "name": group.name,
                "location": group.location,
                "tags": group.tags,
                "managed_by": record.managed_by,
                "created_at": record.created_at,
            }
        ],
        ["subscription_id", "name_key"],
    )


def get_resource_group(
    connection: Connection, subscription_id: str, name: str
) -> ResourceGroupRecord | None:
    rg = t.resource_groups.c
    row = connection.execute(
        select(t.resource_groups).where(
            (rg.subscription_id == subscription_id.lower()) & (rg.name_key == name.lower())
        )
    ).first()
    return _group_record(row) if row else None


def find_resource_groups(connection: Connection, subscription_id: str) -> list[ResourceGroupRecord]:
    rows = connection.execute(
        select(t.resource_groups)
        .where(t.resource_groups.c.subscription_id == subscription_id.lower())
        .order_by(t.resource_groups.c.name_key)
    )
    return [_group_record(row) for row in rows]


def delete_resource_group(connection: Connection, subscription_id: str, name: str) -> bool:
    """Remove a group and every resource in it; False when there was no such group."""
    rg = t.resource_groups.c
    removed = connection.execute(
        delete(t.resource_groups).where(
            (rg.subscription_id == subscription_id.lower()) & (rg.name_key == name.lower())
        )
    ).rowcount
    prefix = f"/subscriptions/{subscription_id.lower()}/resourcegroups/{name.lower()}/"
    connection.execute(
        delete(t.resources).where(t.resources.c.id_key.startswith(prefix, autoescape=True))
    )
    return removed > 0


def _resource_record(row: Row[Any]) -> ResourceRecord:
    resource = Resource(row.id, row.type, row.location, dict(row.properties), dict(row.tags))
    sku = dict(row.sku) if row.sku is not None else None
    return ResourceRecord(resource, row.kind, sku, row.created_at, row.changed_at)


def put_resource(connection: Connection, record: ResourceRecord) -> None:
    """Create or replace a resource by its case-insensitive id."""
    resource = record.resource
    scope = parse_scope(resource.id)
    upsert(
        connection,
        t.resources,
        [
            {
                "id_key": scope.key,
                "id": scope.id,
                "subscription_id": scope.subscription_id,
                "type": resource.type,
                "location": resource.location,
                "properties": resource.properties,
                "tags": resource.tags,
                "kind": record.kind,
                "sku": record.sku,
                "created_at": record.created_at,
                "changed_at": record.changed_at,
            }
        ],
        ["id_key"],
    )


def get_resource(connection: Connection, resource_id: str) -> ResourceRecord | None:
    row = connection.execute(
        select(t.resources).where(t.resources.c.id_key == resource_id.lower())
    ).first()
    return _resource_record(row) if row else None


def find_resources(
    connection: Connection, subscription_id: str, *, under: str | None = None
) -> list[ResourceRecord]:
    """A subscription's resources ordered by id, or only those strictly below `under`."""
    r = t.resources.c
    query = select(t.resources).where(r.subscription_id == subscription_id.lower())
    if under is not None:
        query = query.where(r.id_key.startswith(under.lower().rstrip("/") + "/", autoescape=True))
    return [_resource_record(row) for row in connection.execute(query.order_by(r.id_key))]


def delete_resource(connection: Connection, resource_id: str) -> int:
    """Remove a resource and everything below it (children, extension resources);
    returns how many rows went."""
    key = resource_id.lower().rstrip("/")
    r = t.resources.c
    return connection.execute(
        delete(t.resources).where(
            (r.id_key == key) | r.id_key.startswith(key + "/", autoescape=True)
        )
    ).rowcount


def stored_resource_types(connection: Connection, namespace: str | None = None) -> list[str]:
    """The distinct resource types the store holds, optionally of one namespace."""
    column = t.resources.c.type
    query = select(distinct(column))
    if namespace is not None:
        query = query.where(func.lower(column).startswith(namespace.lower() + "/"))
    return sorted(row[0] for row in connection.execute(query))


def scope_exists(connection: Connection, scope: Scope) -> bool:
    """Whether the resource group or resource a scope names is in the store.

    Subscriptions, management groups and the root are the engine's to know; this answers
    for what lives inside a subscription."""
    if scope.kind is ScopeKind.RESOURCE_GROUP:
        assert scope.subscription_id is not None and scope.resource_group is not None
        rg = t.resource_groups.c
        found = connection.scalar(
            select(rg.name).where(
                (rg.subscription_id == scope.subscription_id)
                & (rg.name_key == scope.resource_group.lower())
            )
        )
        return found is not None
    if scope.kind is ScopeKind.RESOURCE and scope.subscription_id is not None:
        found = connection.scalar(select(t.resources.c.id).where(t.resources.c.id_key == scope.key))
        return found is not None
    return True
