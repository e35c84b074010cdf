"""The keys of a world file (../shared/world-file.md), and where in the text each one sits.

Every model forbids unknown keys, so a typo is an error that names its key path rather
than a setting silently ignored. The models check shapes only; whether names refer to
something that exists is `world_plan`'s job, which needs the whole document at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from cspadmin.domain.directory import object_id
from cspadmin.domain.estate import AZURE_PLAN, SubscriptionState
from cspadmin.errors import WorldFileError

KeyPath = tuple[str | int, ...]
"""A key path as pydantic reports it: ('tenants', 1, 'users', 0, 'upn')."""

_DOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


def _guid(text: str) -> str:
    try:
        return object_id(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a GUID") from None


def _domain(text: str) -> str:
    if not _DOMAIN.match(text):
        raise ValueError(f"'{text}' is not a domain name such as contoso.onmicrosoft.com")
    return text


Guid = Annotated[str, AfterValidator(_guid)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Domain = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_domain)]
Names = tuple[Name, ...]


class _Keys(BaseModel):
    # YAML reads `partner_id: 4821937` as a number; the format means the text.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class PartnerKeys(_Keys):
    partner_id: Name


class UserKeys(_Keys):
    id: Guid | None = None
    upn: Name
    password: str | None = None
    display_name: Name | None = None
    account_enabled: bool = True
    usage_location: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = None
    directory_roles: Names = ()
    groups: Names = ()
    licenses: Names = ()
    """SKUs (skuPartNumber or skuId) of the tenant's `licenses` the user holds."""


class GroupKeys(_Keys):
    id: Guid | None = None
    name: Name
    description: str = ""
    members: Names = ()
    """UPNs, group names, app ids or object ids in the same tenant."""
    groups: Names = ()
    """Groups this group is a member of: the other way to write nesting."""
    directory_roles: Names = ()


class ServicePrincipalKeys(_Keys):
    id: Guid | None = None
    app_id: Guid
    secret: str | None = None
    display_name: Name | None = None
    directory_roles: Names = ()
    groups: Names = ()


class CustomRoleKeys(_Keys):
    id: Guid | None = None
    name: Name
    description: str = ""
    actions: Names = ()
    not_actions: Names = ()
    data_actions: Names = ()
    not_data_actions: Names = ()
    assignable_scopes: Names = ()
    """Absolute ARM scopes; left out, the tenant's subscriptions in the file."""


class ResourceKeys(_Keys):
    type: Name
    """`Namespace/type[/child type…]`, e.g. Microsoft.Storage/storageAccounts/blobServices."""
    name: Name
    """One name per type segment, joined by '/': `contosoweb01/default` for a child."""
    location: Name | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)


class ResourceGroupKeys(_Keys):
    name: Name
    location: Name
    tags: dict[str, str] = Field(default_factory=dict)
    resources: tuple[ResourceKeys, ...] = ()


class RoleAssignmentKeys(_Keys):
    name: Guid | None = None
    role: Name
    principal: Name
    scope: Name = "/"
    condition: str | None = None
    description: str | None = None


class SubscriptionKeys(_Keys):
    id: Guid | None = None
    name: Name
    state: SubscriptionState = SubscriptionState.ENABLED
    offer: Name = AZURE_PLAN
    csp_partner: Domain | None = None
    admin_privileges_lost: bool = False
    management_group: Name | None = None
    resource_groups: tuple[ResourceGroupKeys, ...] = ()
    role_assignments: tuple[RoleAssignmentKeys, ...] = ()


class SkuKeys(_Keys):
    sku: Name
    """A skuPartNumber (SPE_E3) or skuId of the licensing catalogue (domain/data/skus.json)."""
    seats: Annotated[int, Field(strict=True, ge=0, le=1_000_000)]


class TenantKeys(_Keys):
    id: Guid | None = None
    name: Name
    domain: Domain
    partner: PartnerKeys | None = None
    users: tuple[UserKeys, ...] = ()
    groups: tuple[GroupKeys, ...] = ()
    service_principals: tuple[ServicePrincipalKeys, ...] = ()
    custom_roles: tuple[CustomRoleKeys, ...] = ()
    subscriptions: tuple[SubscriptionKeys, ...] = ()
    licenses: tuple[SkuKeys, ...] = ()


class AccessKeys(_Keys):
    group: Name
    roles: Annotated[Names, Field(min_length=1)]


class GdapKeys(_Keys):
    id: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    duration: Name
    roles: Annotated[Names, Field(min_length=1)]
    access: tuple[AccessKeys, ...] = ()


class RelationshipKeys(_Keys):
    partner: Domain
    customer: Domain
    dap: bool | None = None
    gdap: GdapKeys | None = None


class ManagementGroupKeys(_Keys):
    name: Name
    tenant: Domain
    parent: Name | None = None


class WorldKeys(_Keys):
    tenants: tuple[TenantKeys, ...] = ()
    relationships: tuple[RelationshipKeys, ...] = ()
    management_groups: tuple[ManagementGroupKeys, ...] = ()


def format_path(path: KeyPath) -> str:
    """`tenants[1].users[0].upn`; the empty path is the document itself."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(document)"


@dataclass(frozen=True, slots=True)
class Locator:
    """The line of every key path in the text, so errors can say where to look."""

    lines: Mapping[KeyPath, int]

    def line(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its nearest ancestor for a key that is missing."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def error(self, path: KeyPath, message: str) -> WorldFileError:
        return WorldFileError(format_path(path), message, self.line(path))


def keys_at(path: KeyPath) -> tuple[str, ...]:
    """The keys allowed in the mapping at `path`, for 'unknown key' messages."""
    model: type[BaseModel] | None = WorldKeys
    for part in path:
        if model is None:
            return ()
        if isinstance(part, str):
            field = model.model_fields.get(part)
            model = _model_in(field.annotation) if field else None
    return tuple(model.model_fields) if model else ()


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside `X`, `X | None` or `tuple[X, ...]`, if there is one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _model_in(argument)
        if found is not None:
            return found
    return None
