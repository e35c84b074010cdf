"""GDAP access assignments: the partner maps one of its security groups to some of an
active relationship's roles. The group's members can then sign in to the customer tenant
and hold those roles there, from the very next request; deleting the assignment, or the
relationship ending, takes both away just as fast.

Who may call, and the refusals, are `services.gdap`'s; the rules, `domain.gdap_access`'s.
Only a security group of the partner's own tenant can be an access container.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from cspadmin.authz.decision import Caller
from cspadmin.domain.directory import Tenant
from cspadmin.domain.gdap import AccessAssignment, GdapRelationship, access_assignment_id, etag
from cspadmin.domain.gdap_access import with_assignment, with_changed_assignment, without_assignment
from cspadmin.domain.gdap_lifecycle import InvalidGdapRequest
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.gdap import (
    GdapNotFound,
    check_etag,
    own_relationship,
    partner_tenant,
    publish,
)
from cspadmin.store.directory import get_group

SECURITY_GROUP = "securityGroup"


@dataclass(frozen=True, slots=True)
class Assigned:
    """An access assignment with the relationship it belongs to (its status depends on it)."""

    relationship: GdapRelationship
    assignment: AccessAssignment

    @property
    def id(self) -> str:
        return access_assignment_id(self.relationship.id, self.assignment.group_id)

    @property
    def etag(self) -> str:
        return etag(self.id, self.assignment.version)


def create_assignment(
    plane: ControlPlane,
    caller: Caller,
    relationship_id: str,
    container_id: str,
    container_type: str,
    role_ids: Sequence[str],
) -> Assigned:
    partner = partner_tenant(plane, caller)
    if container_type != SECURITY_GROUP:
        raise InvalidGdapRequest(
            f"The accessContainerType '{container_type}' is not supported; use securityGroup."
        )
    now = plane.clock()
    with plane.change() as change:
        c = change.connection
        current = own_relationship(c, partner, relationship_id, for_update=True)
        group_id = _partner_group(c, partner, container_id)
        relationship = with_assignment(current, group_id, role_ids, now)
        publish(change, relationship)
    assignment = relationship.assignment_of(group_id)
    assert assignment is not None
    return Assigned(relationship, assignment)


def list_assignments(plane: ControlPlane, caller: Caller, relationship_id: str) -> list[Assigned]:
    partner = partner_tenant(plane, caller)
    with plane.database.connect() as connection:
        relationship = own_relationship(connection, partner, relationship_id)
    return [Assigned(relationship, a) for a in relationship.access_assignments]


def get_assignment(
    plane: ControlPlane, caller: Caller, relationship_id: str, assignment_id: str
) -> Assigned:
    partner = partner_tenant(plane, caller)
    with plane.database.connect() as connection:
        relationship = own_relationship(connection, partner, relationship_id)
    return _found(relationship, assignment_id)


def update_assignment(
    plane: ControlPlane,
    caller: Caller,
    relationship_id: str,
    assignment_id: str,
    if_match: str | None,
    role_ids: Sequence[str],
) -> Assigned:
    """New roles for the group, in force from the very next request."""
    partner = partner_tenant(plane, caller)
    now = plane.clock()
    with plane.change() as change:
        current = own_relationship(change.connection, partner, relationship_id, for_update=True)
        found = _found(current, assignment_id)
        check_etag(found.etag, if_match)
        group_id = found.assignment.group_id
        relationship = with_changed_assignment(current, group_id, role_ids, now)
        publish(change, relationship)
    assignment = relationship.assignment_of(group_id)
    assert assignment is not None
    return Assigned(relationship, assignment)


def delete_assignment(
    plane: ControlPlane,
    caller: Caller,
    relationship_id: str,
    assignment_id: str,
    if_match: str | None,
) -> None:
    partner = partner_tenant(plane, caller)
    now = plane.clock()
    with plane.change() as change:
        current = own_relationship(change.connection, partner, relationship_id, for_update=True)
        found = _found(current, assignment_id)
        check_etag(found.etag, if_match)
        publish(change, without_assignment(current, found.assignment.group_id, now))


def _found(relationship: GdapRelationship, assignment_id: str) -> Assigned:
    assignment = relationship.assignment(assignment_id)
    if assignment is None:
        raise GdapNotFound("delegated admin access assignment", assignment_id)
    return Assigned(relationship, assignment)


def _partner_group(connection: Connection, partner: Tenant, container_id: str) -> str:
    """The id of a security group in the partner's own tenant."""
    try:
        key = str(uuid.UUID(container_id))
    except ValueError:
        key = None
    group = get_group(connection, key) if key else None
    if group is None or group.tenant_id != partner.id:
        raise InvalidGdapRequest(
            f"The accessContainerId '{container_id}' is not a security group in the "
            f"partner tenant '{partner.display_name}'."
        )
    return group.id
