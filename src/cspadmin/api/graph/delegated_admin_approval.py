"""The customer's side of a GDAP relationship: what its approval link opens.

The partner sends the customer's Global administrator the admin center link
`https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/granularAdminRelationships/{id}`.
That page is no API Graph documents, so locally it is this JSON endpoint, at a path of its
own beside `/v1.0` (never a made-up Graph path), called with the customer user's own Graph
token:

    GET  /adminportal/granularAdminRelationships/{id}            who asks for which roles
    POST /adminportal/granularAdminRelationships/{id}/approve    the Global admin approves
    POST /adminportal/granularAdminRelationships/{id}/terminate  the Global admin ends it

Errors use the `{"error": {"code", "message"}}` envelope. The logic is `services.gdap_approval`'s,
and the web page a person opens offers the same. The view carries both links:
`approvalLink`, the admin center's that Azure hands out, and `localApprovalLink`, its local
stand-in, the page this server serves at the link's fragment made a real path
(`{authority}/partners/invitation/granularAdminRelationships/{id}`, `web/gdap_approval.py`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from cspadmin.api.activity import note_operation
from cspadmin.api.auth import GraphPrincipal
from cspadmin.api.graph import delegated_admin_wire as wire
from cspadmin.api.state import state_of
from cspadmin.services import gdap_approval as service

router = APIRouter(tags=["adminportal"])
BASE = "/adminportal/granularAdminRelationships/{relationship_id}"
OPERATION = "microsoft.directory/delegatedAdminRelationships"


def view_json(request: Request, view: service.ApprovalView) -> wire.Json:
    r, now = view.relationship, view.now
    local = f"{request.base_url}adminportal/granularAdminRelationships/{r.id}"
    return {
        "id": r.id,
        "displayName": r.display_name,
        "status": r.status_at(now).value,
        "partner": {"tenantId": view.partner.id, "displayName": view.partner.display_name},
        "customer": {"tenantId": view.customer.id, "displayName": view.customer.display_name},
        "duration": r.duration,
        "autoExtendDuration": r.auto_extend_duration,
        "roles": [
            {
                "roleDefinitionId": role_id,
                "displayName": role.display_name,
                "description": role.description,
            }
            for role_id, role in view.requested_roles
            if role is not None
        ],
        "createdDateTime": wire.when(r.created_at or r.activated_at),
        "activatedDateTime": wire.when(r.activated_at),
        "endDateTime": wire.when(r.end_at_time(now)),
        "approvalLink": view.link,
        "localApprovalLink": service.local_approval_link(
            state_of(request).endpoints.authority, r.id
        ),
        "callerMayApprove": view.caller_may_approve,
        "approveUrl": f"{local}/approve",
        "terminateUrl": f"{local}/terminate",
    }


@router.get(BASE)
def open_relationship(
    relationship_id: str, request: Request, principal: GraphPrincipal
) -> wire.Json:
    plane = state_of(request).plane
    return view_json(request, service.open_approval(plane, principal.caller, relationship_id))


@router.post(BASE + "/approve")
def approve(relationship_id: str, request: Request, principal: GraphPrincipal) -> wire.Json:
    note_operation(
        request, f"{OPERATION}/approve/action", f"/{wire.RELATIONSHIPS_PATH}/{relationship_id}"
    )
    plane = state_of(request).plane
    return view_json(request, service.approve(plane, principal.caller, relationship_id))


@router.post(BASE + "/terminate")
def terminate(relationship_id: str, request: Request, principal: GraphPrincipal) -> wire.Json:
    note_operation(
        request, f"{OPERATION}/terminate/action", f"/{wire.RELATIONSHIPS_PATH}/{relationship_id}"
    )
    plane = state_of(request).plane
    view = service.terminate_as_customer(plane, principal.caller, relationship_id)
    return view_json(request, view)
