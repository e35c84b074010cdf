"""Subscriptions, resource groups and resources in the store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from cspadmin.domain.estate import (
    ManagementGroup,
    Resource,
    ResourceGroup,
    Subscription,
    SubscriptionState,
)
from cspadmin.domain.scope import parse_scope
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
