"""The rules for access assignments: a partner security group mapped to some of an
active GDAP relationship's roles. Pure: every function takes the time it acts at.

Graph holds one assignment per security group in a relationship; a second one for the
same group is a conflict (update the first instead). An assignment is in force as soon
as it is made (Graph's `pending` provisioning is instant here) and ends with the very
next request once it is deleted or its relationship stops being active.

Entity tags: an assignment is its own Graph entity with its own `@odata.etag` (Graph's
update and delete of a delegatedAdminAccessAssignment take that one in If-Match), so
changing an assignment bumps the assignment's `version`, never the relationship's. The
relationship's tag covers only the relationship's own properties, none of which an
assignment changes (its JSON does not embed its assignments): a partner's PATCH of the
relationship is not refused because an assignment changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from cspadmin.domain.directory_roles import BY_TEMPLATE_ID
from cspadmin.domain.gdap import GRANTING, AccessAssignment, GdapRelationship
from cspadmin.domain.gdap_lifecycle import InvalidGdapRequest, checked_roles, require_status
from cspadmin.errors import CspadminError


class DuplicateAccessContainer(CspadminError):
    code = "conflict"
    status = 409

    def __init__(self, group_id: str) -> None:
        super().__init__(
            f"An access assignment for the security group '{group_id}' already exists in "
            "this relationship. Update that assignment instead."
        )


def checked_assignment_roles(
    relationship: GdapRelationship, role_ids: Iterable[str]
) -> tuple[str, ...]:
    """Catalogue roles, all of them among the relationship's own."""
    roles = checked_roles(role_ids)
    outside = [r for r in roles if r not in relationship.role_template_ids]
    if outside:
        names = ", ".join(f"'{BY_TEMPLATE_ID[r].display_name}' ({r})" for r in outside)
        raise InvalidGdapRequest(
            f"The roles {names} are not among the relationship's roles; an access "
            "assignment can grant only a subset of them."
        )
    return roles


def with_assignment(
    relationship: GdapRelationship, group_id: str, role_ids: Iterable[str], now: datetime
) -> GdapRelationship:
    """A new access assignment for a partner security group, in force at once."""
    require_status(relationship, now, GRANTING, "access assignments need an active relationship")
    if relationship.assignment_of(group_id) is not None:
        raise DuplicateAccessContainer(group_id)
    roles = checked_assignment_roles(relationship, role_ids)
    assignment = AccessAssignment(group_id, roles, created_at=now, modified_at=now)
    return replace(relationship, access_assignments=(*relationship.access_assignments, assignment))


def with_changed_assignment(
    relationship: GdapRelationship, group_id: str, role_ids: Iterable[str], now: datetime
) -> GdapRelationship:
    require_status(relationship, now, GRANTING, "access assignments need an active relationship")
    roles = checked_assignment_roles(relationship, role_ids)
    return replace(
        relationship,
        access_assignments=tuple(
            replace(a, role_template_ids=roles, modified_at=now, version=a.version + 1)
            if a.group_id == group_id
            else a
            for a in relationship.access_assignments
        ),
    )


def without_assignment(
    relationship: GdapRelationship, group_id: str, now: datetime
) -> GdapRelationship:
    """The assignment removed: its group's access ends with the very next request."""
    require_status(relationship, now, GRANTING, "its access assignments ended with it")
    return replace(
        relationship,
        access_assignments=tuple(
            a for a in relationship.access_assignments if a.group_id != group_id
        ),
    )
