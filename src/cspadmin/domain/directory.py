"""Directories: tenants and the objects that live in them.

Object ids are lower-case GUID strings everywhere in the domain, so comparisons are plain
string equality. Passwords and secrets appear here only as salted hashes.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field

ADMIN_AGENTS = "AdminAgents"
HELPDESK_AGENTS = "HelpdeskAgents"
SALES_AGENTS = "SalesAgents"
PARTNER_GROUP_NAMES = (ADMIN_AGENTS, HELPDESK_AGENTS, SALES_AGENTS)


class PrincipalType(enum.StrEnum):
    """Azure's `principalType` values for role assignments."""

    USER = "User"
    GROUP = "Group"
    SERVICE_PRINCIPAL = "ServicePrincipal"
    FOREIGN_GROUP = "ForeignGroup"
    DEVICE = "Device"


def object_id(text: str) -> str:
    """The canonical (lower-case, hyphenated) form of an object id; ValueError if not a GUID."""
    return str(uuid.UUID(text))


@dataclass(frozen=True, slots=True)
class PartnerProfile:
    """What makes a tenant a CSP partner: its MPN id and its three agent groups."""

    partner_id: str
    admin_agents_id: str
    helpdesk_agents_id: str
    sales_agents_id: str

    def group_ids(self) -> tuple[str, str, str]:
        return (self.admin_agents_id, self.helpdesk_agents_id, self.sales_agents_id)


@dataclass(frozen=True, slots=True)
class Tenant:
    id: str
    display_name: str
    default_domain: str
    domains: tuple[str, ...] = ()
    partner: PartnerProfile | None = None

    @property
    def is_partner(self) -> bool:
        return self.partner is not None

    def all_domains(self) -> tuple[str, ...]:
        return (self.default_domain, *(d for d in self.domains if d != self.default_domain))


@dataclass(frozen=True, slots=True)
class User:
    id: str
    tenant_id: str
    user_principal_name: str
    display_name: str
    password_hash: str | None = None
    account_enabled: bool = True
    usage_location: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """A security group. Members (users, service principals, groups) are kept as ids."""

    id: str
    tenant_id: str
    display_name: str
    description: str = ""
    members: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class ServicePrincipal:
    id: str
    tenant_id: str
    app_id: str
    display_name: str
    secret_hash: str | None = None


@dataclass(frozen=True, slots=True)
class DirectoryRoleAssignment:
    """An Entra role held in a tenant by a user, group or service principal."""

    tenant_id: str
    role_template_id: str
    principal_id: str
