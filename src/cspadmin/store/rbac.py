"""Role definitions, role assignments and deny assignments in the store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Row, delete, func, select
from sqlalchemy.exc import IntegrityError

from cspadmin.domain.assignments import DenyAssignment, RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.roles import CUSTOM, Permission, RoleDefinition
from cspadmin.errors import RoleAssignmentExists
from cspadmin.store import schema as t
from cspadmin.store.upsert import upsert

_PRINCIPAL_TYPES = {p.value: p for p in PrincipalType}


def _permissions_json(permissions: Iterable[Permission]) -> list[dict[str, list[str]]]:
    return [
        {
            "actions": list(p.actions),
            "notActions": list(p.not_actions),
            "dataActions": list(p.data_actions),
            "notDataActions": list(p.not_data_actions),
        }
        for p in permissions
    ]


def _permissions(data: list[dict[str, list[str]]]) -> tuple[Permission, ...]:
    return tuple(
        Permission(
            tuple(p.get("actions", ())),
            tuple(p.get("notActions", ())),
            tuple(p.get("dataActions", ())),
            tuple(p.get("notDataActions", ())),
        )
        for p in data
    )


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
                "permissions": _permissions_json(role.permissions),
            }
        ],
        ["id"],
    )


def list_custom_roles(connection: Connection) -> list[tuple[str, RoleDefinition]]:
    """Every custom role with the tenant that owns it."""
    return [
        (
            r.tenant_id,
            RoleDefinition(
                id=r.id,
                role_name=r.role_name,
                permissions=_permissions(r.permissions),
                description=r.description,
                role_type=CUSTOM,
                assignable_scopes=tuple(r.assignable_scopes),
            ),
        )
        for r in connection.execute(select(t.role_definitions))
    ]


def _assignment_row(a: RoleAssignment) -> dict[str, Any]:
    return {
        "name": a.name,
        "tenant_id": a.tenant_id,
        "scope": a.scope,
        "role_definition_id": a.role_definition_id,
        "principal_id": a.principal_id,
        "principal_type": a.principal_type.value,
        "condition": a.condition,
        "description": a.description,
    }


def create_role_assignment(connection: Connection, assignment: RoleAssignment) -> None:
    """Insert one assignment; `RoleAssignmentExists` when the database holds the same
    (scope, role, principal) under any name. The check is the unique index itself, so it
    holds under concurrent writers on both backends."""
    savepoint = connection.begin_nested()
    try:
        connection.execute(t.role_assignments.insert(), [_assignment_row(assignment)])
    except IntegrityError:
        savepoint.rollback()
        existing = find_role_assignment(
            connection, assignment.scope, assignment.role_definition_id, assignment.principal_id
        )
        raise RoleAssignmentExists(existing.id if existing else None) from None
    savepoint.commit()


def save_role_assignments(connection: Connection, assignments: Iterable[RoleAssignment]) -> None:
    """Idempotent bulk write by name (world files, fixtures)."""
    rows = [_assignment_row(a) for a in assignments]
    for start in range(0, len(rows), 5000):
        upsert(connection, t.role_assignments, rows[start : start + 5000], ["name"], update=False)


def find_role_assignment(
    connection: Connection, scope: str, role_definition_id: str, principal_id: str
) -> RoleAssignment | None:
    ra = t.role_assignments.c
    row = connection.execute(
        select(t.role_assignments).where(
            (func.lower(ra.scope) == scope.lower())
            & (func.lower(ra.role_definition_id) == role_definition_id.lower())
            & (func.lower(ra.principal_id) == principal_id.lower())
        )
    ).first()
    return _assignment(row) if row else None


def get_role_assignment(connection: Connection, name: str) -> RoleAssignment | None:
    row = connection.execute(
        select(t.role_assignments).where(t.role_assignments.c.name == name.lower())
    ).first()
    return _assignment(row) if row else None


def delete_role_assignment(connection: Connection, name: str) -> bool:
    result = connection.execute(
        delete(t.role_assignments).where(t.role_assignments.c.name == name.lower())
    )
    return result.rowcount > 0


def count_role_assignments(connection: Connection) -> int:
    return connection.scalar(select(func.count()).select_from(t.role_assignments)) or 0


def _assignment(row: Row[Any]) -> RoleAssignment:
    return RoleAssignment(
        name=row.name,
        scope=row.scope,
        role_definition_id=row.role_definition_id,
        principal_id=row.principal_id,
        principal_type=_PRINCIPAL_TYPES[row.principal_type],
        tenant_id=row.tenant_id,
        condition=row.condition,
        description=row.description,
    )


def iter_role_assignments(connection: Connection, batch: int = 50_000) -> Iterator[RoleAssignment]:
    """Every assignment, streamed; repeated strings are shared to keep the index small."""
    shared: dict[str, str] = {}
    intern = shared.setdefault
    types = _PRINCIPAL_TYPES
    result = connection.execution_options(stream_results=True, yield_per=batch).exec_driver_sql(
        "SELECT name, scope, role_definition_id, principal_id, principal_type, tenant_id,"
        " condition, description FROM role_assignments"
    )
    for name, scope, role, principal, ptype, tenant, condition, description in result:
        yield RoleAssignment(
            name,
            intern(scope, scope),
            intern(role, role),
            intern(principal, principal),
            types[ptype],
            intern(tenant, tenant),
            condition,
            description,
        )


def save_deny_assignment(connection: Connection, deny: DenyAssignment) -> None:
    upsert(
        connection,
        t.deny_assignments,
        [
            {
                "name": deny.name,
                "tenant_id": deny.tenant_id,
                "scope": deny.scope,
                "display_name": deny.display_name,
                "permissions": _permissions_json(deny.permissions),
                "principal_ids": list(deny.principal_ids),
                "exclude_principal_ids": list(deny.exclude_principal_ids),
                "applies_to_children": deny.applies_to_children,
            }
        ],
        ["name"],
    )


def list_deny_assignments(connection: Connection) -> list[DenyAssignment]:
    return [
        DenyAssignment(
            name=r.name,
            scope=r.scope,
            tenant_id=r.tenant_id,
            permissions=_permissions(r.permissions),
            principal_ids=tuple(r.principal_ids),
            exclude_principal_ids=tuple(r.exclude_principal_ids),
            applies_to_children=r.applies_to_children,
            display_name=r.display_name,
        )
        for r in connection.execute(select(t.deny_assignments))
    ]


def list_role_assignments(
    connection: Connection,
    *,
    tenant_id: str | None = None,
    principal_id: str | None = None,
    scope_prefix: str | None = None,
) -> list[RoleAssignment]:
    """Assignments filtered by tenant, principal and scope subtree (`scope_prefix` and below)."""
    ra = t.role_assignments.c
    query = select(t.role_assignments).order_by(ra.scope, ra.name)
    if tenant_id is not None:
        query = query.where(ra.tenant_id == tenant_id)
    if principal_id is not None:
        query = query.where(ra.principal_id == principal_id.lower())
    if scope_prefix is not None:
        prefix = scope_prefix.lower().rstrip("/")
        scope = func.lower(ra.scope)
        query = query.where((scope == prefix) | scope.startswith(prefix + "/", autoescape=True))
    return [_assignment(row) for row in connection.execute(query)]
