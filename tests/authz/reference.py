"""A deliberately naive reference for the authorization rule in DESIGN.md.

Written from the rule, not from the engine: facts are plain lists scanned end to end,
groups are expanded by recursion, ancestry is string prefixes of lower-cased canonical
ids plus the management groups the world says a scope sits under, and wildcards are
matched by hand. Nothing is indexed or cached, and nothing but the `Caller` record comes
from `cspadmin.authz`, so a disagreement with the engine points at one of the two.

The rule, as applied here:

1. The scope's owner is the tenant of its subscription or management group; the root (and
   extensions directly under it) belongs to whichever tenant asks. An unknown
   subscription or management group owns nothing; a caller whose token is for another
   tenant than the owner gets nothing.
2. A caller whose token tenant differs from its home tenant is a partner caller. It
   counts only while its home tenant holds delegated access to the token tenant: an
   active reseller relationship with DAP, or a GDAP relationship that is active (or
   expiring) and has not reached activation + duration. It then brings its (nested)
   groups only; Azure assigns partner principals in a customer tenant only as foreign
   groups. A native caller brings its own id and its (nested) groups.
3. A deny assignment of the owner tenant blocks when it sits on the scope (or above it and
   reaches children), names one of the caller's principals or everyone, excludes none of
   them, and its permissions cover the action.
4. Otherwise the role assignments of the owner tenant that sit on the scope or above it
   and name one of the caller's principals are held; those whose role covers the action
   (Actions less NotActions, or DataActions less NotDataActions, within one permission)
   grant it.

The first broken link is reported with the names of cspadmin's `MissingLinkKind` values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cspadmin.authz.decision import Caller
from cspadmin.domain.assignments import EVERYONE, DenyAssignment, RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.relationships import GdapRelationship, ResellerRelationship
from cspadmin.domain.roles import Permission, RoleDefinition
from cspadmin.domain.scope import Scope, parse_scope

UNKNOWN_SCOPE = "unknownScope"
WRONG_TENANT = "wrongTenant"
NO_DELEGATED_ACCESS = "noDelegatedAccess"
DENY_ASSIGNMENT = "denyAssignment"
ROLE_LACKS_ACTION = "roleLacksAction"
NO_ROLE_ASSIGNMENT = "noRoleAssignment"
ALLOWED = "allowed"

CALLER_KINDS = (PrincipalType.USER, PrincipalType.SERVICE_PRINCIPAL)
MANAGEMENT_GROUP_PREFIX = "/providers/microsoft.management/managementgroups/"


@dataclass
class Subscription:
    id: str
    tenant_id: str
    management_group: str | None = None


@dataclass
class ManagementGroup:
    name: str
    tenant_id: str
    parent: str | None = None


@dataclass
class World:
    """Every fact, as lists. Tests mutate these lists and the engine side by side."""

    now: datetime
    principals: dict[str, tuple[str, PrincipalType]] = field(default_factory=dict)
    """object id -> (home tenant, kind)"""
    memberships: list[tuple[str, str]] = field(default_factory=list)
    """(group, member) edges"""
    subscriptions: list[Subscription] = field(default_factory=list)
    management_groups: list[ManagementGroup] = field(default_factory=list)
    roles: list[RoleDefinition] = field(default_factory=list)
    assignments: list[RoleAssignment] = field(default_factory=list)
    denies: list[DenyAssignment] = field(default_factory=list)
    resellers: list[ResellerRelationship] = field(default_factory=list)
    gdaps: list[GdapRelationship] = field(default_factory=list)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str
    """ALLOWED, or the first broken link."""
    granted_by: frozenset[str] = frozenset()
    """Names of the role assignments that grant the action."""
    blocked_by: frozenset[str] = frozenset()
    """Names of the deny assignments that block it."""
    held: frozenset[str] = frozenset()
    """Names of the role assignments the caller holds on the scope, granting or not."""


# -- wildcards ---------------------------------------------------------------------------


def wildcard_matches(pattern: str, text: str) -> bool:
    """`*` matches any run of characters; everything else matches itself, ignoring case."""
    pattern, text = pattern.lower(), text.lower()
    pieces = pattern.split("*")
    if len(pieces) == 1:
        return pattern == text
    first, *middle, last = pieces
    if len(text) < len(first) + len(last):
        return False
    if not (text.startswith(first) and text.endswith(last)):
        return False
    position, end = len(first), len(text) - len(last)
    for piece in middle:
        found = text.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def permissions_cover(permissions: tuple[Permission, ...], action: str, data: bool) -> bool:
    for permission in permissions:
        grants = permission.data_actions if data else permission.actions
        takes_back = permission.not_data_actions if data else permission.not_actions
        if any(wildcard_matches(p, action) for p in grants) and not any(
            wildcard_matches(p, action) for p in takes_back
        ):
            return True
    return False


def role_covers(world: World, role_id: str, action: str, data: bool) -> bool:
    for role in world.roles:
        if role.id.lower() == role_id.lower():
            return permissions_cover(role.permissions, action, data)
    return False


# -- directories and relationships -------------------------------------------------------


def groups_of(world: World, member: str, found: set[str] | None = None) -> set[str]:
    """Every group that contains `member`, directly or through other groups."""
    found = set() if found is None else found
    for group, inside in world.memberships:
        if inside == member and group not in found:
            found.add(group)
            groups_of(world, group, found)
    return found


def members_of(world: World, group: str, found: set[str] | None = None) -> set[str]:
    """Everything inside `group`, directly or through other groups."""
    found = set() if found is None else found
    for outer, member in world.memberships:
        if outer == group and member not in found:
            found.add(member)
            members_of(world, member, found)
    return found


def _duration(text: str) -> timedelta:
    match = re.fullmatch(r"P(\d+)D", text)
    if match is None:
        raise ValueError(f"the reference reads only whole-day durations, not {text!r}")
    return timedelta(days=int(match[1]))


def delegation(world: World, partner: str, customer: str) -> str | None:
    """'dap' or 'gdap' when the partner holds delegated access to the customer now."""
    for r in world.resellers:
        same_pair = (r.partner_tenant_id, r.customer_tenant_id) == (partner, customer)
        if same_pair and r.state.value == "active" and r.dap:
            return "dap"
    for g in world.gdaps:
        if (g.partner_tenant_id, g.customer_tenant_id) != (partner, customer):
            continue
        if g.status.value not in ("active", "expiring"):
            continue
        if g.activated_at is None or world.now < g.activated_at + _duration(g.duration):
            return "gdap"
    return None


def principals_of(world: World, caller: Caller) -> set[str]:
    groups = groups_of(world, caller.object_id)
    if caller.home_tenant_id != caller.tenant_id:
        return groups
    return groups | {caller.object_id}


# -- the estate and ancestry ----------------------------------------------------------------


def _management_group(world: World, name: str) -> ManagementGroup | None:
    for group in world.management_groups:
        if group.name.lower() == name.lower():
            return group
    return None


def _subscription(world: World, subscription_id: str) -> Subscription | None:
    for subscription in world.subscriptions:
        if subscription.id.lower() == subscription_id.lower():
            return subscription
    return None


def owner_of(world: World, target: Scope, asking_tenant: str) -> str | None:
    if target.subscription_id is not None:
        subscription = _subscription(world, target.subscription_id)
        return subscription.tenant_id if subscription else None
    if target.management_group is not None:
        group = _management_group(world, target.management_group)
        return group.tenant_id if group else None
    return asking_tenant


def management_groups_above(world: World, target: Scope) -> list[str]:
    """Keys of the management groups that hold the target, nearest first."""
    name: str | None = None
    if target.subscription_id is not None:
        subscription = _subscription(world, target.subscription_id)
        name = subscription.management_group if subscription else None
    elif target.management_group is not None:
        name = target.management_group
    visited: list[str] = []
    while name is not None and name.lower() not in visited:
        visited.append(name.lower())
        group = _management_group(world, name)
        name = group.parent if group else None
    return [MANAGEMENT_GROUP_PREFIX + n for n in visited]


def reaches(world: World, placed_at: str, target: Scope, *, to_children: bool = True) -> bool:
    """Whether something placed at `placed_at` applies at `target`."""
    placed = placed_at.lower()
    if placed == target.key:
        return True
    if not to_children:
        return False
    if placed == "/" or target.key.startswith(placed + "/"):
        return True
    return placed in management_groups_above(world, target)


# -- the decision ---------------------------------------------------------------------------


def _deny_names(deny: DenyAssignment, principals: set[str]) -> bool:
    if principals & set(deny.exclude_principal_ids):
        return False
    return EVERYONE in deny.principal_ids or bool(principals & set(deny.principal_ids))


def evaluate(
    world: World, caller: Caller, action: str, scope: str, *, data: bool = False
) -> Verdict:
    target = parse_scope(scope)
    owner = owner_of(world, target, caller.tenant_id)
    if owner is None:
        return Verdict(False, UNKNOWN_SCOPE)
    if owner != caller.tenant_id:
        return Verdict(False, WRONG_TENANT)
    if caller.home_tenant_id != caller.tenant_id and not delegation(
        world, caller.home_tenant_id, caller.tenant_id
    ):
        return Verdict(False, NO_DELEGATED_ACCESS)
    principals = principals_of(world, caller)
    blocked_by = frozenset(
        d.name
        for d in world.denies
        if d.tenant_id == owner
        and reaches(world, d.scope, target, to_children=d.applies_to_children)
        and _deny_names(d, principals)
        and permissions_cover(d.permissions, action, data)
    )
    if blocked_by:
        return Verdict(False, DENY_ASSIGNMENT, blocked_by=blocked_by)
    held = [
        a
        for a in world.assignments
        if a.tenant_id == owner and a.principal_id in principals and reaches(world, a.scope, target)
    ]
    granted_by = frozenset(
        a.name for a in held if role_covers(world, a.role_definition_id, action, data)
    )
    held_names = frozenset(a.name for a in held)
    if granted_by:
        return Verdict(True, ALLOWED, granted_by=granted_by, held=held_names)
    return Verdict(False, ROLE_LACKS_ACTION if held else NO_ROLE_ASSIGNMENT, held=held_names)


def principals_allowed(
    world: World, action: str, scope: str, tenant_id: str, *, data: bool = False
) -> set[str]:
    """The users and service principals that may act at `scope`, each with a token for its
    owner (for the root: for `tenant_id`)."""
    owner = owner_of(world, parse_scope(scope), tenant_id)
    if owner is None:
        return set()
    return {
        oid
        for oid, (home, kind) in world.principals.items()
        if kind in CALLER_KINDS
        and evaluate(world, Caller(oid, owner, home), action, scope, data=data).allowed
    }
