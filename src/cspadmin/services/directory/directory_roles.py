"""A tenant's activated directory roles and their holders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection

from cspadmin.authz.decision import Caller
from cspadmin.domain.directory_roles import BY_TEMPLATE_ID, DirectoryRole, RoleTemplate
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.directory.errors import DirectoryObjectNotFound
from cspadmin.services.directory.objects import (
    DirectoryObject,
    local_objects,
    reference,
    sorted_by_name,
)
from cspadmin.services.directory.paging import Page, Window, sliced
from cspadmin.services.directory.rules import reader_roles
from cspadmin.store import directory as store
from cspadmin.store.directory_profiles import group_profiles
from cspadmin.store.relationships import list_reseller_relationships

_ROLE_IDS = uuid.UUID("b8c5f0a2-3c1d-4e7f-9a6b-2d4e6f8a0c1e")


@dataclass(frozen=True, slots=True)
class ActivatedRole:
    """A directory role that has at least one holder in a tenant."""

    id: str
    tenant_id: str
    role: DirectoryRole
    holders: frozenset[str]


def directory_role_id(tenant_id: str, template_id: str) -> str:
    """The role's object id in the tenant: stable, as activation makes it in Entra."""
    return str(uuid.uuid5(_ROLE_IDS, f"{tenant_id}:{template_id}"))


def list_directory_roles(plane: ControlPlane, caller: Caller) -> list[ActivatedRole]:
    with plane.database.connect() as c:
        reader_roles(plane, c, caller)
        roles = _activated(plane, c, caller.tenant_id)
    return sorted(roles, key=lambda r: r.role.display_name)


def get_directory_role(
    plane: ControlPlane,
    caller: Caller,
    *,
    role_id: str | None = None,
    template_id: str | None = None,
) -> ActivatedRole:
    with plane.database.connect() as c:
        reader_roles(plane, c, caller)
        roles = _activated(plane, c, caller.tenant_id)
    key = (role_id or template_id or "").lower()
    for role in roles:
        if key == (role.id if role_id is not None else role.role.template_id):
            return role
    raise DirectoryObjectNotFound(role_id or template_id or "")


def directory_role_members(
    plane: ControlPlane,
    caller: Caller,
    window: Window,
    *,
    role_id: str | None = None,
    template_id: str | None = None,
) -> Page[DirectoryObject]:
    role = get_directory_role(plane, caller, role_id=role_id, template_id=template_id)
    with plane.database.connect() as c:
        members: dict[str, DirectoryObject] = {}
        members.update(local_objects(c, caller.tenant_id, role.holders))
        partner_groups = group_profiles(c, role.holders - set(members))
        members.update({g.id: reference(g) for g in partner_groups.values()})
    return sliced(sorted_by_name(members.values()), window)


def _activated(plane: ControlPlane, connection: Connection, tenant_id: str) -> list[ActivatedRole]:
    """The tenant's roles with holders. Under DAP the partner's AdminAgents and
    HelpdeskAgents hold Global and Helpdesk Administrator there (as partner references)."""
    holders: dict[str, set[str]] = {}
    for grant in store.list_directory_role_assignments(connection, tenant_id):
        holders.setdefault(grant.role_template_id, set()).add(grant.principal_id)
    for r in list_reseller_relationships(connection):
        if r.customer_tenant_id != tenant_id or not r.grants_delegated_access:
            continue
        partner = store.get_tenant(connection, r.partner_tenant_id)
        if partner is not None and partner.partner is not None:
            holders.setdefault(RoleTemplate.GLOBAL_ADMINISTRATOR, set()).add(
                partner.partner.admin_agents_id
            )
            holders.setdefault(RoleTemplate.HELPDESK_ADMINISTRATOR, set()).add(
                partner.partner.helpdesk_agents_id
            )
    return [
        ActivatedRole(directory_role_id(tenant_id, t), tenant_id, BY_TEMPLATE_ID[t], frozenset(h))
        for t, h in holders.items()
        if t in BY_TEMPLATE_ID
    ]
