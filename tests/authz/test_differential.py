"""The engine against the naive reference, over random worlds.

Each world has 2-4 tenants (one or two of them partners), users, service principals and
groups (nested; cyclic in some worlds), management groups with parents, subscriptions
under them or not, resource groups, resources with nested child types, built-in and
custom roles (wildcards, NotActions, DataActions), role assignments at every level from
the root down (including the CSP Owner assignment to the partner's AdminAgents as a
foreign group), deny assignments, reseller relationships (DAP or not, terminated) and
GDAP relationships (active, expired, pending). Each world is asked 30 questions in three
rounds of ten, with facts changed between rounds (revocations, moves, the clock running
on) and the previous round asked again after each change: 50 checks per world, so the
engine's indexes and caches are held against a reference that has none.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from cspadmin.authz.decision import Caller
from cspadmin.authz.engine import Engine
from cspadmin.domain.assignments import EVERYONE, DenyAssignment, RoleAssignment
from cspadmin.domain.directory import (
    ADMIN_AGENTS,
    HELPDESK_AGENTS,
    SALES_AGENTS,
    PrincipalType,
)
from cspadmin.domain.directory_roles import GLOBAL_ADMINISTRATOR
from cspadmin.domain.relationships import (
    GdapRelationship,
    GdapStatus,
    RelationshipState,
    ResellerRelationship,
)
from cspadmin.domain.roles import BUILTIN_BY_NAME, BUILTIN_ROLES, Permission, custom_role
from cspadmin.domain.scope import parse_scope
from tests.authz import reference
from tests.authz.reference import ManagementGroup, Subscription, World

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
ROUNDS = 3
QUESTIONS_PER_ROUND = 10

CONTROL_ACTIONS = (
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Authorization/roleAssignments/read",
    "Microsoft.Authorization/roleAssignments/delete",
    "Microsoft.Authorization/roleDefinitions/write",
    "Microsoft.Compute/virtualMachines/read",
    "Microsoft.Compute/virtualMachines/write",
    "Microsoft.Compute/virtualMachines/restart/action",
    "Microsoft.Compute/virtualMachines/extensions/write",
    "Microsoft.Network/virtualNetworks/subnets/read",
    "Microsoft.Network/virtualNetworks/write",
    "Microsoft.Resources/subscriptions/resourceGroups/write",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Storage/storageAccounts/listKeys/action",
    "Microsoft.Storage/storageAccounts/blobServices/containers/read",
    "Microsoft.Support/supportTickets/write",
    "Microsoft.Subscription/cancel/action",
)
DATA_ACTIONS = (
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
)
ACTIONS: tuple[tuple[str, bool], ...] = tuple((a, False) for a in CONTROL_ACTIONS) + tuple(
    (a, True) for a in DATA_ACTIONS
)

BUILTINS_USED = tuple(
    BUILTIN_BY_NAME[name].id
    for name in (
        "owner",
        "contributor",
        "reader",
        "user access administrator",
        "role based access control administrator",
        "support request contributor",
        "storage blob data reader",
        "storage blob data contributor",
        "network contributor",
        "virtual machine contributor",
        "key vault administrator",
    )
)
OWNER_ID = BUILTIN_BY_NAME["owner"].id
DELETED_ROLE_ID = "dead0000-0000-4000-8000-000000000000"

RESOURCE_SHAPES = (
    ("Microsoft.Compute", "virtualMachines", "vm", (("extensions", "monitor"),)),
    (
        "Microsoft.Storage",
        "storageAccounts",
        "logs",
        (("blobServices", "default"), ("containers", "Audit")),
    ),
    ("Microsoft.Network", "virtualNetworks", "Net", (("subnets", "front"),)),
    ("Microsoft.KeyVault", "vaults", "kv.(1)", (("secrets", "db-password"),)),
    ("Microsoft.Network", "virtualNetworks", "providers", (("subnets", "back"),)),
)
GROUP_STYLES = ("rg{}", "Web-Prod{}", "data.(eu){}", "RG_{}")
MANAGEMENT_GROUP_STYLES = ("mg{}", "Contoso.Prod{}", "root(t){}", "Dept_{}")

CUSTOM_ACTIONS = (
    "*",
    "*/read",
    "Microsoft.Compute/*",
    "Microsoft.Network/*/read",
    "Microsoft.Authorization/*",
    "Microsoft.Authorization/roleAssignments/*",
    "Microsoft.Storage/storageAccounts/*",
    "microsoft.compute/VIRTUALMACHINES/read",
    "Microsoft.Resources/*/write",
    "*/action",
)
CUSTOM_NOT_ACTIONS = (
    "Microsoft.Authorization/*/write",
    "*/delete",
    "Microsoft.Compute/virtualMachines/write",
    "Microsoft.Compute/*/action",
    "*/read",
)
CUSTOM_DATA_ACTIONS = (
    "*",
    "Microsoft.Storage/*",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*",
    "Microsoft.KeyVault/vaults/*",
)
CUSTOM_NOT_DATA_ACTIONS = ("*/write", "Microsoft.Storage/storageAccounts/blobServices/*/read")

DENY_PERMISSIONS = (
    Permission(actions=("*",)),
    Permission(actions=("*",), not_actions=("*/read",)),
    Permission(actions=("Microsoft.Authorization/*/write", "Microsoft.Authorization/*/delete")),
    Permission(actions=("Microsoft.Compute/*",)),
    Permission(data_actions=("*",)),
    Permission(actions=("*/write",), data_actions=("Microsoft.Storage/*",)),
)


T = TypeVar("T")
Draw = Callable[[st.SearchStrategy[int]], int]
"""What the plain generator functions below draw with: `draw` or `data.draw`."""

CHOICE = st.integers(0, 1023)
SEED = st.integers(0, 2**16)
COIN = st.booleans()


def pick(draw: Draw, items: Sequence[T]) -> T:
    """One of `items`. Cheaper than a fresh `sampled_from` per draw, which Hypothesis
    validates each time, and it shrinks towards the first item all the same."""
    return items[draw(CHOICE) % len(items)]


def count(draw: Draw, low: int, high: int) -> int:
    return low + draw(CHOICE) % (high - low + 1)


def guid(kind: int, n: int) -> str:
    return f"{kind:08x}-0000-4000-8000-{n:012x}"


# -- the generated world ------------------------------------------------------------------------


@dataclass
class Generated:
    """A world, the vocabulary to ask questions of it, and a counter for fresh ids."""

    world: World
    tenants: list[str]
    partners: list[str]
    partner_groups: dict[str, list[str]]
    """partner tenant -> its groups (AdminAgents first)"""
    callers: list[str]
    """users and service principals"""
    placements: list[tuple[str, str | None]]
    """(scope id, owning tenant or None for the root) where assignments may be placed"""
    targets: list[str]
    """scope ids to ask about: every placement, extension resources, unknown scopes"""
    custom_roles: list[str]
    cyclic: bool
    next_id: int = 1

    def fresh(self, kind: int) -> str:
        self.next_id += 1
        return guid(kind, self.next_id)

    def home(self, oid: str) -> str:
        return self.world.principals[oid][0]

    def tenant_principals(self, tenant: str) -> list[str]:
        return [oid for oid, (home, _) in self.world.principals.items() if home == tenant]

    def __repr__(self) -> str:
        """The facts as they stand (after any changes), in a page rather than 30 kB."""
        w = self.world
        role_names = {r.id: r.role_name for r in w.roles}
        lines = [f"<world at {w.now:%Y-%m-%d}{' with cyclic groups' if self.cyclic else ''}"]
        for tenant in self.tenants:
            kind = "partner" if tenant in self.partners else "tenant"
            members = ", ".join(
                f"{k.value} {oid}" for oid, (home, k) in w.principals.items() if home == tenant
            )
            lines.append(f"  {kind} {tenant}: {members}")
        lines += [f"  {group} contains {member}" for group, member in w.memberships]
        lines += [f"  {m.name} in {m.tenant_id} under {m.parent}" for m in w.management_groups]
        lines += [
            f"  subscription {s.id} of {s.tenant_id} under {s.management_group}"
            for s in w.subscriptions
        ]
        lines += [
            f"  reseller {r.partner_tenant_id} -> {r.customer_tenant_id} "
            f"{r.state.value} dap={r.dap}"
            for r in w.resellers
        ]
        lines += [
            f"  gdap {g.partner_tenant_id} -> {g.customer_tenant_id} {g.status.value} "
            f"from {g.activated_at} for {g.duration}"
            for g in w.gdaps
        ]
        lines += [f"  custom role {r.id}: {r.permissions}" for r in w.roles if r.is_custom]
        lines += [
            f"  assignment {a.name}: {role_names.get(a.role_definition_id, 'deleted role')} "
            f"to {a.principal_type.value} {a.principal_id} at {a.scope} in {a.tenant_id}"
            for a in w.assignments
        ]
        lines += [
            f"  deny {d.name} at {d.scope} in {d.tenant_id}: {d.permissions} "
            f"for {d.principal_ids} except {d.exclude_principal_ids} "
            f"children={d.applies_to_children}"
            for d in w.denies
        ]
        return "\n".join(lines) + ">"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # Hypothesis would otherwise print every field in full


def recase(draw: Draw, text: str) -> str:
    mode = pick(draw, ["as is", "as is", "lower", "upper", "mixed"])
    if mode == "lower":
        return text.lower()
    if mode == "upper":
        return text.upper()
    if mode == "mixed":
        rng = random.Random(draw(SEED))
        return "".join(c.swapcase() if rng.random() < 0.3 else c for c in text)
    return text


def subset(draw: Draw, items: Sequence[str], max_size: int) -> list[str]:
    if not items:
        return []
    return list(dict.fromkeys(pick(draw, items) for _ in range(count(draw, 0, max_size))))


def custom_permissions(draw: Draw) -> Permission:
    return Permission(
        actions=tuple(subset(draw, list(CUSTOM_ACTIONS), 2)),
        not_actions=tuple(subset(draw, list(CUSTOM_NOT_ACTIONS), 2)),
        data_actions=tuple(subset(draw, list(CUSTOM_DATA_ACTIONS), 1)),
        not_data_actions=tuple(subset(draw, list(CUSTOM_NOT_DATA_ACTIONS), 1)),
    )


def _directory(draw: Draw, gen: Generated, tenant: str, index: int) -> None:
    world = gen.world
    users = [gen.fresh(0xA0 + index) for _ in range(count(draw, 1, 3))]
    apps = [gen.fresh(0xB0 + index) for _ in range(count(draw, 0, 1))]
    groups = [gen.fresh(0xC0 + index) for _ in range(count(draw, 0, 3))]
    for oid in users:
        world.principals[oid] = (tenant, PrincipalType.USER)
    for oid in apps:
        world.principals[oid] = (tenant, PrincipalType.SERVICE_PRINCIPAL)
    if tenant in gen.partners:
        named = [gen.fresh(0xD0 + index) for _ in (ADMIN_AGENTS, HELPDESK_AGENTS, SALES_AGENTS)]
        gen.partner_groups[tenant] = named + groups
        groups = groups + named  # the agent groups may contain the ordinary ones
    for oid in groups:
        world.principals[oid] = (tenant, PrincipalType.GROUP)
    gen.callers += users + apps
    for position, group in enumerate(groups):
        nestable = groups if gen.cyclic else groups[:position]
        for member in subset(draw, users + apps + nestable, 3):
            world.memberships.append((group, member))


def _estate(draw: Draw, gen: Generated, tenant: str, index: int) -> None:
    world = gen.world
    groups: list[str] = []
    for j in range(count(draw, 0, 3)):
        style = pick(draw, MANAGEMENT_GROUP_STYLES)
        name = style.format(f"{index}{j}")
        parent = pick(draw, [None, *groups])
        world.management_groups.append(ManagementGroup(name, tenant, parent))
        groups.append(name)
        mg_id = f"/providers/Microsoft.Management/managementGroups/{name}"
        gen.placements.append((mg_id, tenant))
    low = 0 if tenant in gen.partners else 1
    for _ in range(count(draw, low, 2)):
        sub = gen.fresh(0x5B)
        world.subscriptions.append(Subscription(sub, tenant, pick(draw, [None, *groups])))
        sub_id = f"/subscriptions/{sub}"
        gen.placements.append((sub_id, tenant))
        if draw(COIN):
            gen.placements.append(
                (f"{sub_id}/providers/Microsoft.Security/pricings/default", tenant)
            )
        for k in range(count(draw, 0, 2)):
            rg_id = f"{sub_id}/resourceGroups/{pick(draw, GROUP_STYLES).format(k)}"
            gen.placements.append((rg_id, tenant))
            for n in range(count(draw, 0, 2)):
                namespace, rtype, name, children = pick(draw, RESOURCE_SHAPES)
                resource_id = f"{rg_id}/providers/{namespace}/{rtype}/{name}{n}"
                gen.placements.append((resource_id, tenant))
                for child_type, child_name in children[: count(draw, 0, len(children))]:
                    resource_id = f"{resource_id}/{child_type}/{child_name}"
                    gen.placements.append((resource_id, tenant))


def _relationships(draw: Draw, gen: Generated) -> None:
    for partner in gen.partners:
        for customer in gen.tenants:
            if customer == partner:
                continue
            kind = pick(draw, ["none", "dap", "dap", "no dap", "terminated"])
            if kind != "none":
                state = (
                    RelationshipState.TERMINATED
                    if kind == "terminated"
                    else (RelationshipState.ACTIVE)
                )
                gen.world.resellers.append(
                    ResellerRelationship(partner, customer, dap=kind != "no dap", state=state)
                )
            gdap = pick(draw, ["none", "none", "active", "expired", "pending", "open"])
            if gdap != "none":
                gen.world.gdaps.append(_gdap(gen, partner, customer, gdap))


def _gdap(gen: Generated, partner: str, customer: str, kind: str) -> GdapRelationship:
    status = {"pending": GdapStatus.APPROVAL_PENDING}.get(kind, GdapStatus.ACTIVE)
    activated = {"expired": EPOCH - timedelta(days=40), "open": None}.get(
        kind, EPOCH - timedelta(days=5)
    )
    return GdapRelationship(
        id=f"{gen.fresh(0x6D)}-{customer}",
        partner_tenant_id=partner,
        customer_tenant_id=customer,
        display_name=f"gdap {partner[-4:]}-{customer[-4:]}",
        duration="P30D",
        role_template_ids=(GLOBAL_ADMINISTRATOR.template_id,),
        status=status,
        activated_at=activated,
    )


def _roles(draw: Draw, gen: Generated) -> None:
    gen.world.roles = list(BUILTIN_ROLES)
    assignable = next(scope for scope, _ in gen.placements if scope != "/")
    for i in range(count(draw, 0, 3)):
        permissions = tuple(custom_permissions(draw) for _ in range(count(draw, 1, 2)))
        if not any(p.actions or p.data_actions for p in permissions):
            permissions += (Permission(actions=("*/read",)),)
        role = custom_role(gen.fresh(0xE0), f"custom {i}", permissions, (assignable,))
        gen.world.roles.append(role)
        gen.custom_roles.append(role.id)


def new_assignment(draw: Draw, gen: Generated) -> RoleAssignment:
    scope, owner = pick(draw, gen.placements)
    tenant = owner or pick(draw, gen.tenants)
    foreign = [g for p, groups in gen.partner_groups.items() if p != tenant for g in groups]
    local = gen.tenant_principals(tenant)
    source = pick(draw, ["local"] * 3 + ["foreign"] * (2 if foreign else 0) + ["odd"])
    if source == "foreign":
        principal = pick(draw, foreign)
        principal_type = PrincipalType.FOREIGN_GROUP
    else:
        # "odd": anyone at all, e.g. a partner user named directly in a customer tenant
        principal = pick(draw, local if source == "local" and local else gen.callers)
        principal_type = gen.world.principals[principal][1]
    roles = list(BUILTINS_USED) + gen.custom_roles * 3 + [DELETED_ROLE_ID]
    return RoleAssignment(
        name=gen.fresh(0xF0),
        scope=parse_scope(recase(draw, scope)).id,
        role_definition_id=pick(draw, roles),
        principal_id=principal,
        principal_type=principal_type,
        tenant_id=tenant,
    )


def new_deny(draw: Draw, gen: Generated) -> DenyAssignment:
    scope, owner = pick(draw, gen.placements)
    tenant = owner or pick(draw, gen.tenants)
    named = gen.tenant_principals(tenant) + [
        g for p, groups in gen.partner_groups.items() if p != tenant for g in groups
    ]
    everyone = draw(COIN)
    return DenyAssignment(
        name=gen.fresh(0xDE),
        scope=parse_scope(scope).id,
        tenant_id=tenant,
        permissions=(pick(draw, DENY_PERMISSIONS),),
        principal_ids=(EVERYONE,) if everyone else tuple(subset(draw, named, 2) or [EVERYONE]),
        exclude_principal_ids=tuple(subset(draw, named, 2)) if draw(COIN) else (),
        applies_to_children=draw(COIN),
    )


def _csp_owner_assignments(draw: Draw, gen: Generated) -> None:
    """The assignment CSP creates: Owner to the partner's AdminAgents on a customer sub."""
    for subscription in gen.world.subscriptions:
        for partner, groups in gen.partner_groups.items():
            if partner != subscription.tenant_id and draw(COIN):
                gen.world.assignments.append(
                    RoleAssignment(
                        name=gen.fresh(0xF0),
                        scope=f"/subscriptions/{subscription.id}",
                        role_definition_id=OWNER_ID,
                        principal_id=groups[0],
                        principal_type=PrincipalType.FOREIGN_GROUP,
                        tenant_id=subscription.tenant_id,
                    )
                )


