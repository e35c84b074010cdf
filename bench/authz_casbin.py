"""The same assignments as a pycasbin RBAC-with-domains policy, for the comparison.

The model expresses all of the semantics the checks exercise, so the two engines can be
compared decision for decision rather than only timed:

- domains are tenants: a policy line counts only in the tenant that owns the scope, and
  only when the token is for that tenant (`r.tok == r.dom`);
- a role assignment is a grouping line `g, principal, role@scope, tenant`, and each
  (role, scope) pair a role *instance* with one `p` line per permission, so inheritance
  down the scope tree is a prefix match (`keyMatch`) on the scope's path;
- management groups are folded into that path (the path of a scope is the keys of its
  ancestors, root first), which the application computes, as it would have to with casbin;
- Actions and NotActions of one permission are one `p` line: `regexMatch` on the action
  and `!regexMatch` on the NotActions, so a NotAction excludes within its own permission
  only (another role still grants), as in Azure; DataActions are separate lines, and the
  request says which plane it asks about (`c:` or `d:` before the action);
- deny assignments are `p` lines with the deny effect; `*` is everyone, and one excluded
  principal is the `excl` field (every deny in the world has at most one);
- group membership (nested) is grouping lines in the group's tenant; the partner's agent
  groups are members in every domain (`*`, with keyMatch as the domain matching function),
  and count only where `g2, partner, customer` says the partner has delegated access
  (DAP, or an active GDAP relationship as of building the policy).

Only the grouping lines that can matter for the loaded assignments are written: the
memberships under groups that hold an assignment or are named by a deny, and the
delegated-access lines of tenants that hold an assignment. The cspadmin engine holds the
whole directory; lines casbin does not need would only slow it down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import casbin
from casbin.model import Model
from casbin.util import key_match

from authz_checks import Check
from authz_world import MG_ROOT, World
from cspadmin.domain.assignments import EVERYONE, DenyAssignment, RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.roles import Permission
from cspadmin.domain.scope import parse_scope

MODEL = """
[request_definition]
r = sub, tok, home, dom, obj, act

[policy_definition]
p = sub, dom, obj, act, nact, excl, eft

