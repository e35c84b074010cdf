"""CSP subscriptions: the partner's billing account, the billing scope a subscription is
created under, the alias that names the creation request, the Owner grant the partner's
AdminAgents receive at creation, and the ownership offer that moves a subscription to
another tenant.

A partner's Microsoft Partner Agreement billing account is named
`{account guid}:{partner tenant id}_{agreement date}` (the documented form); its
customers are `/providers/Microsoft.Billing/billingAccounts/{account}/customers/{tenant}`,
which is also the `billingScope` a subscription alias names. The spec writes the scope
without the `/providers/Microsoft.Billing` prefix, the MPA article with it: both parse.

Pure: no I/O.
"""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.directory import PartnerProfile, PrincipalType
from cspadmin.domain.roles import OWNER
from cspadmin.domain.scope import is_guid
from cspadmin.errors import BadRequest

BILLING_PREFIX = "/providers/Microsoft.Billing/billingAccounts/"
ALIAS_PREFIX = "/providers/Microsoft.Subscription/aliases/"
AGREEMENT_DATE = "2019-05-31"
MAX_DISPLAY_NAME = 64
OFFER_LIFETIME = timedelta(days=7)
"""How long an ownership offer waits for its owner (Azure's subscription creation
requests expire after seven days)."""

_ACCOUNT_NAMESPACE = uuid.UUID("5c3f1d2e-8a4b-4c6d-9e0f-1a2b3c4d5e6f")
_ALIAS_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.()-]{0,89}")
_RESELLER_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_SCOPE = re.compile(
    r"(?:/providers/microsoft\.billing)?/billingaccounts/([^/]+)/customers/([^/]+)/?",
    re.IGNORECASE,
)


class InvalidBillingScope(BadRequest):
    code = "InvalidBillingScope"

    def __init__(self, scope: str) -> None:
        super().__init__(
            f"The billing scope '{scope}' is not valid. For a Microsoft Partner Agreement it "
            "is /providers/Microsoft.Billing/billingAccounts/{billingAccountName}/customers/"
            "{customerTenantId}."
        )


class MissingParameter(BadRequest):
    code = "MissingParameter"

    def __init__(self, name: str) -> None:
        super().__init__(f"Required parameter {name} not provided.")


class InvalidParameter(BadRequest):
    code = "InvalidParameter"


class Workload(enum.StrEnum):
    PRODUCTION = "Production"
    DEV_TEST = "DevTest"


class AcceptOwnership(enum.StrEnum):
    PENDING = "Pending"
    COMPLETED = "Completed"
    EXPIRED = "Expired"


@dataclass(frozen=True, slots=True)
class BillingScope:
    account: str
    customer_tenant_id: str

    @property
    def id(self) -> str:
        return f"{BILLING_PREFIX}{self.account}/customers/{self.customer_tenant_id}"


def billing_account_name(partner_tenant_id: str) -> str:
    """The partner's MPA billing account: stable, so scripts can keep it."""
    account = uuid.uuid5(_ACCOUNT_NAMESPACE, partner_tenant_id.lower())
    return f"{account}:{partner_tenant_id.lower()}_{AGREEMENT_DATE}"


def billing_profile_id(partner_tenant_id: str) -> str:
    profile = uuid.uuid5(_ACCOUNT_NAMESPACE, "profile:" + partner_tenant_id.lower())
    return f"{BILLING_PREFIX}{billing_account_name(partner_tenant_id)}/billingProfiles/{profile}"


def parse_billing_scope(text: str) -> BillingScope:
    """A customer's billing scope; InvalidBillingScope for anything else (invoice
    sections and enrollment accounts are not sold through CSP)."""
    found = _SCOPE.fullmatch(text.strip())
    if found is None or not is_guid(found.group(2)):
        raise InvalidBillingScope(text)
    return BillingScope(found.group(1), str(uuid.UUID(found.group(2))))


def is_alias_name(name: str) -> bool:
    return _ALIAS_NAME.fullmatch(name) is not None


def is_display_name(text: str) -> bool:
    return 0 < len(text.strip()) <= MAX_DISPLAY_NAME and text.isprintable()


def checked_display_name(text: str | None) -> str:
    """A subscription's display name, as a new subscription or a moved one takes it:
    stripped, 1 to 64 printable characters [unverified]; MissingParameter when absent or
    blank, InvalidParameter otherwise."""
    if text is None or not text.strip():
        raise MissingParameter("DisplayName")
    if not is_display_name(text):
        raise InvalidParameter(
            f"The subscription display name must be 1 to {MAX_DISPLAY_NAME} printable characters."
        )
    return text.strip()


def is_reseller_id(text: str) -> bool:
    return _RESELLER_ID.fullmatch(text) is not None


def csp_owner_grant(
    name: str, subscription_id: str, customer_tenant_id: str, partner: PartnerProfile
) -> RoleAssignment:
    """What a partner receives when it creates a CSP subscription: Owner at the
    subscription for its AdminAgents group, a foreign group in the customer's tenant."""
    return RoleAssignment(
        name,
        f"/subscriptions/{subscription_id}",
        OWNER.id,
        partner.admin_agents_id,
        PrincipalType.FOREIGN_GROUP,
        customer_tenant_id,
    )


@dataclass(frozen=True, slots=True)
class OwnershipOffer:
    """A subscription offered to a principal of another tenant, who accepts it there."""

    tenant_id: str
    owner_id: str
    offered_at: datetime
    accepted_at: datetime | None = None

    def state_at(self, now: datetime) -> AcceptOwnership:
        if self.accepted_at is not None:
            return AcceptOwnership.COMPLETED
        if now >= self.offered_at + OFFER_LIFETIME:
            return AcceptOwnership.EXPIRED
        return AcceptOwnership.PENDING


@dataclass(frozen=True, slots=True)
class SubscriptionAlias:
    """A named subscription creation request (`Microsoft.Subscription/aliases`), kept in
    the tenant of whoever made it; PUTting the same name again answers the same
    subscription. An alias of an existing subscription may carry an ownership offer."""

    tenant_id: str
    name: str
    subscription_id: str
    created_at: datetime
    created_by: str
    billing_scope: str | None = None
    workload: Workload | None = None
    reseller_id: str | None = None
    offer: OwnershipOffer | None = None

    @property
    def id(self) -> str:
        return ALIAS_PREFIX + self.name
