"""Who may read and change the directory, by directory role.

The rule, in one place (Entra's; partner-center-wire.md §7 has the table):

- Reading users, groups and directory roles needs a member of the tenant (a user or
  service principal that lives there) or any directory role in it.
- Creating, updating and deleting users needs Global Administrator or User
  Administrator. Deleting a user, or changing its sign-in name or enabled state, is a
  sensitive action: the role must also be one that may reset that user's password.
  A user's usage location (which a license needs) may also be set by a License
  Administrator, who may change nothing else of a user (`USAGE_LOCATION_EDITORS`).
- Resetting a password follows Entra's "who can reset passwords" table (`RESET_BY`): a
  target's every role must list one of the resetter's roles, and a user who holds a
  role through a (role-assignable) group is reset only by the two top roles.
- Assigning licenses needs Global Administrator, User Administrator, License
  Administrator or Directory Writers (`LICENSE_ASSIGNERS`); reading the tenant's
  subscribed SKUs needs one of those or a reader role, Global Reader or Directory Readers
  (`SKU_READERS`). Helpdesk Administrator holds neither permission.

A caller's directory roles are the ones it holds in the tenant, directly or through its
groups. A partner's user or service principal working in a customer tenant holds roles
only through its partner's delegation (`delegated_roles`): under DAP, AdminAgents act as
Global Administrator and HelpdeskAgents as Helpdesk Administrator; under GDAP, each
group gets the roles of its access assignments in the active relationships.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from sqlalchemy import Connection

from cspadmin.authz.decision import Caller
from cspadmin.domain.directory import User
from cspadmin.domain.directory_roles import RoleTemplate
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.directory.errors import InsufficientPrivileges
from cspadmin.store import directory as store

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

USAGE_LOCATION_EDITORS = USER_MANAGERS | {RoleTemplate.LICENSE_ADMINISTRATOR}
"""Entra's `microsoft.directory/users/usageLocation/update`."""
LICENSE_ASSIGNERS = frozenset(
    {
        RoleTemplate.GLOBAL_ADMINISTRATOR,
        RoleTemplate.USER_ADMINISTRATOR,
        RoleTemplate.LICENSE_ADMINISTRATOR,
        RoleTemplate.DIRECTORY_WRITERS,
    }
)
SKU_READERS = LICENSE_ASSIGNERS | {RoleTemplate.GLOBAL_READER, RoleTemplate.DIRECTORY_READERS}


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


def may_set_usage_location(caller_roles: Set[str]) -> bool:
    return bool(caller_roles & USAGE_LOCATION_EDITORS)


def may_assign_licenses(caller_roles: Set[str]) -> bool:
    return bool(caller_roles & LICENSE_ASSIGNERS)


def may_read_subscribed_skus(caller_roles: Set[str]) -> bool:
    return bool(caller_roles & SKU_READERS)


def roles_of(plane: ControlPlane, connection: Connection, caller: Caller) -> frozenset[str]:
    """The caller's directory roles in the tenant its token is for."""
    groups = plane.engine.groups_of(caller.object_id)
    if not caller.is_foreign:
        principals = {caller.object_id, *groups}
        return frozenset(store.directory_roles_of(connection, caller.tenant_id, principals))
    return plane.engine.delegations.delegated_directory_roles(
        caller.home_tenant_id, caller.tenant_id, groups
    )


def is_own_global_admin(plane: ControlPlane, connection: Connection, caller: Caller) -> bool:
    """Whether the caller is a Global Administrator of its own tenant, directly or through
    a group. A foreign (delegated) caller never counts, whatever roles its partner's
    delegation gives it: those act for the partner, and what needs this (accepting a
    partner's invitation, approving or ending its relationships) is the customer's own
    decision."""
    return not caller.is_foreign and (
        RoleTemplate.GLOBAL_ADMINISTRATOR in roles_of(plane, connection, caller)
    )


def holding_of(plane: ControlPlane, connection: Connection, user: User) -> RoleHolding:
    groups = plane.engine.groups_of(user.id)
    return RoleHolding(
        frozenset(store.directory_roles_of(connection, user.tenant_id, [user.id])),
        frozenset(store.directory_roles_of(connection, user.tenant_id, groups)),
    )


def reader_roles(plane: ControlPlane, connection: Connection, caller: Caller) -> frozenset[str]:
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


def require(allowed: bool) -> None:
    if not allowed:
        raise InsufficientPrivileges()
