"""The directory as Microsoft Graph serves it, and who may read and change it.

The rule, in one place (Entra's; partner-center-wire.md §7 has the table):

- Reading users, groups and directory roles needs a member of the tenant (a user or
  service principal that lives there) or any directory role in it.
- Creating, updating and deleting users needs Global Administrator or User
  Administrator. Deleting a user, or changing its sign-in name or enabled state, is a
  sensitive action: the role must also be one that may reset that user's password.
- Resetting a password follows Entra's "who can reset passwords" table (`RESET_BY`): a
  target's every role must list one of the resetter's roles, and a user who holds a
  role through a (role-assignable) group is reset only by the two top roles.

A caller's directory roles are the ones it holds in the tenant, directly or through its
groups. A partner's user or service principal working in a customer tenant holds roles
only through its partner's delegation (`delegated_roles`): under DAP, AdminAgents act as
Global Administrator and HelpdeskAgents as Helpdesk Administrator; under GDAP, each
group gets the roles of its access assignments in the active relationships.

Refusals carry Graph's codes:

    CspadminError
    ├── InvalidDirectoryRequest   400  Request_BadRequest
    ├── InsufficientPrivileges    403  Authorization_RequestDenied
    └── DirectoryObjectNotFound   404  Request_ResourceNotFound
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence, Set
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from cspadmin.authz.decision import Caller
from cspadmin.authz.engine import Engine
from cspadmin.domain.directory import PrincipalType, ServicePrincipal, User
from cspadmin.domain.directory_roles import BY_TEMPLATE_ID, DirectoryRole, RoleTemplate
from cspadmin.errors import CspadminError
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.credentials import hash_secret
from cspadmin.store import directory as store
from cspadmin.store.directory import GroupProfile, Match, UserProfile
from cspadmin.store.relationships import list_reseller_relationships

T = TypeVar("T")

# -- errors --------------------------------------------------------------------------------


class InvalidDirectoryRequest(CspadminError):
    code = "Request_BadRequest"
    status = 400


class InsufficientPrivileges(CspadminError):
    code = "Authorization_RequestDenied"
    status = 403

    def __init__(self) -> None:
        super().__init__("Insufficient privileges to complete the operation.")


class DirectoryObjectNotFound(CspadminError):
    code = "Request_ResourceNotFound"
    status = 404

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Resource '{key}' does not exist or one of its queried reference-property "
            "objects are not present."
        )


def invalid_value(prop: str, resource: str = "User") -> InvalidDirectoryRequest:
    return InvalidDirectoryRequest(
        f"Invalid value specified for property '{prop}' of resource '{resource}'."
    )


# -- the rule: directory roles -------------------------------------------------------------


USER_MANAGERS = frozenset({RoleTemplate.GLOBAL_ADMINISTRATOR, RoleTemplate.USER_ADMINISTRATOR})
_TOP = frozenset(
    {RoleTemplate.GLOBAL_ADMINISTRATOR, RoleTemplate.PRIVILEGED_AUTHENTICATION_ADMINISTRATOR}
)
RESETTERS = _TOP | {
    RoleTemplate.PASSWORD_ADMINISTRATOR,
    RoleTemplate.HELPDESK_ADMINISTRATOR,
    RoleTemplate.AUTHENTICATION_ADMINISTRATOR,
    RoleTemplate.USER_ADMINISTRATOR,
}
_READER_ROLES = _TOP | {
    RoleTemplate.HELPDESK_ADMINISTRATOR,
    RoleTemplate.AUTHENTICATION_ADMINISTRATOR,
    RoleTemplate.USER_ADMINISTRATOR,
}

RESET_BY: dict[str, frozenset[str]] = {
    RoleTemplate.AUTHENTICATION_ADMINISTRATOR: _TOP | {RoleTemplate.AUTHENTICATION_ADMINISTRATOR},
    RoleTemplate.DIRECTORY_READERS: RESETTERS,
    RoleTemplate.GLOBAL_ADMINISTRATOR: _TOP,
    RoleTemplate.GROUPS_ADMINISTRATOR: _TOP | {RoleTemplate.USER_ADMINISTRATOR},
    RoleTemplate.GUEST_INVITER: RESETTERS,
    RoleTemplate.HELPDESK_ADMINISTRATOR: _TOP
    | {RoleTemplate.HELPDESK_ADMINISTRATOR, RoleTemplate.USER_ADMINISTRATOR},
    RoleTemplate.MESSAGE_CENTER_READER: _READER_ROLES,
    RoleTemplate.PASSWORD_ADMINISTRATOR: RESETTERS,
    RoleTemplate.PRIVILEGED_AUTHENTICATION_ADMINISTRATOR: _TOP,
    RoleTemplate.PRIVILEGED_ROLE_ADMINISTRATOR: _TOP,
    RoleTemplate.REPORTS_READER: _READER_ROLES,
    RoleTemplate.USER_ADMINISTRATOR: _TOP | {RoleTemplate.USER_ADMINISTRATOR},
    RoleTemplate.USER_EXPERIENCE_SUCCESS_MANAGER: _READER_ROLES,
    RoleTemplate.USAGE_SUMMARY_REPORTS_READER: _READER_ROLES,
}
"""Target's role → the resetter roles that may reset its password. A role not listed
here is reset only by Global and Privileged Authentication Administrators; a user with
no role, by every resetter role."""


@dataclass(frozen=True, slots=True)
class RoleHolding:
    """The directory roles a user holds: its own, and those it holds through groups."""

    direct: frozenset[str] = frozenset()
    through_groups: frozenset[str] = frozenset()

    @property
    def roles(self) -> frozenset[str]:
        return self.direct | self.through_groups


def covers(resetter_role: str, target: RoleHolding) -> bool:
    """Whether one resetter role reaches every role of the target (RESET_BY)."""
    if target.through_groups and resetter_role not in _TOP:
        return False
    return all(resetter_role in RESET_BY.get(role, _TOP) for role in target.roles)


def may_reset_password(caller_roles: Set[str], target: RoleHolding) -> bool:
    """Entra's "who can reset passwords": some role of the caller covers the target."""
    return any(covers(role, target) for role in caller_roles & RESETTERS)