@st.composite
def worlds(draw: st.DrawFn) -> Generated:
    size = count(draw, 2, 4)
    tenants = [guid(0x7E, i) for i in range(size)]
    partners = tenants[: count(draw, 1, min(2, size - 1))]
    gen = Generated(
        world=World(now=EPOCH),
        tenants=tenants,
        partners=partners,
        partner_groups={},
        callers=[],
        placements=[("/", None)],
        targets=[],
        custom_roles=[],
        cyclic=count(draw, 0, 3) == 0,
    )
    for index, tenant in enumerate(tenants):
        _directory(draw, gen, tenant, index)
        _estate(draw, gen, tenant, index)
    _relationships(draw, gen)
    _roles(draw, gen)
    _csp_owner_assignments(draw, gen)
    for _ in range(count(draw, 2, 12)):
        gen.world.assignments.append(new_assignment(draw, gen))
    for _ in range(count(draw, 0, 4)):
        gen.world.denies.append(new_deny(draw, gen))
    gen.targets = [scope for scope, _ in gen.placements] + [
        "/subscriptions/5b000000-0000-4000-8000-0000000000ff",
        "/providers/Microsoft.Management/managementGroups/nowhere",
        "/providers/Microsoft.Authorization/roleDefinitions/" + OWNER_ID,
    ]
    base = pick(draw, gen.targets[:-3])
    assignment = "/providers/Microsoft.Authorization/roleAssignments/" + guid(0xAB, 1)
    gen.targets.append(("" if base == "/" else base) + assignment)
    return gen


