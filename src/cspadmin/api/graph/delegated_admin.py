"""GDAP relationships and their requests, under `/v1.0/tenantRelationships/
delegatedAdminRelationships`: list, create (201 with Location), get, update (PATCH, only
while `created`, with If-Match), delete (204, only while `created`), and the partner's
requests on one (`lockForApproval`, `terminate`; 201 with Location), listed and read.

Bodies are Graph's; unknown properties are ignored. Lists take `$filter` (displayName,
status or id, with `eq`; displayName also with `startswith`), `$select`, `$top` (up to 300)
and `$count`, and page with `@odata.nextLink`. Access assignments are in
`delegated_admin_access`, the customer's approval in `delegated_admin_approval`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from cspadmin.api.activity import note_operation
from cspadmin.api.auth import GraphPrincipal
from cspadmin.api.graph import delegated_admin_wire as wire
from cspadmin.api.graph.odata import bad_request, parse_query
from cspadmin.api.state import state_of
from cspadmin.domain.gdap import NO_AUTO_EXTEND
from cspadmin.domain.gdap_lifecycle import (
    InvalidGdapRequest,
    RelationshipChanges,
    RelationshipDraft,
)
from cspadmin.services import gdap as service
from cspadmin.services.directory.paging import sliced

router = APIRouter()
BASE = f"/{wire.RELATIONSHIPS_PATH}"
OPERATION = "microsoft.directory/delegatedAdminRelationships"


class Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class UnifiedRoleBody(Body):
    role_definition_id: str


class AccessDetailsBody(Body):
    unified_roles: list[UnifiedRoleBody]

    def role_ids(self) -> tuple[str, ...]:
        return tuple(r.role_definition_id for r in self.unified_roles)


class CustomerBody(Body):
    tenant_id: str | None = None
    display_name: str | None = None


class RelationshipBody(Body):
    display_name: str | None = None
    duration: str | None = None
    customer: CustomerBody | None = None
    access_details: AccessDetailsBody | None = None
    auto_extend_duration: str | None = None

    def draft(self) -> RelationshipDraft:
        customer = self.customer.tenant_id if self.customer else None
        for name, value in (
            ("displayName", self.display_name),
            ("duration", self.duration),
            ("customer.tenantId", customer),
            ("accessDetails", self.access_details),
        ):
            if value is None:
                raise InvalidGdapRequest(f"The property '{name}' is required.")
        assert self.display_name is not None and self.duration is not None
        assert customer is not None and self.access_details is not None
        return RelationshipDraft(
            display_name=self.display_name,
            duration=self.duration,
            customer_tenant_id=customer,
            role_ids=self.access_details.role_ids(),
            auto_extend_duration=self.auto_extend_duration or NO_AUTO_EXTEND,
            customer_display_name=self.customer.display_name if self.customer else None,
        )

    def changes(self) -> RelationshipChanges:
        customer = self.customer or CustomerBody()
        return RelationshipChanges(
            display_name=self.display_name,
            duration=self.duration,
            customer_tenant_id=customer.tenant_id,
            customer_display_name=customer.display_name,
            role_ids=self.access_details.role_ids() if self.access_details else None,
            auto_extend_duration=self.auto_extend_duration,
        )


class RequestBody(Body):
    action: str | None = None


# -- relationships ---------------------------------------------------------------------------


@router.get(BASE)
def list_relationships(request: Request, principal: GraphPrincipal) -> wire.Json:
    query = parse_query(request, wire.RELATIONSHIPS)
    if query.window.size > wire.MAX_RELATIONSHIP_PAGE:
        raise bad_request(
            f"Invalid page size specified: '{query.window.size}'. Must be between 1 and "
            f"{wire.MAX_RELATIONSHIP_PAGE} inclusive."
        )
    plane = state_of(request).plane
    page = service.list_relationships(plane, principal.caller, query.match, query.window)
    now = plane.clock()
    items = [wire.selected(wire.relationship_json(r, now), query.select) for r in page.items]
    return wire.collection(request, "delegatedAdminRelationships", page, items)


@router.post(BASE, status_code=201)
def create_relationship(
    body: RelationshipBody, request: Request, response: Response, principal: GraphPrincipal
) -> wire.Json:
    note_operation(request, f"{OPERATION}/create", BASE)
    plane = state_of(request).plane
    relationship = service.create_relationship(plane, principal.caller, body.draft())
    note_operation(request, f"{OPERATION}/create", f"{BASE}/{relationship.id}")
    response.headers["Location"] = wire.location(request, relationship.id)
    return {
        "@odata.context": wire.metadata(request, "delegatedAdminRelationships"),
        **wire.relationship_json(relationship, plane.clock()),
    }


@router.get(BASE + "/{relationship_id}")
def get_relationship(
    relationship_id: str, request: Request, principal: GraphPrincipal
) -> wire.Json:
    query = parse_query(request, wire.RELATIONSHIPS, filterable=False)
    plane = state_of(request).plane
    relationship = service.get_relationship(plane, principal.caller, relationship_id)
    body = wire.selected(wire.relationship_json(relationship, plane.clock()), query.select)
    return {"@odata.context": wire.metadata(request, "delegatedAdminRelationships", True), **body}


@router.patch(BASE + "/{relationship_id}")
def update_relationship(
    relationship_id: str, body: RelationshipBody, request: Request, principal: GraphPrincipal
) -> wire.Json:
    note_operation(request, f"{OPERATION}/update", f"{BASE}/{relationship_id}")
    plane = state_of(request).plane
    relationship = service.update_relationship(
        plane, principal.caller, relationship_id, request.headers.get("if-match"), body.changes()
    )
    return {
        "@odata.context": wire.metadata(request, "delegatedAdminRelationships", True),
        **wire.relationship_json(relationship, plane.clock()),
    }


@router.delete(BASE + "/{relationship_id}", status_code=204)
def delete_relationship(
    relationship_id: str, request: Request, principal: GraphPrincipal
) -> Response:
    note_operation(request, f"{OPERATION}/delete", f"{BASE}/{relationship_id}")
    plane = state_of(request).plane
    if_match = request.headers.get("if-match")
    service.delete_relationship(plane, principal.caller, relationship_id, if_match)
    return Response(status_code=204)


# -- requests --------------------------------------------------------------------------------


@router.get(BASE + "/{relationship_id}/requests")
def list_requests(relationship_id: str, request: Request, principal: GraphPrincipal) -> wire.Json:
    query = parse_query(request, wire.REQUESTS, filterable=False)
    plane = state_of(request).plane
    page = sliced(service.list_requests(plane, principal.caller, relationship_id), query.window)
    items = [wire.selected(wire.request_json(r), query.select) for r in page.items]
    return wire.collection(request, "requests", page, items)


@router.post(BASE + "/{relationship_id}/requests", status_code=201)
def create_request(
    relationship_id: str,
    body: RequestBody,
    request: Request,
    response: Response,
    principal: GraphPrincipal,
) -> wire.Json:
    note_operation(request, f"{OPERATION}/requests/create", f"{BASE}/{relationship_id}")
    if body.action is None:
        raise InvalidGdapRequest("The property 'action' is required.")
    plane = state_of(request).plane
    created = service.create_request(plane, principal.caller, relationship_id, body.action)
    response.headers["Location"] = wire.location(request, relationship_id, "requests", created.id)
    return {"@odata.context": wire.metadata(request, "requests"), **wire.request_json(created)}


@router.get(BASE + "/{relationship_id}/requests/{request_id}")
def get_request(
    relationship_id: str, request_id: str, request: Request, principal: GraphPrincipal
) -> wire.Json:
    query = parse_query(request, wire.REQUESTS, filterable=False)
    plane = state_of(request).plane
    found = service.get_request(plane, principal.caller, relationship_id, request_id)
    body = wire.selected(wire.request_json(found), query.select)
    return {"@odata.context": wire.metadata(request, "requests", True), **body}
