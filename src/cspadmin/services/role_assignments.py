"""Writing role assignments, and the rules Azure enforces on them, in one place.

The caller has already been authorized (`roleAssignments/write|delete` at the
assignment's id), so the scope belongs to the caller's tenant. What is left are the
rules of the resource itself, checked in the order Azure reports them:

1. the name is a GUID, the principal id is a GUID, the body's scope (if any) is the URI's;
2. a name that exists keeps its principal, role and scope (only condition and
   description may change, and PUTting the same content again is a no-op, 200);
3. the resource group or resource the scope names exists;
4. the role exists for the tenant and is assignable at the scope;
5. the principal exists in the tenant's directory, with the principalType given; a
   `ForeignGroup` is a group of a partner that holds an active reseller relationship
   (with or without DAP) or an active GDAP relationship with the tenant — whether it
   then *counts* (delegated access) is the engine's question, not this one;
6. the subscription holds fewer than its limit of assignments (4000);
7. no other assignment has the same principal, role and scope (the store's unique index).

Reading them (one by name, the lists, the Permissions API) is `role_assignment_queries`.

Errors raised here, beyond those of `cspadmin.errors` (InvalidRoleAssignmentId,
InvalidPrincipalId, PrincipalNotFound 400, RoleDefinitionDoesNotExist 404,
RoleAssignmentExists 409):

    BadRequest (400)
    ├── InvalidPrincipalType             a principalType Azure does not know
    ├── UnmatchedPrincipalType           principalType differs from the directory's
    ├── InvalidCreateRoleAssignmentRequest  body scope ≠ URI scope; role not assignable there
    ├── RoleAssignmentUpdateNotPermitted an existing name with another principal/role/scope
    └── RoleAssignmentLimitExceeded      the subscription is full
    NotFound (404)
    ├── ResourceGroupNotFound / ResourceNotFound   the scope names nothing
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection

from cspadmin.authz.decision import Caller
from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.relationships import RelationshipState
from cspadmin.domain.scope import Scope, ScopeKind, is_guid, parse_scope
from cspadmin.errors import (
    BadRequest,
    InvalidPrincipalId,
    InvalidRoleAssignmentId,
    PrincipalNotFound,
    ResourceGroupNotFound,
    ResourceNotFound,
    RoleDefinitionDoesNotExist,
)
from cspadmin.services.control_plane import Change, ControlPlane
from cspadmin.services.role_definitions import (
    assignable_at,
    find_role_in,
    role_guid,
)
from cspadmin.store import assignments as store
from cspadmin.store.assignments import StoredRoleAssignment
from cspadmin.store.directory import get_tenant, object_kind
from cspadmin.store.estate import scope_exists
from cspadmin.store.journal import Fact
from cspadmin.store.relationships import list_gdap_relationships, list_reseller_relationships

SUBSCRIPTION_ROLE_ASSIGNMENT_LIMIT = ControlPlane.role_assignment_limit
"""Azure's fixed limit per subscription (subscription, resource group and resource scopes)."""

_PRINCIPAL_TYPES = {p.value.lower(): p for p in PrincipalType}


class InvalidPrincipalType(BadRequest):
    code = "InvalidPrincipalType"

    def __init__(self, given: str) -> None:
        allowed = ", ".join(f"'{p.value}'" for p in PrincipalType)
        super().__init__(
            f"The PrincipalType property '{given}' is not valid. It must be {allowed}."
        )


class UnmatchedPrincipalType(BadRequest):
    code = "UnmatchedPrincipalType"

    def __init__(self, principal_id: str, actual: str, given: str) -> None:
        # Azure's words, spacing and spelling ("PrinciaplType") as observed on the wire.
        super().__init__(
            f"The PrincipalId '{principal_id.replace('-', '')}' has type '{actual}' , which is "
            f"different from specified PrinciaplType '{given}'."
        )


class InvalidCreateRoleAssignmentRequest(BadRequest):
    code = "InvalidCreateRoleAssignmentRequest"

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"The request to create role assignment '{name}' is not valid. {reason}")


class RoleAssignmentUpdateNotPermitted(BadRequest):
    code = "RoleAssignmentUpdateNotPermitted"

    def __init__(self) -> None:
        super().__init__(
            "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."
        )


