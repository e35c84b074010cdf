"""Role assignments and deny assignments in the store.

A role assignment is unique by (scope, role, principal) under any name; the database's
unique index enforces it, so `create_role_assignment` refuses a duplicate even under
concurrent writers.
`StoredRoleAssignment` adds the bookkeeping ARM returns (when, and by whom). Deny
assignments are written by fixtures and read whole, for the engine (`store.snapshot`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from cspadmin.domain.assignments import DenyAssignment, RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.errors import RoleAssignmentExists
from cspadmin.store import schema as t
from cspadmin.store.permissions import permissions_from_json, permissions_json
from cspadmin.store.upsert import upsert

_PRINCIPAL_TYPES = {p.value: p for p in PrincipalType}


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


def create_role_assignment(
    connection: Connection,
    assignment: RoleAssignment,
    *,
    created_at: datetime | None = None,
    created_by: str | None = None,
) -> None:
    """Insert one assignment; `RoleAssignmentExists` when the database holds the same
    (scope, role, principal) under any name. The check is the unique index itself, so it
    holds under concurrent writers on both backends. `created_at` defaults to the
    database's clock; the `updated_*` fields start equal to the `created_*` ones."""
    row = _assignment_row(assignment)
    if created_at is not None:
        row.update(created_at=created_at, updated_at=created_at)
    if created_by is not None:
        row.update(created_by=created_by, updated_by=created_by)
    savepoint = connection.begin_nested()
    try:
        connection.execute(t.role_assignments.insert(), [row])
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


def count_subscription_role_assignments(connection: Connection, subscription_id: str) -> int:
    """Assignments at a subscription and everything inside it (what Azure's limit counts)."""
    ra = t.role_assignments.c
    key = f"/subscriptions/{subscription_id.lower()}"
    scope = func.lower(ra.scope)
    query = select(func.count()).where(
        (scope == key) | scope.startswith(key + "/", autoescape=True)
    )
    return connection.scalar(query) or 0


def role_definition_in_use(connection: Connection, role_id: str) -> bool:
    """Whether any role assignment names the role."""
    ra = t.role_assignments.c
    found = connection.scalar(
        select(ra.name).where(func.lower(ra.role_definition_id) == role_id.lower()).limit(1)
    )
    return found is not None


# -- with ARM's bookkeeping ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredRoleAssignment:
    """A role assignment with the bookkeeping ARM returns: when, and by whom."""

    assignment: RoleAssignment
    created_on: datetime | None = None
    created_by: str | None = None
    updated_on: datetime | None = None
    updated_by: str | None = None


def _stored(row: Row[Any]) -> StoredRoleAssignment:
    return StoredRoleAssignment(
        _assignment(row), row.created_at, row.created_by, row.updated_at, row.updated_by
    )


def get_stored_role_assignment(connection: Connection, name: str) -> StoredRoleAssignment | None:
    row = connection.execute(
        select(t.role_assignments).where(t.role_assignments.c.name == name.lower())
    ).first()
    return _stored(row) if row else None


def find_stored_role_assignments(
    connection: Connection,
    tenant_id: str,
    *,
    scope_keys: Collection[str] = (),
    subtree: str | None = None,
    principal_ids: Collection[str] | None = None,
) -> list[StoredRoleAssignment]:
    """A tenant's assignments at any of `scope_keys` (lower-case scope ids) or at
    `subtree` and below, optionally only for `principal_ids`; ordered by scope, name."""
    ra = t.role_assignments.c
    scope = func.lower(ra.scope)
    where: list[ColumnElement[bool]] = []
    if scope_keys:
        where.append(scope.in_(list(scope_keys)))
    if subtree is not None:
        prefix = subtree.lower().rstrip("/")
        where.append((scope == prefix) | scope.startswith(prefix + "/", autoescape=True))
    if not where:
        return []
    query = select(t.role_assignments).where((ra.tenant_id == tenant_id) & or_(*where))
    if principal_ids is not None:
        query = query.where(ra.principal_id.in_([p.lower() for p in principal_ids]))
    query = query.order_by(func.length(ra.scope), ra.scope, ra.name)
    return [_stored(row) for row in connection.execute(query)]


def update_role_assignment(
    connection: Connection,
    name: str,
    *,
    condition: str | None,
    description: str | None,
    updated_at: datetime,
    updated_by: str | None,
) -> None:
    """Change what Azure lets a PUT change on an existing assignment."""
    connection.execute(
        update(t.role_assignments)
        .where(t.role_assignments.c.name == name.lower())
        .values(
            condition=condition,
            description=description,
            updated_at=updated_at,
            updated_by=updated_by,
        )
    )


# -- deny assignments ----------------------------------------------------------------------


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
                "permissions": permissions_json(deny.permissions),
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
            permissions=permissions_from_json(r.permissions),
            principal_ids=tuple(r.principal_ids),
            exclude_principal_ids=tuple(r.exclude_principal_ids),
            applies_to_children=r.applies_to_children,
            display_name=r.display_name,
        )
        for r in connection.execute(select(t.deny_assignments))
    ]
