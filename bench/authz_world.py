"""A deterministic CSP world for the authorization benchmark.

Generated, not checked in: at 10,000 tenants and 1,000,000 role assignments a fixture would
be hundreds of megabytes, while a seeded generator rebuilds the same world in seconds and
keeps every run comparable.

The shape follows DESIGN.md: one partner tenant whose AdminAgents group holds Owner as a
`ForeignGroup` on most of its customers' subscriptions (reseller relationships with DAP, a
few GDAP relationships instead, some without delegated access at all), and per customer:
users, service principals, nested groups, three subscriptions with resource groups and
resources (child types nested two deep), management groups in some tenants, custom roles
with wildcards and NotActions in some, and a handful of deny assignments.

The assignment stream is ordered so that every prefix is a uniform sample of the whole: a
few scenario assignments first (the grants that the deny assignments are there to beat),
then everything else shuffled. The benchmark's sizes are prefixes of that one stream.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cspadmin.domain.assignments import EVERYONE, DenyAssignment, RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.relationships import (
    AccessAssignment,
    GdapRelationship,
    GdapStatus,
    RelationshipState,
    ResellerRelationship,
)
from cspadmin.domain.roles import BUILTIN_BY_NAME, Permission, RoleDefinition, custom_role

SEED = 20_251_127
MG_ROOT = "/providers/Microsoft.Management/managementGroups/"

Progress = Callable[[str], None]

# Roles by how often customers hand them out; the custom roles of a tenant take a share of
# that tenant's assignments on top (see `_CUSTOM_SHARE`).
_ROLE_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("Owner", 10),
    ("Contributor", 18),
    ("Reader", 26),
    ("User Access Administrator", 4),
    ("Role Based Access Control Administrator", 1),
    ("Support Request Contributor", 2),
    ("Virtual Machine Contributor", 7),
    ("Storage Account Contributor", 6),
    ("Storage Blob Data Reader", 5),
    ("Storage Blob Data Contributor", 4),
    ("Network Contributor", 5),
    ("Key Vault Administrator", 3),
    ("Monitoring Reader", 6),
    ("Reservations Administrator", 0.5),
)
_CUSTOM_SHARE = 0.15
# Scope levels of the bulk of the assignments: every level the engine walks.
_LEVEL_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("root", 0.3),
    ("mg", 1.2),
    ("subscription", 22),
    ("resourceGroup", 35),
    ("resource", 29.5),
    ("nested", 12),
)
_PRINCIPAL_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("user", 50),
    ("group", 32),
    ("sp", 15),
    ("partner", 3),
)
_RG_NAMES = ("rg-prod", "rg-dev", "RG-Shared", "rg-data", "Web-Prod", "rg-net", "rg-ops")
GROUP_NAMES = ("IT Admins", "Developers", "Finance", "Ops")
# (namespace/type, name pattern, child suffixes: each one's parent is the suffix before it
# in its own path, so "blobServices/default/containers/data" nests under
# "blobServices/default").
_RESOURCE_TEMPLATES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Microsoft.Storage/storageAccounts",
        "st{hex}",
        (
            "blobServices/default",
            "blobServices/default/containers/data",
            "blobServices/default/containers/logs",
            "fileServices/default",
        ),
    ),
    ("Microsoft.Compute/virtualMachines", "vm-app-{n}", ("extensions/AzureMonitorLinuxAgent",)),
    ("Microsoft.Network/virtualNetworks", "vnet-{n}", ("subnets/default", "subnets/app")),
    ("Microsoft.KeyVault/vaults", "kv-{hex}", ("secrets/db-password",)),
    ("Microsoft.Web/sites", "app-{hex}", ("slots/staging",)),
    ("Microsoft.Sql/servers", "sql-{hex}", ("databases/appdb",)),
    ("Microsoft.Network/networkSecurityGroups", "nsg-{n}", ()),
)
_USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"
_GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"


@dataclass(slots=True)
class CustomerTenant:
    """One customer directory and its estate, as lists to sample from."""

    id: str
    index: int
    users: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    service_principals: list[str] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)
    resource_groups: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)
    management_groups: list[str] = field(default_factory=list)
    """Scope ids, the tenant root group first."""
    custom_roles: list[str] = field(default_factory=list)
    delegated: bool = False
    """Whether the partner holds delegated access (DAP, or an active GDAP relationship)."""


@dataclass(slots=True)
class Partner:
    tenant_id: str
    admin_agents: str
    helpdesk_agents: str
    sales_agents: str
    tier2: str
    """A group nested in AdminAgents: its members act through the nesting."""
    agents: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Resource:
    id: str
    type: str
    subscription_id: str


@dataclass(slots=True)
class World:
    """Everything the store, the check generator and the pycasbin model are built from."""

    partner: Partner
    tenants: list[CustomerTenant]
    tenant_by_id: dict[str, CustomerTenant]
    principal_tenant: dict[str, str]
    principal_kind: dict[str, PrincipalType]
    members: dict[str, list[str]]
    """Group id -> direct members (users, service principals, groups)."""
    children: dict[str, list[str]]
    """Scope id -> child scope ids: management groups, subscriptions, groups, resources."""
    subscription_tenant: dict[str, str]
    subscription_group: dict[str, str]
    """Subscription id -> the name of the management group it sits in."""
    management_groups: list[tuple[str, str, str | None]]
    """(name, tenant id, parent name)."""
    resource_groups: list[tuple[str, str]]
    """(subscription id, name)."""
    resources: list[Resource]
    custom_roles: list[tuple[str, RoleDefinition]]
    denies: list[DenyAssignment]
    resellers: list[ResellerRelationship]
    gdap: list[GdapRelationship]
    assignments: list[RoleAssignment]
    roles: dict[str, RoleDefinition]
    """Every role an assignment may name: built-in and custom, by id."""

    def callers_in(self, group_id: str) -> list[str]:
        """Users and service principals inside a group, through nesting."""
        seen: set[str] = set()
        callers: list[str] = []
        stack = list(self.members.get(group_id, ()))
        while stack:
            member = stack.pop()
            if member in seen:
                continue
            seen.add(member)
            if self.principal_kind.get(member) is PrincipalType.GROUP:
                stack.extend(self.members.get(member, ()))
            else:
                callers.append(member)
        return callers


class _Builder:
    """Draws the world from one seeded generator, in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC)

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"


