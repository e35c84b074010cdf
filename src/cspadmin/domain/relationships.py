"""Partner ↔ customer relationships: reseller (with or without DAP) and GDAP.

What the authorization rule needs from them is one question, answered here once:
does a partner hold delegated access to a customer tenant right now? The GDAP
relationship itself, and how its status follows the clock, live in `domain.gdap`
(its types are re-exported here); the rules for changing one, in `domain.gdap_lifecycle`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import datetime

from cspadmin.domain.directory import PartnerProfile
from cspadmin.domain.directory_roles import RoleTemplate
from cspadmin.domain.gdap import AccessAssignment as AccessAssignment
from cspadmin.domain.gdap import GdapRelationship as GdapRelationship
from cspadmin.domain.gdap import GdapStatus as GdapStatus


class RelationshipState(enum.StrEnum):
    ACTIVE = "active"
    TERMINATED = "terminated"


@dataclass(frozen=True, slots=True)
class ResellerRelationship:
    partner_tenant_id: str
    customer_tenant_id: str
    dap: bool
    state: RelationshipState = RelationshipState.ACTIVE

    @property
    def grants_delegated_access(self) -> bool:
        return self.state is RelationshipState.ACTIVE and self.dap


def has_delegated_access(
    partner_tenant_id: str,
    customer_tenant_id: str,
    reseller: Iterable[ResellerRelationship],
    gdap: Iterable[GdapRelationship],
    now: datetime,
) -> bool:
    """Whether the partner may act in the customer tenant: DAP, or an active GDAP relationship."""
    if any(
        r.partner_tenant_id == partner_tenant_id
        and r.customer_tenant_id == customer_tenant_id
        and r.grants_delegated_access
        for r in reseller
    ):
        return True
    return any(
        g.partner_tenant_id == partner_tenant_id
        and g.customer_tenant_id == customer_tenant_id
        and g.is_active_at(now)
        for g in gdap
    )


def delegated_directory_roles(
    partner: PartnerProfile | None,
    customer_tenant_id: str,
    groups: Set[str],
    reseller: Iterable[ResellerRelationship],
    gdap: Iterable[GdapRelationship],
    now: datetime,
) -> frozenset[str]:
    """The Entra roles a partner principal in `groups` holds in the customer tenant.

    Under DAP, AdminAgents act as Global Administrator and HelpdeskAgents as Helpdesk
    Administrator; under GDAP, each access assignment gives its group its roles while the
    relationship is active.
    """
    roles: set[str] = set()
    for r in reseller:
        if partner is None or r.customer_tenant_id != customer_tenant_id:
            continue
        if not r.grants_delegated_access:
            continue
        if partner.admin_agents_id in groups:
            roles.add(RoleTemplate.GLOBAL_ADMINISTRATOR)
        if partner.helpdesk_agents_id in groups:
            roles.add(RoleTemplate.HELPDESK_ADMINISTRATOR)
    for g in gdap:
        if g.customer_tenant_id == customer_tenant_id:
            for assignment in g.granting_assignments(now):
                if assignment.group_id in groups:
                    roles.update(assignment.role_template_ids)
    return frozenset(roles)


class PartnerCenterRole(enum.StrEnum):
    """What a partner tenant's user is in Partner Center (its directory role or agent group)."""

    GLOBAL_ADMIN = "Global admin"
    ADMIN_AGENT = "Admin agent"
    SALES_AGENT = "Sales agent"
    HELPDESK_AGENT = "Helpdesk agent"


class PartnerAction(enum.StrEnum):
    VIEW_CUSTOMERS = "view customers"
    REQUEST_RELATIONSHIP = "request a reseller relationship"
    ADMINISTER_CUSTOMERS = "administer customers"


_PERMITTED: dict[PartnerAction, frozenset[PartnerCenterRole]] = {
    PartnerAction.VIEW_CUSTOMERS: frozenset(PartnerCenterRole),
    PartnerAction.REQUEST_RELATIONSHIP: frozenset(
        {
            PartnerCenterRole.GLOBAL_ADMIN,
            PartnerCenterRole.ADMIN_AGENT,
            PartnerCenterRole.SALES_AGENT,
        }
    ),
    PartnerAction.ADMINISTER_CUSTOMERS: frozenset(
        {PartnerCenterRole.GLOBAL_ADMIN, PartnerCenterRole.ADMIN_AGENT}
    ),
}


def partner_center_roles(
    partner: PartnerProfile, groups: Set[str], global_admin: bool
) -> frozenset[PartnerCenterRole]:
    """The Partner Center roles of a partner user with `groups` (nested membership counts)."""
    roles = {PartnerCenterRole.GLOBAL_ADMIN} if global_admin else set()
    by_group = {
        partner.admin_agents_id: PartnerCenterRole.ADMIN_AGENT,
        partner.sales_agents_id: PartnerCenterRole.SALES_AGENT,
        partner.helpdesk_agents_id: PartnerCenterRole.HELPDESK_AGENT,
    }
    roles.update(role for group, role in by_group.items() if group in groups)
    return frozenset(roles)


def roles_permitted(action: PartnerAction) -> frozenset[PartnerCenterRole]:
    return _PERMITTED[action]


def may_perform(action: PartnerAction, roles: Set[PartnerCenterRole]) -> bool:
    """Partner Center's rule: Global admin and Admin agents do everything, Sales agents
    also request relationships, Helpdesk agents only look; nobody else does anything."""
    return bool(_PERMITTED[action] & roles)
