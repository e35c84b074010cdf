"""Invitations: the personalized, single-use link a partner sends to ask for a reseller
relationship (with or without DAP), and the rule for accepting one.

Only the SHA-256 of the link's token is ever kept, so the store cannot hand out a usable
link. An invitation is bound to its partner and its DAP choice; the first customer whose
Global Administrator accepts it uses it up.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cspadmin.domain.relationships import RelationshipState, ResellerRelationship

INVITATION_LIFETIME = timedelta(days=90)


def token_hash(token: str) -> str:
    """What the store keeps of a link's token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class InvitationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"


class Acceptance(enum.Enum):
    """What accepting an invitation does for a given customer tenant, at a given time."""

    GRANT = "grant"
    ALREADY_ACCEPTED = "alreadyAccepted"
    """Used before by this same customer: harmless, nothing changes."""
    USED = "used"
    EXPIRED = "expired"
    OWN_PARTNER = "ownPartner"
    """A partner cannot be its own customer."""


@dataclass(frozen=True, slots=True)
class Invitation:
    id: str
    token_hash: str
    partner_tenant_id: str
    dap: bool
    created_by: str
    created_at: datetime
    expires_at: datetime
    customer_tenant_id: str | None = None
    accepted_by: str | None = None
    accepted_at: datetime | None = None

    def status_at(self, now: datetime) -> InvitationStatus:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if now >= self.expires_at:
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    def acceptance(self, customer_tenant_id: str, now: datetime) -> Acceptance:
        if self.accepted_at is not None:
            if self.customer_tenant_id == customer_tenant_id:
                return Acceptance.ALREADY_ACCEPTED
            return Acceptance.USED
        if customer_tenant_id == self.partner_tenant_id:
            return Acceptance.OWN_PARTNER
        if now >= self.expires_at:
            return Acceptance.EXPIRED
        return Acceptance.GRANT

    def accepted(self, customer_tenant_id: str, user_id: str, now: datetime) -> Invitation:
        return replace(
            self, customer_tenant_id=customer_tenant_id, accepted_by=user_id, accepted_at=now
        )


def new_invitation(
    invitation_id: str,
    token: str,
    partner_tenant_id: str,
    dap: bool,
    created_by: str,
    now: datetime,
) -> Invitation:
    return Invitation(
        id=invitation_id,
        token_hash=token_hash(token),
        partner_tenant_id=partner_tenant_id,
        dap=dap,
        created_by=created_by,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )


def granted_relationship(
    invitation: Invitation, customer_tenant_id: str, existing: ResellerRelationship | None
) -> ResellerRelationship:
    """The relationship after acceptance: created or reactivated; DAP added when asked for,
    never taken away by accepting a link that did not ask for it."""
    kept_dap = existing is not None and existing.state is RelationshipState.ACTIVE and existing.dap
    return ResellerRelationship(
        invitation.partner_tenant_id,
        customer_tenant_id,
        dap=invitation.dap or kept_dap,
        state=RelationshipState.ACTIVE,
    )