def build_world(
    assignment_count: int,
    tenant_count: int = 10_000,
    seed: int = SEED,
    progress: Progress = print,
) -> World:
    """Generate the world with `assignment_count` role assignments in store order."""
    b = _Builder(seed)
    rng = b.rng
    principal_tenant: dict[str, str] = {}
    principal_kind: dict[str, PrincipalType] = {}
    members: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}

    def principal(tenant_id: str, kind: PrincipalType) -> str:
        oid = b.guid()
        principal_tenant[oid] = tenant_id
        principal_kind[oid] = kind
        return oid

    # -- the partner -----------------------------------------------------------------
    partner_id = b.guid()
    partner = Partner(
        tenant_id=partner_id,
        admin_agents=principal(partner_id, PrincipalType.GROUP),
        helpdesk_agents=principal(partner_id, PrincipalType.GROUP),
        sales_agents=principal(partner_id, PrincipalType.GROUP),
        tier2=principal(partner_id, PrincipalType.GROUP),
    )
    for group, count in (
        (partner.admin_agents, 40),
        (partner.tier2, 15),
        (partner.helpdesk_agents, 20),
        (partner.sales_agents, 10),
    ):
        agents = [principal(partner_id, PrincipalType.USER) for _ in range(count)]
        partner.agents.extend(agents)
        members[group] = list(agents)
    members[partner.admin_agents].append(partner.tier2)

    # -- customers: directory, estate, relationships -----------------------------------
    tenants: list[CustomerTenant] = []
    subscription_tenant: dict[str, str] = {}
    subscription_group: dict[str, str] = {}
    management_groups: list[tuple[str, str, str | None]] = []
    resource_groups: list[tuple[str, str]] = []
    resources: list[Resource] = []
    resellers: list[ResellerRelationship] = []
    gdap: list[GdapRelationship] = []
    for i in range(tenant_count):
        tenant = CustomerTenant(id=b.guid(), index=i)
        tid = tenant.id
        tenants.append(tenant)
        tenant.users = [principal(tid, PrincipalType.USER) for _ in range(12)]
        tenant.groups = [principal(tid, PrincipalType.GROUP) for _ in GROUP_NAMES]
        tenant.service_principals = [
            principal(tid, PrincipalType.SERVICE_PRINCIPAL) for _ in range(2)
        ]
        for group in tenant.groups:
            members[group] = []
        for user in tenant.users:
            for group in rng.sample(tenant.groups, rng.randint(1, 3)):
                members[group].append(user)
        if rng.random() < 0.10:
            members[rng.choice(tenant.groups)].append(tenant.service_principals[0])
        if rng.random() < 0.30:  # "Ops" sits inside "IT Admins"
            members[tenant.groups[0]].append(tenant.groups[3])
        if i % 10 == 3:  # a tenant root group and a child group holding two subscriptions
            root_name, child_name = tid, f"mg-{i:05d}-prod"
            management_groups += [(root_name, tid, None), (child_name, tid, root_name)]
            tenant.management_groups = [MG_ROOT + root_name, MG_ROOT + child_name]
            children[MG_ROOT + root_name] = [MG_ROOT + child_name]
            children[MG_ROOT + child_name] = []
        for s in range(3):
            sub = b.guid()
            sub_scope = f"/subscriptions/{sub}"
            tenant.subscriptions.append(sub_scope)
            subscription_tenant[sub] = tid
            if tenant.management_groups:
                group_scope = tenant.management_groups[1 if s < 2 else 0]
                subscription_group[sub] = group_scope.rsplit("/", 1)[1]
                children[group_scope].append(sub_scope)
            _build_estate(b, tenant, sub, children, resource_groups, resources)
        draw = rng.random()
        if draw < 0.85:
            resellers.append(ResellerRelationship(partner_id, tid, dap=True))
            tenant.delegated = True
        elif draw < 0.92:
            resellers.append(ResellerRelationship(partner_id, tid, dap=False))
        elif draw < 0.95:
            resellers.append(
                ResellerRelationship(partner_id, tid, dap=True, state=RelationshipState.TERMINATED)
            )
        if not tenant.delegated and rng.random() < 0.5:
            active = rng.random() < 0.8
            gdap.append(
                GdapRelationship(
                    id=f"{b.guid()}-{b.guid()}",
                    partner_tenant_id=partner_id,
                    customer_tenant_id=tid,
                    display_name=f"gdap-{i:05d}",
                    duration="P730D",
                    role_template_ids=(_USER_ADMINISTRATOR, _GLOBAL_ADMINISTRATOR),
                    status=GdapStatus.ACTIVE,
                    activated_at=b.now - timedelta(days=100 if active else 800),
                    access_assignments=(
                        AccessAssignment(partner.admin_agents, (_USER_ADMINISTRATOR,)),
                    ),
                )
            )
            tenant.delegated = active
        if (i + 1) % 2_500 == 0:
            progress(f"  world: {i + 1:,} tenants")

    roles: dict[str, RoleDefinition] = {r.id: r for r in BUILTIN_BY_NAME.values()}
    custom_roles = _build_custom_roles(b, tenants, roles)
    denies, scenario = _build_denies(b, tenants, members, principal_kind)
    world = World(
        partner=partner,
        tenants=tenants,
        tenant_by_id={t.id: t for t in tenants},
        principal_tenant=principal_tenant,
        principal_kind=principal_kind,
        members=members,
        children=children,
        subscription_tenant=subscription_tenant,
        subscription_group=subscription_group,
        management_groups=management_groups,
        resource_groups=resource_groups,
        resources=resources,
        custom_roles=custom_roles,
        denies=denies,
        resellers=resellers,
        gdap=gdap,
        assignments=[],
        roles=roles,
    )
    world.assignments = _build_assignments(b, world, scenario, assignment_count, progress)
    return world


