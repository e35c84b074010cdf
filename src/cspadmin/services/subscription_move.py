"""Moving a subscription to another tenant, and what it loses on the way, as Azure does.

When a subscription changes directory, Azure permanently deletes every role assignment
at the subscription and below it (groups, resources) and every deny assignment there;
the resources stay. A CSP subscription also leaves CSP: the partner drops out of
`managedByTenants` (and so out of the partner's Azure plan), and its AdminAgents lose the
Owner grant with everything else, from the very next request. It also leaves its
management group, which belongs to the old tenant. The new owner, if any, becomes its
only Owner (otherwise nobody could manage it).

The old tenant's custom roles lose the subscription (and every scope in it) from their
assignable scopes, and those assignable nowhere else are deleted, as Azure deletes them
(`store.custom_roles.release_custom_roles`).

Two ways in: `cspadmin subscription transfer` performs the move directly, for local use
(`transfer_subscription`); over ARM, the owner-to-be accepting an ownership offer does
(`services.ownership_offers`, which calls `move`).

Not modelled: managed identities, Key Vault access policies.

    CspadminError
    └── TransferRefused                 400  InvalidParameter: same tenant, unknown tenant
                                               or owner, an owner outside the destination
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection

from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.csp import InvalidParameter
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.estate import Subscription
from cspadmin.domain.roles import OWNER
from cspadmin.domain.scope import is_guid
from cspadmin.errors import SubscriptionNotFound
from cspadmin.services.control_plane import Change, ControlPlane
from cspadmin.store.assignments import create_role_assignment
from cspadmin.store.custom_roles import ReleasedRoles, release_custom_roles
from cspadmin.store.directory import get_tenant, get_user, object_kind
from cspadmin.store.estate import get_subscription, move_subscription
from cspadmin.store.journal import Fact

_OWNER_KINDS = {"User": PrincipalType.USER, "ServicePrincipal": PrincipalType.SERVICE_PRINCIPAL}
Owner = tuple[str, PrincipalType]
"""The principal that becomes a moved subscription's Owner: its object id and type."""


class TransferRefused(InvalidParameter):
    pass


@dataclass(frozen=True, slots=True)
class Transfer:
    """A subscription in its new tenant and what it lost."""

    subscription: Subscription
    previous_tenant_id: str
    role_assignments: tuple[str, ...]
    deny_assignments: tuple[str, ...]
    owner_grant: RoleAssignment | None = None
    custom_roles: ReleasedRoles = field(default_factory=ReleasedRoles)


def transfer_subscription(
    plane: ControlPlane,
    subscription_id: str,
    to_tenant: str,
    *,
    owner: str | None = None,
    actor_id: str | None = None,
) -> Transfer:
    """Move the subscription to `to_tenant` (id or domain); `owner` (UPN or object id of
    a user or service principal there) becomes its Owner. An operator's action: no
    caller is authorized here (the CLI's `subscription transfer`)."""
    with plane.change() as change:
        connection = change.connection
        subscription = existing_subscription(connection, subscription_id)
        tenant = get_tenant(connection, to_tenant)
        if tenant is None:
            raise TransferRefused(f"There is no tenant '{to_tenant}'.")
        new_owner = owner_in(connection, owner, tenant.id) if owner else None
        return move(change, plane, subscription, tenant.id, new_owner, None, actor_id)


def move(
    change: Change,
    plane: ControlPlane,
    subscription: Subscription,
    tenant_id: str,
    owner: Owner | None,
    display_name: str | None,
    actor_id: str | None,
) -> Transfer:
    """Move `subscription` to `tenant_id` in `change`, leaving behind what Azure deletes
    (assignments in it, its place in the old tenant's custom roles); `owner` becomes its
    Owner there."""
    if tenant_id == subscription.tenant_id:
        raise TransferRefused(
            f"Subscription '{subscription.id}' already belongs to tenant {tenant_id}."
        )
    moved = replace(
        subscription,
        tenant_id=tenant_id,
        csp_partner_tenant_id=None,
        management_group=None,
        display_name=display_name or subscription.display_name,
    )
    left = move_subscription(change.connection, moved)
    roles = release_custom_roles(change.connection, subscription.tenant_id, moved.id)
    grant = None
    if owner is not None:
        grant = _owner_grant(moved, owner)
        create_role_assignment(
            change.connection, grant, created_at=plane.clock(), created_by=actor_id
        )
    change.touched(Fact.SUBSCRIPTION, moved.id)
    granted = () if grant is None else (grant.name,)
    for name in (*left.role_assignments, *granted):
        change.touched(Fact.ROLE_ASSIGNMENT, name)
    for name in left.deny_assignments:
        change.touched(Fact.DENY_ASSIGNMENT, name)
    for role_id in (*(r.id for r in roles.narrowed), *roles.deleted):
        change.touched(Fact.ROLE_DEFINITION, role_id)
    return Transfer(
        moved, subscription.tenant_id, left.role_assignments, left.deny_assignments, grant, roles
    )


def _owner_grant(subscription: Subscription, owner: Owner) -> RoleAssignment:
    return RoleAssignment(
        str(uuid.uuid4()),
        f"/subscriptions/{subscription.id}",
        OWNER.id,
        owner[0],
        owner[1],
        subscription.tenant_id,
    )


def owner_in(connection: Connection, text: str, tenant_id: str) -> Owner:
    """A user (UPN or id) or service principal (id) of the destination tenant, who is
    to own the subscription there; `TransferRefused` otherwise."""
    user = get_user(connection, text)
    owner_id = user.id if user else (str(uuid.UUID(text)) if is_guid(text) else None)
    found = object_kind(connection, owner_id) if owner_id else None
    if owner_id is None or found is None or found[0] not in _OWNER_KINDS:
        raise TransferRefused(f"'{text}' is no user or service principal.")
    if found[1] != tenant_id:
        raise TransferRefused(f"'{text}' does not belong to the destination tenant {tenant_id}.")
    return owner_id, _OWNER_KINDS[found[0]]


def existing_subscription(connection: Connection, subscription_id: str) -> Subscription:
    """The subscription with that id (a GUID, any case); `SubscriptionNotFound` otherwise."""
    found = get_subscription(connection, subscription_id) if is_guid(subscription_id) else None
    if found is None:
        raise SubscriptionNotFound(subscription_id)
    return found
