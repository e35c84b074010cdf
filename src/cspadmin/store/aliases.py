"""Subscription aliases in the store: a tenant's names for subscription creation
requests (and ownership offers), unique per tenant regardless of case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update
from sqlalchemy.exc import IntegrityError

from cspadmin.domain.csp import OwnershipOffer, SubscriptionAlias, Workload
from cspadmin.store import schema as t


def save_alias(connection: Connection, alias: SubscriptionAlias) -> bool:
    """Insert the alias; False when the tenant already has one of that name (a concurrent
    writer won), leaving the caller's transaction usable."""
    offer = alias.offer
    savepoint = connection.begin_nested()
    try:
        _insert(connection, alias, offer)
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def _insert(connection: Connection, alias: SubscriptionAlias, offer: OwnershipOffer | None) -> None:
    connection.execute(
        t.subscription_aliases.insert(),
        [
            {
                "tenant_id": alias.tenant_id,
                "name_key": alias.name.lower(),
                "name": alias.name,
                "subscription_id": alias.subscription_id,
                "billing_scope": alias.billing_scope,
                "workload": alias.workload.value if alias.workload else None,
                "reseller_id": alias.reseller_id,
                "created_at": alias.created_at,
                "created_by": alias.created_by,
                "offer_tenant_id": offer.tenant_id if offer else None,
                "offer_owner_id": offer.owner_id if offer else None,
                "offered_at": offer.offered_at if offer else None,
                "accepted_at": offer.accepted_at if offer else None,
            }
        ],
    )


def _alias(row: Row[Any]) -> SubscriptionAlias:
    offer = (
        OwnershipOffer(row.offer_tenant_id, row.offer_owner_id, row.offered_at, row.accepted_at)
        if row.offer_tenant_id
        else None
    )
    return SubscriptionAlias(
        row.tenant_id,
        row.name,
        row.subscription_id,
        row.created_at,
        row.created_by,
        row.billing_scope,
        Workload(row.workload) if row.workload else None,
        row.reseller_id,
        offer,
    )


def get_alias(connection: Connection, tenant_id: str, name: str) -> SubscriptionAlias | None:
    a = t.subscription_aliases.c
    row = connection.execute(
        select(t.subscription_aliases).where(
            (a.tenant_id == tenant_id) & (a.name_key == name.lower())
        )
    ).first()
    return _alias(row) if row else None


def list_aliases(connection: Connection, tenant_id: str) -> list[SubscriptionAlias]:
    a = t.subscription_aliases.c
    rows = connection.execute(
        select(t.subscription_aliases).where(a.tenant_id == tenant_id).order_by(a.name_key)
    )
    return [_alias(row) for row in rows]


def delete_alias(connection: Connection, tenant_id: str, name: str) -> bool:
    a = t.subscription_aliases.c
    gone = connection.execute(
        delete(t.subscription_aliases).where(
            (a.tenant_id == tenant_id) & (a.name_key == name.lower())
        )
    )
    return gone.rowcount > 0


def latest_offer(connection: Connection, subscription_id: str) -> SubscriptionAlias | None:
    """The most recent alias of the subscription that offers it to another tenant."""
    a = t.subscription_aliases.c
    row = connection.execute(
        select(t.subscription_aliases)
        .where((a.subscription_id == subscription_id) & a.offer_tenant_id.is_not(None))
        .order_by(a.offered_at.desc(), a.name_key)
        .limit(1)
    ).first()
    return _alias(row) if row else None


def accept_offer(connection: Connection, alias: SubscriptionAlias, at: datetime) -> bool:
    """Mark the alias's offer accepted; False when it already was (a concurrent accept)."""
    a = t.subscription_aliases.c
    done = connection.execute(
        update(t.subscription_aliases)
        .where(
            (a.tenant_id == alias.tenant_id)
            & (a.name_key == alias.name.lower())
            & a.accepted_at.is_(None)
        )
        .values(accepted_at=at)
    )
    return done.rowcount == 1
