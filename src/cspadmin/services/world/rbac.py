"""Planning a world file's Azure RBAC: custom roles and role assignments.

A subscription with `csp_partner` was created by that partner through CSP, so the
partner's AdminAgents group holds Owner on it as a foreign group, unless the file says
`admin_privileges_lost: true` — the state the reinstatement workflow exists to repair.
Every assignment's scope must name something the subscription declares, as Azure only
assigns roles on scopes that exist.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.csp import csp_owner_grant
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.roles import (
    BUILTIN_BY_ID,
    BUILTIN_BY_NAME,
    Permission,
    RoleDefinition,
    custom_role,
    role_definition_guid,
)
from cspadmin.domain.scope import Scope, ScopeKind, is_guid, parse_scope
from cspadmin.errors import InvalidRoleDefinition, InvalidScope
from cspadmin.services.world.estate import Estate
from cspadmin.services.world.plan import Directory, PlannedRoleAssignment, Planner, generated_id
from cspadmin.services.world.schema import (
    CustomRoleKeys,
    KeyPath,
    RoleAssignmentKeys,
    SubscriptionKeys,
    TenantKeys,
    format_path,
)


def plan_custom_roles(planner: Planner, tenants: list[tuple[int, TenantKeys]]) -> None:
    """Custom roles, after subscriptions: their assignable scopes default to them."""
    for _, tenant in tenants:
        directory = planner.by_domain[tenant.domain.lower()]
        for j, role in enumerate(tenant.custom_roles):
            _custom_role(planner, directory, role, (*directory.path, "custom_roles", j))


def _custom_role(
    planner: Planner, directory: Directory, keys: CustomRoleKeys, path: KeyPath
) -> None:
    tenant = directory.tenant
    if keys.name.lower() in BUILTIN_BY_NAME or keys.name.lower() in directory.roles:
        raise planner.error((*path, "name"), f"a role named '{keys.name}' already exists")
    role_id = planner.assign(
        (*path, "id"),
        "custom role",
        f"{tenant.default_domain}/{keys.name}",
        keys.id,
        None,
        generated_id(f"role:{tenant.id}:{keys.name.lower()}"),
    )
    if role_id in BUILTIN_BY_ID or any(r.id == role_id for _, r in planner.plan.custom_roles):
        raise planner.error((*path, "id"), f"the role id {role_id} is already used")
    scopes = keys.assignable_scopes or tuple(f"/subscriptions/{s}" for s in directory.subscriptions)
    permission = Permission(
        keys.actions, keys.not_actions, keys.data_actions, keys.not_data_actions
    )
    try:
        role = custom_role(role_id, keys.name, (permission,), scopes, keys.description)
    except (InvalidRoleDefinition, InvalidScope) as exc:
        raise planner.error(path, exc.message) from None
    directory.roles[keys.name.lower()] = role
    directory.roles[role.id] = role
    planner.plan.custom_roles.append((tenant.id, role))


def plan_role_assignments(
    planner: Planner, directory: Directory, estate: Estate, keys: SubscriptionKeys
) -> None:
    """The file's assignments in one subscription, then the CSP partner's grant."""
    for k, assignment in enumerate(keys.role_assignments):
        path = (*estate.path, "role_assignments", k)
        _role_assignment(planner, directory, estate, assignment, path)
    _csp_owner(planner, estate, keys)


def _role_assignment(
    planner: Planner,
    directory: Directory,
    estate: Estate,
    keys: RoleAssignmentKeys,
    path: KeyPath,
) -> None:
    scope = _scope(planner, estate, keys.scope, (*path, "scope"))
    role = _role(planner, directory, keys.role, (*path, "role"))
    if role.is_custom and not role.assignable_at(scope.key):
        message = f"the custom role '{role.role_name}' is not assignable at {scope.id}"
        raise planner.error((*path, "role"), message)
    principal_path = (*path, "principal")
    principal_id, principal_type = _principal(planner, directory, keys.principal, principal_path)
    key = (scope.key, role.id, principal_id)
    if key in estate.assigned:
        other = format_path(estate.assigned[key])
        raise planner.error(path, f"the same role, principal and scope as {other}")
    estate.assigned[key] = path
    name = planner.assign(
        (*path, "name"),
        "role assignment",
        f"{role.role_name} for {keys.principal} at {scope.id}",
        keys.name,
        None,
        _assignment_name(*key),
    )
    assignment = RoleAssignment(
        name,
        scope.id,
        role.id,
        principal_id,
        principal_type,
        directory.tenant.id,
        keys.condition,
        keys.description,
    )
    _add_assignment(planner, assignment, path)


def _csp_owner(planner: Planner, estate: Estate, keys: SubscriptionKeys) -> None:
    """The grant CSP creation gives (`domain.csp.csp_owner_grant`), named from its scope,
    role and principal as every planned assignment is, so loading the file again finds
    the same assignment."""
    subscription = estate.subscription
    partner_id = subscription.csp_partner_tenant_id
    if partner_id is None or keys.admin_privileges_lost:
        return
    partner = planner.by_tenant_id[partner_id].tenant
    assert partner.partner is not None
    grant = csp_owner_grant("", subscription.id, subscription.tenant_id, partner.partner)
    scope = parse_scope(grant.scope)
    key = (scope.key, grant.role_definition_id, grant.principal_id)
    if key in estate.assigned:
        return  # the file spells the grant out itself
    path = (*estate.path, "csp_partner")
    name = planner.assign(
        path,
        "role assignment",
        f"Owner for {partner.default_domain}/AdminAgents at {scope.id}",
        None,
        None,
        _assignment_name(*key),
    )
    _add_assignment(planner, replace(grant, name=name), path)


def _add_assignment(planner: Planner, assignment: RoleAssignment, path: KeyPath) -> None:
    if assignment.name in planner.assignment_names:
        other = format_path(planner.assignment_names[assignment.name])
        raise planner.error(path, f"the name {assignment.name} is already used by {other}")
    planner.assignment_names[assignment.name] = path
    planned = PlannedRoleAssignment(assignment, format_path(path), planner.locator.line(path))
    planner.plan.role_assignments.append(planned)


def _assignment_name(scope_key: str, role_id: str, principal_id: str) -> str:
    return generated_id(f"role-assignment:{scope_key}:{role_id}:{principal_id}")


def _scope(planner: Planner, estate: Estate, text: str, path: KeyPath) -> Scope:
    """A scope relative to the subscription ('/' is the subscription) or absolute in it."""
    subscription_id = estate.subscription.id
    if not text.startswith("/"):
        message = "a scope starts with '/': '/' is the subscription, '/resourceGroups/x' a group"
        raise planner.error(path, message)
    base = f"/subscriptions/{subscription_id}"
    absolute = text.lower().startswith("/subscriptions/")
    try:
        scope = parse_scope(text if absolute else base + ("" if text == "/" else text))
    except InvalidScope as exc:
        raise planner.error(path, exc.reason) from None
    if scope.subscription_id != subscription_id:
        raise planner.error(path, "the scope lies outside this subscription")
    group = scope.resource_group
    if group is not None and group.lower() not in estate.groups:
        raise planner.error(path, f"this subscription declares no resource group '{group}'")
    if scope.kind is ScopeKind.RESOURCE and scope.key not in estate.resources:
        raise planner.error(path, f"this subscription declares no resource {scope.id}")
    return scope


def _role(planner: Planner, directory: Directory, text: str, path: KeyPath) -> RoleDefinition:
    """A built-in role by name or GUID (or full id), or a custom role of the tenant."""
    key = text.strip().lower()
    role = BUILTIN_BY_NAME.get(key) or directory.roles.get(key)
    guid = role_definition_guid(key)
    if role is None and is_guid(guid):
        guid = str(uuid.UUID(guid))
        role = BUILTIN_BY_ID.get(guid) or directory.roles.get(guid)
    if role is None:
        domain = directory.tenant.default_domain
        message = (
            f"'{text}' is neither a built-in role (name or GUID) nor a custom role of {domain}"
        )
        raise planner.error(path, message)
    return role


def _principal(
    planner: Planner, directory: Directory, text: str, path: KeyPath
) -> tuple[str, PrincipalType]:
    """A principal of the tenant, or a group of another tenant as a ForeignGroup."""
    found = directory.local(text) or _foreign_group(planner, directory, text, path)
    if found is not None:
        return found
    key = text.strip().lower()
    if key in planner.upns or key in planner.objects:
        message = f"'{text}' belongs to another tenant, from which only groups can be assigned"
        raise planner.error(path, message)
    message = (
        f"'{text}' names no user, group, app id or object id in {directory.tenant.default_domain}"
        " (a group of another tenant is '<its domain>/<group name>')"
    )
    raise planner.error(path, message)


def _foreign_group(
    planner: Planner, directory: Directory, text: str, path: KeyPath
) -> tuple[str, PrincipalType] | None:
    """`<domain>/<group name>`, or the object id of a group in another tenant."""
    domain, slash, name = text.partition("/")
    if slash:
        other = planner.tenant(domain.strip(), path)
        group_id = other.group(name)
        if group_id is None:
            raise planner.error(path, f"tenant {other.tenant.default_domain} has no group '{name}'")
        same = other is directory
        return group_id, PrincipalType.GROUP if same else PrincipalType.FOREIGN_GROUP
    owner = planner.objects.get(text.strip().lower())
    if owner is None:
        return None
    group_id = planner.by_tenant_id[owner[0]].group(text)
    return (group_id, PrincipalType.FOREIGN_GROUP) if group_id else None