def _build_estate(
    b: _Builder,
    tenant: CustomerTenant,
    sub: str,
    children: dict[str, list[str]],
    resource_groups: list[tuple[str, str]],
    resources: list[Resource],
) -> None:
    """Two resource groups per subscription, two to four resources (with children) in each."""
    rng = b.rng
    sub_scope = f"/subscriptions/{sub}"
    children[sub_scope] = []
    for rg_name in rng.sample(_RG_NAMES, 2):
        rg = f"{sub_scope}/resourceGroups/{rg_name}"
        resource_groups.append((sub, rg_name))
        tenant.resource_groups.append(rg)
        children[sub_scope].append(rg)
        children[rg] = []
        for n in range(rng.randint(2, 4)):
            rtype, pattern, suffixes = rng.choice(_RESOURCE_TEMPLATES)
            name = pattern.format(hex=b.hex(10), n=f"{n + 1:02d}")
            top = f"{rg}/providers/{rtype}/{name}"
            resources.append(Resource(top, rtype, sub))
            tenant.resources.append(top)
            children[rg].append(top)
            children[top] = []
            for suffix in suffixes:
                child = f"{top}/{suffix}"
                parts = suffix.split("/")
                parent = top if len(parts) == 2 else f"{top}/{'/'.join(parts[:-2])}"
                child_type = "/".join([rtype, *parts[0::2]])
                resources.append(Resource(child, child_type, sub))
                tenant.nested.append(child)
                children[parent].append(child)
                children[child] = []