[role_definition]
g = _, _, _
g2 = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = r.dom == p.dom && r.tok == r.dom && keyMatch(r.obj, p.obj) \
&& regexMatch(r.act, p.act) && !regexMatch(r.act, p.nact) \
&& (p.sub == "*" || g(r.sub, p.sub, r.dom)) && !g(r.sub, p.excl, r.dom) \
&& (r.home == r.dom || g2(r.home, r.dom))
"""
_NEVER = "(?!)"
_NOBODY = "-"
_MG_KEY = MG_ROOT.lower()


def _regex(plane: str, patterns: tuple[str, ...]) -> str:
    """Azure wildcards (case-insensitive, `*` = any run) as one anchored regex."""
    if not patterns:
        return _NEVER
    alternatives = "|".join(".*".join(map(re.escape, p.lower().split("*"))) for p in patterns)
    return f"{plane}:(?:{alternatives})\\Z"


@dataclass(frozen=True, slots=True)
class PolicySize:
    p_grants: int
    p_denies: int
    g_assignments: int
    g_memberships: int
    g2_delegations: int

    @property
    def total(self) -> int:
        return (
            self.p_grants
            + self.p_denies
            + self.g_assignments
            + self.g_memberships
            + self.g2_delegations
        )

    def describe(self) -> str:
        return (
            f"{self.total:,} lines: p {self.p_grants:,} grant + {self.p_denies} deny, "
            f"g {self.g_assignments:,} assignment + {self.g_memberships:,} membership, "
            f"g2 {self.g2_delegations:,} delegated access"
        )


class PolicyBuilder:
    """Grows the casbin policy one assignment at a time, so a line count can be hit."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.p: list[list[str]] = []
        self.g: list[list[str]] = []
        self.g2: list[list[str]] = []
        self.assignments = 0
        self._p_denies = 0
        self._g_assignments = 0
        self._instances: set[tuple[str, str]] = set()
        self._groups: set[str] = set()
        self._tenants: set[str] = set()
        self._mg_parent = {name.lower(): parent for name, _, parent in world.management_groups}
        self._mg_tenant = {name.lower(): tenant for name, tenant, _ in world.management_groups}
        self._mg_paths: dict[str, str] = {}
        for deny in world.denies:
            self._add_deny(deny)

    @property
    def size(self) -> PolicySize:
        return PolicySize(
            p_grants=len(self.p) - self._p_denies,
            p_denies=self._p_denies,
            g_assignments=self._g_assignments,
            g_memberships=len(self.g) - self._g_assignments,
            g2_delegations=len(self.g2),
        )

    def add(self, a: RoleAssignment) -> None:
        key = a.scope.lower()
        instance = f"{a.role_definition_id}@{key}"
        if (instance, a.tenant_id) not in self._instances:
            self._instances.add((instance, a.tenant_id))
            role = self.world.roles[a.role_definition_id]
            self._permission_lines(instance, a.tenant_id, self._obj(key, True), role.permissions)
        self.g.append([a.principal_id, instance, a.tenant_id])
        self._g_assignments += 1
        if a.principal_type in (PrincipalType.GROUP, PrincipalType.FOREIGN_GROUP):
            self._membership(a.principal_id)
        tenant = self.world.tenant_by_id.get(a.tenant_id)
        if tenant is not None and tenant.delegated and tenant.id not in self._tenants:
            self._tenants.add(tenant.id)
            self.g2.append([self.world.partner.tenant_id, tenant.id])
        self.assignments += 1

    def enforcer(self) -> casbin.Enforcer:
        """A fresh enforcer holding the policy built so far."""
        model = Model()
        model.load_model_from_text(MODEL)
        enforcer = casbin.Enforcer(model)
        enforcer.add_named_domain_matching_func("g", key_match)
        enforcer.add_named_policies("p", [list(line) for line in self.p])
        enforcer.add_named_grouping_policies("g", [list(line) for line in self.g])
        enforcer.add_named_grouping_policies("g2", [list(line) for line in self.g2])
        return enforcer

    def request(self, check: Check) -> tuple[str, str, str, str, str, str]:
        """The casbin request for a check: the scope's owner and path, the plane + action."""
        scope = parse_scope(check.scope)
        if scope.subscription_id is not None:
            owner = self.world.subscription_tenant.get(scope.subscription_id, _NOBODY)
        elif scope.management_group is not None:
            owner = self._mg_tenant.get(scope.management_group.lower(), _NOBODY)
        else:
            owner = check.tenant_id
        act = ("d:" if check.data else "c:") + check.action.lower()
        obj = self._obj(scope.key, False)
        return (check.object_id, check.tenant_id, check.home_tenant_id, owner, obj, act)

    # -- internals -----------------------------------------------------------------------

    def _add_deny(self, deny: DenyAssignment) -> None:
        if len(deny.exclude_principal_ids) > 1:
            raise ValueError("the model holds one excluded principal per deny assignment")
        excluded = deny.exclude_principal_ids[0] if deny.exclude_principal_ids else _NOBODY
        obj = self._obj(deny.scope.lower(), deny.applies_to_children)
        for principal in deny.principal_ids:
            subject = "*" if principal == EVERYONE else principal
            before = len(self.p)
            self._permission_lines(subject, deny.tenant_id, obj, deny.permissions, "deny", excluded)
            self._p_denies += len(self.p) - before
            if principal != EVERYONE:
                self._membership(principal)
        if excluded != _NOBODY:
            self._membership(excluded)

    def _permission_lines(
        self,
        subject: str,
        tenant: str,
        obj: str,
        permissions: tuple[Permission, ...],
        effect: str = "allow",
        excluded: str = _NOBODY,
    ) -> None:
        for perm in permissions:
            if perm.actions:
                act, nact = _regex("c", perm.actions), _regex("c", perm.not_actions)
                self.p.append([subject, tenant, obj, act, nact, excluded, effect])
            if perm.data_actions:
                act, nact = _regex("d", perm.data_actions), _regex("d", perm.not_data_actions)
                self.p.append([subject, tenant, obj, act, nact, excluded, effect])

    def _membership(self, group: str) -> None:
        """The grouping lines under `group`, nested groups included, once each."""
        stack = [group]
        partner = self.world.partner.tenant_id
        while stack:
            current = stack.pop()
            if current in self._groups or self.world.principal_kind.get(current) is not (
                PrincipalType.GROUP
            ):
                continue
            self._groups.add(current)
            home = self.world.principal_tenant[current]
            domain = "*" if home == partner else home
            for member in self.world.members.get(current, ()):
                self.g.append([member, current, domain])
                stack.append(member)

    def _obj(self, key: str, pattern: bool) -> str:
        """The path casbin matches: the scope's ancestors' keys, root first, then `/`.

        `pattern` gives the policy form, which covers the scope and everything below it.
        """
        if key == "/":
            return "/*" if pattern else "/"
        if key.startswith("/subscriptions/"):
            group = self.world.subscription_group.get(key.split("/", 3)[2])
            path = (self._mg_path(group.lower()) if group else "") + key
        elif key.startswith(_MG_KEY):
            name = key[len(_MG_KEY) :].split("/", 1)[0]
            parent = self._mg_parent.get(name)
            path = (self._mg_path(parent.lower()) if parent else "") + key
        else:
            path = key
        return path + ("/*" if pattern else "/")

    def _mg_path(self, name: str) -> str:
        hit = self._mg_paths.get(name)
        if hit is None:
            parent = self._mg_parent.get(name)
            hit = (self._mg_path(parent.lower()) if parent else "") + _MG_KEY + name
            self._mg_paths[name] = hit
        return hit
