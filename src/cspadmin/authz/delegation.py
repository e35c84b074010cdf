"""Who holds delegated access where: partners, their relationships, and what they grant.

Kept by (partner, customer) pair, because the question is asked on every partner check
and must cost a lookup, not a scan of every relationship. The rules themselves live in
`domain.relationships` and `domain.gdap`; this holds the facts they are applied to, and
asks them with the clock's time on every question, so a GDAP relationship that expires
stops counting at that instant without anything being told.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cspadmin.domain.directory import PartnerProfile
from cspadmin.domain.relationships import (
    GdapRelationship,
    ResellerRelationship,
    delegated_directory_roles,
    has_delegated_access,
)

Pair = tuple[str, str]


class Delegations:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._partners: dict[str, PartnerProfile] = {}
        self._reseller: dict[Pair, ResellerRelationship] = {}
        self._gdap: dict[str, GdapRelationship] = {}
        self._gdap_by_pair: dict[Pair, dict[str, GdapRelationship]] = {}

    def set_partner(self, tenant_id: str, profile: PartnerProfile) -> None:
        self._partners[tenant_id] = profile

    def remove_partner(self, tenant_id: str) -> None:
        self._partners.pop(tenant_id, None)

    def set_reseller_relationship(self, relationship: ResellerRelationship) -> None:
        key = (relationship.partner_tenant_id, relationship.customer_tenant_id)
        self._reseller[key] = relationship

    def remove_reseller_relationship(self, partner_tenant_id: str, customer_tenant_id: str) -> None:
        self._reseller.pop((partner_tenant_id, customer_tenant_id), None)

    def set_gdap_relationship(self, relationship: GdapRelationship) -> None:
        self.remove_gdap_relationship(relationship.id)
        self._gdap[relationship.id] = relationship
        pair = (relationship.partner_tenant_id, relationship.customer_tenant_id)
        self._gdap_by_pair.setdefault(pair, {})[relationship.id] = relationship

    def remove_gdap_relationship(self, relationship_id: str) -> None:
        previous = self._gdap.pop(relationship_id, None)
        if previous is not None:
            pair = (previous.partner_tenant_id, previous.customer_tenant_id)
            self._gdap_by_pair.get(pair, {}).pop(previous.id, None)

    def has_delegated_access(self, partner_tenant_id: str, customer_tenant_id: str) -> bool:
        """The rule in `domain.relationships`, over this pair's relationships only."""
        pair = (partner_tenant_id, customer_tenant_id)
        reseller = self._reseller.get(pair)
        gdap = self._gdap_by_pair.get(pair)
        if reseller is None and not gdap:
            return False
        return has_delegated_access(
            partner_tenant_id,
            customer_tenant_id,
            () if reseller is None else (reseller,),
            () if not gdap else gdap.values(),
            self.clock(),
        )

    def customers_of(self, partner_tenant_id: str) -> set[str]:
        """Every customer tenant the partner has any relationship with."""
        customers = {c for (p, c) in self._reseller if p == partner_tenant_id}
        customers |= {
            g.customer_tenant_id
            for g in self._gdap.values()
            if g.partner_tenant_id == partner_tenant_id
        }
        return customers

    def delegated_groups(self, partner_tenant_id: str, customer_tenant_id: str) -> frozenset[str]:
        """The partner groups whose members may sign in to the customer tenant right now:
        AdminAgents and HelpdeskAgents under DAP; under GDAP, the groups of the active
        access assignments of relationships active now (status follows the clock)."""
        groups: set[str] = set()
        reseller = self._reseller.get((partner_tenant_id, customer_tenant_id))
        profile = self._partners.get(partner_tenant_id)
        if reseller is not None and reseller.grants_delegated_access and profile is not None:
            groups.update((profile.admin_agents_id, profile.helpdesk_agents_id))
        now = self.clock()
        pair = (partner_tenant_id, customer_tenant_id)
        for gdap in self._gdap_by_pair.get(pair, {}).values():
            groups.update(a.group_id for a in gdap.granting_assignments(now))
        return frozenset(groups)

    def delegated_directory_roles(
        self, partner_tenant_id: str, customer_tenant_id: str, groups: frozenset[str]
    ) -> frozenset[str]:
        """The Entra roles a partner principal with `groups` holds in the customer tenant."""
        pair = (partner_tenant_id, customer_tenant_id)
        reseller = self._reseller.get(pair)
        return delegated_directory_roles(
            self._partners.get(partner_tenant_id),
            customer_tenant_id,
            groups,
            () if reseller is None else (reseller,),
            self._gdap_by_pair.get(pair, {}).values(),
            self.clock(),
        )
