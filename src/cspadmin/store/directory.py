"""Tenants and directory objects in the store, as the domain's records: tenants with
their domains, users, groups and their members, service principals and the Entra roles
they hold. The world loader saves them in bulk; sign-in, the engine's snapshot and the
services read them by key.

The further properties Graph reads and writes, and its filtered and paged lists, are
`store.directory_profiles`'.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, delete, func, select

from cspadmin.domain.directory import (
    DirectoryRoleAssignment,
    Group,
    PartnerProfile,
    ServicePrincipal,
    Tenant,
    User,
)
from cspadmin.store import schema as t
from cspadmin.store.upsert import upsert


def save_tenant(connection: Connection, tenant: Tenant) -> None:
    partner = tenant.partner
    upsert(
        connection,
        t.tenants,
        [
            {
                "id": tenant.id,
                "display_name": tenant.display_name,
                "default_domain": tenant.default_domain,
                "partner_id": partner.partner_id if partner else None,
                "admin_agents_id": partner.admin_agents_id if partner else None,
                "helpdesk_agents_id": partner.helpdesk_agents_id if partner else None,
                "sales_agents_id": partner.sales_agents_id if partner else None,
            }
        ],
        ["id"],
    )
    upsert(
        connection,
        t.tenant_domains,
        [{"domain": d.lower(), "tenant_id": tenant.id} for d in tenant.all_domains()],
        ["domain"],
    )


def _tenant(row: Row[Any], domains: tuple[str, ...]) -> Tenant:
    partner = None
    if row.partner_id is not None:
        partner = PartnerProfile(
            row.partner_id, row.admin_agents_id, row.helpdesk_agents_id, row.sales_agents_id
        )
    return Tenant(row.id, row.display_name, row.default_domain, domains, partner)


def _domains(connection: Connection, tenant_id: str | None = None) -> dict[str, tuple[str, ...]]:
    """Each tenant's domains (lower-case, sorted), for one tenant or for all."""
    query = select(t.tenant_domains.c.tenant_id, t.tenant_domains.c.domain).order_by(
        t.tenant_domains.c.domain
    )
    if tenant_id is not None:
        query = query.where(t.tenant_domains.c.tenant_id == tenant_id)
    found: dict[str, list[str]] = {}
    for owner, domain in connection.execute(query):
        found.setdefault(owner, []).append(domain)
    return {owner: tuple(domains) for owner, domains in found.items()}


def get_tenant(connection: Connection, id_or_domain: str) -> Tenant | None:
    """A tenant by id or by any of its domains (any case)."""
    key = id_or_domain.lower()
    tenant_id = connection.scalar(
        select(t.tenant_domains.c.tenant_id).where(t.tenant_domains.c.domain == key)
    )
    row = connection.execute(select(t.tenants).where(t.tenants.c.id == (tenant_id or key))).first()
    if row is None:
        return None
    return _tenant(row, _domains(connection, row.id).get(row.id, ()))


def list_tenants(connection: Connection) -> list[Tenant]:
    domains = _domains(connection)
    return [
        _tenant(row, domains.get(row.id, ()))
        for row in connection.execute(select(t.tenants).order_by(t.tenants.c.display_name))
    ]


def save_user(connection: Connection, user: User) -> None:
    upsert(
        connection,
        t.users,
        [
            {
                "id": user.id,
                "tenant_id": user.tenant_id,
                "user_principal_name": user.user_principal_name,
                "display_name": user.display_name,
                "password_hash": user.password_hash,
                "account_enabled": user.account_enabled,
                "usage_location": user.usage_location,
            }
        ],
        ["id"],
    )


def user_from_row(row: Row[Any]) -> User:
    """The domain's user in a `users` row (Graph's further columns are left out)."""
    return User(
        row.id,
        row.tenant_id,
        row.user_principal_name,
        row.display_name,
        row.password_hash,
        row.account_enabled,
        row.usage_location,
    )


def get_user(connection: Connection, id_or_upn: str) -> User | None:
    key = id_or_upn.lower()
    row = connection.execute(
        select(t.users).where(
            (t.users.c.id == key) | (func.lower(t.users.c.user_principal_name) == key)
        )
    ).first()
    return user_from_row(row) if row else None


def list_users(connection: Connection, tenant_id: str) -> list[User]:
    rows = connection.execute(
        select(t.users)
        .where(t.users.c.tenant_id == tenant_id)
        .order_by(t.users.c.user_principal_name)
    )
    return [user_from_row(row) for row in rows]


def delete_user(connection: Connection, user_id: str) -> list[str]:
    """Delete the user, its memberships and its directory roles; the groups it left.

    Azure role assignments naming the user stay behind, as in Azure, where they show
    up as assignments of an unknown identity.
    """
    groups = list(
        connection.scalars(
            select(t.group_members.c.group_id).where(t.group_members.c.member_id == user_id)
        )
    )
    connection.execute(delete(t.group_members).where(t.group_members.c.member_id == user_id))
    connection.execute(
        delete(t.directory_role_assignments).where(
            t.directory_role_assignments.c.principal_id == user_id
        )
    )
    connection.execute(delete(t.users).where(t.users.c.id == user_id))
    return groups


