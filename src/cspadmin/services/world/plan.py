"""What a world file resolves to, and the shared state of resolving it.

Ids the file gives are kept. An id the file leaves out is the one the store already holds
for the same natural key (`KnownIds`: a tenant's domain, a UPN, a group's name in its
tenant, ...), else uuid5 of the natural key in a fixed namespace, so the same file always
yields the same ids and loading it twice changes nothing. Every id the file left out is
listed in `WorldPlan.generated`, to be printed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.directory import (
    DirectoryRoleAssignment,
    Group,
    PrincipalType,
    ServicePrincipal,
    Tenant,
    User,
)
from cspadmin.domain.directory_roles import find_directory_role
from cspadmin.domain.estate import ManagementGroup, Resource, ResourceGroup, Subscription
from cspadmin.domain.relationships import GdapRelationship, ResellerRelationship
from cspadmin.domain.roles import RoleDefinition
from cspadmin.errors import WorldFileError
from cspadmin.services.world.schema import KeyPath, Locator, format_path

NAMESPACE = uuid.UUID("2b78b1b6-fed4-43b7-b875-8b3e39eb1dd0")
"""The uuid5 namespace of generated ids. Changing it changes every generated id."""


def generated_id(natural_key: str) -> str:
    """The id a world file object gets when neither the file nor the store names one."""
    return str(uuid.uuid5(NAMESPACE, natural_key))


class KnownIds(Protocol):
    """Ids the store already holds, by natural key; None where it holds nothing."""

    def tenant(self, domain: str) -> str | None: ...

    def user(self, upn: str) -> tuple[str, str] | None:
        """(user id, tenant id)."""

    def group(self, tenant_id: str, name: str) -> str | None: ...

    def service_principal(self, tenant_id: str, app_id: str) -> str | None: ...

    def subscription_tenant(self, subscription_id: str) -> str | None: ...

    def gdap(self, partner_tenant_id: str, name: str) -> str | None: ...


class _NoKnownIds:
    def tenant(self, domain: str) -> str | None:
        return None

    def user(self, upn: str) -> tuple[str, str] | None:
        return None

    def group(self, tenant_id: str, name: str) -> str | None:
        return None

    def service_principal(self, tenant_id: str, app_id: str) -> str | None:
        return None

    def subscription_tenant(self, subscription_id: str) -> str | None:
        return None

    def gdap(self, partner_tenant_id: str, name: str) -> str | None:
        return None


NO_KNOWN_IDS: KnownIds = _NoKnownIds()
"""For validating a file on its own, as if the store were empty."""


@dataclass(frozen=True, slots=True)
class GeneratedId:
    """An id the file left out: where it belongs, what it identifies, and its value."""

    path: str
    kind: str
    key: str
    id: str


@dataclass(frozen=True, slots=True)
class PlannedUser:
    user: User
    password: str | None


@dataclass(frozen=True, slots=True)
class PlannedServicePrincipal:
    service_principal: ServicePrincipal
    secret: str | None


@dataclass(frozen=True, slots=True)
class PlannedRoleAssignment:
    """An assignment and where the file asked for it, for errors the store reveals."""

    assignment: RoleAssignment
    path: str
    line: int | None


@dataclass(frozen=True, slots=True)
class PlannedSku:
    """A SKU a tenant subscribes to, and where the file says so: the entry's path and
    the line of its seats, which are checked against the store's licenses too."""

    tenant_id: str
    sku_id: str
    seats: int
    path: str
    line: int | None


@dataclass(frozen=True, slots=True)
class PlannedLicense:
    user_id: str
    tenant_id: str
    sku_id: str


@dataclass
class WorldPlan:
    """Everything a world file describes, as domain objects with their final ids."""

    tenants: list[Tenant] = field(default_factory=list)
    users: list[PlannedUser] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    service_principals: list[PlannedServicePrincipal] = field(default_factory=list)
    directory_roles: list[DirectoryRoleAssignment] = field(default_factory=list)
    custom_roles: list[tuple[str, RoleDefinition]] = field(default_factory=list)
    management_groups: list[ManagementGroup] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    resource_groups: list[ResourceGroup] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    role_assignments: list[PlannedRoleAssignment] = field(default_factory=list)
    reseller_relationships: list[ResellerRelationship] = field(default_factory=list)
    gdap_relationships: list[GdapRelationship] = field(default_factory=list)
    subscribed_skus: list[PlannedSku] = field(default_factory=list)
    user_licenses: list[PlannedLicense] = field(default_factory=list)
    generated: list[GeneratedId] = field(default_factory=list)


