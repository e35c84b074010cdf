"""GDAP use cases, the partner's side: its delegated admin relationships and its requests
on them (lockForApproval, terminate). The customer's approval through the relationship's
link is `services.gdap_approval`'s; access assignments are `services.gdap_access`'s.

Who may call: a user of a CSP partner tenant who is its Global admin or an Admin agent
(Partner Center's rule: `partner_center.partner_for`, ADMINISTER_CUSTOMERS); another
partner's relationship is simply not found.

Every write goes through `ControlPlane.change()`, and the engine's delegations learn the
new relationship once it is committed: a change is in force from the very next request.

Refusals, besides those of `domain.gdap_lifecycle`, `domain.gdap_access` and the
partner-role ones of `services.partner_center` (rendered in Graph's envelope):

    CspadminError
    ├── IfMatchRequired       400  badRequest          PATCH and DELETE need the entity tag
    ├── GdapNotFound          404  notFound
    └── PreconditionFailed    412  preconditionFailed  the entity tag is not the current one
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection

from cspadmin.authz.decision import Caller
from cspadmin.domain.directory import Tenant
from cspadmin.domain.gdap import GdapRelationship
from cspadmin.domain.gdap_lifecycle import (
    InvalidGdapRequest,
    RelationshipChanges,
    RelationshipDraft,
    RelationshipRequest,
    check_deletable,
    check_unique_name,
    new_relationship,
    parse_action,
    requested,
    requests_of,
    updated,
)
from cspadmin.domain.relationships import PartnerAction
from cspadmin.errors import CspadminError
from cspadmin.services.control_plane import Change, ControlPlane
from cspadmin.services.directory.paging import Page, Window, sliced
from cspadmin.services.partner_center import partner_for
from cspadmin.store.directory import get_tenant
from cspadmin.store.directory_profiles import Match
from cspadmin.store.journal import Fact
from cspadmin.store.relationships import (
    delete_gdap_relationship,
    get_gdap_relationship,
    list_gdap_relationships,
    save_gdap_relationship,
)


class IfMatchRequired(CspadminError):
    code = "badRequest"
    status = 400

    def __init__(self) -> None:
        super().__init__(
            "The If-Match header is required: send the @odata.etag from a GET or LIST."
        )


class GdapNotFound(CspadminError):
    code = "notFound"
    status = 404

    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"The {what} '{key}' was not found.")


class PreconditionFailed(CspadminError):
    code = "preconditionFailed"
    status = 412

    def __init__(self) -> None:
        super().__init__(
            "The If-Match entity tag does not match the current one: the object has changed "
            "since it was read. Read it again and retry."
        )


# -- shared with `gdap_approval` and `gdap_access` -------------------------------------------


def partner_tenant(plane: ControlPlane, caller: Caller) -> Tenant:
    return partner_for(plane, caller, PartnerAction.ADMINISTER_CUSTOMERS)


def own_relationship(
    connection: Connection, partner: Tenant, relationship_id: str, *, for_update: bool = False
) -> GdapRelationship:
    found = get_gdap_relationship(connection, relationship_id.lower(), for_update=for_update)
    if found is None or found.partner_tenant_id != partner.id:
        raise GdapNotFound("delegated admin relationship", relationship_id)
    return found


def check_etag(current: str, if_match: str | None) -> None:
    if if_match is None or not if_match.strip():
        raise IfMatchRequired()
    if if_match.strip() not in ("*", current):
        raise PreconditionFailed()


def publish(change: Change, relationship: GdapRelationship) -> None:
    """Save the relationship; the engine learns it once the change has committed."""
    save_gdap_relationship(change.connection, relationship)
    change.touched(Fact.GDAP_RELATIONSHIP, relationship.id)


def _customer(connection: Connection, partner: Tenant, tenant_id: str) -> Tenant:
    try:
        key = str(uuid.UUID(tenant_id))
    except ValueError:
        raise InvalidGdapRequest(
            f"The customer tenantId '{tenant_id}' is not a tenant id (a GUID)."
        ) from None
    customer = get_tenant(connection, key)
    if customer is None:
        raise InvalidGdapRequest(f"The customer tenant '{tenant_id}' was not found.")
    if customer.id == partner.id:
        raise InvalidGdapRequest("A partner cannot be its own customer.")
    return customer


# -- relationships ---------------------------------------------------------------------------


def create_relationship(
    plane: ControlPlane, caller: Caller, draft: RelationshipDraft
) -> GdapRelationship:
    partner = partner_tenant(plane, caller)
    now = plane.clock()
    with plane.change() as change:
        customer = _customer(change.connection, partner, draft.customer_tenant_id)
        relationship = new_relationship(
            f"{uuid.uuid4()}-{customer.id}",
            partner.id,
            replace(
                draft,
                customer_tenant_id=customer.id,
                customer_display_name=draft.customer_display_name or customer.display_name,
            ),
            now,
        )
        existing = list_gdap_relationships(change.connection, partner.id)
        check_unique_name(relationship.display_name, existing)
        publish(change, relationship)
    return relationship


def list_relationships(
    plane: ControlPlane, caller: Caller, match: Match | None, window: Window
) -> Page[GdapRelationship]:
    partner = partner_tenant(plane, caller)
    with plane.database.connect() as connection:
        found = list_gdap_relationships(connection, partner.id)
    now = plane.clock()
    return sliced([r for r in found if _matches(r, match, now)], window)


def _matches(relationship: GdapRelationship, match: Match | None, now: datetime) -> bool:
    """Graph's `eq` and `startswith`, ignoring case, on displayName, status or id."""
    if match is None:
        return True
    values: dict[str, Callable[[], str]] = {
        "display_name": lambda: relationship.display_name,
        "status": lambda: relationship.status_at(now).value,
        "id": lambda: relationship.id,
    }
    value, wanted = values[match.field]().lower(), match.value.lower()
    return value.startswith(wanted) if match.prefix else value == wanted


