"""Azure RBAC assignments: role assignments and deny assignments."""

from __future__ import annotations

from dataclasses import dataclass

from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.roles import Permission

EVERYONE = "00000000-0000-0000-0000-000000000000"
"""The principal id a deny assignment uses for all principals."""


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    """One grant: role `role_definition_id` to `principal_id` at `scope` and below.

    `scope` is the canonical scope id; ids are lower-case GUIDs. `condition` is kept and
    returned but not evaluated: Azure evaluates ABAC conditions on data actions and
    delegated role-assignment writes, which the engine reports as unconditional.
    """

    name: str
    scope: str
    role_definition_id: str
    principal_id: str
    principal_type: PrincipalType
    tenant_id: str
    condition: str | None = None
    description: str | None = None

    @property
    def id(self) -> str:
        base = "" if self.scope == "/" else self.scope
        return f"{base}/providers/Microsoft.Authorization/roleAssignments/{self.name}"


@dataclass(frozen=True, slots=True)
class DenyAssignment:
    """A block that beats every grant, for the principals it names (or `EVERYONE`)."""

    name: str
    scope: str
    tenant_id: str
    permissions: tuple[Permission, ...]
    principal_ids: tuple[str, ...]
    exclude_principal_ids: tuple[str, ...] = ()
    applies_to_children: bool = True
    display_name: str = ""

    def blocks(self, action: str, *, data: bool = False) -> bool:
        return any(p.allows(action, data=data) for p in self.permissions)
