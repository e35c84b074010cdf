"""The Azure estate of a tenant: subscriptions, resource groups and resources."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class SubscriptionState(enum.StrEnum):
    ENABLED = "Enabled"
    WARNED = "Warned"
    PAST_DUE = "PastDue"
    DISABLED = "Disabled"
    DELETED = "Deleted"


AZURE_PLAN = "MS-AZR-0145P"
"""The offer id of an Azure plan subscription sold through CSP."""


@dataclass(frozen=True, slots=True)
class ManagementGroup:
    """A node of a tenant's management-group tree; subscriptions may sit under one."""

    name: str
    tenant_id: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    tenant_id: str
    display_name: str
    state: SubscriptionState = SubscriptionState.ENABLED
    offer: str = AZURE_PLAN
    csp_partner_tenant_id: str | None = None
    """The partner that created it through CSP; shown under `managedByTenants`."""
    management_group: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceGroup:
    subscription_id: str
    name: str
    location: str
    tags: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Resource:
    id: str
    """The full ARM id, which is also its scope."""
    type: str
    location: str = "global"
    properties: dict[str, Any] = field(default_factory=dict, hash=False)
    tags: dict[str, str] = field(default_factory=dict, hash=False)
