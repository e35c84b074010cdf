"""The partner's billing account and its customers (Microsoft.Billing, api-version
2020-05-01, what `az billing account list` and `az billing customer list` call).

    GET /providers/Microsoft.Billing/billingAccounts
    GET /providers/Microsoft.Billing/billingAccounts/{account}
    GET /providers/Microsoft.Billing/billingAccounts/{account}/customers[?$expand=…]
    GET /providers/Microsoft.Billing/billingAccounts/{account}/customers/{tenantId}

`$expand=enabledAzurePlans,resellers` adds the customer's Azure plan SKU and its
indirect resellers (none here). Partner Center's refusals of the caller (not a partner,
a role without the right, a customer without a relationship, another partner's account)
are ARM's 403 AuthorizationFailed over the billing scope asked for (`partner_refusals`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from cspadmin.api.arm.common import ArmPrincipal, State, api_version, page
from cspadmin.api.arm.providers import catalogue_versions
from cspadmin.api.auth import Principal
from cspadmin.domain.csp import BILLING_PREFIX, billing_profile_id
from cspadmin.errors import AuthorizationFailed
from cspadmin.services.billing_accounts import (
    BillingAccount,
    BillingCustomer,
    billing_account,
    billing_accounts,
    billing_customer,
    billing_customers,
)
from cspadmin.services.csp_subscriptions import NoCommerceRelationship
from cspadmin.services.partner_center import NotAPartner, PartnerRoleRequired
from cspadmin.services.subscription_aliases import ForeignBillingAccount

router = APIRouter()
VERSIONS = catalogue_versions("Microsoft.Billing/billingAccounts")
Version = Annotated[str, Depends(api_version(*VERSIONS))]
Expand = Annotated[str | None, Query(alias="$expand")]
READ_ACCOUNT = "Microsoft.Billing/billingAccounts/read"
READ_CUSTOMERS = "Microsoft.Billing/billingAccounts/customers/read"
_ACCOUNTS = "/providers/Microsoft.Billing/billingAccounts"


@contextmanager
def partner_refusals(principal: Principal, action: str, scope: str) -> Iterator[None]:
    """Partner Center's refusals of the caller, as ARM words them."""
    try:
        yield
    except (
        NotAPartner,
        PartnerRoleRequired,
        NoCommerceRelationship,
        ForeignBillingAccount,
    ) as refused:
        raise AuthorizationFailed(
            principal.name, principal.caller.object_id, action, scope, refused.message
        ) from None


def account_json(account: BillingAccount) -> dict[str, Any]:
    return {
        "id": BILLING_PREFIX + account.name,
        "name": account.name,
        "type": "Microsoft.Billing/billingAccounts",
        "properties": {
            "accountStatus": "Active",
            "accountType": "Partner",
            "agreementType": "MicrosoftPartnerAgreement",
            "billingProfiles": {"hasMoreResults": False},
            "displayName": account.partner.display_name,
            "hasReadAccess": True,
        },
    }


def customer_json(customer: BillingCustomer, expand: str | None) -> dict[str, Any]:
    wanted = {part.strip().lower() for part in (expand or "").split(",")}
    partner = customer.account.partner
    properties: dict[str, Any] = {
        "billingProfileDisplayName": partner.display_name,
        "billingProfileId": billing_profile_id(partner.id),
        "displayName": customer.tenant.display_name,
    }
    if "enabledazureplans" in wanted:
        properties["enabledAzurePlans"] = [
            {"skuId": "0001", "skuDescription": "Microsoft Azure Plan"}
        ]
    if "resellers" in wanted:
        properties["resellers"] = []
    return {
        "id": f"{BILLING_PREFIX}{customer.account.name}/customers/{customer.tenant.id}",
        "name": customer.tenant.id,
        "type": "Microsoft.Billing/billingAccounts/customers",
        "properties": properties,
    }


@router.get(_ACCOUNTS)
def list_accounts(state: State, principal: ArmPrincipal, _: Version) -> dict[str, Any]:
    return page([account_json(a) for a in billing_accounts(state.plane, principal.caller)])


@router.get(_ACCOUNTS + "/{account}")
def get_account(account: str, state: State, principal: ArmPrincipal, _: Version) -> Any:
    with partner_refusals(principal, READ_ACCOUNT, BILLING_PREFIX + account):
        return account_json(billing_account(state.plane, principal.caller, account))


@router.get(_ACCOUNTS + "/{account}/customers")
def list_customers(
    account: str, state: State, principal: ArmPrincipal, _: Version, expand: Expand = None
) -> dict[str, Any]:
    with partner_refusals(principal, READ_CUSTOMERS, BILLING_PREFIX + account):
        found = billing_customers(state.plane, principal.caller, account)
    items = [customer_json(c, expand) for c in found]
    return {"totalCount": len(items), **page(items)}


@router.get(_ACCOUNTS + "/{account}/customers/{customer}")
def get_customer(
    account: str,
    customer: str,
    state: State,
    principal: ArmPrincipal,
    _: Version,
    expand: Expand = None,
) -> Any:
    scope = f"{BILLING_PREFIX}{account}/customers/{customer}"
    with partner_refusals(principal, READ_CUSTOMERS, scope):
        found = billing_customer(state.plane, principal.caller, account, customer)
    return customer_json(found, expand)