def build_engine(world: World) -> Engine:
    engine = Engine(clock=lambda: world.now)
    for oid, (tenant, kind) in world.principals.items():
        engine.add_principal(oid, tenant, kind)
    for group, member in world.memberships:
        engine.add_member(group, member)
    for mg in world.management_groups:
        engine.add_management_group(mg.name, mg.tenant_id, mg.parent)
    for sub in world.subscriptions:
        engine.add_subscription(sub.id, sub.tenant_id, management_group=sub.management_group)
    for role in world.roles:
        engine.add_role(role)
    for relationship in world.resellers:
        engine.delegations.set_reseller_relationship(relationship)
    for gdap in world.gdaps:
        engine.delegations.set_gdap_relationship(gdap)
    half = len(world.assignments) // 2
    engine.add_assignments(world.assignments[:half])  # the bulk path and the single path
    for assignment in world.assignments[half:]:
        engine.add_assignment(assignment)
    for deny in world.denies:
        engine.add_deny(deny)
    return engine


# -- questions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    caller: Caller
    action: str
    scope: str
    data: bool


def question(draw: Draw, gen: Generated) -> Question:
    """Aimed at an assignment (so that many are allowed), at a deny, or at random."""
    world = gen.world
    aim = pick(draw, ["assignment"] * 9 + ["deny"] * 2 + ["random"] * 9)
    if aim == "assignment" and world.assignments:
        target = pick(draw, world.assignments)
        oid = pick(draw, _callers_inside(gen, [target.principal_id]))
        tenant = target.tenant_id
        scope = pick(draw, _targets_under(gen, target.scope, True))
        granted = [
            (a, d)
            for a, d in ACTIONS
            if reference.role_covers(world, target.role_definition_id, a, d)
        ]
        action, data = pick(draw, granted or list(ACTIONS))
    elif aim == "deny" and world.denies:
        block = pick(draw, world.denies)
        named = list(block.principal_ids)
        if EVERYONE in named:
            named = gen.tenant_principals(block.tenant_id)
        oid = pick(draw, _callers_inside(gen, named))
        tenant = block.tenant_id
        scope = pick(draw, _targets_under(gen, block.scope, block.applies_to_children))
        action, data = pick(draw, ACTIONS)
    else:
        oid = pick(draw, gen.callers)
        served = [
            r.customer_tenant_id for r in world.resellers if r.partner_tenant_id == gen.home(oid)
        ]
        tenant = pick(draw, [gen.home(oid)] * 2 + served * 2 + gen.tenants)
        owned = [
            s for s in gen.targets if reference.owner_of(world, parse_scope(s), tenant) == tenant
        ]
        scope = pick(draw, owned * 2 + gen.targets)
        action, data = pick(draw, ACTIONS)
    caller = Caller(oid, tenant, gen.home(oid))
    return Question(caller, recase(draw, action), recase(draw, scope), data)


