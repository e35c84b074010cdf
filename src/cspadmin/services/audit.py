"""Auditing a partner's subscription-level admin privileges on its CSP subscriptions.

For each subscription a partner sold through CSP, the partner's AdminAgents group should
hold Owner at the subscription scope as a foreign group, and the partner should hold
delegated access to the customer tenant (without it, the foreign group does not count).
The audit says, per subscription, which of those holds, and how to reinstate what is lost.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cspadmin.authz.decision import Caller
from cspadmin.authz.engine import Engine
from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.directory import Tenant
from cspadmin.domain.estate import Subscription
from cspadmin.domain.roles import OWNER
from cspadmin.services.tokens import delegated_into
from cspadmin.store.assignments import list_role_assignments
from cspadmin.store.database import Database
from cspadmin.store.directory import get_tenant, list_tenants
from cspadmin.store.estate import list_subscriptions

MANAGE_ACTION = "Microsoft.Resources/subscriptions/resourceGroups/write"


class PrivilegeStatus(enum.StrEnum):
    OK = "ok"
    LOST = "lost"
    PARTIAL = "partial"
    """Owner only on some resource groups or resources, not on the subscription."""
    DORMANT = "dormant"
    """Owner is assigned, but the partner has no delegated access, so it does not count."""


@dataclass(frozen=True, slots=True)
class SubscriptionAudit:
    customer: Tenant
    subscription: Subscription
    partner: Tenant
    status: PrivilegeStatus
    delegated_access: bool
    owner_grants: tuple[RoleAssignment, ...]
    """Owner assignments naming AdminAgents at the subscription or below."""
    agents_who_can_manage: int
    """Partner agents (users and service principals) allowed to create resource groups."""

    @property
    def reinstate_command(self) -> str | None:
        """The customer-side command that brings the subscription-level grant back."""
        if self.status in (PrivilegeStatus.OK, PrivilegeStatus.DORMANT):
            return None
        assert self.partner.partner is not None
        return (
            f'az role assignment create --role "Owner" '
            f"--assignee-object-id {self.partner.partner.admin_agents_id} "
            f'--scope "/subscriptions/{self.subscription.id}" '
            f'--assignee-principal-type "ForeignGroup"'
        )


def classify(
    subscription_id: str, owner_grants: tuple[RoleAssignment, ...], delegated_access: bool
) -> PrivilegeStatus:
    """The status of one subscription from the AdminAgents Owner grants found under it."""
    at_subscription = any(
        g.scope.lower() == f"/subscriptions/{subscription_id}" for g in owner_grants
    )
    if at_subscription:
        return PrivilegeStatus.OK if delegated_access else PrivilegeStatus.DORMANT
    return PrivilegeStatus.PARTIAL if owner_grants else PrivilegeStatus.LOST


def audit_partner(database: Database, engine: Engine, partner: Tenant) -> list[SubscriptionAudit]:
    """Every CSP subscription the partner sold, with the state of its admin privileges."""
    if partner.partner is None:
        raise ValueError(f"{partner.default_domain} is not a CSP partner tenant")
    admin_agents = partner.partner.admin_agents_id
    agents = engine.callers_in(admin_agents)
    audits: list[SubscriptionAudit] = []
    with database.connect() as connection:
        for subscription in list_subscriptions(connection):
            if subscription.csp_partner_tenant_id != partner.id:
                continue
            customer = get_tenant(connection, subscription.tenant_id)
            assert customer is not None
            grants = tuple(
                a
                for a in list_role_assignments(
                    connection,
                    tenant_id=customer.id,
                    principal_id=admin_agents,
                    scope_prefix=f"/subscriptions/{subscription.id}",
                )
                if a.role_definition_id == OWNER.id
            )
            delegated = engine.delegations.has_delegated_access(partner.id, customer.id)
            able = sum(
                1
                for agent in agents
                if delegated_into(engine, agent, partner.id, customer.id)
                and engine.is_allowed(
                    Caller(agent, customer.id, partner.id),
                    MANAGE_ACTION,
                    f"/subscriptions/{subscription.id}",
                )
            )
            audits.append(
                SubscriptionAudit(
                    customer=customer,
                    subscription=subscription,
                    partner=partner,
                    status=classify(subscription.id, grants, delegated),
                    delegated_access=delegated,
                    owner_grants=grants,
                    agents_who_can_manage=able,
                )
            )
    audits.sort(key=lambda a: (a.customer.display_name, a.subscription.display_name))
    return audits


def partner_tenants(database: Database) -> list[Tenant]:
    with database.connect() as connection:
        return [t for t in list_tenants(connection) if t.is_partner]
