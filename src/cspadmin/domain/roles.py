"""Role definitions and the matching of action strings.

Azure's rule: a role grants an action when some permission's Actions match it and that
same permission's NotActions do not. NotActions are not a deny; another role may still
grant the action. DataActions are a separate list: control-plane wildcards never grant a
data action. Matching is case-insensitive and `*` matches any run of characters.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from cspadmin.domain.scope import ScopeKind, is_guid, parse_scope
from cspadmin.errors import InvalidRoleDefinition

BUILT_IN = "BuiltInRole"
CUSTOM = "CustomRole"


@cache
def _pattern(wildcard: str) -> re.Pattern[str]:
    parts = (re.escape(p) for p in wildcard.split("*"))
    return re.compile(".*".join(parts), re.IGNORECASE | re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """Whether an Actions entry such as `Microsoft.Compute/*/read` covers `action`."""
    if "*" not in pattern:
        return pattern.lower() == action.lower()
    return _pattern(pattern).fullmatch(action) is not None


def _any_match(patterns: tuple[str, ...], action: str) -> bool:
    return any(action_matches(p, action) for p in patterns)


@dataclass(frozen=True, slots=True)
class Permission:
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()

    def allows(self, action: str, *, data: bool = False) -> bool:
        if data:
            return _any_match(self.data_actions, action) and not _any_match(
                self.not_data_actions, action
            )
        return _any_match(self.actions, action) and not _any_match(self.not_actions, action)


@dataclass(frozen=True, slots=True)
class RoleDefinition:
    """A role: built-in (exact Azure GUID) or custom (with the scopes it may be assigned at)."""

    id: str
    """The role's GUID, lower-case: the `name` of the ARM resource."""
    role_name: str
    permissions: tuple[Permission, ...]
    description: str = ""
    role_type: str = BUILT_IN
    assignable_scopes: tuple[str, ...] = ("/",)
    _cache: dict[tuple[str, bool], bool] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @property
    def is_custom(self) -> bool:
        return self.role_type == CUSTOM

    def allows(self, action: str, data: bool = False) -> bool:
        """Whether this role grants `action`. Memoized: the same few actions recur."""
        key = (action, data)  # as given: the same strings recur, so no lower() per check
        hit = self._cache.get(key)
        if hit is None:
            hit = any(p.allows(action, data=data) for p in self.permissions)
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = hit
        return hit

    def assignable_at(self, scope_key: str) -> bool:
        """Whether this role may be assigned at the scope with that key (or below)."""
        return any(
            scope_key == s.lower() or scope_key.startswith(s.lower().rstrip("/") + "/")
            for s in self.assignable_scopes
        )


def custom_role(
    id: str,
    role_name: str,
    permissions: tuple[Permission, ...],
    assignable_scopes: tuple[str, ...],
    description: str = "",
) -> RoleDefinition:
    """Build a custom role, enforcing Azure's rules for one."""
    if not is_guid(id):
        raise InvalidRoleDefinition(f"The role definition id '{id}' is not a GUID.")
    if not role_name.strip():
        raise InvalidRoleDefinition("The role name must not be empty.")
    if not assignable_scopes:
        raise InvalidRoleDefinition("A custom role needs at least one assignable scope.")
    scopes = [parse_scope(s) for s in assignable_scopes]
    if any(s.kind is ScopeKind.ROOT for s in scopes):
        raise InvalidRoleDefinition("Only built-in roles may be assignable at the root '/'.")
    canonical = tuple(s.id for s in scopes)
    groups = {s.key for s in scopes if s.kind is ScopeKind.MANAGEMENT_GROUP}
    if len(groups) > 1:
        raise InvalidRoleDefinition("A custom role may name at most one management group.")
    if not any(p.actions or p.data_actions for p in permissions):
        raise InvalidRoleDefinition("A custom role must grant at least one action.")
    return RoleDefinition(
        id=str(uuid.UUID(id)),
        role_name=role_name,
        permissions=permissions,
        description=description,
        role_type=CUSTOM,
        assignable_scopes=canonical,
    )


def _load_builtins() -> tuple[RoleDefinition, ...]:
    text = resources.files("cspadmin.domain").joinpath("data/builtin_roles.json").read_text()
    roles = []
    for entry in json.loads(text):
        perms = tuple(
            Permission(
                actions=tuple(p.get("actions", ())),
                not_actions=tuple(p.get("notActions", ())),
                data_actions=tuple(p.get("dataActions", ())),
                not_data_actions=tuple(p.get("notDataActions", ())),
            )
            for p in entry["permissions"]
        )
        roles.append(
            RoleDefinition(
                id=entry["id"].lower(),
                role_name=entry["roleName"],
                permissions=perms,
                description=entry.get("description", ""),
                assignable_scopes=tuple(entry.get("assignableScopes", ["/"])),
            )
        )
    return tuple(roles)


BUILTIN_ROLES: tuple[RoleDefinition, ...] = _load_builtins()
BUILTIN_BY_ID: dict[str, RoleDefinition] = {r.id: r for r in BUILTIN_ROLES}
BUILTIN_BY_NAME: dict[str, RoleDefinition] = {r.role_name.lower(): r for r in BUILTIN_ROLES}

OWNER = BUILTIN_BY_ID["8e3af657-a8ff-443c-a75c-2fe8c4bcb635"]
CONTRIBUTOR = BUILTIN_BY_ID["b24988ac-6180-42a0-ab88-20f7382dd24c"]
READER = BUILTIN_BY_ID["acdd72a7-3385-48ef-bd42-f606fba81ae7"]
USER_ACCESS_ADMINISTRATOR = BUILTIN_BY_ID["18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"]


def role_definition_guid(role_definition_id: str) -> str:
    """The GUID at the end of a role definition id (full ARM id or bare GUID), lower-cased."""
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()