def _callers_inside(gen: Generated, principals: list[str]) -> list[str]:
    """The users and service principals among `principals` and their groups' members."""
    inside = set(principals)
    for principal in principals:
        inside |= reference.members_of(gen.world, principal)
    return sorted(inside.intersection(gen.callers)) or gen.callers


def _targets_under(gen: Generated, placed_at: str, to_children: bool) -> list[str]:
    placed = parse_scope(placed_at).id
    under = [
        s
        for s in gen.targets
        if reference.reaches(gen.world, placed, parse_scope(s), to_children=to_children)
    ]
    return under or gen.targets


# -- changes between rounds -----------------------------------------------------------------------

Change = Callable[[World, Engine], None]


def change_of_facts(draw: Draw, gen: Generated) -> tuple[str, Change]:
    world = gen.world
    kinds = ["add assignment", "add member", "clock", "reseller", "add deny"]
    kinds += ["remove assignment"] * 3 if world.assignments else []
    kinds += ["remove member"] * 2 if world.memberships else []
    kinds += ["gdap status"] if world.gdaps else []
    kinds += ["move subscription"] if world.subscriptions else []
    kinds += ["re-parent management group"] if len(world.management_groups) > 1 else []
    kinds += ["remove deny"] if world.denies else []
    kinds += ["remove role"] if gen.custom_roles else []
    kind = pick(draw, kinds)
    change: Change
    if kind == "remove assignment":
        gone = pick(draw, world.assignments)

        def change(w: World, e: Engine) -> None:
            w.assignments.remove(gone)
            e.remove_assignment(gone.name)

    elif kind == "add assignment":
        new = new_assignment(draw, gen)

        def change(w: World, e: Engine) -> None:
            w.assignments.append(new)
            e.add_assignment(new)

    elif kind == "remove member":
        edge = pick(draw, world.memberships)

        def change(w: World, e: Engine) -> None:
            w.memberships.remove(edge)
            e.remove_member(*edge)

    elif kind == "add member":
        group = draw(
            st.sampled_from(
                [o for o, (_, k) in world.principals.items() if k is PrincipalType.GROUP]
                or gen.callers
            )
        )
        member = pick(draw, gen.tenant_principals(gen.home(group)))
        edge = (group, member)

        def change(w: World, e: Engine) -> None:
            if edge not in w.memberships:
                w.memberships.append(edge)
            e.add_member(*edge)

    elif kind == "clock":
        days = count(draw, 1, 40)

        def change(w: World, e: Engine) -> None:
            w.now += timedelta(days=days)

    elif kind == "reseller":
        partner = pick(draw, gen.partners)
        customer = pick(draw, [t for t in gen.tenants if t != partner])
        relationship = ResellerRelationship(
            partner,
            customer,
            dap=draw(COIN),
            state=pick(draw, list(RelationshipState)),
        )

        def change(w: World, e: Engine) -> None:
            w.resellers = [
                r
                for r in w.resellers
                if (r.partner_tenant_id, r.customer_tenant_id) != (partner, customer)
            ] + [relationship]
            e.delegations.set_reseller_relationship(relationship)

    elif kind == "gdap status":
        old = pick(draw, world.gdaps)
        new_gdap = replace(old, status=pick(draw, list(GdapStatus)))

        def change(w: World, e: Engine) -> None:
            w.gdaps = [g for g in w.gdaps if g.id != old.id] + [new_gdap]
            e.delegations.set_gdap_relationship(new_gdap)

    elif kind == "move subscription":
        sub = pick(draw, world.subscriptions)
        mine = [m.name for m in world.management_groups if m.tenant_id == sub.tenant_id]
        destination = pick(draw, [None, *mine])

        def change(w: World, e: Engine) -> None:
            sub.management_group = destination
            e.add_subscription(sub.id, sub.tenant_id, management_group=destination)

    elif kind == "re-parent management group":
        # Never to the root: see test_moving_a_management_group_to_the_root_drops_its_old_parent.
        mg = pick(draw, world.management_groups)
        parent = pick(draw, [m.name for m in world.management_groups])

        def change(w: World, e: Engine) -> None:
            mg.parent = parent
            e.add_management_group(mg.name, mg.tenant_id, parent)

    elif kind == "add deny":
        new_block = new_deny(draw, gen)

        def change(w: World, e: Engine) -> None:
            w.denies.append(new_block)
            e.add_deny(new_block)

    elif kind == "remove deny":
        name = pick(draw, world.denies).name

        def change(w: World, e: Engine) -> None:
            w.denies = [d for d in w.denies if d.name != name]
            e.remove_deny(name)

    else:  # remove role
        role_id = pick(draw, gen.custom_roles)

        def change(w: World, e: Engine) -> None:
            w.roles = [r for r in w.roles if r.id != role_id]
            e.remove_role(role_id)

    return kind, change


