"""Planning a world file's directories and the partner relationships between them."""

from __future__ import annotations

from cspadmin.domain.directory import (
    PARTNER_GROUP_NAMES,
    Group,
    PartnerProfile,
    PrincipalType,
    ServicePrincipal,
    Tenant,
    User,
)
from cspadmin.domain.gdap_lifecycle import DurationOutOfBounds, duration_span
from cspadmin.domain.relationships import (
    AccessAssignment,
    GdapRelationship,
    GdapStatus,
    ResellerRelationship,
)
from cspadmin.services.world.plan import (
    Directory,
    PlannedServicePrincipal,
    PlannedUser,
    Planner,
    directory_role_id,
    generated_id,
)
from cspadmin.services.world.schema import (
    AccessKeys,
    GdapKeys,
    GroupKeys,
    KeyPath,
    RelationshipKeys,
    TenantKeys,
    format_path,
)

_AGENT_GROUP_DESCRIPTIONS = {
    "AdminAgents": "Partner agents who administer customer tenants.",
    "HelpdeskAgents": "Partner agents who handle customers' helpdesk tasks.",
    "SalesAgents": "Partner agents who manage customers, orders and subscriptions.",
}


def plan_tenant(planner: Planner, i: int, keys: TenantKeys) -> None:
    """Ids for the tenant and every object in it; memberships come once all exist."""
    path: KeyPath = ("tenants", i)
    domain = keys.domain.lower()
    if domain in planner.by_domain:
        other = planner.by_domain[domain].path
        raise planner.error((*path, "domain"), f"the domain is already used by {_at(other)}")
    tenant_id = planner.assign(
        (*path, "id"),
        "tenant",
        keys.domain,
        keys.id,
        planner.known.tenant(domain),
        generated_id(f"tenant:{domain}"),
    )
    if tenant_id in planner.by_tenant_id:
        raise planner.error((*path, "id"), f"the tenant id {tenant_id} is used twice")
    directory = Directory(Tenant(tenant_id, keys.name, keys.domain, (keys.domain,)), path)
    partner = _groups(planner, directory, keys)
    directory.tenant = Tenant(tenant_id, keys.name, keys.domain, (keys.domain,), partner)
    planner.by_domain[domain] = directory
    planner.by_tenant_id[tenant_id] = directory
    planner.plan.tenants.append(directory.tenant)
    _users(planner, directory, keys)
    _service_principals(planner, directory, keys)


def _groups(planner: Planner, directory: Directory, keys: TenantKeys) -> PartnerProfile | None:
    """Give every group an id: the agent groups of a partner first, then the file's."""
    described: dict[str, tuple[int, GroupKeys]] = {}
    for j, group in enumerate(keys.groups):
        name = group.name.lower()
        if name in described:
            other = (*directory.path, "groups", described[name][0])
            path = (*directory.path, "groups", j, "name")
            raise planner.error(path, f"a group with this name is already at {_at(other)}")
        described[name] = (j, group)
    agents = {n.lower() for n in PARTNER_GROUP_NAMES} if keys.partner else set()
    for name in PARTNER_GROUP_NAMES if keys.partner else ():
        entry = described.get(name.lower())
        if entry is None:
            _group(planner, directory, (*directory.path, "partner"), name, None)
        else:
            _group(planner, directory, (*directory.path, "groups", entry[0], "id"), name, entry[1])
    for name, (j, group) in described.items():
        if name not in agents:
            _group(planner, directory, (*directory.path, "groups", j, "id"), group.name, group)
    if keys.partner is None:
        return None
    ids = [directory.groups[n.lower()] for n in PARTNER_GROUP_NAMES]
    return PartnerProfile(keys.partner.partner_id, ids[0], ids[1], ids[2])


def _group(
    planner: Planner, directory: Directory, path: KeyPath, name: str, keys: GroupKeys | None
) -> None:
    tenant_id = directory.tenant.id
    group_id = planner.assign(
        path,
        "group",
        f"{directory.tenant.default_domain}/{name}",
        keys.id if keys else None,
        planner.known.group(tenant_id, name),
        generated_id(f"group:{tenant_id}:{name.lower()}"),
    )
    planner.claim(group_id, directory, PrincipalType.GROUP, path)
    directory.groups[name.lower()] = group_id
    directory.members[group_id] = set()
    description = (keys.description if keys else "") or _AGENT_GROUP_DESCRIPTIONS.get(name, "")
    planner.group_names[group_id] = (name, description)