def may_manage_sensitive(caller_roles: Set[str], target: RoleHolding) -> bool:
    """Delete, rename or enable/disable the target: a user manager that covers it."""
    return any(covers(role, target) for role in caller_roles & USER_MANAGERS)


def roles_of(plane: ControlPlane, connection: Connection, caller: Caller) -> frozenset[str]:
    """The caller's directory roles in the tenant its token is for."""
    groups = plane.engine.groups_of(caller.object_id)
    if not caller.is_foreign:
        principals = {caller.object_id, *groups}
        return frozenset(store.directory_roles_of(connection, caller.tenant_id, principals))
    return plane.engine.delegated_directory_roles(caller.home_tenant_id, caller.tenant_id, groups)


def holding_of(plane: ControlPlane, connection: Connection, user: User) -> RoleHolding:
    groups = plane.engine.groups_of(user.id)
    return RoleHolding(
        frozenset(store.directory_roles_of(connection, user.tenant_id, [user.id])),
        frozenset(store.directory_roles_of(connection, user.tenant_id, groups)),
    )


def _reader_roles(plane: ControlPlane, connection: Connection, caller: Caller) -> frozenset[str]:
    """The caller's roles, once it is known to be allowed to read the directory."""
    roles = roles_of(plane, connection, caller)
    if roles or _is_member(connection, caller):
        return roles
    raise InsufficientPrivileges()


def _is_member(connection: Connection, caller: Caller) -> bool:
    if caller.is_foreign:
        return False
    found = store.object_kind(connection, caller.object_id)
    return found is not None and found[0] != "Group" and found[1] == caller.tenant_id


def _require(allowed: bool) -> None:
    if not allowed:
        raise InsufficientPrivileges()