def ask_rounds(
    gen: Generated, data: st.DataObject, check: Callable[[Engine, Question], None]
) -> None:
    """Three rounds of ten new questions, with one or two changes to the facts between
    rounds; after a change the previous round's questions are asked again, word for word,
    so an answer cached from before the change would show."""
    engine = build_engine(gen.world)
    asked: list[Question] = []
    for round_ in range(ROUNDS):
        if round_:
            for _ in range(count(data.draw, 1, 2)):
                kind, change = change_of_facts(data.draw, gen)
                note(f"change: {kind}")
                event(f"change: {kind}")
                change(gen.world, engine)
        for q in asked:
            check(engine, q)
        asked = [question(data.draw, gen) for _ in range(QUESTIONS_PER_ROUND)]
        for q in asked:
            note(f"asked: {q}")
            check(engine, q)


# -- the properties -------------------------------------------------------------------------------


def check_against_reference(engine: Engine, gen: Generated, q: Question) -> reference.Verdict:
    expected = reference.evaluate(gen.world, q.caller, q.action, q.scope, data=q.data)
    decision = engine.decide(q.caller, q.action, q.scope, data=q.data)
    why = (q, expected, decision.explain())
    assert decision.allowed == expected.allowed, why
    if decision.allowed:
        assert {a.name for a in decision.granted_by} == expected.granted_by, why
        assert decision.missing is None
    else:
        assert decision.missing is not None
        assert decision.missing.kind.value == expected.reason, why
        if decision.missing.deny_assignment is not None:
            assert decision.missing.deny_assignment.name in expected.blocked_by
        assert {a.name for a in decision.missing.held} == (
            expected.held if expected.reason == reference.ROLE_LACKS_ACTION else frozenset()
        )
    return expected


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gen=worlds(), data=st.data())
def test_the_engine_decides_exactly_as_the_reference(gen: Generated, data: st.DataObject) -> None:
    event(f"{len(gen.tenants)} tenants, {len(gen.partners)} partners")
    if gen.cyclic:
        event("cyclic groups")

    def check(engine: Engine, q: Question) -> None:
        verdict = check_against_reference(engine, gen, q)
        event(f"{'data ' if q.data else ''}{verdict.reason}")

    ask_rounds(gen, data, check)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gen=worlds(), data=st.data())
