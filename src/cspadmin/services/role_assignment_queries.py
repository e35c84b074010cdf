"""Reading role assignments: one by name, the lists ARM answers, and the Permissions API.

The caller has already been authorized (`roleAssignments/read` at the assignment's id,
or at the scope listed); what is read is the caller's tenant's. Writing them, and the
rules Azure enforces on writes, is `role_assignments`.

Errors raised here, beyond those of `cspadmin.errors` (InvalidRoleAssignmentId,
AuthorizationFailed 403 from the Permissions API):

    BadRequest (400)
    └── UnsupportedFilter                (from role_definitions) an unknown $filter
    NotFound (404)
    └── RoleAssignmentNotFound
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cspadmin.authz.decision import Caller, MissingLinkKind
from cspadmin.domain.roles import Permission
from cspadmin.domain.scope import Scope, parse_scope
from cspadmin.errors import AuthorizationFailed, NotFound
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.role_assignments import assignment_name, is_at
from cspadmin.services.role_definitions import UnsupportedFilter
from cspadmin.store import assignments as store
from cspadmin.store.assignments import StoredRoleAssignment

READ_PERMISSIONS = "Microsoft.Authorization/permissions/read"
_NOT_THE_CALLERS = {
    MissingLinkKind.UNKNOWN_SCOPE,
    MissingLinkKind.WRONG_TENANT,
    MissingLinkKind.NO_DELEGATED_ACCESS,
}
_FILTER_TERM = re.compile(
    r"^\s*(?:(?P<at>atscope\(\))"
    r"|principalid\s+eq\s+'?(?P<principal>[^'\s]+)'?"
    r"|assignedto\('(?P<assigned>[^']+)'\))\s*$",
    re.IGNORECASE,
)


class RoleAssignmentNotFound(NotFound):
    code = "RoleAssignmentNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(f"The role assignment '{name}' is not found.")


def get_role_assignment(
    plane: ControlPlane, caller: Caller, scope_id: str, name: str
) -> StoredRoleAssignment:
    """The assignment `name` at exactly `scope_id`; RoleAssignmentNotFound otherwise."""
    found = _at(plane, caller, parse_scope(scope_id), assignment_name(name))
    if found is None:
        raise RoleAssignmentNotFound(name)
    return found


def _at(
    plane: ControlPlane, caller: Caller, scope: Scope, name: str
) -> StoredRoleAssignment | None:
    with plane.database.connect() as connection:
        found = store.get_stored_role_assignment(connection, name)
    return found if found is not None and is_at(found, caller, scope) else None


@dataclass(frozen=True, slots=True)
class AssignmentFilter:
    """`atScope()`, `principalId eq '{id}'`, `assignedTo('{id}')`, and atScope() joined
    with assignedTo() by `and` (Azure refuses atScope() with principalId)."""

    at_scope: bool = False
    principal_id: str | None = None
    assigned_to: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> AssignmentFilter:
        if not text or not text.strip():
            return cls()
        at_scope = False
        principal = assigned = None
        for term in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
            match = _FILTER_TERM.match(term)
            if match is None:
                raise UnsupportedFilter(text)
            at_scope = at_scope or bool(match["at"])
            principal = principal or match["principal"]
            assigned = assigned or match["assigned"]
        if principal and (at_scope or assigned):
            raise UnsupportedFilter(text)
        return cls(at_scope, principal and principal.lower(), assigned and assigned.lower())


def list_role_assignments(
    plane: ControlPlane, caller: Caller, scope_id: str, query: AssignmentFilter
) -> list[StoredRoleAssignment]:
    """The assignments listed at a scope, as ARM lists them.

    `atScope()`: at the scope and above it. Otherwise at, above and below it (for a
    subscription: everything inside it, plus what it inherits). `principalId eq`: one
    principal's own assignments; `assignedTo()`: the principal's and its groups'
    (nested), which is how a user's effective grants are listed.
    """
    scope = parse_scope(scope_id)
    engine = plane.engine
    principals: set[str] | None = None
    if query.principal_id is not None:
        principals = {query.principal_id}
    elif query.assigned_to is not None:
        principals = {query.assigned_to, *engine.groups_of(query.assigned_to)}
    with plane.database.connect() as connection:
        return store.find_stored_role_assignments(
            connection,
            caller.tenant_id,
            scope_keys=engine.chain(scope).keys,
            subtree=None if query.at_scope else scope.id,
            principal_ids=principals,
        )


def held_permissions(
    plane: ControlPlane, caller: Caller, scope_id: str, *, client: str
) -> list[Permission]:
    """The Permissions API: one entry per permission block of every role the caller holds
    at the scope or above (through itself, its groups, or — for a partner user with
    delegated access — its partner groups). Empty when it holds none. Asking about a
    scope outside the caller's tenant, or across a relationship that grants nothing, is
    Azure's AuthorizationFailed."""
    scope = parse_scope(scope_id)
    engine = plane.engine
    decision = engine.decide(caller, READ_PERMISSIONS, scope)
    if decision.missing is not None and decision.missing.kind in _NOT_THE_CALLERS:
        raise AuthorizationFailed(
            client, caller.object_id, READ_PERMISSIONS, scope.id, decision.missing.message
        )
    with plane.database.connect() as connection:
        held = store.find_stored_role_assignments(
            connection,
            caller.tenant_id,
            scope_keys=engine.chain(scope).keys,
            principal_ids=engine.principals_of(caller),
        )
    permissions: list[Permission] = []
    seen: set[str] = set()
    for stored in held:
        role = engine.roles.get(stored.assignment.role_definition_id)
        if role is not None and role.id not in seen:
            seen.add(role.id)
            permissions.extend(role.permissions)
    return permissions
