"""The authorization engine: Azure RBAC over an in-memory index.

The index is keyed by tenant, then scope key, then principal id, so a check costs a few
dictionary lookups per ancestor scope, whatever the number of assignments. Group
closures and scope chains are memoized and dropped whenever the facts they derive from
change, so an answer never outlives a revoke.

The rule (DESIGN.md): inside the tenant that owns the scope, the caller's principals are
its own id and its (nested) groups; a partner caller brings only its groups, and only
while its partner holds delegated access (DAP or an active GDAP relationship) to that
tenant. A deny assignment naming any of those principals blocks; otherwise any role
assignment on the scope chain whose role grants the action allows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from cspadmin.authz.decision import Caller, Decision, MissingLink, MissingLinkKind
from cspadmin.authz.delegation import Delegations
from cspadmin.domain.assignments import EVERYONE, DenyAssignment, RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.roles import BUILTIN_ROLES, RoleDefinition
from cspadmin.domain.scope import Scope, key_chain

Clock = Callable[[], datetime]
_CHAIN_CACHE_LIMIT = 200_000
_CALLER_KINDS = (PrincipalType.USER, PrincipalType.SERVICE_PRINCIPAL)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Chain:
    """A scope resolved for checking: its owner and every key to look at, nearest first."""

    scope_id: str
    subscription_id: str | None
    management_group: str | None
    keys: tuple[str, ...]


class Engine:
    """Answers `decide`, `principals_with` and `scopes_of` over the facts fed to it."""

    def __init__(self, clock: Clock = utcnow) -> None:
        self.clock = clock
        self.roles: dict[str, RoleDefinition] = {r.id: r for r in BUILTIN_ROLES}
        self.assignments: dict[str, RoleAssignment] = {}
        # tenant -> scope key -> principal id -> assignments
        self._grants: dict[str, dict[str, dict[str, list[RoleAssignment]]]] = defaultdict(dict)
        self._by_principal: dict[str, list[RoleAssignment]] = defaultdict(list)
        self._denies: dict[str, dict[str, list[DenyAssignment]]] = defaultdict(dict)
        self._groups_of: dict[str, set[str]] = defaultdict(set)  # member -> direct groups
        self._members_of: dict[str, set[str]] = defaultdict(set)  # group -> direct members
        self._home: dict[str, str] = {}  # object id -> tenant
        self._kind: dict[str, PrincipalType] = {}
        self._subscription_tenant: dict[str, str] = {}
        self._subscription_group: dict[str, str] = {}
        self._group_tenant: dict[str, str] = {}  # management group (lower) -> tenant
        self._group_parent: dict[str, str] = {}
        # The clock itself, not a closure over `self`: with no reference cycle, a replaced
        # engine is freed as soon as the last request using it is done, even though
        # `load_engine` has moved it to the garbage collector's permanent generation.
        self.delegations = Delegations(clock)
        self._closure: dict[str, frozenset[str]] = {}
        self._own: dict[str, frozenset[str]] = {}  # object id -> itself and its groups
        self._chains: dict[str, _Chain] = {}

    # -- facts -------------------------------------------------------------------------

    def add_role(self, role: RoleDefinition) -> None:
        self.roles[role.id] = role

    def remove_role(self, role_id: str) -> None:
        self.roles.pop(role_id.lower(), None)

    def add_principal(self, object_id: str, tenant_id: str, kind: PrincipalType) -> None:
        self._home[object_id] = tenant_id
        self._kind[object_id] = kind

    def remove_principal(self, object_id: str) -> None:
        """Forget a deleted directory object: its home, and its memberships either way."""
        self._home.pop(object_id, None)
        self._kind.pop(object_id, None)
        self.set_groups(object_id, ())
        for member in self._members_of.pop(object_id, ()):
            self._groups_of[member].discard(object_id)
        self._closure.clear()
        self._own.clear()

    def set_groups(self, member_id: str, group_ids: Iterable[str]) -> None:
        """Make `group_ids` exactly the groups `member_id` is a direct member of."""
        wanted = set(group_ids)
        held = self._groups_of.pop(member_id, set())
        for group in held - wanted:
            self._members_of[group].discard(member_id)
        for group in wanted - held:
            self._members_of[group].add(member_id)
        if wanted:
            self._groups_of[member_id] = wanted
        if wanted != held:
            self._closure.clear()
            self._own.clear()

    def add_member(self, group_id: str, member_id: str) -> None:
        self._groups_of[member_id].add(group_id)
        self._members_of[group_id].add(member_id)
        self._closure.clear()
        self._own.clear()

    def remove_member(self, group_id: str, member_id: str) -> None:
        self._groups_of[member_id].discard(group_id)
        self._members_of[group_id].discard(member_id)
        self._closure.clear()
        self._own.clear()

    def add_subscription(
        self, subscription_id: str, tenant_id: str, management_group: str | None = None
    ) -> None:
        self._subscription_tenant[subscription_id] = tenant_id
        if management_group:
            self._subscription_group[subscription_id] = management_group.lower()
        else:
            self._subscription_group.pop(subscription_id, None)
        self._chains.clear()

    def remove_subscription(self, subscription_id: str) -> None:
        self._subscription_tenant.pop(subscription_id, None)
        self._subscription_group.pop(subscription_id, None)
        self._chains.clear()

    def add_management_group(self, name: str, tenant_id: str, parent: str | None = None) -> None:
        self._group_tenant[name.lower()] = tenant_id
        if parent:
            self._group_parent[name.lower()] = parent.lower()
        else:
            self._group_parent.pop(name.lower(), None)
        self._chains.clear()

    def remove_management_group(self, name: str) -> None:
        self._group_tenant.pop(name.lower(), None)
        self._group_parent.pop(name.lower(), None)
        self._chains.clear()

    def add_assignment(self, assignment: RoleAssignment) -> None:
        self.remove_assignment(assignment.name)
        self.assignments[assignment.name] = assignment
        by_scope = self._grants[assignment.tenant_id]
        by_principal = by_scope.get(assignment.scope.lower())
        if by_principal is None:
            by_principal = by_scope[assignment.scope.lower()] = {}
        by_principal.setdefault(assignment.principal_id, []).append(assignment)
        self._by_principal[assignment.principal_id].append(assignment)

    def add_assignments(self, assignments: Iterable[RoleAssignment]) -> int:
        """Bulk load: the fast path for building the index from the store."""
        count = 0
        grants = self._grants
        by_principal_index = self._by_principal
        known = self.assignments
        for a in assignments:
            if a.name in known:
                self.remove_assignment(a.name)
            known[a.name] = a
            by_scope = grants[a.tenant_id]
            key = a.scope.lower()
            by_principal = by_scope.get(key)
            if by_principal is None:
                by_principal = by_scope[key] = {}
            held = by_principal.get(a.principal_id)
            if held is None:
                by_principal[a.principal_id] = [a]
            else:
                held.append(a)
            by_principal_index[a.principal_id].append(a)
            count += 1
        return count

    def remove_assignment(self, name: str) -> RoleAssignment | None:
        assignment = self.assignments.pop(name, None)
        if assignment is None:
            return None
        by_scope = self._grants[assignment.tenant_id]
        key = assignment.scope.lower()
        by_principal = by_scope[key]
        held = by_principal[assignment.principal_id]
        held.remove(assignment)
        if not held:
            del by_principal[assignment.principal_id]
            if not by_principal:
                del by_scope[key]
        self._by_principal[assignment.principal_id].remove(assignment)
        return assignment

    def add_deny(self, deny: DenyAssignment) -> None:
        self._denies[deny.tenant_id].setdefault(deny.scope.lower(), []).append(deny)

    def remove_deny(self, name: str) -> None:
        for by_scope in self._denies.values():
            for key, denies in list(by_scope.items()):
                by_scope[key] = [d for d in denies if d.name != name]

    # -- derived facts -----------------------------------------------------------------

    def groups_of(self, object_id: str) -> frozenset[str]:
        """Every group `object_id` belongs to, directly or through nesting."""
        hit = self._closure.get(object_id)
        if hit is not None:
            return hit
        seen: set[str] = set()
        stack = list(self._groups_of.get(object_id, ()))
        while stack:
            group = stack.pop()
            if group not in seen:
                seen.add(group)
                stack.extend(self._groups_of.get(group, ()))
        result = frozenset(seen)
        self._closure[object_id] = result
        return result

    def members_of(self, group_id: str) -> set[str]:
        """Every object inside `group_id`, through nesting."""
        seen: set[str] = set()
        stack = list(self._members_of.get(group_id, ()))
        while stack:
            member = stack.pop()
            if member not in seen:
                seen.add(member)
                stack.extend(self._members_of.get(member, ()))
        return seen

    def home_tenant(self, object_id: str) -> str | None:
        return self._home.get(object_id)

    def callers_in(self, group_id: str) -> set[str]:
        """The users and service principals inside `group_id`, through nesting."""
        return {m for m in self.members_of(group_id) if self._kind.get(m) in _CALLER_KINDS}

    def chain(self, scope: str | Scope) -> _Chain:
        """The scope's keys from itself up to the root, management groups included."""
        raw = scope.id if isinstance(scope, Scope) else scope
        hit = self._chains.get(raw)
        if hit is not None:
            return hit
        subscription, management_group, below_root = key_chain(raw)
        keys = list(below_root)
        group: str | None = None
        if management_group is not None:
            keys.pop()  # the group and its parents are added below, in tree order
            group = management_group.lower()
        elif subscription is not None:
            group = self._subscription_group.get(subscription)
        seen: set[str] = set()
        while group is not None and group not in seen:
            seen.add(group)
            keys.append(f"/providers/microsoft.management/managementgroups/{group}")
            group = self._group_parent.get(group)
        keys.append("/")
        chain = _Chain(raw, subscription, management_group, tuple(keys))
        if len(self._chains) >= _CHAIN_CACHE_LIMIT:
            self._chains.clear()
        self._chains[raw] = chain
        return chain

    def _owner(self, chain: _Chain, caller: Caller) -> str | None:
        """The tenant that owns the scope; the root belongs to whoever asks about it."""
        if chain.subscription_id is not None:
            return self._subscription_tenant.get(chain.subscription_id)
        if chain.management_group is not None:
            return self._group_tenant.get(chain.management_group.lower())
        return caller.tenant_id

    def principals_of(self, caller: Caller) -> frozenset[str]:
        """The principals that act for the caller inside `caller.tenant_id`.

        Empty for a partner caller whose partner has no delegated access there.
        """
        if not caller.is_foreign:
            return self._own_principals(caller.object_id)
        if self.delegations.has_delegated_access(caller.home_tenant_id, caller.tenant_id):
            return self.groups_of(caller.object_id)
        return frozenset()

    def _own_principals(self, object_id: str) -> frozenset[str]:
        hit = self._own.get(object_id)
        if hit is None:
            hit = self._own[object_id] = self.groups_of(object_id) | {object_id}
        return hit

    # -- the three questions -------------------------------------------------------------

    def decide(
        self, caller: Caller, action: str, scope: str | Scope, *, data: bool = False
    ) -> Decision:
        """Whether `caller` may perform `action` at `scope`, and why."""
        chain = self.chain(scope)
        denied = self._precondition(caller, chain)
        if denied is not None:
            return Decision(False, caller, action, chain.scope_id, missing=denied)
        # Past the precondition a partner caller's delegated access is established: its
        # principals are its groups, without asking about the relationship again.
        if caller.is_foreign:
            principals = self.groups_of(caller.object_id)
        else:
            principals = self._own_principals(caller.object_id)
        deny = self._blocking_deny(caller.tenant_id, chain, principals, action, data)
        if deny is not None:
            missing = MissingLink(
                MissingLinkKind.DENY_ASSIGNMENT,
                f"deny assignment '{deny.display_name or deny.name}' at {deny.scope} "
                f"blocks {action}.",
                deny_assignment=deny,
            )
            return Decision(False, caller, action, chain.scope_id, missing=missing)
        held = self._held(caller.tenant_id, chain, principals)
        roles = self.roles
        granted = [
            a
            for a in held
            if (role := roles.get(a.role_definition_id)) is not None and role.allows(action, data)
        ]
        if granted:
            return Decision(True, caller, action, chain.scope_id, tuple(granted))
        return Decision(
            False, caller, action, chain.scope_id, missing=self._no_grant(caller, chain, held)
        )

    def is_allowed(
        self, caller: Caller, action: str, scope: str | Scope, *, data: bool = False
    ) -> bool:
        return self.decide(caller, action, scope, data=data).allowed

    def principals_with(
        self,
        action: str,
        scope: str | Scope,
        *,
        data: bool = False,
        tenant_id: str | None = None,
    ) -> frozenset[str]:
        """The users and service principals that may perform `action` at `scope`.

        Partner users count through their groups while their partner has delegated
        access to the tenant that owns the scope. Scopes under no subscription or
        management group (the root) belong to every tenant: `tenant_id` says which.
        """
        chain = self.chain(scope)
        owner = self._owner(chain, Caller("", tenant_id or "", ""))
        if not owner:
            return frozenset()
        candidates: set[str] = set()
        index = self._grants.get(owner, {})
        for key in chain.keys:
            for principal, assignments in index.get(key, {}).items():
                if any(self._grants_action(a, action, data) for a in assignments):
                    candidates.add(principal)
                    candidates |= self.members_of(principal)
        allowed: set[str] = set()
        for candidate in candidates:
            home = self._home.get(candidate)
            if home is None or self._kind.get(candidate) not in _CALLER_KINDS:
                continue
            if self.decide(Caller(candidate, owner, home), action, chain.scope_id, data=data):
                allowed.add(candidate)
        return frozenset(allowed)

    def scopes_of(self, caller: Caller, action: str, *, data: bool = False) -> HeldScopes:
        """Where the caller holds `action`: the granting roots, less what denies cut out."""
        principals = self.principals_of(caller)
        roots: set[str] = set()
        for principal in principals:
            for a in self._by_principal.get(principal, ()):
                if a.tenant_id == caller.tenant_id and self._grants_action(a, action, data):
                    roots.add(a.scope.lower())
        blocks = tuple(
            (key, d.applies_to_children)
            for key, denies in self._denies.get(caller.tenant_id, {}).items()
            for d in denies
            if self._deny_targets(d, principals) and d.blocks(action, data=data)
        )
        return HeldScopes(self, caller, frozenset(roots), blocks)

    # -- internals -----------------------------------------------------------------------

    def _precondition(self, caller: Caller, chain: _Chain) -> MissingLink | None:
        owner = self._owner(chain, caller)
        if owner is None:
            what = (
                f"subscription '{chain.subscription_id}'"
                if chain.subscription_id
                else f"management group '{chain.management_group}'"
            )
            return MissingLink(
                MissingLinkKind.UNKNOWN_SCOPE, f"{what} of {chain.scope_id} is not known."
            )
        if owner != caller.tenant_id:
            return MissingLink(
                MissingLinkKind.WRONG_TENANT,
                f"{chain.scope_id} belongs to tenant {owner}, but the caller's token is for "
                f"tenant {caller.tenant_id}.",
            )
        if caller.is_foreign and not self.delegations.has_delegated_access(
            caller.home_tenant_id, caller.tenant_id
        ):
            return MissingLink(
                MissingLinkKind.NO_DELEGATED_ACCESS,
                f"partner tenant {caller.home_tenant_id} has no delegated access (DAP or an "
                f"active GDAP relationship) to tenant {caller.tenant_id}, so its groups do "
                "not count there.",
            )
        return None

    def _held(self, tenant: str, chain: _Chain, principals: frozenset[str]) -> list[RoleAssignment]:
        """The assignments on the chain naming one of `principals`, nearest scope first."""
        held: list[RoleAssignment] = []
        index = self._grants.get(tenant)
        if not index:
            return held
        count = len(principals)
        for key in chain.keys:
            by_principal = index.get(key)
            if not by_principal:
                continue
            if len(by_principal) < count:
                for principal, assignments in by_principal.items():
                    if principal in principals:
                        held += assignments
            else:
                for principal in principals:
                    found = by_principal.get(principal)
                    if found:
                        held += found
        return held

    def _grants_action(self, assignment: RoleAssignment, action: str, data: bool) -> bool:
        role = self.roles.get(assignment.role_definition_id)
        return role is not None and role.allows(action, data=data)

    @staticmethod
    def _deny_targets(deny: DenyAssignment, principals: frozenset[str]) -> bool:
        if principals.intersection(deny.exclude_principal_ids):
            return False
        return EVERYONE in deny.principal_ids or not principals.isdisjoint(deny.principal_ids)

    def _blocking_deny(
        self, tenant: str, chain: _Chain, principals: frozenset[str], action: str, data: bool
    ) -> DenyAssignment | None:
        index = self._denies.get(tenant)
        if not index:
            return None
        for depth, key in enumerate(chain.keys):
            for deny in index.get(key, ()):
                if depth > 0 and not deny.applies_to_children:
                    continue
                if self._deny_targets(deny, principals) and deny.blocks(action, data=data):
                    return deny
        return None

    def _no_grant(self, caller: Caller, chain: _Chain, held: list[RoleAssignment]) -> MissingLink:
        who = "the caller's groups" if caller.is_foreign else "the caller or its groups"
        if held:
            roles = sorted({self._role_name(a) for a in held})
            return MissingLink(
                MissingLinkKind.ROLE_LACKS_ACTION,
                f"{who} hold {', '.join(roles)} at or above {chain.scope_id}, "
                "but no such role includes the action.",
                held=tuple(held),
            )
        return MissingLink(
            MissingLinkKind.NO_ROLE_ASSIGNMENT,
            f"no role assignment for {who} exists at {chain.scope_id} or any scope above it.",
        )

    def _role_name(self, assignment: RoleAssignment) -> str:
        role = self.roles.get(assignment.role_definition_id)
        return role.role_name if role else assignment.role_definition_id


@dataclass(frozen=True, slots=True)
class HeldScopes:
    """The scopes where a caller holds an action: every scope under one of `roots`,
    except where a deny assignment in `blocks` (scope key, reaches children) cuts it out."""

    engine: Engine
    caller: Caller
    roots: frozenset[str]
    blocks: tuple[tuple[str, bool], ...]

    def __contains__(self, scope: object) -> bool:
        if not isinstance(scope, (str, Scope)):
            return False
        chain = self.engine.chain(scope)
        if self.engine._precondition(self.caller, chain) is not None:
            return False
        if self.roots.isdisjoint(chain.keys):
            return False
        for depth, key in enumerate(chain.keys):
            for block_key, to_children in self.blocks:
                if block_key == key and (depth == 0 or to_children):
                    return False
        return True
