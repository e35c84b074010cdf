"""Reseller and GDAP relationships in the store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from cspadmin.domain.relationships import (
    AccessAssignment,
    GdapRelationship,
    GdapStatus,
    RelationshipState,
    ResellerRelationship,
)
from cspadmin.store import schema as t
from cspadmin.store.upsert import upsert


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
    return [
        ResellerRelationship(
            r.partner_tenant_id, r.customer_tenant_id, r.dap, RelationshipState(r.state)
        )
        for r in connection.execute(select(t.reseller_relationships))
    ]


def save_gdap_relationship(connection: Connection, relationship: GdapRelationship) -> None:
    upsert(
        connection,
        t.gdap_relationships,
        [
            {
                "id": relationship.id,
                "partner_tenant_id": relationship.partner_tenant_id,
                "customer_tenant_id": relationship.customer_tenant_id,
                "display_name": relationship.display_name,
                "duration": relationship.duration,
                "role_template_ids": list(relationship.role_template_ids),
                "status": relationship.status.value,
                "activated_at": relationship.activated_at,
            }
        ],
        ["id"],
    )
    upsert(
        connection,
        t.gdap_access_assignments,
        [
            {
                "relationship_id": relationship.id,
                "group_id": a.group_id,
                "role_template_ids": list(a.role_template_ids),
            }
            for a in relationship.access_assignments
        ],
        ["relationship_id", "group_id"],
    )


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
    )


def list_gdap_relationships(connection: Connection) -> list[GdapRelationship]:
    access: dict[str, list[AccessAssignment]] = {}
    for a in connection.execute(select(t.gdap_access_assignments)):
        access.setdefault(a.relationship_id, []).append(
            AccessAssignment(a.group_id, tuple(a.role_template_ids))
        )
    return [
        _gdap(r, access.get(r.id, [])) for r in connection.execute(select(t.gdap_relationships))
    ]