# -- pages and objects ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """Which part of a collection to answer: `size` items from `offset`, and whether to
    count the whole collection."""

    offset: int = 0
    size: int = 100
    count: bool = False


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_offset: int | None = None
    total: int | None = None


def _sliced(items: Sequence[T], window: Window) -> Page[T]:
    end = window.offset + window.size
    more = end if end < len(items) else None
    return Page(list(items[window.offset : end]), more, len(items) if window.count else None)


def _paged(
    fetch: Callable[[int, int], list[T]], count: Callable[[], int], window: Window
) -> Page[T]:
    rows = fetch(window.offset, window.size + 1)
    more = window.offset + window.size if len(rows) > window.size else None
    return Page(rows[: window.size], more, count() if window.count else None)


@dataclass(frozen=True, slots=True)
class PartnerReference:
    """A partner's group as a customer tenant sees it (Graph's
    directoryObjectPartnerReference)."""

    id: str
    display_name: str
    description: str
    partner_tenant_id: str
    object_type: str = "Group"


DirectoryObject = UserProfile | GroupProfile | ServicePrincipal | PartnerReference


class ObjectKind(enum.Enum):
    USER = "user"
    GROUP = "group"
    SERVICE_PRINCIPAL = "servicePrincipal"
    PARTNER_REFERENCE = "directoryObjectPartnerReference"


def _name_of(item: DirectoryObject) -> str:
    return item.user.display_name if isinstance(item, UserProfile) else item.display_name


def _local_objects(
    connection: Connection, tenant_id: str, ids: Collection[str]
) -> dict[str, DirectoryObject]:
    found: dict[str, DirectoryObject] = {}
    found.update(store.user_profiles(connection, ids))
    found.update(store.group_profiles(connection, ids))
    found.update(store.service_principals(connection, ids))
    return {k: v for k, v in found.items() if _tenant_of(v) == tenant_id}


def _tenant_of(item: DirectoryObject) -> str:
    if isinstance(item, UserProfile):
        return item.user.tenant_id
    if isinstance(item, PartnerReference):
        return item.partner_tenant_id
    return item.tenant_id


def _sorted(items: Iterable[DirectoryObject]) -> list[DirectoryObject]:
    return sorted(items, key=lambda o: (_name_of(o).lower(), _id_of(o)))


def _id_of(item: DirectoryObject) -> str:
    return item.user.id if isinstance(item, UserProfile) else item.id


# -- groups --------------------------------------------------------------------------------


def list_groups(
    plane: ControlPlane, caller: Caller, match: Match | None, window: Window
) -> Page[GroupProfile]:
    with plane.database.connect() as c:
        _reader_roles(plane, c, caller)
        tenant = caller.tenant_id
        return _paged(
            lambda offset, limit: store.find_group_profiles(c, tenant, match, offset, limit),
            lambda: store.count_groups(c, tenant, match),
            window,
        )


def get_group(plane: ControlPlane, caller: Caller, group_id: str) -> GroupProfile:
    with plane.database.connect() as c:
        _reader_roles(plane, c, caller)
        return _group_in_tenant(c, caller.tenant_id, group_id)


def _group_in_tenant(connection: Connection, tenant_id: str, group_id: str) -> GroupProfile:
    group = store.get_group_profile(connection, group_id)
    if group is None or group.tenant_id != tenant_id:
        raise DirectoryObjectNotFound(group_id)
    return group


def group_members(
    plane: ControlPlane, caller: Caller, group_id: str, *, transitive: bool, window: Window
) -> Page[DirectoryObject]:
    """The group's members (or, `transitive`, everything inside it), by display name."""
    with plane.database.connect() as c:
        _reader_roles(plane, c, caller)
        group = _group_in_tenant(c, caller.tenant_id, group_id)
        ids = plane.engine.members_of(group.id) if transitive else store.member_ids(c, group.id)
        members = _local_objects(c, caller.tenant_id, ids)
    return _sliced(_sorted(members.values()), window)


# -- users ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewUser:
    user_principal_name: str
    display_name: str
    mail_nickname: str
    password: str
    force_change_password: bool = False
    account_enabled: bool = True
    given_name: str | None = None
    surname: str | None = None
    usage_location: str | None = None


@dataclass(frozen=True, slots=True)
class PasswordReset:
    password: str
    force_change_password: bool = False


@dataclass(frozen=True, slots=True)
class UserChanges:
    """A PATCH of a user: None leaves a property as it is."""

    display_name: str | None = None
    given_name: str | None = None
    surname: str | None = None
    mail_nickname: str | None = None
    usage_location: str | None = None
    user_principal_name: str | None = None
    account_enabled: bool | None = None
    password: PasswordReset | None = None

    @property
    def sensitive(self) -> bool:
        return self.user_principal_name is not None or self.account_enabled is not None

    @property
    def basic(self) -> bool:
        return any(
            v is not None
            for v in (
                self.display_name,
                self.given_name,
                self.surname,
                self.mail_nickname,
                self.usage_location,
            )
        )