class RoleAssignmentLimitExceeded(BadRequest):
    code = "RoleAssignmentLimitExceeded"

    def __init__(self, subscription_id: str, limit: int) -> None:
        super().__init__(
            f"No more role assignments can be created: subscription '{subscription_id}' "
            f"holds its limit of {limit}."
        )


@dataclass(frozen=True, slots=True)
class AssignmentRequest:
    """The properties of a PUT, as the client sent them."""

    role_definition_id: str
    principal_id: str
    principal_type: str | None = None
    condition: str | None = None
    description: str | None = None
    scope: str | None = None


@dataclass(frozen=True, slots=True)
class Written:
    stored: StoredRoleAssignment
    created: bool


def assignment_limit(plane: ControlPlane) -> int:
    """The per-subscription limit of this control plane (Azure's by default)."""
    return plane.role_assignment_limit


def assignment_name(name: str) -> str:
    if not is_guid(name):
        raise InvalidRoleAssignmentId(
            f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID."
        )
    return str(uuid.UUID(name))


def create_role_assignment(
    plane: ControlPlane,
    caller: Caller,
    scope_id: str,
    name: str,
    request: AssignmentRequest,
) -> Written:
    """PUT: create the assignment, or confirm (and update) the one already under `name`."""
    scope = parse_scope(scope_id)
    name = assignment_name(name)
    principal_id = _principal_id(request.principal_id)
    if request.scope is not None and parse_scope(request.scope) != scope:
        raise InvalidCreateRoleAssignmentRequest(
            name,
            f"Role assignment scope '{request.scope}' must match the scope specified on the "
            f"URI '{scope.id}'.",
        )
    given_type = _principal_type(request.principal_type)
    role_id = role_guid(request.role_definition_id)
    now = plane.clock()
    with plane.change() as change:
        existing = store.get_stored_role_assignment(change.connection, name)
        if existing is not None:
            return _confirm(change, existing, scope, role_id, principal_id, request, caller, now)
        _check_scope_exists(change.connection, scope)
        role = find_role_in(change.connection, caller.tenant_id, role_id)
        if role is None:
            raise RoleDefinitionDoesNotExist(role_id.replace("-", ""))
        if not assignable_at(plane.engine, role, scope):
            raise InvalidCreateRoleAssignmentRequest(
                name, f"The role definition '{role_id}' is not assignable at scope '{scope.id}'."
            )
        kind = _resolve_principal(
            change.connection, plane, caller.tenant_id, principal_id, given_type
        )
        _check_limit(change.connection, scope, assignment_limit(plane))
        assignment = RoleAssignment(
            name,
            scope.id,
            role_id,
            principal_id,
            kind,
            caller.tenant_id,
            request.condition,
            request.description,
        )
        store.create_role_assignment(
            change.connection, assignment, created_at=now, created_by=caller.object_id
        )
        change.touched(Fact.ROLE_ASSIGNMENT, assignment.name)
    stored = StoredRoleAssignment(assignment, now, caller.object_id, now, caller.object_id)
    return Written(stored, created=True)


def _principal_id(text: str) -> str:
    if not is_guid(text):
        raise InvalidPrincipalId(
            f"The Principal ID '{text}' is not valid. Principal ID must be a GUID."
        )
    return str(uuid.UUID(text))


def _principal_type(text: str | None) -> PrincipalType | None:
    if text is None:
        return None
    found = _PRINCIPAL_TYPES.get(text.lower())
    if found is None:
        raise InvalidPrincipalType(text)
    return found


