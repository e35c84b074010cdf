"""Directory objects of any kind, and reading them by id (Graph's getByIds)."""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence, Set
from dataclasses import dataclass

from sqlalchemy import Connection

from cspadmin.authz.decision import Caller
from cspadmin.domain.directory import ServicePrincipal
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.directory.rules import reader_roles
from cspadmin.store import directory_profiles as store
from cspadmin.store.directory_profiles import GroupProfile, UserProfile


@dataclass(frozen=True, slots=True)
class PartnerReference:
    """A partner's group as a customer tenant sees it (Graph's
    directoryObjectPartnerReference)."""

    id: str
    display_name: str
    description: str
    partner_tenant_id: str
    object_type: str = "Group"


DirectoryObject = UserProfile | GroupProfile | ServicePrincipal | PartnerReference


class ObjectKind(enum.Enum):
    USER = "user"
    GROUP = "group"
    SERVICE_PRINCIPAL = "servicePrincipal"
    PARTNER_REFERENCE = "directoryObjectPartnerReference"


def _name_of(item: DirectoryObject) -> str:
    return item.user.display_name if isinstance(item, UserProfile) else item.display_name


def local_objects(
    connection: Connection, tenant_id: str, ids: Collection[str]
) -> dict[str, DirectoryObject]:
    found: dict[str, DirectoryObject] = {}
    found.update(store.user_profiles(connection, ids))
    found.update(store.group_profiles(connection, ids))
    found.update(store.service_principals(connection, ids))
    return {k: v for k, v in found.items() if _tenant_of(v) == tenant_id}


def _tenant_of(item: DirectoryObject) -> str:
    if isinstance(item, UserProfile):
        return item.user.tenant_id
    if isinstance(item, PartnerReference):
        return item.partner_tenant_id
    return item.tenant_id


def sorted_by_name(items: Iterable[DirectoryObject]) -> list[DirectoryObject]:
    return sorted(items, key=lambda o: (_name_of(o).lower(), _id_of(o)))


def _id_of(item: DirectoryObject) -> str:
    return item.user.id if isinstance(item, UserProfile) else item.id


def get_by_ids(
    plane: ControlPlane, caller: Caller, ids: Sequence[str], kinds: Set[ObjectKind]
) -> list[DirectoryObject]:
    """The objects among `ids` of the given kinds, in the order asked: the tenant's own,
    and partner groups whose partner has a relationship with the tenant."""
    wanted = set(ids)
    with plane.database.connect() as c:
        reader_roles(plane, c, caller)
        found = local_objects(c, caller.tenant_id, wanted)
        if ObjectKind.PARTNER_REFERENCE in kinds:
            found.update(_partner_references(plane, c, caller.tenant_id, wanted - set(found)))
    objects = (found[i] for i in dict.fromkeys(ids) if i in found)
    return [o for o in objects if _kind_of(o) in kinds]


def _kind_of(item: DirectoryObject) -> ObjectKind:
    if isinstance(item, UserProfile):
        return ObjectKind.USER
    if isinstance(item, GroupProfile):
        return ObjectKind.GROUP
    if isinstance(item, ServicePrincipal):
        return ObjectKind.SERVICE_PRINCIPAL
    return ObjectKind.PARTNER_REFERENCE


def _partner_references(
    plane: ControlPlane, connection: Connection, customer_id: str, ids: Collection[str]
) -> dict[str, PartnerReference]:
    found: dict[str, PartnerReference] = {}
    for group in store.group_profiles(connection, ids).values():
        partner = group.tenant_id
        if customer_id in plane.engine.delegations.customers_of(partner):
            found[group.id] = reference(group)
    return found


def reference(group: GroupProfile) -> PartnerReference:
    return PartnerReference(group.id, group.display_name, group.description, group.tenant_id)
