"""Graph's JSON for GDAP: delegatedAdminRelationship, delegatedAdminRelationshipRequest and
delegatedAdminAccessAssignment (azure-wire.md §6.5, the v1.0 resource pages).

Every object carries its `@odata.type`; relationships and access assignments their
`@odata.etag`, which PATCH and DELETE must send back in If-Match. Status is rendered as
it is at the moment of the response (`status_at`). Where Graph's examples disagree with
themselves, this picks: `endDateTime` is null until the customer approves (it is
activatedDateTime + duration; the create example's value has no activation to count
from), and `createdDateTime` of a world-file relationship is its activation time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import Request

from cspadmin.api.graph.odata import Queryable
from cspadmin.api.graph.wire import page_of
from cspadmin.domain.gdap import GdapRelationship
from cspadmin.domain.gdap_lifecycle import RelationshipRequest
from cspadmin.services.directory.paging import Page
from cspadmin.services.gdap_access import SECURITY_GROUP, Assigned

Json = dict[str, Any]
MAX_RELATIONSHIP_PAGE = 300
"""`$top` on delegatedAdminRelationships goes up to 300 (the list page)."""
RELATIONSHIPS_PATH = "tenantRelationships/delegatedAdminRelationships"


def when(moment: datetime | None) -> str | None:
    """Graph's DateTimeOffset with its seven fractional digits: 2022-02-10T11:24:42.3148266Z."""
    if moment is None:
        return None
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0Z"


def metadata(request: Request, entity_set: str, entity: bool = False) -> str:
    """`@odata.context`: `…/v1.0/tenantRelationships/$metadata#delegatedAdminRelationships`."""
    suffix = "/$entity" if entity else ""
    return f"{request.base_url}v1.0/tenantRelationships/$metadata#{entity_set}{suffix}"


def location(request: Request, *segments: str) -> str:
    return f"{request.base_url}v1.0/{RELATIONSHIPS_PATH}/{'/'.join(segments)}"


def _roles(role_ids: Sequence[str]) -> Json:
    return {"unifiedRoles": [{"roleDefinitionId": r} for r in role_ids]}


def relationship_json(relationship: GdapRelationship, now: datetime) -> Json:
    r = relationship
    return {
        "@odata.type": "#microsoft.graph.delegatedAdminRelationship",
        "@odata.etag": r.etag,
        "id": r.id,
        "displayName": r.display_name,
        "duration": r.duration,
        "customer": {
            "tenantId": r.customer_tenant_id,
            "displayName": r.customer_display_name or None,
        },
        "accessDetails": _roles(r.role_template_ids),
        "status": r.status_at(now).value,
        "autoExtendDuration": r.auto_extend_duration,
        "createdDateTime": when(r.created_at or r.activated_at),
        "lastModifiedDateTime": when(r.modified_at or r.created_at or r.activated_at),
        "activatedDateTime": when(r.activated_at),
        "endDateTime": when(r.end_at_time(now)),
    }


_ANNOTATIONS = ("@odata.type", "@odata.etag")
RELATIONSHIP_PROPERTIES = (
    "id",
    "displayName",
    "duration",
    "customer",
    "accessDetails",
    "status",
    "autoExtendDuration",
    "createdDateTime",
    "lastModifiedDateTime",
    "activatedDateTime",
    "endDateTime",
)
RELATIONSHIPS = Queryable(
    "delegatedAdminRelationship",
    {"displayName": "display_name", "status": "status", "id": "id"},
    ("displayName",),
    RELATIONSHIP_PROPERTIES,
)


def selected(body: Json, select: Sequence[str] | None) -> Json:
    """The properties `$select` names, with the annotations Graph always sends."""
    if select is None:
        return body
    return {k: v for k, v in body.items() if k in _ANNOTATIONS or k in select}


def request_json(request: RelationshipRequest) -> Json:
    return {
        "@odata.type": "#microsoft.graph.delegatedAdminRelationshipRequest",
        "id": request.id,
        "action": request.action.value,
        "status": request.status.value,
        "createdDateTime": when(request.created_at),
        "lastModifiedDateTime": when(request.modified_at),
    }


def assignment_json(assigned: Assigned, now: datetime) -> Json:
    a = assigned.assignment
    relationship = assigned.relationship
    return {
        "@odata.type": "#microsoft.graph.delegatedAdminAccessAssignment",
        "@odata.etag": assigned.etag,
        "id": assigned.id,
        "status": relationship.assignment_status_at(a, now).value,
        "createdDateTime": when(a.created_at or relationship.activated_at),
        "lastModifiedDateTime": when(a.modified_at or a.created_at or relationship.activated_at),
        "accessContainer": {
            "accessContainerId": a.group_id,
            "accessContainerType": SECURITY_GROUP,
        },
        "accessDetails": _roles(a.role_template_ids),
    }


def collection(request: Request, entity_set: str, page: Page[Any], items: list[Json]) -> Json:
    return page_of(request, metadata(request, entity_set), page, items)


REQUESTS = Queryable(
    "delegatedAdminRelationshipRequest",
    {},
    (),
    ("id", "action", "status", "createdDateTime", "lastModifiedDateTime"),
)
ASSIGNMENTS = Queryable(
    "delegatedAdminAccessAssignment",
    {},
    (),
    (
        "id",
        "status",
        "createdDateTime",
        "lastModifiedDateTime",
        "accessContainer",
        "accessDetails",
    ),
)
