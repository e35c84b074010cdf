"""Random authorization checks, drawn the way an API sees them.

A check is what a request carries: the token's object id, the tenant it was issued for,
the caller's home tenant, an action string, a scope string exactly as the client sent it
(with its own casing) and whether it is a data action. Drawing callers and scopes purely
at random would make almost every check a denial (a random user holds nothing at a random
scope), so a share of the checks starts from an assignment in the loaded prefix: a caller
who holds it (directly, through nested groups, or as a partner agent through AdminAgents)
at its scope or below, asking for a random action that the role may or may not grant.
The rest are the other cases an API meets: native callers where they hold nothing, partner
agents in customers with and without delegated access, tokens for the wrong tenant,
scopes under deny assignments, the root and management groups, unknown subscriptions.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from authz_world import CustomerTenant, World
from cspadmin.domain.assignments import EVERYONE, RoleAssignment
from cspadmin.domain.directory import PrincipalType

# (action, weight, data action?)
ACTIONS: tuple[tuple[str, float, bool], ...] = (
    ("Microsoft.Resources/subscriptions/resourceGroups/read", 8, False),
    ("Microsoft.Compute/virtualMachines/read", 8, False),
    ("Microsoft.Compute/virtualMachines/write", 5, False),
    ("Microsoft.Compute/virtualMachines/start/action", 3, False),
    ("Microsoft.Compute/virtualMachines/delete", 2, False),
    ("Microsoft.Storage/storageAccounts/read", 6, False),
    ("Microsoft.Storage/storageAccounts/write", 3, False),
    ("Microsoft.Storage/storageAccounts/listKeys/action", 4, False),
    ("Microsoft.Storage/storageAccounts/delete", 1, False),
    ("Microsoft.Network/virtualNetworks/read", 3, False),
    ("Microsoft.Network/virtualNetworks/subnets/join/action", 2, False),
    ("Microsoft.KeyVault/vaults/read", 3, False),
    ("Microsoft.KeyVault/vaults/write", 1, False),
    ("Microsoft.Web/sites/read", 3, False),
    ("Microsoft.Web/sites/restart/action", 1, False),
    ("Microsoft.Authorization/roleAssignments/read", 3, False),
    ("Microsoft.Authorization/roleAssignments/write", 4, False),
    ("Microsoft.Authorization/roleAssignments/delete", 1, False),
    ("Microsoft.Support/supportTickets/write", 1, False),
    ("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read", 2.5, True),
    ("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write", 1.5, True),
    ("Microsoft.KeyVault/vaults/secrets/getSecret/action", 1, True),
)
_BLOB_READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
_DENY_ACTIONS = (
    "Microsoft.Storage/storageAccounts/delete",
    "Microsoft.Storage/storageAccounts/write",
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Compute/virtualMachines/delete",
    "Microsoft.Compute/virtualMachines/read",
)
# How the checks split between the cases (see the module docstring).
_MIX: tuple[tuple[str, float], ...] = (
    ("held", 46),
    ("native", 22),
    ("partner", 15),
    ("wrong-tenant", 4),
    ("deny", 5),
    ("top", 6),
    ("unknown", 2),
)


class Check(NamedTuple):
    object_id: str
    tenant_id: str
    home_tenant_id: str
    action: str
    scope: str
    data: bool
    kind: str
    """Which case of `_MIX` drew it: for the report only, never for the decision."""


class CheckGenerator:
    """Draws checks against the first `len(assignments)` assignments of the world."""

    def __init__(self, world: World, assignments: Sequence[RoleAssignment], seed: int) -> None:
        self.world = world
        self.assignments = assignments
        self.rng = random.Random(seed)
        self._callers: dict[str, list[str]] = {}
        self._action_names = [a for a, _, _ in ACTIONS]
        self._action_data = {a: d for a, _, d in ACTIONS}
        total = 0.0
        self._action_cum: list[float] = []
        for _, weight, _ in ACTIONS:
            total += weight
            self._action_cum.append(total)
        self._mix_names = [name for name, _ in _MIX]
        self._mix_weights = [weight for _, weight in _MIX]

    def generate(self, count: int) -> list[Check]:
        draw = {
            "held": self._held,
            "native": self._native,
            "partner": self._partner,
            "wrong-tenant": self._wrong_tenant,
            "deny": self._deny,
            "top": self._top,
            "unknown": self._unknown,
        }
        kinds = self.rng.choices(self._mix_names, self._mix_weights, k=count)
        return [draw[kind]() for kind in kinds]

    # -- the cases -------------------------------------------------------------------

    def _held(self) -> Check:
        a = self.rng.choice(self.assignments)
        tenant = self.world.tenant_by_id[a.tenant_id]
        home = tenant.id
        if a.principal_type in (PrincipalType.USER, PrincipalType.SERVICE_PRINCIPAL):
            caller = a.principal_id
        else:
            inside = self._callers_in(a.principal_id)
            caller = self.rng.choice(inside) if inside else self.rng.choice(tenant.users)
            if a.principal_type is PrincipalType.FOREIGN_GROUP:
                home = self.world.partner.tenant_id
        scope = self._somewhere(tenant) if a.scope == "/" else self._descend(a.scope)
        return self._check(caller, tenant.id, home, scope, "held")

    def _native(self) -> Check:
        tenant = self.rng.choice(self.world.tenants)
        caller = self.rng.choice(tenant.users + tenant.service_principals)
        return self._check(caller, tenant.id, tenant.id, self._somewhere(tenant), "native")

    def _partner(self) -> Check:
        tenant = self.rng.choice(self.world.tenants)
        partner = self.world.partner
        agent = self.rng.choice(partner.agents)
        scope = self._somewhere(tenant)
        return self._check(agent, tenant.id, partner.tenant_id, scope, "partner")

    def _wrong_tenant(self) -> Check:
        tenant, other = self.rng.sample(self.world.tenants, 2)
        caller = self.rng.choice(tenant.users)
        return self._check(caller, tenant.id, tenant.id, self._somewhere(other), "wrong-tenant")

    def _deny(self) -> Check:
        deny = self.rng.choice(self.world.denies)
        tenant = self.world.tenant_by_id[deny.tenant_id]
        target = deny.principal_ids[0]
        if target == EVERYONE:
            pool = tenant.users + list(deny.exclude_principal_ids)
        else:
            pool = self._callers_in(target) or tenant.users
        caller = self.rng.choice(pool)
        scope = self._descend(deny.scope) if deny.applies_to_children else deny.scope
        if self.rng.random() < 0.6:
            action = self.rng.choice(_DENY_ACTIONS)
            data = False
            if "blob" in deny.display_name:
                action, data = _BLOB_READ, True
            return self._check(caller, tenant.id, tenant.id, scope, "deny", action, data)
        return self._check(caller, tenant.id, tenant.id, scope, "deny")

    def _top(self) -> Check:
        """The root, or a management group: scopes above every subscription."""
        tenant = self.rng.choice(self.world.tenants)
        caller = self.rng.choice(tenant.users)
        scopes = ["/", *tenant.management_groups]
        return self._check(caller, tenant.id, tenant.id, self.rng.choice(scopes), "top")

    def _unknown(self) -> Check:
        tenant = self.rng.choice(self.world.tenants)
        caller = self.rng.choice(tenant.users)
        sub = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        scope = f"/subscriptions/{sub}/resourceGroups/rg-prod"
        return self._check(caller, tenant.id, tenant.id, scope, "unknown")

    # -- helpers ---------------------------------------------------------------------

    def _check(
        self,
        caller: str,
        tenant_id: str,
        home: str,
        scope: str,
        kind: str,
        action: str | None = None,
        data: bool | None = None,
    ) -> Check:
        if action is None:
            action = self.rng.choices(self._action_names, cum_weights=self._action_cum)[0]
        if data is None:
            data = self._action_data[action]
        return Check(caller, tenant_id, home, action, self._vary(scope), data, kind)

    def _callers_in(self, group: str) -> list[str]:
        hit = self._callers.get(group)
        if hit is None:
            hit = self._callers[group] = self.world.callers_in(group)
        return hit

    def _descend(self, scope: str) -> str:
        """The scope or one of its descendants: each step down with even odds."""
        children = self.world.children
        while self.rng.random() < 0.5:
            below = children.get(scope)
            if not below:
                break
            scope = self.rng.choice(below)
        return scope

    def _somewhere(self, tenant: CustomerTenant) -> str:
        return self._descend(self.rng.choice(tenant.subscriptions))

    def _vary(self, scope: str) -> str:
        """Clients send ids in their own casing; ARM (and the engine) must not care."""
        draw = self.rng.random()
        if draw < 0.10:
            return scope.lower()
        if draw < 0.14:
            return scope.upper()
        if draw < 0.24:
            return "/".join(
                s.swapcase() if self.rng.random() < 0.3 else s for s in scope.split("/")
            )
        return scope


def describe(checks: Sequence[Check]) -> str:
    """The mix, for the report: how many checks of each case and data actions."""
    kinds = Counter(c.kind for c in checks)
    data = sum(c.data for c in checks)
    parts = [f"{kind} {n / len(checks):.0%}" for kind, n in kinds.most_common()]
    return ", ".join(parts) + f"; data actions {data / len(checks):.0%}"
