"""Planning a world file's Azure estates: subscriptions, resource groups, resources and
the management groups subscriptions sit under."""

from __future__ import annotations

from dataclasses import dataclass, field

from cspadmin.domain.directory import Tenant
from cspadmin.domain.estate import ManagementGroup, Resource, ResourceGroup, Subscription
from cspadmin.domain.scope import Scope, parse_scope
from cspadmin.errors import InvalidScope
from cspadmin.services.world.plan import Directory, Planner, generated_id
from cspadmin.services.world.schema import (
    KeyPath,
    ManagementGroupKeys,
    ResourceGroupKeys,
    SubscriptionKeys,
    TenantKeys,
    format_path,
)

_MANAGEMENT_GROUP_PREFIX = "/providers/Microsoft.Management/managementGroups/"


@dataclass
class Estate:
    """One subscription's declared contents, for checking the scopes that refer to them."""

    subscription: Subscription
    path: KeyPath
    groups: set[str] = field(default_factory=set)  # lower-case resource group names
    resources: set[str] = field(default_factory=set)  # scope keys
    assigned: dict[tuple[str, str, str], KeyPath] = field(default_factory=dict)


def plan_management_groups(planner: Planner, groups: tuple[ManagementGroupKeys, ...]) -> None:
    declared: dict[str, tuple[ManagementGroup, KeyPath]] = {}
    for i, keys in enumerate(groups):
        path: KeyPath = ("management_groups", i)
        tenant = planner.tenant(keys.tenant, (*path, "tenant"))
        try:
            name = parse_scope(_MANAGEMENT_GROUP_PREFIX + keys.name).management_group
        except InvalidScope as exc:
            raise planner.error((*path, "name"), exc.reason) from None
        assert name is not None
        if name.lower() in declared:
            other = format_path(declared[name.lower()][1])
            raise planner.error((*path, "name"), f"this management group is already at {other}")
        declared[name.lower()] = (ManagementGroup(name, tenant.tenant.id, keys.parent), path)
    for group, path in declared.values():
        if group.parent is not None:
            parent = _management_group(planner, declared, group.parent, (*path, "parent"))
            if parent.tenant_id != group.tenant_id:
                raise planner.error((*path, "parent"), "the parent belongs to another tenant")
        planner.management_groups[group.name.lower()] = group
        planner.plan.management_groups.append(group)


def _management_group(
    planner: Planner,
    declared: dict[str, tuple[ManagementGroup, KeyPath]],
    name: str,
    path: KeyPath,
) -> ManagementGroup:
    found = declared.get(name.lower())
    if found is None:
        raise planner.error(path, f"no management group named '{name}' is declared")
    return found[0]


def plan_subscriptions(
    planner: Planner, tenants: list[tuple[int, TenantKeys]]
) -> list[tuple[Directory, SubscriptionKeys, Estate]]:
    """Every subscription's id and owner, before anything that refers to subscriptions."""
    estates: list[tuple[Directory, SubscriptionKeys, Estate]] = []
    for _, tenant in tenants:
        directory = planner.by_domain[tenant.domain.lower()]
        for j, subscription in enumerate(tenant.subscriptions):
            path = (*directory.path, "subscriptions", j)
            estate = Estate(_subscription(planner, directory, subscription, path), path)
            estates.append((directory, subscription, estate))
    return estates


def _subscription(
    planner: Planner, directory: Directory, keys: SubscriptionKeys, path: KeyPath
) -> Subscription:
    tenant = directory.tenant
    subscription_id = planner.assign(
        (*path, "id"),
        "subscription",
        f"{tenant.default_domain}/{keys.name}",
        keys.id,
        None,
        generated_id(f"subscription:{tenant.id}:{keys.name.lower()}"),
    )
    if subscription_id in planner.subscriptions:
        other = format_path(planner.subscriptions[subscription_id])
        raise planner.error((*path, "id"), f"this subscription id is already used by {other}")
    planner.subscriptions[subscription_id] = path
    owner = planner.known.subscription_tenant(subscription_id)
    if owner is not None and owner != tenant.id:
        raise planner.error((*path, "id"), f"the store holds this subscription in tenant {owner}")
    partner = _csp_partner(planner, directory, keys, path)
    group = _management_group_of(planner, directory, keys, path)
    subscription = Subscription(
        subscription_id,
        tenant.id,
        keys.name,
        keys.state,
        keys.offer,
        partner.id if partner else None,
        group.name if group else None,
    )
    directory.subscriptions.append(subscription_id)
    planner.plan.subscriptions.append(subscription)
    return subscription


