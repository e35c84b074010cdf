"""Which subscriptions and tenants a caller can see."""

from __future__ import annotations

from cspadmin.authz.decision import Caller
from cspadmin.domain.directory import Tenant
from cspadmin.domain.estate import Subscription
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.tokens import delegated_into
from cspadmin.store.directory import get_tenant
from cspadmin.store.estate import list_subscriptions

READ_SUBSCRIPTION = "Microsoft.Resources/subscriptions/read"


def visible_subscriptions(plane: ControlPlane, caller: Caller) -> list[Subscription]:
    """Subscriptions of the caller's tenant where it holds any read access, at the
    subscription, above it, or on something inside it (as ARM lists them)."""
    engine = plane.engine
    roots = (
        engine.scopes_of(caller, READ_SUBSCRIPTION).roots
        | engine.scopes_of(caller, "Microsoft.Resources/subscriptions/resourceGroups/read").roots
    )
    with plane.database.connect() as connection:
        candidates = list_subscriptions(connection, caller.tenant_id)
    visible = []
    for subscription in candidates:
        key = f"/subscriptions/{subscription.id}"
        inside = any(r == key or r.startswith(key + "/") for r in roots)
        if inside or engine.is_allowed(caller, READ_SUBSCRIPTION, key):
            visible.append(subscription)
    return visible


def visible_tenants(plane: ControlPlane, caller: Caller) -> list[Tenant]:
    """The caller's home tenant and every customer tenant it may act in through its partner."""
    with plane.database.connect() as connection:
        home = get_tenant(connection, caller.home_tenant_id)
        customers = [
            t
            for t in (
                get_tenant(connection, customer)
                for customer in plane.engine.delegations.customers_of(caller.home_tenant_id)
            )
            if t is not None
        ]
    visible = [home] if home else []
    visible += [
        t
        for t in customers
        if delegated_into(plane.engine, caller.object_id, caller.home_tenant_id, t.id)
    ]
    return visible