def _build_custom_roles(
    b: _Builder, tenants: list[CustomerTenant], roles: dict[str, RoleDefinition]
) -> list[tuple[str, RoleDefinition]]:
    """Two custom roles in every 50th tenant: wildcards, NotActions, data actions."""
    built: list[tuple[str, RoleDefinition]] = []
    for tenant in tenants[::50]:
        operator = custom_role(
            b.guid(),
            f"VM Operator {tenant.index:05d}",
            (
                Permission(
                    actions=("Microsoft.Compute/*", "*/read"),
                    not_actions=("Microsoft.Compute/*/delete", "Microsoft.Compute/*/write"),
                ),
            ),
            tuple(tenant.subscriptions),
            "Runs virtual machines; cannot create or delete them.",
        )
        storage = custom_role(
            b.guid(),
            f"Storage Operator {tenant.index:05d}",
            (
                Permission(
                    actions=("Microsoft.Storage/storageAccounts/*",),
                    not_actions=(
                        "Microsoft.Storage/storageAccounts/delete",
                        "Microsoft.Storage/storageAccounts/listKeys/action",
                    ),
                    data_actions=("Microsoft.Storage/storageAccounts/blobServices/containers/*",),
                    not_data_actions=(
                        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
                    ),
                ),
            ),
            tuple(tenant.subscriptions),
            "Operates storage accounts without their keys.",
        )
        for role in (operator, storage):
            tenant.custom_roles.append(role.id)
            roles[role.id] = role
            built.append((tenant.id, role))
    return built


def _build_denies(
    b: _Builder,
    tenants: list[CustomerTenant],
    members: dict[str, list[str]],
    principal_kind: dict[str, PrincipalType],
) -> tuple[list[DenyAssignment], list[RoleAssignment]]:
    """Eight deny assignments, and the Owner grants they are there to beat."""
    rng = b.rng
    denies: list[DenyAssignment] = []
    scenario: list[RoleAssignment] = []
    owner = BUILTIN_BY_NAME["owner"].id

    def grant(tenant: CustomerTenant, principal: str) -> None:
        kind = principal_kind[principal]
        scope = tenant.subscriptions[0]
        scenario.append(RoleAssignment(b.guid(), scope, owner, principal, kind, tenant.id))

    picks = [tenants[(7 + 1_237 * k) % len(tenants)] for k in range(8)]
    for k, tenant in enumerate(picks):
        group = tenant.groups[0]
        if k < 4:  # a lock on a subscription for a group: no deletes, no access changes
            scope = tenant.subscriptions[0]
            permissions = (Permission(actions=("*/delete", "Microsoft.Authorization/*/write")),)
            deny = DenyAssignment(
                b.guid(), scope, tenant.id, permissions, (group,), display_name=f"lock-{k}"
            )
            grant(tenant, group)
        elif k < 6:  # a managed application's lock: everyone but its identity, reads pass
            scope = tenant.resource_groups[0]
            permissions = (
                Permission(
                    actions=("Microsoft.Storage/storageAccounts/*", "Microsoft.Compute/*"),
                    not_actions=("*/read",),
                ),
            )
            deny = DenyAssignment(
                b.guid(),
                scope,
                tenant.id,
                permissions,
                (EVERYONE,),
                exclude_principal_ids=(tenant.service_principals[0],),
                display_name=f"managed-app-{k}",
            )
            grant(tenant, group)
            grant(tenant, tenant.service_principals[0])
        elif k == 6:  # on one resource only, not its children
            scope = tenant.resources[0]
            deny = DenyAssignment(
                b.guid(),
                scope,
                tenant.id,
                (Permission(actions=("*",)),),
                (group,),
                applies_to_children=False,
                display_name="resource-only",
            )
            grant(tenant, group)
        else:  # data plane: nobody but one user touches blobs under the subscription
            scope = tenant.subscriptions[1]
            permissions = (
                Permission(
                    data_actions=("Microsoft.Storage/storageAccounts/blobServices/containers/*",)
                ),
            )
            deny = DenyAssignment(
                b.guid(),
                scope,
                tenant.id,
                permissions,
                (EVERYONE,),
                exclude_principal_ids=(tenant.users[0],),
                display_name="blob-lock",
            )
            blob_owner = BUILTIN_BY_NAME["storage blob data contributor"].id
            for principal in (group, tenant.users[0]):
                kind = principal_kind[principal]
                scenario.append(
                    RoleAssignment(b.guid(), scope, blob_owner, principal, kind, tenant.id)
                )
        denies.append(deny)
    rng.shuffle(scenario)
    return denies, scenario