def test_decide_principals_with_and_scopes_of_agree(gen: Generated, data: st.DataObject) -> None:
    def check(engine: Engine, q: Question) -> None:
        decision = engine.decide(q.caller, q.action, q.scope, data=q.data)
        assert (q.scope in engine.scopes_of(q.caller, q.action, data=q.data)) == decision.allowed
        target = parse_scope(q.scope)
        owner = reference.owner_of(gen.world, target, q.caller.tenant_id)
        who = engine.principals_with(q.action, q.scope, data=q.data, tenant_id=q.caller.tenant_id)
        if owner is None:
            assert who == frozenset()
            return
        if q.caller.tenant_id == owner:
            assert (q.caller.object_id in who) == decision.allowed
        else:
            assert not decision.allowed
        everyone_allowed = {
            oid
            for oid in gen.callers
            if engine.is_allowed(Caller(oid, owner, gen.home(oid)), q.action, q.scope, data=q.data)
        }
        assert who == everyone_allowed
        event("someone may" if who else "nobody may")

    ask_rounds(gen, data, check)


def test_the_generated_worlds_mix_allowed_and_denied_decisions() -> None:
    """A differential test where everything is denied proves nothing: measure the mix."""
    seen: Counter[str] = Counter()

    @settings(
        max_examples=120,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(gen=worlds(), data=st.data())
    def sample(gen: Generated, data: st.DataObject) -> None:
        seen["worlds"] += 1
        seen["cyclic worlds"] += gen.cyclic

        def check(engine: Engine, q: Question) -> None:
            verdict = reference.evaluate(gen.world, q.caller, q.action, q.scope, data=q.data)
            seen[verdict.reason] += 1
            seen["questions"] += 1
            if not verdict.allowed:
                return
            foreign = q.caller.tenant_id != q.caller.home_tenant_id
            if foreign:
                how = reference.delegation(gen.world, q.caller.home_tenant_id, q.caller.tenant_id)
                seen[f"allowed through {how}"] += 1
            seen["allowed data actions"] += q.data
            granted = [a for a in gen.world.assignments if a.name in verdict.granted_by]
            seen["allowed from the root"] += any(a.scope == "/" for a in granted)
            seen["allowed from a management group"] += any(
                "managementgroups" in a.scope.lower() for a in granted
            )
            seen["allowed by a custom role"] += any(
                a.role_definition_id in gen.custom_roles for a in granted
            )

        ask_rounds(gen, data, check)

    sample()
    allowed_share = seen[reference.ALLOWED] / seen["questions"]
    assert 0.2 <= allowed_share <= 0.8, seen
    for reason in (
        reference.UNKNOWN_SCOPE,
        reference.WRONG_TENANT,
        reference.NO_DELEGATED_ACCESS,
        reference.DENY_ASSIGNMENT,
        reference.ROLE_LACKS_ACTION,
        reference.NO_ROLE_ASSIGNMENT,
    ):
        assert seen[reason] >= 0.01 * seen["questions"], (reason, seen)
    for way in (
        "allowed through dap",
        "allowed through gdap",
        "allowed data actions",
        "allowed from the root",
        "allowed from a management group",
        "allowed by a custom role",
    ):
        assert seen[way] >= 20, (way, seen)
    assert seen["cyclic worlds"] >= 10, seen