@dataclass
class Directory:
    """One tenant's names, for resolving references inside it."""

    tenant: Tenant
    path: KeyPath
    users: dict[str, str] = field(default_factory=dict)  # lower-case UPN -> id
    groups: dict[str, str] = field(default_factory=dict)  # lower-case name -> id
    apps: dict[str, str] = field(default_factory=dict)  # app id -> service principal id
    kinds: dict[str, PrincipalType] = field(default_factory=dict)  # object id -> kind
    members: dict[str, set[str]] = field(default_factory=dict)  # group id -> member ids
    roles: dict[str, RoleDefinition] = field(default_factory=dict)  # custom: lower name, id
    subscriptions: list[str] = field(default_factory=list)

    def local(self, reference: str) -> tuple[str, PrincipalType] | None:
        """A UPN, group name, app id or object id of this tenant, resolved."""
        key = reference.strip().lower()
        if key in self.users:
            return self.users[key], PrincipalType.USER
        if key in self.groups:
            return self.groups[key], PrincipalType.GROUP
        if key in self.apps:
            return self.apps[key], PrincipalType.SERVICE_PRINCIPAL
        if key in self.kinds:
            return key, self.kinds[key]
        return None

    def group(self, reference: str) -> str | None:
        found = self.local(reference)
        return found[0] if found and found[1] is PrincipalType.GROUP else None


class Planner:
    """Shared state of one planning run: ids handed out, names seen, the plan so far."""

    def __init__(self, locator: Locator, known: KnownIds) -> None:
        self.locator = locator
        self.known = known
        self.plan = WorldPlan()
        self.by_domain: dict[str, Directory] = {}
        self.by_tenant_id: dict[str, Directory] = {}
        self.objects: dict[str, tuple[str, KeyPath]] = {}  # object id -> (tenant id, path)
        self.upns: dict[str, KeyPath] = {}
        self.group_names: dict[str, tuple[str, str]] = {}  # group id -> (name, description)
        self.resellers: dict[tuple[str, str], KeyPath] = {}
        self.gdap_names: dict[tuple[str, str], KeyPath] = {}
        self.management_groups: dict[str, ManagementGroup] = {}  # lower-case name -> group
        self.subscriptions: dict[str, KeyPath] = {}
        self.assignment_names: dict[str, KeyPath] = {}
        self._directory_grants: set[DirectoryRoleAssignment] = set()

    def error(self, path: KeyPath, message: str) -> WorldFileError:
        return self.locator.error(path, message)

    def assign(
        self, path: KeyPath, kind: str, key: str, given: str | None, known: str | None, new: str
    ) -> str:
        """The id at `path`: `given`, else `known`, else `new`; reported unless given."""
        if given is not None:
            if known is not None and known != given:
                raise self.error(path, f"the store already holds {kind} {key} under id {known}")
            return given
        value = known or new
        self.plan.generated.append(GeneratedId(format_path(path), kind, key, value))
        return value

    def claim(
        self, object_id: str, directory: Directory, kind: PrincipalType, path: KeyPath
    ) -> None:
        """Record a directory object; object ids are unique across every tenant."""
        if object_id in self.objects:
            other = format_path(self.objects[object_id][1])
            raise self.error(path, f"the id {object_id} is already used by {other}")
        self.objects[object_id] = (directory.tenant.id, path)
        directory.kinds[object_id] = kind

    def tenant(self, domain: str, path: KeyPath) -> Directory:
        directory = self.by_domain.get(domain.lower())
        if directory is None:
            raise self.error(path, f"no tenant in this file has the domain '{domain}'")
        return directory

    def partner(self, domain: str, path: KeyPath) -> Directory:
        directory = self.tenant(domain, path)
        if directory.tenant.partner is None:
            raise self.error(path, f"'{domain}' is not a partner tenant (it has no 'partner' key)")
        return directory

    def directory_roles(
        self, directory: Directory, names: tuple[str, ...], principal_id: str, path: KeyPath
    ) -> None:
        for i, name in enumerate(names):
            template_id = directory_role_id(self, name, (*path, i))
            grant = DirectoryRoleAssignment(directory.tenant.id, template_id, principal_id)
            if grant not in self._directory_grants:
                self._directory_grants.add(grant)
                self.plan.directory_roles.append(grant)


def directory_role_id(planner: Planner, name: str, path: KeyPath) -> str:
    role = find_directory_role(name)
    if role is None:
        raise planner.error(path, f"'{name}' is not an Entra role name or template id")
    return role.template_id
