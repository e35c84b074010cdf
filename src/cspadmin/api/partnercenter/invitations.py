"""The customer's side: opening and accepting an invitation, and taking back what was given.

The link's token is a secret, so nothing here lets it reach the activity log: the
operation and scope are named (by the token's hash) before the caller is even checked.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from cspadmin.api.activity import note_operation
from cspadmin.api.auth import Principal
from cspadmin.api.partnercenter import wire
from cspadmin.api.partnercenter.auth import PartnerCenterPrincipal, partner_center_principal
from cspadmin.api.state import state_of
from cspadmin.domain.directory import Tenant
from cspadmin.domain.invitations import token_hash
from cspadmin.domain.relationships import ResellerRelationship
from cspadmin.services import partner_center
from cspadmin.store.directory import get_tenant

router = APIRouter()
ACCEPT = "Microsoft.PartnerCenter/invitations/accept/action"


@router.get("/invitations/{token}")
def open_invitation(token: str, request: Request, principal: PartnerCenterPrincipal) -> wire.Json:
    view = partner_center.open_invitation(state_of(request).plane, principal.caller, token)
    return wire.invitation(view, f"/invitations/{token}/accept")


@router.post("/invitations/{token}/accept")
def accept_invitation(token: str, request: Request) -> wire.Json:
    note_operation(request, ACCEPT, f"/invitations/{token_hash(token)}")
    principal: Principal = partner_center_principal(request)
    plane = state_of(request).plane
    invitation, relationship = partner_center.accept_invitation(plane, principal.caller, token)
    note_operation(
        request, ACCEPT, f"/partners/{invitation.partner_tenant_id}/invitations/{invitation.id}"
    )
    return wire.relationship(relationship, _partner(request, relationship))


@router.post("/partnerRelationships/{partner_id}/removeDelegatedAdminPrivileges")
def remove_delegated_access(
    partner_id: str, request: Request, principal: PartnerCenterPrincipal
) -> wire.Json:
    note_operation(
        request,
        "Microsoft.PartnerCenter/partnerRelationships/removeDelegatedAdminPrivileges/action",
        f"/partners/{partner_id}/customers/{principal.caller.tenant_id}",
    )
    plane = state_of(request).plane
    relationship = partner_center.remove_delegated_access(plane, principal.caller, partner_id)
    return wire.relationship(relationship, _partner(request, relationship))


@router.post("/partnerRelationships/{partner_id}/terminate")
def end_relationship(
    partner_id: str, request: Request, principal: PartnerCenterPrincipal
) -> wire.Json:
    note_operation(
        request,
        "Microsoft.PartnerCenter/partnerRelationships/terminate/action",
        f"/partners/{partner_id}/customers/{principal.caller.tenant_id}",
    )
    plane = state_of(request).plane
    relationship = partner_center.end_relationship(plane, principal.caller, partner_id)
    return wire.relationship(relationship, _partner(request, relationship))


def _partner(request: Request, relationship: ResellerRelationship) -> Tenant:
    with state_of(request).plane.database.connect() as connection:
        partner = get_tenant(connection, relationship.partner_tenant_id)
    assert partner is not None
    return partner
