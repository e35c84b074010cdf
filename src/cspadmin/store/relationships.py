"""Reseller and GDAP relationships in the store.

A GDAP relationship is saved whole: its row, and its access assignments made to match
(rows for groups it no longer maps are deleted). Partner display names are unique
ignoring case by the database's own index, so a concurrent writer cannot get around it;
`save_gdap_relationship` turns that refusal into `DuplicateGdapName`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select
from sqlalchemy.exc import IntegrityError

from cspadmin.domain.gdap import (
    AccessAssignment,
    AccessAssignmentStatus,
    GdapRelationship,
    GdapStatus,
)
from cspadmin.domain.gdap_lifecycle import DuplicateGdapName
from cspadmin.domain.relationships import RelationshipState, ResellerRelationship
from cspadmin.store import schema as t
from cspadmin.store.upsert import upsert

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def save_reseller_relationship(connection: Connection, relationship: ResellerRelationship) -> None:
    upsert(
        connection,
        t.reseller_relationships,
        [
            {
                "partner_tenant_id": relationship.partner_tenant_id,
                "customer_tenant_id": relationship.customer_tenant_id,
                "dap": relationship.dap,
                "state": relationship.state.value,
            }
        ],
        ["partner_tenant_id", "customer_tenant_id"],
    )


def list_reseller_relationships(connection: Connection) -> list[ResellerRelationship]:
    return [_reseller(r) for r in connection.execute(select(t.reseller_relationships))]


def get_reseller_relationship(
    connection: Connection, partner_tenant_id: str, customer_tenant_id: str
) -> ResellerRelationship | None:
    """The relationship between the two tenants (lower-case ids), whatever its state."""
    reseller = t.reseller_relationships.c
    row = connection.execute(
        select(t.reseller_relationships).where(
            (reseller.partner_tenant_id == partner_tenant_id)
            & (reseller.customer_tenant_id == customer_tenant_id)
        )
    ).first()
    return _reseller(row) if row else None


def _reseller(row: Row[Any]) -> ResellerRelationship:
    return ResellerRelationship(
        row.partner_tenant_id, row.customer_tenant_id, row.dap, RelationshipState(row.state)
    )


# -- GDAP ----------------------------------------------------------------------------------


def save_gdap_relationship(connection: Connection, relationship: GdapRelationship) -> None:
    """Insert or update the relationship and make its access assignments match."""
    savepoint = connection.begin_nested()
    try:
        upsert(connection, t.gdap_relationships, [_relationship_row(relationship)], ["id"])
    except IntegrityError as error:
        savepoint.rollback()
        if "uq_gdap_partner_name" not in str(error.orig):
            raise
        raise DuplicateGdapName(relationship.display_name) from None
    savepoint.commit()
    access = t.gdap_access_assignments
    kept = [a.group_id for a in relationship.access_assignments]
    connection.execute(
        delete(access).where(
            access.c.relationship_id == relationship.id, access.c.group_id.not_in(kept)
        )
    )
    upsert(
        connection,
        access,
        [_assignment_row(relationship.id, a) for a in relationship.access_assignments],
        ["relationship_id", "group_id"],
    )


def delete_gdap_relationship(connection: Connection, relationship_id: str) -> None:
    access = t.gdap_access_assignments
    connection.execute(delete(access).where(access.c.relationship_id == relationship_id))
    gdap = t.gdap_relationships
    connection.execute(delete(gdap).where(gdap.c.id == relationship_id))


def get_gdap_relationship(
    connection: Connection, relationship_id: str, *, for_update: bool = False
) -> GdapRelationship | None:
    """One relationship; `for_update` locks its row until the transaction ends (on
    PostgreSQL), so concurrent changes to one relationship happen one after the other."""
    query = select(t.gdap_relationships).where(t.gdap_relationships.c.id == relationship_id)
    row = connection.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        return None
    return _gdap(row, _assignments(connection, relationship_id).get(row.id, []))


def list_gdap_relationships(
    connection: Connection, partner_tenant_id: str | None = None
) -> list[GdapRelationship]:
    """Every relationship, or one partner's: those from world files, then oldest first."""
    query = select(t.gdap_relationships)
    if partner_tenant_id is not None:
        query = query.where(t.gdap_relationships.c.partner_tenant_id == partner_tenant_id)
    rows = list(connection.execute(query))
    access = _assignments(connection, None if partner_tenant_id is None else [r.id for r in rows])
    found = [_gdap(r, access.get(r.id, [])) for r in rows]
    return sorted(found, key=lambda g: (g.created_at is not None, g.created_at or _EPOCH, g.id))


def _relationship_row(relationship: GdapRelationship) -> dict[str, Any]:
    r = relationship
    return {
        "id": r.id,
        "partner_tenant_id": r.partner_tenant_id,
        "customer_tenant_id": r.customer_tenant_id,
        "display_name": r.display_name,
        "duration": r.duration,
        "role_template_ids": list(r.role_template_ids),
        "status": r.status.value,
        "activated_at": r.activated_at,
        "auto_extend_duration": r.auto_extend_duration,
        "customer_display_name": r.customer_display_name,
        "created_at": r.created_at,
        "modified_at": r.modified_at,
        "locked_at": r.locked_at,
        "approved_by": r.approved_by,
        "terminated_at": r.terminated_at,
        "version": r.version,
    }


def _assignment_row(relationship_id: str, a: AccessAssignment) -> dict[str, Any]:
    return {
        "relationship_id": relationship_id,
        "group_id": a.group_id,
        "role_template_ids": list(a.role_template_ids),
        "status": a.status.value,
        "created_at": a.created_at,
        "modified_at": a.modified_at,
        "version": a.version,
    }


def _assignments(
    connection: Connection, relationship_ids: str | list[str] | None
) -> dict[str, list[AccessAssignment]]:
    access = t.gdap_access_assignments
    query = select(access)
    if isinstance(relationship_ids, str):
        query = query.where(access.c.relationship_id == relationship_ids)
    elif relationship_ids is not None:
        query = query.where(access.c.relationship_id.in_(relationship_ids))
    found: dict[str, list[AccessAssignment]] = {}
    # Oldest first, those from world files (no creation time) before all others.
    rows = sorted(
        connection.execute(query),
        key=lambda a: (a.created_at is not None, a.created_at or _EPOCH, a.group_id),
    )
    for a in rows:
        found.setdefault(a.relationship_id, []).append(
            AccessAssignment(
                a.group_id,
                tuple(a.role_template_ids),
                AccessAssignmentStatus(a.status),
                a.created_at,
                a.modified_at,
                a.version,
            )
        )
    return found


def _gdap(row: Row[Any], access: list[AccessAssignment]) -> GdapRelationship:
    return GdapRelationship(
        id=row.id,
        partner_tenant_id=row.partner_tenant_id,
        customer_tenant_id=row.customer_tenant_id,
        display_name=row.display_name,
        duration=row.duration,
        role_template_ids=tuple(row.role_template_ids),
        status=GdapStatus(row.status),
        activated_at=row.activated_at,
        access_assignments=tuple(access),
        auto_extend_duration=row.auto_extend_duration,
        customer_display_name=row.customer_display_name,
        created_at=row.created_at,
        modified_at=row.modified_at,
        locked_at=row.locked_at,
        approved_by=row.approved_by,
        terminated_at=row.terminated_at,
        version=row.version,
    )