def list_users(
    plane: ControlPlane, caller: Caller, match: Match | None, window: Window
) -> Page[UserProfile]:
    with plane.database.connect() as c:
        _reader_roles(plane, c, caller)
        tenant = caller.tenant_id
        return _paged(
            lambda offset, limit: store.find_user_profiles(c, tenant, match, offset, limit),
            lambda: store.count_users(c, tenant, match),
            window,
        )


def get_user(plane: ControlPlane, caller: Caller, key: str) -> UserProfile:
    """A user of the caller's tenant by object id or user principal name."""
    with plane.database.connect() as c:
        _reader_roles(plane, c, caller)
        return _user_in_tenant(c, caller.tenant_id, key)


def signed_in_user(plane: ControlPlane, caller: Caller) -> UserProfile:
    """The caller itself, when it is a user: a partner's agent gets its home account."""
    with plane.database.connect() as c:
        found = store.get_user_profile(c, caller.object_id)
    if found is None:
        raise InvalidDirectoryRequest(
            "/me request is only valid with delegated authentication flow."
        )
    return found


def _user_in_tenant(connection: Connection, tenant_id: str, key: str) -> UserProfile:
    found = store.get_user_profile(connection, key)
    if found is None or found.user.tenant_id != tenant_id:
        raise DirectoryObjectNotFound(key)
    return found


def create_user(plane: ControlPlane, caller: Caller, new: NewUser) -> UserProfile:
    with plane.change() as change:
        c = change.connection
        _require(bool(_reader_roles(plane, c, caller) & USER_MANAGERS))
        upn = _checked_upn(c, caller.tenant_id, new.user_principal_name)
        _check_password(new.password)
        user = User(
            str(uuid.uuid4()),
            caller.tenant_id,
            upn,
            _checked_display_name(new.display_name),
            hash_secret(new.password),
            new.account_enabled,
            _checked_usage_location(new.usage_location),
        )
        profile = UserProfile(
            user,
            _checked_mail_nickname(new.mail_nickname),
            _checked_name_part("givenName", new.given_name),
            _checked_name_part("surname", new.surname),
            new.force_change_password,
            plane.clock(),
        )
        _save(c, profile)
        change.then(lambda engine: engine.add_principal(user.id, user.tenant_id, _USER))
    return profile


def update_user(plane: ControlPlane, caller: Caller, key: str, changes: UserChanges) -> UserProfile:
    with plane.change() as change:
        c = change.connection
        roles = _reader_roles(plane, c, caller)
        current = _user_in_tenant(c, caller.tenant_id, key)
        target = holding_of(plane, c, current.user)
        if changes.basic or not (changes.sensitive or changes.password):
            _require(bool(roles & USER_MANAGERS))
        if changes.sensitive:
            _require(may_manage_sensitive(roles, target))
        if changes.password is not None:
            _require(may_reset_password(roles, target))
        updated = _changed(c, current, changes)
        _save(c, updated)
    return updated


def delete_user(plane: ControlPlane, caller: Caller, key: str) -> str:
    """Delete a user of the caller's tenant; its object id."""
    with plane.change() as change:
        c = change.connection
        roles = _reader_roles(plane, c, caller)
        user = _user_in_tenant(c, caller.tenant_id, key).user
        _require(may_manage_sensitive(roles, holding_of(plane, c, user)))
        left = store.delete_user(c, user.id)

        def forget(engine: Engine) -> None:
            for group_id in left:
                engine.remove_member(group_id, user.id)

        change.then(forget)
    return user.id


_USER = PrincipalType.USER


def _save(connection: Connection, profile: UserProfile) -> None:
    try:
        store.save_user_profile(connection, profile)
    except IntegrityError:  # a concurrent create took the UPN first
        raise _duplicate_upn() from None


