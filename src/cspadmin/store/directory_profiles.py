"""Directory objects as Microsoft Graph reads and writes them, beyond the domain's records
(`store.directory`).

`UserProfile` and `GroupProfile` carry the further properties of users and groups (mail
nicknames, given names, creation times, the force-change-password flag). `Match` is the
one kind of `$filter` condition the store evaluates in SQL, so a list is filtered and
paged by the database (`find_*_profiles`, `count_*`). Lookups by many ids at once (users,
groups, service principals) serve Graph's lists of mixed objects: `getByIds`, members,
role holders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Table, func, select, true, update

from cspadmin.domain.directory import ServicePrincipal, User
from cspadmin.store import schema as t
from cspadmin.store.batching import chunks
from cspadmin.store.directory import save_user, user_from_row


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


def _user_profile(row: Row[Any]) -> UserProfile:
    return UserProfile(
        user_from_row(row),
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
    for chunk in chunks(sorted({i.lower() for i in ids})):
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
    for chunk in chunks(sorted({i.lower() for i in ids})):
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


def service_principals(connection: Connection, ids: Iterable[str]) -> dict[str, ServicePrincipal]:
    """The service principals among `ids`, by id."""
    found: dict[str, ServicePrincipal] = {}
    for chunk in chunks(sorted({i.lower() for i in ids})):
        query = select(t.service_principals).where(t.service_principals.c.id.in_(chunk))
        for r in connection.execute(query):
            found[r.id] = ServicePrincipal(
                r.id, r.tenant_id, r.app_id, r.display_name, r.secret_hash
            )
    return found