def _confirm(
    change: Change,
    existing: StoredRoleAssignment,
    scope: Scope,
    role_id: str,
    principal_id: str,
    request: AssignmentRequest,
    caller: Caller,
    now: datetime,
) -> Written:
    """A PUT on a name that exists: the same grant may change its condition and
    description; anything else is an update Azure refuses."""
    current = existing.assignment
    same = (
        current.tenant_id == caller.tenant_id
        and current.scope.lower() == scope.key
        and current.role_definition_id.lower() == role_id
        and current.principal_id == principal_id
    )
    given_type = _principal_type(request.principal_type)
    if not same or (given_type is not None and given_type is not current.principal_type):
        raise RoleAssignmentUpdateNotPermitted()
    if (request.condition, request.description) == (current.condition, current.description):
        return Written(existing, created=False)
    store.update_role_assignment(
        change.connection,
        current.name,
        condition=request.condition,
        description=request.description,
        updated_at=now,
        updated_by=caller.object_id,
    )
    change.touched(Fact.ROLE_ASSIGNMENT, current.name)
    changed = replace(current, condition=request.condition, description=request.description)
    return Written(
        replace(existing, assignment=changed, updated_on=now, updated_by=caller.object_id),
        created=False,
    )


def _check_scope_exists(connection: Connection, scope: Scope) -> None:
    if scope_exists(connection, scope):
        return
    if scope.kind is ScopeKind.RESOURCE_GROUP or not scope_exists(
        connection, _resource_group_of(scope)
    ):
        raise ResourceGroupNotFound(scope.resource_group or "")
    raise ResourceNotFound(scope.id, scope.resource_group)


def _resource_group_of(scope: Scope) -> Scope:
    return next(
        (s for s in scope.ancestors() if s.kind is ScopeKind.RESOURCE_GROUP), scope.ancestors()[-1]
    )


def _resolve_principal(
    connection: Connection,
    plane: ControlPlane,
    tenant_id: str,
    principal_id: str,
    given: PrincipalType | None,
) -> PrincipalType:
    """The principal's type, after checking it exists where Azure looks for it."""
    found = object_kind(connection, principal_id)
    local = found is not None and found[1] == tenant_id
    if given is PrincipalType.FOREIGN_GROUP and not local:
        if (
            found is not None
            and found[0] == "Group"
            and _partner_of(connection, plane, found[1], tenant_id)
        ):
            return PrincipalType.FOREIGN_GROUP
        raise PrincipalNotFound(principal_id, tenant_id)
    if found is None or not local:
        raise PrincipalNotFound(principal_id, tenant_id)
    actual = PrincipalType(found[0])
    if given is not None and given is not actual:
        raise UnmatchedPrincipalType(principal_id, actual.value, given.value)
    return actual


def _partner_of(
    connection: Connection, plane: ControlPlane, partner_id: str, customer_id: str
) -> bool:
    """Whether `partner_id` is a CSP partner with a live relationship with the customer:
    an active reseller relationship (with or without DAP) or an active GDAP one."""
    partner = get_tenant(connection, partner_id)
    if partner is None or partner.partner is None:
        return False
    if any(
        r.partner_tenant_id == partner_id
        and r.customer_tenant_id == customer_id
        and r.state is RelationshipState.ACTIVE
        for r in list_reseller_relationships(connection)
    ):
        return True
    now = plane.clock()
    return any(
        g.partner_tenant_id == partner_id
        and g.customer_tenant_id == customer_id
        and g.is_active_at(now)
        for g in list_gdap_relationships(connection)
    )


def _check_limit(connection: Connection, scope: Scope, limit: int) -> None:
    if scope.subscription_id is None:
        return  # management-group and root assignments do not count
    if store.count_subscription_role_assignments(connection, scope.subscription_id) >= limit:
        raise RoleAssignmentLimitExceeded(scope.subscription_id, limit)


def delete_role_assignment(
    plane: ControlPlane, caller: Caller, scope_id: str, name: str
) -> StoredRoleAssignment | None:
    """Delete the assignment `name` at `scope_id`; None when there was none (204)."""
    scope = parse_scope(scope_id)
    name = assignment_name(name)
    with plane.change() as change:
        found = store.get_stored_role_assignment(change.connection, name)
        if found is None or not is_at(found, caller, scope):
            return None
        store.delete_role_assignment(change.connection, name)
        change.touched(Fact.ROLE_ASSIGNMENT, name)
    return found


def is_at(found: StoredRoleAssignment, caller: Caller, scope: Scope) -> bool:
    """Whether `found` is the caller's tenant's assignment at exactly `scope`."""
    a = found.assignment
    return a.tenant_id == caller.tenant_id and a.scope.lower() == scope.key