def _users(planner: Planner, directory: Directory, keys: TenantKeys) -> None:
    tenant = directory.tenant
    for j, user in enumerate(keys.users):
        path = (*directory.path, "users", j)
        upn = user.upn.lower()
        local, _, suffix = upn.partition("@")
        if not local or suffix != tenant.default_domain.lower():
            message = f"a UPN is name@{tenant.default_domain}, in the tenant's own domain"
            raise planner.error((*path, "upn"), message)
        if upn in planner.upns:
            message = f"this UPN is already used by {_at(planner.upns[upn])}"
            raise planner.error((*path, "upn"), message)
        planner.upns[upn] = path
        known = planner.known.user(upn)
        if known is not None and known[1] != tenant.id:
            message = f"the store already holds this UPN in another tenant ({known[1]})"
            raise planner.error((*path, "upn"), message)
        user_id = planner.assign(
            (*path, "id"),
            "user",
            user.upn,
            user.id,
            known[0] if known else None,
            generated_id(f"user:{upn}"),
        )
        planner.claim(user_id, directory, PrincipalType.USER, path)
        directory.users[upn] = user_id
        display_name = user.display_name or user.upn.partition("@")[0]
        record = User(
            user_id,
            tenant.id,
            user.upn,
            display_name,
            account_enabled=user.account_enabled,
            usage_location=user.usage_location.upper() if user.usage_location else None,
        )
        planner.plan.users.append(PlannedUser(record, user.password))


def _service_principals(planner: Planner, directory: Directory, keys: TenantKeys) -> None:
    tenant_id = directory.tenant.id
    for j, sp in enumerate(keys.service_principals):
        path = (*directory.path, "service_principals", j)
        if sp.app_id in directory.apps:
            raise planner.error((*path, "app_id"), "this app id is already used in the tenant")
        sp_id = planner.assign(
            (*path, "id"),
            "service principal",
            sp.app_id,
            sp.id,
            planner.known.service_principal(tenant_id, sp.app_id),
            generated_id(f"sp:{tenant_id}:{sp.app_id}"),
        )
        planner.claim(sp_id, directory, PrincipalType.SERVICE_PRINCIPAL, path)
        directory.apps[sp.app_id] = sp_id
        display_name = sp.display_name or sp.app_id
        record = ServicePrincipal(sp_id, tenant_id, sp.app_id, display_name)
        planner.plan.service_principals.append(PlannedServicePrincipal(record, sp.secret))


def plan_memberships(planner: Planner, directory: Directory, keys: TenantKeys) -> None:
    """Group memberships and directory roles, now that every object has an id."""
    path = directory.path
    for j, user in enumerate(keys.users):
        user_id = directory.users[user.upn.lower()]
        _join(planner, directory, user_id, user.groups, (*path, "users", j, "groups"))
        roles_path = (*path, "users", j, "directory_roles")
        planner.directory_roles(directory, user.directory_roles, user_id, roles_path)
    for j, sp in enumerate(keys.service_principals):
        sp_id = directory.apps[sp.app_id]
        _join(planner, directory, sp_id, sp.groups, (*path, "service_principals", j, "groups"))
        roles_path = (*path, "service_principals", j, "directory_roles")
        planner.directory_roles(directory, sp.directory_roles, sp_id, roles_path)
    for j, group in enumerate(keys.groups):
        group_id = directory.groups[group.name.lower()]
        _join(planner, directory, group_id, group.groups, (*path, "groups", j, "groups"))
        for k, member in enumerate(group.members):
            member_path = (*path, "groups", j, "members", k)
            found = directory.local(member)
            if found is None:
                raise planner.error(member_path, _not_in_tenant(directory, member))
            if found[0] == group_id:
                raise planner.error(member_path, "a group cannot be a member of itself")
            directory.members[group_id].add(found[0])
        roles_path = (*path, "groups", j, "directory_roles")
        planner.directory_roles(directory, group.directory_roles, group_id, roles_path)
    for group_id, members in directory.members.items():
        name, description = planner.group_names[group_id]
        record = Group(group_id, directory.tenant.id, name, description, frozenset(members))
        planner.plan.groups.append(record)


def _join(
    planner: Planner, directory: Directory, member_id: str, groups: tuple[str, ...], path: KeyPath
) -> None:
    for k, name in enumerate(groups):
        group_id = directory.group(name)
        if group_id is None:
            domain = directory.tenant.default_domain
            raise planner.error((*path, k), f"tenant {domain} has no group named '{name}'")
        if group_id == member_id:
            raise planner.error((*path, k), "a group cannot be a member of itself")
        directory.members[group_id].add(member_id)