def _changed(connection: Connection, current: UserProfile, changes: UserChanges) -> UserProfile:
    user = current.user
    if changes.user_principal_name is not None:
        upn = changes.user_principal_name
        if upn.lower() != user.user_principal_name.lower():
            upn = _checked_upn(connection, user.tenant_id, upn)
        user = replace(user, user_principal_name=upn)
    if changes.display_name is not None:
        user = replace(user, display_name=_checked_display_name(changes.display_name))
    if changes.usage_location is not None:
        user = replace(user, usage_location=_checked_usage_location(changes.usage_location))
    if changes.account_enabled is not None:
        user = replace(user, account_enabled=changes.account_enabled)
    profile = replace(current, user=user)
    if changes.mail_nickname is not None:
        profile = replace(profile, mail_nickname=_checked_mail_nickname(changes.mail_nickname))
    if changes.given_name is not None:
        profile = replace(profile, given_name=_checked_name_part("givenName", changes.given_name))
    if changes.surname is not None:
        profile = replace(profile, surname=_checked_name_part("surname", changes.surname))
    if changes.password is not None:
        _check_password(changes.password.password)
        user = replace(profile.user, password_hash=hash_secret(changes.password.password))
        force = changes.password.force_change_password
        profile = replace(profile, user=user, force_change_password=force)
    return profile


_UPN_LOCAL = re.compile(r"^[A-Za-z0-9'_!#^~+-]+(\.[A-Za-z0-9'_!#^~+-]+)*$")
_NICKNAME = re.compile(r"^[\x21-\x7e]{1,64}$")
_NICKNAME_FORBIDDEN = set('@()\\[]";:<>,')


def _duplicate_upn() -> InvalidDirectoryRequest:
    return InvalidDirectoryRequest(
        "Another object with the same value for property userPrincipalName already exists."
    )


def _checked_upn(connection: Connection, tenant_id: str, upn: str) -> str:
    local, at, domain = upn.strip().rpartition("@")
    if not at or not _UPN_LOCAL.match(local) or len(upn) > 113:
        raise invalid_value("userPrincipalName")
    tenant = store.get_tenant(connection, tenant_id)
    if tenant is None or domain.lower() not in {d.lower() for d in tenant.all_domains()}:
        raise InvalidDirectoryRequest(
            "The domain portion of the userPrincipalName property is invalid. You must use "
            "one of the verified domain names in your organization."
        )
    if store.get_user(connection, upn.strip()) is not None:
        raise _duplicate_upn()
    return upn.strip()


def _check_password(password: str) -> None:
    """Entra's default policy: 8 to 256 characters, three of the four kinds of character."""
    kinds = (
        any(ch.islower() for ch in password),
        any(ch.isupper() for ch in password),
        any(ch.isdigit() for ch in password),
        any(not ch.isalnum() for ch in password),
    )
    if not 8 <= len(password) <= 256 or sum(kinds) < 3:
        raise InvalidDirectoryRequest(
            "The specified password does not comply with password complexity requirements. "
            "Please provide a different password."
        )


def _checked_display_name(name: str) -> str:
    if not name.strip() or len(name) > 256:
        raise invalid_value("displayName")
    return name


def _checked_mail_nickname(nickname: str) -> str:
    if not _NICKNAME.match(nickname) or _NICKNAME_FORBIDDEN.intersection(nickname):
        raise invalid_value("mailNickname")
    return nickname


def _checked_name_part(prop: str, value: str | None) -> str | None:
    """givenName and surname: at most 64 characters, as Graph allows."""
    if value is not None and len(value) > 64:
        raise invalid_value(prop)
    return value


def _checked_usage_location(location: str | None) -> str | None:
    if location is None:
        return None
    if len(location) != 2 or not location.isalpha():
        raise invalid_value("usageLocation")
    return location.upper()


# -- directory objects ---------------------------------------------------------------------


def get_by_ids(
    plane: ControlPlane, caller: Caller, ids: Sequence[str], kinds: Set[ObjectKind]
) -> list[DirectoryObject]:
    """The objects among `ids` of the given kinds, in the order asked: the tenant's own,
    and partner groups whose partner has a relationship with the tenant."""
    wanted = set(ids)
    with plane.database.connect() as c:
        _reader_roles(plane, c, caller)
        found = _local_objects(c, caller.tenant_id, wanted)
        if ObjectKind.PARTNER_REFERENCE in kinds:
            found.update(_partner_references(plane, c, caller.tenant_id, wanted - set(found)))
    objects = (found[i] for i in dict.fromkeys(ids) if i in found)
    return [o for o in objects if _kind_of(o) in kinds]


