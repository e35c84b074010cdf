"""The partner's side: relationship requests and the customers list."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from cspadmin.api.activity import note_operation
from cspadmin.api.partnercenter import wire
from cspadmin.api.partnercenter.auth import PartnerCenterPrincipal
from cspadmin.api.state import state_of
from cspadmin.domain.relationships import PartnerAction
from cspadmin.services import partner_center

router = APIRouter()


class RelationshipRequestBody(BaseModel):
    delegatedAdmin: bool = True  # Partner Center's field name


@router.get("/customers/relationshiprequests")
def get_relationship_request(request: Request, principal: PartnerCenterPrincipal) -> wire.Json:
    """Partner Center's documented request: the reusable admin-center link (DAP=false)."""
    plane = state_of(request).plane
    partner = partner_center.partner_for(
        plane, principal.caller, PartnerAction.REQUEST_RELATIONSHIP
    )
    return wire.relationship_request(partner)


@router.post("/customers/relationshiprequests", status_code=201)
def create_relationship_request(
    request: Request,
    principal: PartnerCenterPrincipal,
    body: RelationshipRequestBody | None = None,
) -> JSONResponse:
    """A personalized, single-use invitation (default: with DAP) and its draft email."""
    state = state_of(request)
    dap = True if body is None else body.delegatedAdmin
    note_operation(
        request,
        "Microsoft.PartnerCenter/relationshipRequests/write",
        f"/partners/{principal.caller.tenant_id}/relationshipRequests",
    )
    issued = partner_center.request_relationship(state.plane, principal.caller, dap)
    invitation = issued.invitation
    note_operation(
        request,
        "Microsoft.PartnerCenter/relationshipRequests/write",
        f"/partners/{invitation.partner_tenant_id}/relationshipRequests/{invitation.id}",
    )
    url = f"{state.endpoints.authority}/invitations/{issued.token}"
    email = partner_center.draft_email(issued.partner, url, dap, invitation.expires_at)
    return JSONResponse(
        wire.personalized_request(invitation, issued.partner, url, email), status_code=201
    )


@router.get("/customers")
def list_customers(
    request: Request, principal: PartnerCenterPrincipal, size: int | None = None
) -> wire.Json:
    """Every customer at once: `size` is accepted and no `next` link is emitted."""
    customers = partner_center.list_customers(state_of(request).plane, principal.caller)
    items = [wire.customer(c) for c in customers]
    return wire.collection(items, "/customers" + ("" if size is None else f"?size={size}"))


@router.get("/customers/{customer_id}")
def get_customer(
    customer_id: str, request: Request, principal: PartnerCenterPrincipal
) -> wire.Json:
    found = partner_center.get_customer(state_of(request).plane, principal.caller, customer_id)
    return wire.customer(found, detailed=True)