def _cumulative(weights: tuple[tuple[str, float], ...]) -> tuple[list[str], list[float]]:
    names = [name for name, _ in weights]
    total = 0.0
    cumulative = []
    for _, weight in weights:
        total += weight
        cumulative.append(total)
    return names, cumulative


def _build_assignments(
    b: _Builder,
    world: World,
    scenario: list[RoleAssignment],
    count: int,
    progress: Progress,
) -> list[RoleAssignment]:
    """The scenario grants, then the partner's grants and the bulk, shuffled together."""
    rng = b.rng
    owner = BUILTIN_BY_NAME["owner"].id
    support = BUILTIN_BY_NAME["support request contributor"].id
    partner = world.partner
    foreign = PrincipalType.FOREIGN_GROUP
    taken: set[tuple[str, str, str]] = {
        (a.scope.lower(), a.role_definition_id, a.principal_id) for a in scenario
    }
    rest: list[RoleAssignment] = []
    # What the reinstatement is about: AdminAgents Owner on 80% of CSP subscriptions (the
    # rest lost it), HelpdeskAgents Support Request Contributor on a tenth.
    partner_grants = ((partner.admin_agents, owner, 0.8), (partner.helpdesk_agents, support, 0.1))
    for tenant in world.tenants:
        for sub in tenant.subscriptions:
            for group, role, share in partner_grants:
                if rng.random() < share:
                    taken.add((sub.lower(), role, group))
                    rest.append(RoleAssignment(b.guid(), sub, role, group, foreign, tenant.id))
    want = max(0, count - len(scenario) - len(rest))
    level_names, level_cum = _cumulative(_LEVEL_WEIGHTS)
    kind_names, kind_cum = _cumulative(_PRINCIPAL_WEIGHTS)
    role_names, role_cum = _cumulative(_ROLE_WEIGHTS)
    role_ids = [BUILTIN_BY_NAME[name.lower()].id for name in role_names]
    root_roles = [owner, BUILTIN_BY_NAME["user access administrator"].id]
    partner_groups = (partner.admin_agents, partner.helpdesk_agents)
    tenants = world.tenants
    choices = rng.choices
    kinds = world.principal_kind
    made = 0
    while made < want:
        tenant = rng.choice(tenants)
        level = choices(level_names, cum_weights=level_cum)[0]
        if level == "root":
            scope = "/"
        elif level == "mg" and tenant.management_groups:
            scope = rng.choice(tenant.management_groups)
        elif level == "resourceGroup":
            scope = rng.choice(tenant.resource_groups)
        elif level == "resource":
            scope = rng.choice(tenant.resources)
        elif level == "nested":
            scope = rng.choice(tenant.nested)
        else:
            scope = rng.choice(tenant.subscriptions)
        kind = choices(kind_names, cum_weights=kind_cum)[0]
        if level == "root":
            kind = "user"
        if kind == "user":
            principal = rng.choice(tenant.users)
        elif kind == "group":
            principal = rng.choice(tenant.groups)
        elif kind == "sp":
            principal = rng.choice(tenant.service_principals)
        else:
            principal = rng.choice(partner_groups)
        if level == "root":
            role = rng.choice(root_roles)
        elif tenant.custom_roles and rng.random() < _CUSTOM_SHARE and scope != "/":
            role = rng.choice(tenant.custom_roles)
        else:
            role = choices(role_ids, cum_weights=role_cum)[0]
        key = (scope.lower(), role, principal)
        if key in taken:
            continue
        taken.add(key)
        ptype = foreign if kind == "partner" else kinds[principal]
        rest.append(RoleAssignment(b.guid(), scope, role, principal, ptype, tenant.id))
        made += 1
        if made % 250_000 == 0:
            progress(f"  world: {made:,} of {want:,} generated assignments")
    rng.shuffle(rest)
    return (scenario + rest)[:count]
