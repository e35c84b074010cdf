"""The one rule for a new CSP subscription, and the customers a partner may sell to.

A new CSP subscription (`provision`), whoever asks for it (an ARM alias, a Partner
Center order):
- lives in the customer's tenant and lists the partner under `managedByTenants`;
- gives the partner's AdminAgents group Owner at `/subscriptions/{id}` as a ForeignGroup
  (`domain.csp.csp_owner_grant`), in the same transaction, and in the engine as soon as
  it commits, so the very next request sees both;
- is recorded in the subscription's activity log: its creation and the Owner assignment,
  with the caller and correlation id of the request that caused them. The activity
  middleware records that request itself, but at its own scope (the alias, the order),
  outside the new subscription's log; a side effect would otherwise go unrecorded.

A partner sells to (`commerce_customer`) a tenant holding an active reseller relationship
with it, with or without delegated admin privileges: the commercial relationship is what
counts.

    CspadminError
    ├── InvalidCustomerId         400  900118  a customer id that is no GUID
    └── NoCommerceRelationship    403  20002   no active reseller relationship
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from cspadmin.authz.decision import Caller
from cspadmin.domain.activity import ActivityEvent
from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.csp import csp_owner_grant
from cspadmin.domain.directory import Tenant
from cspadmin.domain.estate import Subscription
from cspadmin.domain.relationships import RelationshipState
from cspadmin.domain.scope import is_guid
from cspadmin.errors import CspadminError
from cspadmin.services.control_plane import Change
from cspadmin.store.activity import append_event
from cspadmin.store.assignments import create_role_assignment
from cspadmin.store.directory import get_tenant
from cspadmin.store.estate import save_subscription
from cspadmin.store.journal import Fact
from cspadmin.store.relationships import get_reseller_relationship

ALIAS_WRITE = "Microsoft.Subscription/aliases/write"
ASSIGNMENT_WRITE = "Microsoft.Authorization/roleAssignments/write"


class InvalidCustomerId(CspadminError):
    code = "900118"
    status = 400

    def __init__(self, customer_id: str) -> None:
        super().__init__(f"The customer id '{customer_id}' is not valid: it is a tenant GUID.")


class NoCommerceRelationship(CspadminError):
    code = "20002"
    status = 403

    def __init__(self, partner: Tenant, customer_id: str) -> None:
        super().__init__(
            f"Partner '{partner.display_name}' has no commerce relationship with customer "
            f"'{customer_id}'. The customer's Global Administrator must first accept a "
            "reseller relationship request from the partner."
        )


@dataclass(frozen=True, slots=True)
class Initiator:
    """Who asks, as the activity log names them: the caller, its name (UPN or app id)
    and the correlation id of the request."""

    caller: Caller
    name: str
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True, slots=True)
class Cause:
    """What asked for writes done on the caller's behalf: its operation and its id."""

    operation: str
    id: str


@dataclass(frozen=True, slots=True)
class Provisioned:
    subscription: Subscription
    owner_grant: RoleAssignment


# -- the one rule ----------------------------------------------------------------------


def provision(
    change: Change,
    initiator: Initiator,
    partner: Tenant,
    customer_id: str,
    display_name: str,
    cause: Cause,
    now: datetime,
) -> Provisioned:
    """Create the CSP subscription and its AdminAgents Owner grant in `change`, at `now`.
    `cause` is the alias or order that asked for it: the activity log names it."""
    assert partner.partner is not None
    subscription = Subscription(
        str(uuid.uuid4()), customer_id, display_name.strip(), csp_partner_tenant_id=partner.id
    )
    grant = csp_owner_grant(str(uuid.uuid4()), subscription.id, customer_id, partner.partner)
    save_subscription(change.connection, subscription)
    create_role_assignment(
        change.connection, grant, created_at=now, created_by=initiator.caller.object_id
    )
    created = f"/subscriptions/{subscription.id}"
    record(change.connection, initiator, now, cause.operation, created, customer_id, cause)
    record(change.connection, initiator, now, ASSIGNMENT_WRITE, grant.id, customer_id, cause)
    change.touched(Fact.SUBSCRIPTION, subscription.id)
    change.touched(Fact.ROLE_ASSIGNMENT, grant.name)
    return Provisioned(subscription, grant)


def record(
    connection: Connection,
    initiator: Initiator,
    at: datetime,
    operation: str,
    scope: str,
    tenant_id: str,
    cause: Cause,
) -> None:
    """One activity-log event for a write done on the caller's behalf, in its subscription."""
    subscription_id = scope.split("/")[2] if scope.lower().startswith("/subscriptions/") else None
    properties: dict[str, Any] = {"causedBy": cause.id}
    append_event(
        connection,
        ActivityEvent(
            event_id=str(uuid.uuid4()),
            at=at,
            operation=operation,
            http_method="PUT",
            scope=scope,
            status="Succeeded",
            status_code=201,
            correlation_id=initiator.correlation_id,
            tenant_id=tenant_id,
            subscription_id=subscription_id,
            caller_id=initiator.caller.object_id,
            caller=initiator.name,
            properties=properties,
        ),
    )


# -- the customer a partner may sell to ------------------------------------------------


def commerce_customer(connection: Connection, partner: Tenant, customer_id: str) -> Tenant:
    """The customer, once the partner holds an active reseller relationship with it."""
    if not is_guid(customer_id):
        raise InvalidCustomerId(customer_id)
    key = str(uuid.UUID(customer_id))
    relationship = get_reseller_relationship(connection, partner.id, key)
    active = relationship is not None and relationship.state is RelationshipState.ACTIVE
    customer = get_tenant(connection, key) if active else None
    if customer is None:
        raise NoCommerceRelationship(partner, customer_id)
    return customer