def get_relationship(plane: ControlPlane, caller: Caller, relationship_id: str) -> GdapRelationship:
    partner = partner_tenant(plane, caller)
    with plane.database.connect() as connection:
        return own_relationship(connection, partner, relationship_id)


def update_relationship(
    plane: ControlPlane,
    caller: Caller,
    relationship_id: str,
    if_match: str | None,
    changes: RelationshipChanges,
) -> GdapRelationship:
    """PATCH, only while the relationship is `created`, against its current entity tag."""
    partner = partner_tenant(plane, caller)
    now = plane.clock()
    with plane.change() as change:
        c = change.connection
        current = own_relationship(c, partner, relationship_id, for_update=True)
        check_etag(current.etag, if_match)
        relationship = updated(current, changes, now)
        check_unique_name(
            relationship.display_name, list_gdap_relationships(c, partner.id), current.id
        )
        publish(change, relationship)
    return relationship


def delete_relationship(
    plane: ControlPlane, caller: Caller, relationship_id: str, if_match: str | None
) -> None:
    """DELETE, only while the relationship is `created` (it never granted anything)."""
    partner = partner_tenant(plane, caller)
    now = plane.clock()
    with plane.change() as change:
        current = own_relationship(change.connection, partner, relationship_id, for_update=True)
        check_etag(current.etag, if_match)
        check_deletable(current, now)
        delete_gdap_relationship(change.connection, current.id)
        change.touched(Fact.GDAP_RELATIONSHIP, current.id)


# -- requests --------------------------------------------------------------------------------


def create_request(
    plane: ControlPlane, caller: Caller, relationship_id: str, action: str
) -> RelationshipRequest:
    """lockForApproval or terminate, taking effect at once."""
    wanted = parse_action(action)
    partner = partner_tenant(plane, caller)
    now = plane.clock()
    with plane.change() as change:
        current = own_relationship(change.connection, partner, relationship_id, for_update=True)
        relationship = requested(current, wanted, now)
        publish(change, relationship)
    return next(r for r in requests_of(relationship) if r.action is wanted)


def list_requests(
    plane: ControlPlane, caller: Caller, relationship_id: str
) -> tuple[RelationshipRequest, ...]:
    return requests_of(get_relationship(plane, caller, relationship_id))


def get_request(
    plane: ControlPlane, caller: Caller, relationship_id: str, request_id: str
) -> RelationshipRequest:
    for found in list_requests(plane, caller, relationship_id):
        if found.id == request_id.lower():
            return found
    raise GdapNotFound("delegated admin relationship request", request_id)
