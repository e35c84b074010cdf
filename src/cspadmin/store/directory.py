"""Tenants and directory objects in the store.

Besides the domain's records, Graph reads and writes a few more properties of users and
groups (mail nicknames, given names, creation times, the force-change-password flag);
`UserProfile` and `GroupProfile` carry them, and `Match` is the one kind of `$filter`
condition the store evaluates in SQL, so a list is filtered and paged by the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Table, delete, func, select, true, update

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


def _user(row: Row[Any]) -> User:
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
    return _user(row) if row else None


def list_users(connection: Connection, tenant_id: str) -> list[User]:
    rows = connection.execute(
        select(t.users)
        .where(t.users.c.tenant_id == tenant_id)
        .order_by(t.users.c.user_principal_name)
    )
    return [_user(row) for row in rows]


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


# -- Graph profiles, filters and pages -----------------------------------------------------

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Match:
    """A condition on one text column: equal to `value`, or (`prefix`) starting with it.

    Both ignore case, as Graph's `eq` and `startswith` do on directory objects.
    """

    field: str
    value: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class UserProfile:
    """A user with the Graph properties the domain's `User` leaves out."""

    user: User
    mail_nickname: str | None = None
    given_name: str | None = None
    surname: str | None = None
    force_change_password: bool = False
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class GroupProfile:
    """A group's own properties, without its members."""

    id: str
    tenant_id: str
    display_name: str
    description: str = ""
    mail_nickname: str | None = None
    created_at: datetime | None = None


_USER_FIELDS = (
    "id",
    "user_principal_name",
    "display_name",
    "mail_nickname",
    "given_name",
    "surname",
)
_GROUP_FIELDS = ("id", "display_name", "mail_nickname")


def _condition(table: Table, fields: Sequence[str], match: Match | None) -> ColumnElement[bool]:
    if match is None:
        return true()
    if match.field not in fields:
        raise ValueError(f"{table.name} cannot be matched on {match.field!r}")
    column = func.lower(table.c[match.field])
    value = match.value.lower()
    if match.prefix:
        return column.startswith(value, autoescape=True)
    return column == value


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _user_profile(row: Row[Any]) -> UserProfile:
    return UserProfile(
        _user(row),
        row.mail_nickname,
        row.given_name,
        row.surname,
        bool(row.force_change_password),
        row.created_at,
    )


def save_user_profile(connection: Connection, profile: UserProfile) -> None:
    """Save the user and its Graph properties."""
    save_user(connection, profile.user)
    connection.execute(
        update(t.users)
        .where(t.users.c.id == profile.user.id)
        .values(
            mail_nickname=profile.mail_nickname,
            given_name=profile.given_name,
            surname=profile.surname,
            force_change_password=profile.force_change_password,
            created_at=profile.created_at,
        )
    )


def get_user_profile(connection: Connection, id_or_upn: str) -> UserProfile | None:
    key = id_or_upn.lower()
    row = connection.execute(
        select(t.users).where(
            (t.users.c.id == key) | (func.lower(t.users.c.user_principal_name) == key)
        )
    ).first()
    return _user_profile(row) if row else None


def user_profiles(connection: Connection, ids: Iterable[str]) -> dict[str, UserProfile]:
    """The users among `ids`, by id."""
    found: dict[str, UserProfile] = {}
    for chunk in _chunks(sorted({i.lower() for i in ids})):
        for row in connection.execute(select(t.users).where(t.users.c.id.in_(chunk))):
            found[row.id] = _user_profile(row)
    return found


def find_user_profiles(
    connection: Connection, tenant_id: str, match: Match | None, offset: int, limit: int
) -> list[UserProfile]:
    """One page of the tenant's users that satisfy `match`, in UPN order."""
    rows = connection.execute(
        select(t.users)
        .where((t.users.c.tenant_id == tenant_id) & _condition(t.users, _USER_FIELDS, match))
        .order_by(func.lower(t.users.c.user_principal_name), t.users.c.id)
        .offset(offset)
        .limit(limit)
    )
    return [_user_profile(row) for row in rows]


def count_users(connection: Connection, tenant_id: str, match: Match | None) -> int:
    return int(
        connection.scalar(
            select(func.count())
            .select_from(t.users)
            .where((t.users.c.tenant_id == tenant_id) & _condition(t.users, _USER_FIELDS, match))
        )
        or 0
    )


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


def _group_profile(row: Row[Any]) -> GroupProfile:
    return GroupProfile(
        row.id, row.tenant_id, row.display_name, row.description, row.mail_nickname, row.created_at
    )


def get_group_profile(connection: Connection, group_id: str) -> GroupProfile | None:
    row = connection.execute(select(t.groups).where(t.groups.c.id == group_id.lower())).first()
    return _group_profile(row) if row else None


def group_profiles(connection: Connection, ids: Iterable[str]) -> dict[str, GroupProfile]:
    """The groups among `ids`, by id."""
    found: dict[str, GroupProfile] = {}
    for chunk in _chunks(sorted({i.lower() for i in ids})):
        for row in connection.execute(select(t.groups).where(t.groups.c.id.in_(chunk))):
            found[row.id] = _group_profile(row)
    return found


def find_group_profiles(
    connection: Connection, tenant_id: str, match: Match | None, offset: int, limit: int
) -> list[GroupProfile]:
    """One page of the tenant's groups that satisfy `match`, in display-name order."""
    rows = connection.execute(
        select(t.groups)
        .where((t.groups.c.tenant_id == tenant_id) & _condition(t.groups, _GROUP_FIELDS, match))
        .order_by(func.lower(t.groups.c.display_name), t.groups.c.id)
        .offset(offset)
        .limit(limit)
    )
    return [_group_profile(row) for row in rows]


def count_groups(connection: Connection, tenant_id: str, match: Match | None) -> int:
    return int(
        connection.scalar(
            select(func.count())
            .select_from(t.groups)
            .where((t.groups.c.tenant_id == tenant_id) & _condition(t.groups, _GROUP_FIELDS, match))
        )
        or 0
    )


def member_ids(connection: Connection, group_id: str) -> list[str]:
    """The direct members of a group."""
    return list(
        connection.scalars(
            select(t.group_members.c.member_id).where(t.group_members.c.group_id == group_id)
        )
    )


def service_principals(connection: Connection, ids: Iterable[str]) -> dict[str, ServicePrincipal]:
    """The service principals among `ids`, by id."""
    found: dict[str, ServicePrincipal] = {}
    for chunk in _chunks(sorted({i.lower() for i in ids})):
        query = select(t.service_principals).where(t.service_principals.c.id.in_(chunk))
        for r in connection.execute(query):
            found[r.id] = ServicePrincipal(
                r.id, r.tenant_id, r.app_id, r.display_name, r.secret_hash
            )
    return found


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
