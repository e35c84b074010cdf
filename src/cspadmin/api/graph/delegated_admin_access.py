"""GDAP access assignments, under `/v1.0/tenantRelationships/delegatedAdminRelationships/
{id}/accessAssignments`: list, create (201 with Location), get, update (PATCH with
If-Match) and delete (204, with If-Match).

Graph provisions an assignment in the background (`pending`, then `active`) and answers a
PATCH with 202 and an operation to poll; here both take effect at once, so a create
answers `active` and a PATCH 200 with the updated assignment.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from cspadmin.api.activity import note_operation
from cspadmin.api.auth import GraphPrincipal
from cspadmin.api.graph import delegated_admin_wire as wire
from cspadmin.api.graph.delegated_admin import BASE, OPERATION, AccessDetailsBody, Body
from cspadmin.api.graph.odata import parse_query
from cspadmin.api.state import state_of
from cspadmin.domain.gdap_lifecycle import InvalidGdapRequest
from cspadmin.services import gdap_access as service
from cspadmin.services.directory.paging import sliced

router = APIRouter()
ASSIGNMENTS = BASE + "/{relationship_id}/accessAssignments"


class AccessContainerBody(Body):
    access_container_id: str
    access_container_type: str = service.SECURITY_GROUP


class AccessAssignmentBody(Body):
    access_container: AccessContainerBody | None = None
    access_details: AccessDetailsBody | None = None

    def details(self) -> AccessDetailsBody:
        if self.access_details is None:
            raise InvalidGdapRequest("The property 'accessDetails' is required.")
        return self.access_details


@router.get(ASSIGNMENTS)
def list_assignments(
    relationship_id: str, request: Request, principal: GraphPrincipal
) -> wire.Json:
    query = parse_query(request, wire.ASSIGNMENTS, filterable=False)
    plane = state_of(request).plane
    found = service.list_assignments(plane, principal.caller, relationship_id)
    page = sliced(found, query.window)
    now = plane.clock()
    items = [wire.selected(wire.assignment_json(a, now), query.select) for a in page.items]
    return wire.collection(request, "accessAssignments", page, items)


@router.post(ASSIGNMENTS, status_code=201)
def create_assignment(
    relationship_id: str,
    body: AccessAssignmentBody,
    request: Request,
    response: Response,
    principal: GraphPrincipal,
) -> wire.Json:
    note_operation(request, f"{OPERATION}/accessAssignments/create", f"{BASE}/{relationship_id}")
    if body.access_container is None:
        raise InvalidGdapRequest("The property 'accessContainer' is required.")
    plane = state_of(request).plane
    assigned = service.create_assignment(
        plane,
        principal.caller,
        relationship_id,
        body.access_container.access_container_id,
        body.access_container.access_container_type,
        body.details().role_ids(),
    )
    response.headers["Location"] = wire.location(
        request, assigned.relationship.id, "accessAssignments", assigned.id
    )
    return {
        "@odata.context": wire.metadata(request, "accessAssignments"),
        **wire.assignment_json(assigned, plane.clock()),
    }


@router.get(ASSIGNMENTS + "/{assignment_id}")
def get_assignment(
    relationship_id: str, assignment_id: str, request: Request, principal: GraphPrincipal
) -> wire.Json:
    query = parse_query(request, wire.ASSIGNMENTS, filterable=False)
    plane = state_of(request).plane
    found = service.get_assignment(plane, principal.caller, relationship_id, assignment_id)
    body = wire.selected(wire.assignment_json(found, plane.clock()), query.select)
    return {"@odata.context": wire.metadata(request, "accessAssignments", True), **body}


@router.patch(ASSIGNMENTS + "/{assignment_id}")
def update_assignment(
    relationship_id: str,
    assignment_id: str,
    body: AccessAssignmentBody,
    request: Request,
    principal: GraphPrincipal,
) -> wire.Json:
    scope = f"{BASE}/{relationship_id}/accessAssignments/{assignment_id}"
    note_operation(request, f"{OPERATION}/accessAssignments/update", scope)
    plane = state_of(request).plane
    assigned = service.update_assignment(
        plane,
        principal.caller,
        relationship_id,
        assignment_id,
        request.headers.get("if-match"),
        body.details().role_ids(),
    )
    return {
        "@odata.context": wire.metadata(request, "accessAssignments", True),
        **wire.assignment_json(assigned, plane.clock()),
    }


@router.delete(ASSIGNMENTS + "/{assignment_id}", status_code=204)
def delete_assignment(
    relationship_id: str, assignment_id: str, request: Request, principal: GraphPrincipal
) -> Response:
    scope = f"{BASE}/{relationship_id}/accessAssignments/{assignment_id}"
    note_operation(request, f"{OPERATION}/accessAssignments/delete", scope)
    service.delete_assignment(
        state_of(request).plane,
        principal.caller,
        relationship_id,
        assignment_id,
        request.headers.get("if-match"),
    )
    return Response(status_code=204)
