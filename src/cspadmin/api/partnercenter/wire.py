"""Partner Center's JSON shapes (partner-center-wire.md §1–§3), built from the domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cspadmin.domain.directory import Tenant
from cspadmin.domain.invitations import Invitation
from cspadmin.domain.relationships import RelationshipState, ResellerRelationship
from cspadmin.services.partner_center import Customer, DraftEmail, InvitationView

Json = dict[str, Any]
ADMIN_CENTER = "https://admin.microsoft.com/Adminportal/Home"


def link(uri: str, method: str = "GET") -> Json:
    return {"uri": uri, "method": method, "headers": []}


def timestamp(at: datetime | None) -> str | None:
    return None if at is None else at.strftime("%Y-%m-%dT%H:%M:%SZ")


def admin_center_url(partner: Tenant, dap: bool) -> str:
    """The admin-center invitation URL form: partner only, reusable for any customer."""
    return (
        f"{ADMIN_CENTER}?invType=ResellerRelationship&partnerId={partner.id}"
        f"&msppId=0&DAP={'true' if dap else 'false'}#/BillingAccounts/partner-invitation"
    )


def relationship_request(partner: Tenant) -> Json:
    return {
        "url": admin_center_url(partner, dap=False),
        "attributes": {"objectType": "RelationshipRequest"},
    }


def personalized_request(
    invitation: Invitation, partner: Tenant, invitation_url: str, email: DraftEmail
) -> Json:
    return {
        "id": invitation.id,
        "url": admin_center_url(partner, invitation.dap),
        "invitationUrl": invitation_url,
        "delegatedAdmin": invitation.dap,
        "createdDateTime": timestamp(invitation.created_at),
        "expiresDateTime": timestamp(invitation.expires_at),
        "email": {"subject": email.subject, "body": email.body, "mailto": email.mailto},
        "attributes": {"objectType": "RelationshipRequest"},
    }


def relationship_to_partner(relationship: ResellerRelationship) -> str:
    return "reseller" if relationship.state is RelationshipState.ACTIVE else "none"


def customer(item: Customer, *, detailed: bool = False) -> Json:
    tenant = item.tenant
    body: Json = {
        "id": tenant.id,
        "companyProfile": {
            "tenantId": tenant.id,
            "domain": tenant.default_domain,
            "companyName": tenant.display_name,
            "attributes": {"objectType": "CustomerCompanyProfile"},
        },
        "relationshipToPartner": relationship_to_partner(item.relationship),
        "allowDelegatedAccess": item.relationship.grants_delegated_access,
        "links": {"self": link(f"/customers/{tenant.id}")},
        "attributes": {"objectType": "Customer"},
    }
    if detailed:
        body["customDomains"] = list(tenant.all_domains())
    return body


def collection(items: list[Json], self_uri: str) -> Json:
    return {
        "totalCount": len(items),
        "items": items,
        "links": {"self": link(self_uri)},
        "attributes": {"objectType": "Collection"},
    }


def partner_profile(partner: Tenant) -> Json:
    return {
        "tenantId": partner.id,
        "companyName": partner.display_name,
        "domain": partner.default_domain,
        "mpnId": partner.partner.partner_id if partner.partner else None,
    }


def relationship(item: ResellerRelationship, partner: Tenant) -> Json:
    return {
        "partner": partner_profile(partner),
        "customerTenantId": item.customer_tenant_id,
        "relationshipToPartner": relationship_to_partner(item),
        "allowDelegatedAccess": item.grants_delegated_access,
        "state": item.state.value,
        "attributes": {"objectType": "ResellerRelationship"},
    }


def invitation(view: InvitationView, accept_uri: str) -> Json:
    inv = view.invitation
    asked = "a reseller relationship" + (
        " with delegated administration privileges" if inv.dap else " without admin privileges"
    )
    return {
        "id": inv.id,
        "partner": partner_profile(view.partner),
        "relationshipType": "reseller",
        "delegatedAdmin": inv.dap,
        "summary": f"{view.partner.display_name} asks {view.customer.display_name} for {asked}.",
        "status": inv.status_at(view.now).value,
        "expiresDateTime": timestamp(inv.expires_at),
        "acceptedDateTime": timestamp(inv.accepted_at),
        "requiredRole": "Global Administrator",
        "canAccept": view.caller_may_accept,
        "links": {"accept": link(accept_uri, "POST")},
        "attributes": {"objectType": "Invitation"},
    }
