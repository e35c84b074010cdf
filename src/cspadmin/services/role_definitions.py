"""Role definitions: which roles exist at a scope, and the lifecycle of custom roles.

Built-in roles exist everywhere. A custom role belongs to one tenant and is listed, and
may be assigned, at the scopes its `assignableScopes` name and below them (management
groups reach the subscriptions under them).

Errors raised here, beyond those of `cspadmin.errors`:

    BadRequest (400)
    ├── InvalidRoleDefinitionId          a roleDefinitionId that names no role definition
    ├── UnsupportedFilter                a $filter this API does not understand
    └── BuiltInRoleNotEditable           PUT or DELETE of a built-in role
    Conflict (409)
    ├── RoleDefinitionWithSameNameExists another role of the tenant has that roleName
    ├── RoleDefinitionIdInUse            the GUID is another tenant's custom role
    └── RoleDefinitionHasAssignments     deleting a custom role that is still assigned
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection

from cspadmin.authz.engine import Engine
from cspadmin.domain.roles import (
    BUILTIN_BY_ID,
    BUILTIN_BY_NAME,
    BUILTIN_ROLES,
    Permission,
    RoleDefinition,
    custom_role,
)
from cspadmin.domain.scope import ROOT, Scope, is_guid, parse_scope
from cspadmin.errors import BadRequest, Conflict, InvalidRoleDefinition, RoleDefinitionDoesNotExist
from cspadmin.services.control_plane import ControlPlane
from cspadmin.store.assignments import role_definition_in_use
from cspadmin.store.custom_roles import (
    delete_role_definition,
    get_custom_role,
    list_tenant_custom_roles,
    save_role_definition,
)
from cspadmin.store.journal import Fact

_ROLE_ID = re.compile(
    r"^(?P<scope>.*?)/providers/microsoft\.authorization/roledefinitions/(?P<guid>[^/]+)/?$",
    re.IGNORECASE,
)
_FILTER_TERM = re.compile(
    r"^\s*(?:(?P<field>rolename|type)\s+eq\s+'(?P<value>(?:[^']|'')*)'"
    r"|(?P<below>atscopeandbelow\(\)))\s*$",
    re.IGNORECASE,
)


class InvalidRoleDefinitionId(BadRequest):
    code = "InvalidRoleDefinitionId"

    def __init__(self, given: str) -> None:
        super().__init__(f"The role definition ID '{given}' is not valid.")


class UnsupportedFilter(BadRequest):
    code = "UnsupportedFilter"

    def __init__(self, given: str) -> None:
        super().__init__(f"The $filter '{given}' is not supported by this API.")


class BuiltInRoleNotEditable(BadRequest):
    code = "BuiltInRoleNotEditable"

    def __init__(self, role: RoleDefinition) -> None:
        super().__init__(f"The built-in role '{role.role_name}' cannot be changed or deleted.")


class RoleDefinitionWithSameNameExists(Conflict):
    code = "RoleDefinitionWithSameNameExists"

    def __init__(self) -> None:
        super().__init__("A role definition cannot be updated with a name that already exists.")


class RoleDefinitionIdInUse(Conflict):
    code = "RoleDefinitionIdInUse"

    def __init__(self, role_id: str) -> None:
        super().__init__(f"The role definition ID '{role_id}' is already in use.")


class RoleDefinitionHasAssignments(Conflict):
    code = "RoleDefinitionHasAssignments"

    def __init__(self) -> None:
        super().__init__(
            "There are existing role assignments referencing role. Remove the role "
            "assignments before deleting the role definition."
        )


def canonical_guid(text: str) -> str:
    """A GUID in the one form ids are stored in (lower-case, hyphenated); anything else
    as given, lower-cased, so that it simply matches nothing."""
    return str(uuid.UUID(text)) if is_guid(text) else text.lower()


def role_guid(role_definition_id: str) -> str:
    """The GUID a full role definition id names, in either form ARM accepts:
    `/providers/Microsoft.Authorization/roleDefinitions/{guid}`, or the same under a
    subscription or management group."""
    match = _ROLE_ID.match(role_definition_id.strip())
    if match is None or not is_guid(match["guid"]):
        raise InvalidRoleDefinitionId(role_definition_id)
    if match["scope"]:
        parse_scope(match["scope"])  # the qualifying scope must itself be valid
    return canonical_guid(match["guid"])


def role_definition_id(role_id: str, scope: Scope) -> str:
    """The id ARM gives a role definition seen from `scope`: subscription-qualified
    anywhere inside a subscription (az compares these strings), tenant-level elsewhere."""
    base = f"/subscriptions/{scope.subscription_id}" if scope.subscription_id else ""
    return f"{base}/providers/Microsoft.Authorization/roleDefinitions/{role_id}"


def assignable_at(engine: Engine, role: RoleDefinition, scope: Scope) -> bool:
    """Whether `role` may be assigned at `scope`: one of its assignable scopes is the
    scope or above it, management groups included."""
    keys = set(engine.chain(scope).keys)
    return any(s.lower() in keys for s in role.assignable_scopes)


def find_role(plane: ControlPlane, tenant_id: str, role_id: str) -> RoleDefinition | None:
    """A built-in role, or a custom role of `tenant_id`, by GUID."""
    with plane.database.connect() as connection:
        return find_role_in(connection, tenant_id, role_id)


def find_role_in(connection: Connection, tenant_id: str, role_id: str) -> RoleDefinition | None:
    """`find_role` inside a transaction already open."""
    guid = canonical_guid(role_id)
    if guid in BUILTIN_BY_ID:
        return BUILTIN_BY_ID[guid]
    found = get_custom_role(connection, guid)
    return found[1] if found and found[0] == tenant_id else None


def get_role(plane: ControlPlane, tenant_id: str, role_id: str) -> RoleDefinition:
    role = find_role(plane, tenant_id, role_id) if is_guid(role_id) else None
    if role is None:
        raise RoleDefinitionDoesNotExist(role_id.replace("-", ""))
    return role


@dataclass(frozen=True, slots=True)
class DefinitionFilter:
    """`roleName eq '…'`, `type eq 'BuiltInRole'|'CustomRole'`, `atScopeAndBelow()`."""

    role_name: str | None = None
    role_type: str | None = None
    at_scope_and_below: bool = False

    @classmethod
    def parse(cls, text: str | None) -> DefinitionFilter:
        if not text or not text.strip():
            return cls()
        role_name = role_type = None
        below = False
        for term in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
            match = _FILTER_TERM.match(term)
            if match is None:
                raise UnsupportedFilter(text)
            if match["below"]:
                below = True
            elif match["field"].lower() == "rolename":
                role_name = match["value"].replace("''", "'")
            else:
                role_type = match["value"]
        return cls(role_name, role_type, below)

    def admits(self, role: RoleDefinition) -> bool:
        if self.role_name is not None and role.role_name.lower() != self.role_name.lower():
            return False
        return self.role_type is None or role.role_type.lower() == self.role_type.lower()


def visible_roles(
    plane: ControlPlane, tenant_id: str, scope: Scope, query: DefinitionFilter
) -> list[RoleDefinition]:
    """The roles listed at `scope`: every built-in, and the tenant's custom roles that are
    assignable there (or, with `atScopeAndBelow()`, somewhere inside it). At the root,
    every custom role of the tenant."""
    with plane.database.connect() as connection:
        custom = list_tenant_custom_roles(connection, tenant_id)
    if scope != ROOT:
        custom = [
            r
            for r in custom
            if assignable_at(plane.engine, r, scope)
            or (query.at_scope_and_below and _inside(r, scope))
        ]
    return [r for r in (*BUILTIN_ROLES, *custom) if query.admits(r)]


def _inside(role: RoleDefinition, scope: Scope) -> bool:
    return any(parse_scope(s).is_within(scope) for s in role.assignable_scopes)


MAX_ROLE_NAME = 256


@dataclass(frozen=True, slots=True)
class CustomRoleRequest:
    role_name: str
    permissions: tuple[Permission, ...]
    assignable_scopes: tuple[str, ...]
    description: str = ""


def custom_role_from(role_id: str, request: CustomRoleRequest) -> RoleDefinition:
    """The custom role a PUT describes, if Azure would accept it as one: not a built-in's
    GUID or name, and a custom role by `custom_role`'s rules (never assignable at the root)."""
    role_id = canonical_guid(role_id)
    if len(request.role_name) > MAX_ROLE_NAME:
        raise InvalidRoleDefinition(f"The role name is longer than {MAX_ROLE_NAME} characters.")
    if role_id in BUILTIN_BY_ID:
        raise BuiltInRoleNotEditable(BUILTIN_BY_ID[role_id])
    role = custom_role(
        role_id,
        request.role_name,
        request.permissions,
        request.assignable_scopes,
        request.description,
    )
    if role.role_name.lower() in BUILTIN_BY_NAME:
        raise RoleDefinitionWithSameNameExists()
    return role