def save_group(connection: Connection, group: Group) -> None:
    upsert(
        connection,
        t.groups,
        [
            {
                "id": group.id,
                "tenant_id": group.tenant_id,
                "display_name": group.display_name,
                "description": group.description,
            }
        ],
        ["id"],
    )
    add_members(connection, group.id, group.members)


def add_members(connection: Connection, group_id: str, member_ids: Iterable[str]) -> None:
    upsert(
        connection,
        t.group_members,
        [{"group_id": group_id, "member_id": m} for m in member_ids],
        ["group_id", "member_id"],
        update=False,
    )


def remove_member(connection: Connection, group_id: str, member_id: str) -> None:
    connection.execute(
        delete(t.group_members).where(
            (t.group_members.c.group_id == group_id) & (t.group_members.c.member_id == member_id)
        )
    )


def find_groups(connection: Connection, tenant_id: str, display_name: str) -> list[Group]:
    rows = connection.execute(
        select(t.groups).where(
            (t.groups.c.tenant_id == tenant_id)
            & (func.lower(t.groups.c.display_name) == display_name.lower())
        )
    ).all()
    return [_group(connection, row) for row in rows]


def get_group(connection: Connection, group_id: str) -> Group | None:
    row = connection.execute(select(t.groups).where(t.groups.c.id == group_id.lower())).first()
    return _group(connection, row) if row else None


def _group(connection: Connection, row: Row[Any]) -> Group:
    members = connection.scalars(
        select(t.group_members.c.member_id).where(t.group_members.c.group_id == row.id)
    ).all()
    return Group(row.id, row.tenant_id, row.display_name, row.description, frozenset(members))


def member_ids(connection: Connection, group_id: str) -> list[str]:
    """The direct members of a group."""
    return list(
        connection.scalars(
            select(t.group_members.c.member_id).where(t.group_members.c.group_id == group_id)
        )
    )


def save_service_principal(connection: Connection, sp: ServicePrincipal) -> None:
    upsert(
        connection,
        t.service_principals,
        [
            {
                "id": sp.id,
                "tenant_id": sp.tenant_id,
                "app_id": sp.app_id,
                "display_name": sp.display_name,
                "secret_hash": sp.secret_hash,
            }
        ],
        ["id"],
    )


def get_service_principal(connection: Connection, id_or_app_id: str) -> ServicePrincipal | None:
    key = id_or_app_id.lower()
    row = connection.execute(
        select(t.service_principals).where(
            (t.service_principals.c.id == key) | (t.service_principals.c.app_id == key)
        )
    ).first()
    if row is None:
        return None
    return ServicePrincipal(row.id, row.tenant_id, row.app_id, row.display_name, row.secret_hash)


def list_service_principals_by_app(connection: Connection, app_id: str) -> list[ServicePrincipal]:
    """Every tenant's service principal of one application (multi-tenant apps have several)."""
    rows = connection.execute(
        select(t.service_principals).where(t.service_principals.c.app_id == app_id.lower())
    )
    return [
        ServicePrincipal(r.id, r.tenant_id, r.app_id, r.display_name, r.secret_hash) for r in rows
    ]


def save_directory_role_assignment(connection: Connection, grant: DirectoryRoleAssignment) -> None:
    upsert(
        connection,
        t.directory_role_assignments,
        [
            {
                "tenant_id": grant.tenant_id,
                "role_template_id": grant.role_template_id,
                "principal_id": grant.principal_id,
            }
        ],
        ["tenant_id", "role_template_id", "principal_id"],
        update=False,
    )


def directory_roles_of(
    connection: Connection, tenant_id: str, principal_ids: Iterable[str]
) -> set[str]:
    """Template ids of the Entra roles any of `principal_ids` holds in the tenant."""
    ids = list(principal_ids)
    return set(
        connection.scalars(
            select(t.directory_role_assignments.c.role_template_id).where(
                (t.directory_role_assignments.c.tenant_id == tenant_id)
                & t.directory_role_assignments.c.principal_id.in_(ids)
            )
        )
    )


def list_directory_role_assignments(
    connection: Connection, tenant_id: str
) -> list[DirectoryRoleAssignment]:
    """Every Entra role held in the tenant, by whom."""
    rows = connection.execute(
        select(t.directory_role_assignments).where(
            t.directory_role_assignments.c.tenant_id == tenant_id
        )
    )
    return [DirectoryRoleAssignment(r.tenant_id, r.role_template_id, r.principal_id) for r in rows]


def object_kind(connection: Connection, object_id: str) -> tuple[str, str] | None:
    """(kind, tenant id) of a directory object: 'User', 'Group' or 'ServicePrincipal'."""
    for kind, table in (
        ("User", t.users),
        ("Group", t.groups),
        ("ServicePrincipal", t.service_principals),
    ):
        tenant_id = connection.scalar(
            select(table.c.tenant_id).where(table.c.id == object_id.lower())
        )
        if tenant_id is not None:
            return kind, tenant_id
    return None
