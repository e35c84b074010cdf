"""Reading a tenant's groups and their members."""

from __future__ import annotations

from sqlalchemy import Connection

from cspadmin.authz.decision import Caller
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.directory.errors import DirectoryObjectNotFound
from cspadmin.services.directory.objects import DirectoryObject, local_objects, sorted_by_name
from cspadmin.services.directory.paging import Page, Window, paged, sliced
from cspadmin.services.directory.rules import reader_roles
from cspadmin.store import directory_profiles as store
from cspadmin.store.directory import member_ids
from cspadmin.store.directory_profiles import GroupProfile, Match


def list_groups(
    plane: ControlPlane, caller: Caller, match: Match | None, window: Window
) -> Page[GroupProfile]:
    with plane.database.connect() as c:
        reader_roles(plane, c, caller)
        tenant = caller.tenant_id
        return paged(
            lambda offset, limit: store.find_group_profiles(c, tenant, match, offset, limit),
            lambda: store.count_groups(c, tenant, match),
            window,
        )


def get_group(plane: ControlPlane, caller: Caller, group_id: str) -> GroupProfile:
    with plane.database.connect() as c:
        reader_roles(plane, c, caller)
        return _group_in_tenant(c, caller.tenant_id, group_id)


def _group_in_tenant(connection: Connection, tenant_id: str, group_id: str) -> GroupProfile:
    group = store.get_group_profile(connection, group_id)
    if group is None or group.tenant_id != tenant_id:
        raise DirectoryObjectNotFound(group_id)
    return group


def group_members(
    plane: ControlPlane, caller: Caller, group_id: str, *, transitive: bool, window: Window
) -> Page[DirectoryObject]:
    """The group's members (or, `transitive`, everything inside it), by display name."""
    with plane.database.connect() as c:
        reader_roles(plane, c, caller)
        group = _group_in_tenant(c, caller.tenant_id, group_id)
        ids = plane.engine.members_of(group.id) if transitive else member_ids(c, group.id)
        members = local_objects(c, caller.tenant_id, ids)
    return sliced(sorted_by_name(members.values()), window)