def save_custom_role(plane: ControlPlane, tenant_id: str, role: RoleDefinition) -> bool:
    """Create or replace a custom role of `tenant_id`; True when it was created.

    The caller must already be allowed to write role definitions at the request scope
    and at every assignable scope (Azure's rule). The name is unique in the tenant.
    """
    with plane.change() as change:
        existing = get_custom_role(change.connection, role.id)
        if existing is not None and existing[0] != tenant_id:
            raise RoleDefinitionIdInUse(role.id)
        others = list_tenant_custom_roles(change.connection, tenant_id)
        if any(r.role_name.lower() == role.role_name.lower() and r.id != role.id for r in others):
            raise RoleDefinitionWithSameNameExists()
        save_role_definition(change.connection, tenant_id, role)
        change.touched(Fact.ROLE_DEFINITION, role.id)
    return existing is None


def delete_custom_role(plane: ControlPlane, tenant_id: str, role_id: str) -> RoleDefinition | None:
    """Delete a custom role of `tenant_id`; None when there was none. A role that is
    still assigned anywhere cannot be deleted."""
    guid = canonical_guid(role_id)
    if guid in BUILTIN_BY_ID:
        raise BuiltInRoleNotEditable(BUILTIN_BY_ID[guid])
    with plane.change() as change:
        existing = get_custom_role(change.connection, guid)
        if existing is None or existing[0] != tenant_id:
            return None
        if role_definition_in_use(change.connection, guid):
            raise RoleDefinitionHasAssignments()
        delete_role_definition(change.connection, guid)
        change.touched(Fact.ROLE_DEFINITION, guid)
    return existing[1]