def plan_relationship(planner: Planner, i: int, keys: RelationshipKeys) -> None:
    """A reseller relationship (`dap`), a GDAP relationship (`gdap`), or both."""
    path: KeyPath = ("relationships", i)
    partner = planner.partner(keys.partner, (*path, "partner"))
    customer = planner.tenant(keys.customer, (*path, "customer"))
    if customer is partner:
        raise planner.error((*path, "customer"), "a partner cannot be its own customer")
    if keys.dap is None and keys.gdap is None:
        raise planner.error(path, "a relationship needs 'dap' (reseller) or 'gdap', or both")
    if keys.dap is not None:
        pair = (partner.tenant.id, customer.tenant.id)
        if pair in planner.resellers:
            other = _at(planner.resellers[pair])
            message = f"these tenants already have a reseller relationship at {other}"
            raise planner.error((*path, "dap"), message)
        planner.resellers[pair] = path
        planner.plan.reseller_relationships.append(ResellerRelationship(*pair, dap=keys.dap))
    if keys.gdap is not None:
        _gdap(planner, partner, customer, keys.gdap, (*path, "gdap"))


def _gdap(
    planner: Planner, partner: Directory, customer: Directory, keys: GdapKeys, path: KeyPath
) -> None:
    _check_duration(planner, keys.duration, (*path, "duration"))
    roles: dict[str, None] = {}  # template ids, in the file's order
    for k, name in enumerate(keys.roles):
        roles[directory_role_id(planner, name, (*path, "roles", k))] = None
    access: dict[str, AccessAssignment] = {}
    for k, entry in enumerate(keys.access):
        assignment = _access(planner, partner, entry, tuple(roles), (*path, "access", k))
        if assignment.group_id in access:
            raise planner.error((*path, "access", k, "group"), "this group is mapped twice")
        access[assignment.group_id] = assignment
    planner.plan.gdap_relationships.append(
        GdapRelationship(
            id=_gdap_id(planner, partner, customer, keys, path),
            partner_tenant_id=partner.tenant.id,
            customer_tenant_id=customer.tenant.id,
            display_name=keys.name,
            duration=keys.duration,
            role_template_ids=tuple(roles),
            status=GdapStatus.ACTIVE,
            access_assignments=tuple(access.values()),
        )
    )


def _access(
    planner: Planner, partner: Directory, keys: AccessKeys, roles: tuple[str, ...], path: KeyPath
) -> AccessAssignment:
    """A partner group mapped to a subset of the relationship's roles."""
    group_id = partner.group(keys.group)
    if group_id is None:
        message = f"partner tenant {partner.tenant.default_domain} has no group '{keys.group}'"
        raise planner.error((*path, "group"), message)
    granted: dict[str, None] = {}
    for m, name in enumerate(keys.roles):
        template_id = directory_role_id(planner, name, (*path, "roles", m))
        if template_id not in roles:
            message = f"'{name}' is not one of this relationship's roles"
            raise planner.error((*path, "roles", m), message)
        granted[template_id] = None
    return AccessAssignment(group_id, tuple(granted))


def _gdap_id(
    planner: Planner, partner: Directory, customer: Directory, keys: GdapKeys, path: KeyPath
) -> str:
    """Graph's GDAP ids are two GUIDs joined by '-'; the second is the customer's tenant."""
    name_key = (partner.tenant.id, keys.name.lower())
    if name_key in planner.gdap_names:
        other = _at(planner.gdap_names[name_key])
        message = f"the partner already has a GDAP relationship of this name at {other}"
        raise planner.error((*path, "name"), message)
    planner.gdap_names[name_key] = path
    new = f"{generated_id(f'gdap:{partner.tenant.id}:{keys.name.lower()}')}-{customer.tenant.id}"
    relationship_id = planner.assign(
        (*path, "id"),
        "GDAP relationship",
        keys.name,
        keys.id,
        planner.known.gdap(partner.tenant.id, keys.name),
        new,
    )
    if any(g.id == relationship_id for g in planner.plan.gdap_relationships):
        raise planner.error((*path, "id"), f"the GDAP id {relationship_id} is used twice")
    return relationship_id


def _check_duration(planner: Planner, text: str, path: KeyPath) -> None:
    try:
        duration_span(text)
    except DurationOutOfBounds:
        raise planner.error(path, "a GDAP relationship lasts from P1D to P2Y (730 days)") from None
    except ValueError:
        raise planner.error(path, f"'{text}' is not an ISO-8601 duration such as P730D") from None


def _not_in_tenant(directory: Directory, reference: str) -> str:
    domain = directory.tenant.default_domain
    return f"'{reference}' names no user, group, service principal or object id in {domain}"


def _at(path: KeyPath) -> str:
    return format_path(path)