def _csp_partner(
    planner: Planner, directory: Directory, keys: SubscriptionKeys, path: KeyPath
) -> Tenant | None:
    if keys.csp_partner is None:
        if keys.admin_privileges_lost:
            message = "only a subscription with a csp_partner has admin privileges to lose"
            raise planner.error((*path, "admin_privileges_lost"), message)
        return None
    partner = planner.partner(keys.csp_partner, (*path, "csp_partner")).tenant
    if partner.id == directory.tenant.id:
        raise planner.error((*path, "csp_partner"), "a tenant cannot be its own CSP partner")
    return partner


def _management_group_of(
    planner: Planner, directory: Directory, keys: SubscriptionKeys, path: KeyPath
) -> ManagementGroup | None:
    if keys.management_group is None:
        return None
    group = planner.management_groups.get(keys.management_group.lower())
    if group is None or group.tenant_id != directory.tenant.id:
        domain, name = directory.tenant.default_domain, keys.management_group
        message = f"tenant {domain} declares no management group '{name}'"
        raise planner.error((*path, "management_group"), message)
    return group


def plan_resource_groups(planner: Planner, estate: Estate, keys: SubscriptionKeys) -> None:
    for k, group in enumerate(keys.resource_groups):
        _resource_group(planner, estate, group, (*estate.path, "resource_groups", k))


def _resource_group(
    planner: Planner, estate: Estate, keys: ResourceGroupKeys, path: KeyPath
) -> None:
    subscription_id = estate.subscription.id
    try:
        scope = parse_scope(f"/subscriptions/{subscription_id}/resourceGroups/{keys.name}")
    except InvalidScope as exc:
        raise planner.error((*path, "name"), exc.reason) from None
    if keys.name.lower() in estate.groups:
        raise planner.error((*path, "name"), "the subscription already has a group of this name")
    estate.groups.add(keys.name.lower())
    group = ResourceGroup(subscription_id, keys.name, keys.location, dict(keys.tags))
    planner.plan.resource_groups.append(group)
    for m, resource in enumerate(keys.resources):
        resource_path = (*path, "resources", m)
        resource_id = _resource_id(planner, scope, resource.type, resource.name, resource_path)
        if resource_id.key in estate.resources:
            raise planner.error(resource_path, "this resource is declared twice")
        estate.resources.add(resource_id.key)
        planner.plan.resources.append(
            Resource(
                resource_id.id,
                resource.type,
                resource.location or keys.location,
                dict(resource.properties),
                dict(resource.tags),
            )
        )


def _resource_id(planner: Planner, group: Scope, rtype: str, name: str, path: KeyPath) -> Scope:
    """ARM's convention: `A.B/x/y` named `n/m` is `.../providers/A.B/x/n/y/m`."""
    namespace, *types = rtype.split("/")
    names = name.split("/")
    if not types:
        message = f"'{rtype}' is not a resource type such as Microsoft.Storage/storageAccounts"
        raise planner.error((*path, "type"), message)
    if len(names) != len(types):
        message = f"a {rtype} needs {len(types)} name(s) joined by '/', one per type segment"
        raise planner.error((*path, "name"), message)
    segments = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
    try:
        return parse_scope(f"{group.id}/providers/{namespace}/{segments}")
    except InvalidScope as exc:
        raise planner.error(path, exc.reason) from None