def _kind_of(item: DirectoryObject) -> ObjectKind:
    if isinstance(item, UserProfile):
        return ObjectKind.USER
    if isinstance(item, GroupProfile):
        return ObjectKind.GROUP
    if isinstance(item, ServicePrincipal):
        return ObjectKind.SERVICE_PRINCIPAL
    return ObjectKind.PARTNER_REFERENCE


def _partner_references(
    plane: ControlPlane, connection: Connection, customer_id: str, ids: Collection[str]
) -> dict[str, PartnerReference]:
    found: dict[str, PartnerReference] = {}
    for group in store.group_profiles(connection, ids).values():
        partner = group.tenant_id
        if customer_id in plane.engine.customers_of(partner):
            found[group.id] = _reference(group)
    return found


def _reference(group: GroupProfile) -> PartnerReference:
    return PartnerReference(group.id, group.display_name, group.description, group.tenant_id)


# -- directory roles -----------------------------------------------------------------------

_ROLE_IDS = uuid.UUID("b8c5f0a2-3c1d-4e7f-9a6b-2d4e6f8a0c1e")


@dataclass(frozen=True, slots=True)
class ActivatedRole:
    """A directory role that has at least one holder in a tenant."""

    id: str
    tenant_id: str
    role: DirectoryRole
    holders: frozenset[str]


def directory_role_id(tenant_id: str, template_id: str) -> str:
    """The role's object id in the tenant: stable, as activation makes it in Entra."""
    return str(uuid.uuid5(_ROLE_IDS, f"{tenant_id}:{template_id}"))


def list_directory_roles(plane: ControlPlane, caller: Caller) -> list[ActivatedRole]:
    with plane.database.connect() as c:
        _reader_roles(plane, c, caller)
        roles = _activated(plane, c, caller.tenant_id)
    return sorted(roles, key=lambda r: r.role.display_name)


def get_directory_role(
    plane: ControlPlane,
    caller: Caller,
    *,
    role_id: str | None = None,
    template_id: str | None = None,
) -> ActivatedRole:
    with plane.database.connect() as c:
        _reader_roles(plane, c, caller)
        roles = _activated(plane, c, caller.tenant_id)
    key = (role_id or template_id or "").lower()
    for role in roles:
        if key == (role.id if role_id is not None else role.role.template_id):
            return role
    raise DirectoryObjectNotFound(role_id or template_id or "")


def directory_role_members(
    plane: ControlPlane,
    caller: Caller,
    window: Window,
    *,
    role_id: str | None = None,
    template_id: str | None = None,
) -> Page[DirectoryObject]:
    role = get_directory_role(plane, caller, role_id=role_id, template_id=template_id)
    with plane.database.connect() as c:
        members: dict[str, DirectoryObject] = {}
        members.update(_local_objects(c, caller.tenant_id, role.holders))
        partner_groups = store.group_profiles(c, role.holders - set(members))
        members.update({g.id: _reference(g) for g in partner_groups.values()})
    return _sliced(_sorted(members.values()), window)


def _activated(plane: ControlPlane, connection: Connection, tenant_id: str) -> list[ActivatedRole]:
    """The tenant's roles with holders. Under DAP the partner's AdminAgents and
    HelpdeskAgents hold Global and Helpdesk Administrator there (as partner references)."""
    holders: dict[str, set[str]] = {}
    for grant in store.list_directory_role_assignments(connection, tenant_id):
        holders.setdefault(grant.role_template_id, set()).add(grant.principal_id)
    for r in list_reseller_relationships(connection):
        if r.customer_tenant_id != tenant_id or not r.grants_delegated_access:
            continue
        partner = store.get_tenant(connection, r.partner_tenant_id)
        if partner is not None and partner.partner is not None:
            holders.setdefault(RoleTemplate.GLOBAL_ADMINISTRATOR, set()).add(
                partner.partner.admin_agents_id
            )
            holders.setdefault(RoleTemplate.HELPDESK_ADMINISTRATOR, set()).add(
                partner.partner.helpdesk_agents_id
            )
    return [
        ActivatedRole(directory_role_id(tenant_id, t), tenant_id, BY_TEMPLATE_ID[t], frozenset(h))
        for t, h in holders.items()
        if t in BY_TEMPLATE_ID
    ]
