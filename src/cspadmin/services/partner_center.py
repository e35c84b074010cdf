"""Partner Center use cases: who in a partner may do what, relationship requests
(personalized invitations), their acceptance by a customer's Global Administrator, and
what the customer can later take back.

Refusals are leaves of the error tree (`cspadmin.errors`), defined here because only these
use cases raise them; `api/errors.py` renders them in Partner Center's envelope:

    CspadminError
    ├── PartnerRoleRequired          403  900150  the partner user's role lacks the right
    ├── NotAPartner                  403  2032    the caller's tenant is no CSP partner
    ├── GlobalAdministratorRequired  403          only the customer's Global Administrator
    ├── CustomerNotFound             404  1000
    ├── RelationshipNotFound         404
    ├── InvitationNotFound           404          a forged (or mistyped) link
    └── InvitationRefused            400          expired, used, or the partner's own
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import Connection

from cspadmin.authz.decision import Caller
from cspadmin.domain.directory import Tenant
from cspadmin.domain.invitations import (
    Acceptance,
    Invitation,
    granted_relationship,
    new_invitation,
    token_hash,
)
from cspadmin.domain.relationships import (
    PartnerAction,
    RelationshipState,
    ResellerRelationship,
    may_perform,
    partner_center_roles,
    roles_permitted,
)
from cspadmin.errors import CspadminError
from cspadmin.services.control_plane import Change, ControlPlane
from cspadmin.services.directory.rules import is_own_global_admin
from cspadmin.store.directory import get_tenant
from cspadmin.store.invitations import find_invitation, save_invitation, use_invitation
from cspadmin.store.journal import Fact, reseller_key
from cspadmin.store.relationships import (
    get_reseller_relationship,
    list_reseller_relationships,
    save_reseller_relationship,
)


class PartnerRoleRequired(CspadminError):
    code = "900150"
    status = 403

    def __init__(self, action: PartnerAction) -> None:
        allowed = " or ".join(sorted(roles_permitted(action)))
        super().__init__(
            f"Your role doesn't have rights to {action}. This needs one of: {allowed}."
        )


class NotAPartner(CspadminError):
    code = "2032"
    status = 403

    def __init__(self) -> None:
        super().__init__(
            "Access denied: the signed-in user's tenant is not a Partner Center partner."
        )


class GlobalAdministratorRequired(CspadminError):
    code = "GlobalAdministratorRequired"
    status = 403

    def __init__(self, tenant: Tenant, what: str) -> None:
        super().__init__(
            f"Only a Global Administrator of '{tenant.display_name}' can {what}. Sign in "
            "with an account that holds the Global Administrator role in that directory."
        )


class CustomerNotFound(CspadminError):
    code = "1000"
    status = 404

    def __init__(self, customer_id: str) -> None:
        super().__init__(f"Customer '{customer_id}' was not found among your customers.")


class RelationshipNotFound(CspadminError):
    code = "RelationshipNotFound"
    status = 404

    def __init__(self, partner_id: str) -> None:
        super().__init__(f"Your organization has no relationship with partner '{partner_id}'.")


class InvitationNotFound(CspadminError):
    code = "InvitationNotFound"
    status = 404

    def __init__(self) -> None:
        super().__init__("This invitation link is not valid. Ask your partner for a new one.")


class InvitationRefused(CspadminError):
    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_REFUSALS = {
    Acceptance.EXPIRED: (
        "InvitationExpired",
        "This invitation link has expired. Ask your partner for a new one.",
    ),
    Acceptance.USED: (
        "InvitationAlreadyUsed",
        "This invitation link has already been used. Ask your partner for a new one.",
    ),
    Acceptance.OWN_PARTNER: (
        "InvitationForOwnPartner",
        "A partner cannot accept its own relationship request.",
    ),
}


# -- the partner side ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    """A new invitation and its token: the only time the token exists outside the link."""

    invitation: Invitation
    token: str
    partner: Tenant


@dataclass(frozen=True, slots=True)
class Customer:
    tenant: Tenant
    relationship: ResellerRelationship


def partner_for(plane: ControlPlane, caller: Caller, action: PartnerAction) -> Tenant:
    """The caller's partner tenant, once Partner Center's role rule allows `action`."""
    with plane.database.connect() as connection:
        tenant = get_tenant(connection, caller.tenant_id)
        if caller.is_foreign or tenant is None or tenant.partner is None:
            raise NotAPartner()
        global_admin = is_own_global_admin(plane, connection, caller)
    groups = plane.engine.groups_of(caller.object_id)
    roles = partner_center_roles(tenant.partner, groups, global_admin)
    if not may_perform(action, roles):
        raise PartnerRoleRequired(action)
    return tenant


def request_relationship(plane: ControlPlane, caller: Caller, dap: bool) -> IssuedInvitation:
    partner = partner_for(plane, caller, PartnerAction.REQUEST_RELATIONSHIP)
    token = secrets.token_urlsafe(32)
    invitation = new_invitation(
        str(uuid.uuid4()), token, partner.id, dap, caller.object_id, plane.clock()
    )
    with plane.change() as change:
        save_invitation(change.connection, invitation)
    return IssuedInvitation(invitation, token, partner)


def list_customers(plane: ControlPlane, caller: Caller) -> list[Customer]:
    partner = partner_for(plane, caller, PartnerAction.VIEW_CUSTOMERS)
    with plane.database.connect() as connection:
        active = [
            r
            for r in list_reseller_relationships(connection)
            if r.partner_tenant_id == partner.id and r.state is RelationshipState.ACTIVE
        ]
        tenants = {
            r.customer_tenant_id: get_tenant(connection, r.customer_tenant_id) for r in active
        }
    return sorted(
        (Customer(t, r) for r in active if (t := tenants[r.customer_tenant_id]) is not None),
        key=lambda c: c.tenant.display_name.lower(),
    )


def get_customer(plane: ControlPlane, caller: Caller, customer_id: str) -> Customer:
    for customer in list_customers(plane, caller):
        if customer.tenant.id == customer_id.lower():
            return customer
    raise CustomerNotFound(customer_id)


@dataclass(frozen=True, slots=True)
class DraftEmail:
    subject: str
    body: str

    @property
    def mailto(self) -> str:
        """The "Open in email" link: no recipient, the partner fills it in."""
        return f"mailto:?subject={quote(self.subject, safe='')}&body={quote(self.body, safe='')}"


def draft_email(partner: Tenant, link: str, dap: bool, expires_at: datetime) -> DraftEmail:
    """The invitation email Partner Center drafts; the link must be kept as it is."""
    asked = (
        "to become your Microsoft Cloud Solution Provider and to be granted delegated "
        "administration privileges for Microsoft Entra ID and Microsoft 365"
        if dap
        else "to become your Microsoft Cloud Solution Provider"
    )
    body = "\n".join(
        (
            "Hello,",
            "",
            f"{partner.display_name} would like {asked}.",
            "",
            "To accept, a Global Administrator of your organization should open this link, "
            "sign in and accept the invitation:",
            "",
            link,
            "",
            f"The link is personal to {partner.display_name}, can be used once, and expires "
            f"on {expires_at.strftime('%Y-%m-%d')}.",
            "",
            "Regards,",
            partner.display_name,
        )
    )
    subject = f"{partner.display_name} would like to be your Cloud Solution Provider"
    return DraftEmail(subject, body)


# -- the customer side -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvitationView:
    """What the link shows a signed-in customer user."""

    invitation: Invitation
    partner: Tenant
    customer: Tenant
    caller_may_accept: bool
    now: datetime
    relationship: ResellerRelationship | None = None
    """What the customer already has with this partner, if anything."""

    @property
    def already_reseller(self) -> bool:
        return self.relationship is not None and self.relationship.state is RelationshipState.ACTIVE


def open_invitation(plane: ControlPlane, caller: Caller, token: str) -> InvitationView:
    with plane.database.connect() as connection:
        invitation = find_invitation(connection, token_hash(token))
        if invitation is None:
            raise InvitationNotFound()
        partner = get_tenant(connection, invitation.partner_tenant_id)
        customer = get_tenant(connection, caller.tenant_id)
        assert partner is not None and customer is not None
        may_accept = is_own_global_admin(plane, connection, caller)
        existing = get_reseller_relationship(connection, partner.id, customer.id)
    return InvitationView(invitation, partner, customer, may_accept, plane.clock(), existing)


def accept_invitation(
    plane: ControlPlane, caller: Caller, token: str
) -> tuple[Invitation, ResellerRelationship]:
    """Grant what the invitation asks for. Expired, used and forged links change nothing;
    accepting again from the same customer answers the relationship as it is."""
    with plane.change() as change:
        connection = change.connection
        invitation = find_invitation(connection, token_hash(token))
        if invitation is None:
            raise InvitationNotFound()
        customer = customer_global_admin(plane, connection, caller, "accept this invitation")
        existing = get_reseller_relationship(connection, invitation.partner_tenant_id, customer.id)
        now = plane.clock()
        outcome = invitation.acceptance(customer.id, now)
        if outcome is Acceptance.ALREADY_ACCEPTED and existing is not None:
            return invitation, existing
        if outcome in _REFUSALS:
            raise InvitationRefused(*_REFUSALS[outcome])
        accepted = invitation.accepted(customer.id, caller.object_id, now)
        if not use_invitation(connection, accepted):
            raise InvitationRefused(*_REFUSALS[Acceptance.USED])
        relationship = granted_relationship(invitation, customer.id, existing)
        _save(change, relationship)
    return accepted, relationship


def remove_delegated_access(
    plane: ControlPlane, caller: Caller, partner_id: str
) -> ResellerRelationship:
    """The customer takes DAP back; the commercial relationship stays."""
    return _change_relationship(plane, caller, partner_id, "remove delegated admin privileges")


def end_relationship(plane: ControlPlane, caller: Caller, partner_id: str) -> ResellerRelationship:
    """The customer ends the reseller relationship (and with it any DAP)."""
    return _change_relationship(plane, caller, partner_id, "end the reseller relationship")


def _change_relationship(
    plane: ControlPlane, caller: Caller, partner_id: str, what: str
) -> ResellerRelationship:
    with plane.change() as change:
        customer = customer_global_admin(plane, change.connection, caller, what)
        existing = get_reseller_relationship(change.connection, partner_id.lower(), customer.id)
        if existing is None or existing.state is not RelationshipState.ACTIVE:
            raise RelationshipNotFound(partner_id)
        ending = what.startswith("end")
        relationship = ResellerRelationship(
            existing.partner_tenant_id,
            existing.customer_tenant_id,
            dap=False,
            state=RelationshipState.TERMINATED if ending else RelationshipState.ACTIVE,
        )
        _save(change, relationship)
    return relationship


def _save(change: Change, relationship: ResellerRelationship) -> None:
    save_reseller_relationship(change.connection, relationship)
    key = reseller_key(relationship.partner_tenant_id, relationship.customer_tenant_id)
    change.touched(Fact.RESELLER_RELATIONSHIP, key)


def customer_global_admin(
    plane: ControlPlane, connection: Connection, caller: Caller, what: str
) -> Tenant:
    """The caller's own tenant, once the caller is known to be its Global Administrator
    (`GlobalAdministratorRequired`, saying it was needed to `what`, if not): the customer's
    decisions about its partners are its own, never a delegated caller's."""
    customer = get_tenant(connection, caller.tenant_id)
    assert customer is not None
    if not is_own_global_admin(plane, connection, caller):
        raise GlobalAdministratorRequired(customer, what)
    return customer
