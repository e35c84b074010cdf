"""Custom role definitions in the store, each owned by one tenant (built-in roles are
data in the package, never stored), and what a subscription's departure does to them
(`release_custom_roles`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update

from cspadmin.domain.roles import CUSTOM, RoleDefinition
from cspadmin.store import schema as t
from cspadmin.store.permissions import permissions_from_json, permissions_json
from cspadmin.store.upsert import upsert


def save_role_definition(connection: Connection, tenant_id: str, role: RoleDefinition) -> None:
    """Store a custom role (built-ins are data in the package, never stored)."""
    upsert(
        connection,
        t.role_definitions,
        [
            {
                "id": role.id,
                "tenant_id": tenant_id,
                "role_name": role.role_name,
                "description": role.description,
                "assignable_scopes": list(role.assignable_scopes),
                "permissions": permissions_json(role.permissions),
            }
        ],
        ["id"],
    )


def list_custom_roles(connection: Connection) -> list[tuple[str, RoleDefinition]]:
    """Every custom role with the tenant that owns it."""
    return [(r.tenant_id, _custom_role(r)) for r in connection.execute(select(t.role_definitions))]


def get_custom_role(connection: Connection, role_id: str) -> tuple[str, RoleDefinition] | None:
    """One custom role by GUID, with the tenant that owns it."""
    row = connection.execute(
        select(t.role_definitions).where(t.role_definitions.c.id == role_id.lower())
    ).first()
    return (row.tenant_id, _custom_role(row)) if row else None


def list_tenant_custom_roles(connection: Connection, tenant_id: str) -> list[RoleDefinition]:
    rows = connection.execute(
        select(t.role_definitions)
        .where(t.role_definitions.c.tenant_id == tenant_id)
        .order_by(t.role_definitions.c.role_name)
    )
    return [_custom_role(row) for row in rows]


def _custom_role(row: Row[Any]) -> RoleDefinition:
    return RoleDefinition(
        id=row.id,
        role_name=row.role_name,
        permissions=permissions_from_json(row.permissions),
        description=row.description,
        role_type=CUSTOM,
        assignable_scopes=tuple(row.assignable_scopes),
    )


def delete_role_definition(connection: Connection, role_id: str) -> bool:
    result = connection.execute(
        delete(t.role_definitions).where(t.role_definitions.c.id == role_id.lower())
    )
    return result.rowcount > 0


@dataclass(frozen=True, slots=True)
class ReleasedRoles:
    """What a subscription's departure did to its old tenant's custom roles."""

    narrowed: tuple[RoleDefinition, ...] = ()
    """Roles still assignable elsewhere, as they are now: without the subscription."""
    deleted: tuple[str, ...] = ()
    """Ids of the roles that were assignable only in the subscription."""


def release_custom_roles(
    connection: Connection, tenant_id: str, subscription_id: str
) -> ReleasedRoles:
    """Take the subscription, and every scope in it, out of the assignable scopes of
    `tenant_id`'s custom roles, deleting the roles left assignable nowhere: what Azure
    does to the old directory's custom roles when a subscription changes directory.
    Their assignments lay in the subscription too, and go with the move."""
    key = f"/subscriptions/{subscription_id.lower()}"
    narrowed: list[RoleDefinition] = []
    deleted: list[str] = []
    for role in list_tenant_custom_roles(connection, tenant_id):
        kept = tuple(s for s in role.assignable_scopes if not _within(s, key))
        if kept == role.assignable_scopes:
            continue
        if kept:
            connection.execute(
                update(t.role_definitions)
                .where(t.role_definitions.c.id == role.id)
                .values(assignable_scopes=list(kept))
            )
            narrowed.append(replace(role, assignable_scopes=kept))
        else:
            delete_role_definition(connection, role.id)
            deleted.append(role.id)
    return ReleasedRoles(tuple(narrowed), tuple(deleted))


def _within(scope: str, key: str) -> bool:
    """Whether `scope` is the scope with lower-case id `key` or lies below it."""
    found = scope.lower().rstrip("/")
    return found == key or found.startswith(key + "/")
