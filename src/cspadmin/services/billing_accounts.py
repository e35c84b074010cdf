"""The partner's Microsoft Partner Agreement billing account, as ARM's Microsoft.Billing
shows it: what a partner reads to find the billing scope of a customer before creating a
subscription alias.

A partner tenant has one billing account (`domain.csp.billing_account_name`). Its Global
admins and Admin agents see it (the documented prerequisite for creating subscriptions);
anyone else sees no account. Its customers are the partner's customers with an active
reseller relationship and an Azure plan from it, the ones a subscription can be created
for. A billing account the caller cannot see is refused as ForeignBillingAccount (403),
whether it exists or not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cspadmin.authz.decision import Caller
from cspadmin.domain.commerce import AzurePlan
from cspadmin.domain.csp import billing_account_name
from cspadmin.domain.directory import Tenant
from cspadmin.domain.relationships import PartnerAction, RelationshipState
from cspadmin.domain.scope import is_guid
from cspadmin.errors import CspadminError, NotFound
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.partner_center import partner_for
from cspadmin.services.subscription_aliases import ForeignBillingAccount
from cspadmin.store.commerce import plans_of_partner
from cspadmin.store.directory import get_tenant
from cspadmin.store.relationships import list_reseller_relationships


class BillingCustomerNotFound(NotFound):
    code = "CustomerNotFound"

    def __init__(self, account: str, customer: str) -> None:
        super().__init__(
            f"Customer '{customer}' was not found in billing account '{account}'. A customer "
            "is listed once it has an active reseller relationship and an Azure plan."
        )


@dataclass(frozen=True, slots=True)
class BillingAccount:
    name: str
    partner: Tenant


@dataclass(frozen=True, slots=True)
class BillingCustomer:
    account: BillingAccount
    tenant: Tenant
    plan: AzurePlan


def billing_accounts(plane: ControlPlane, caller: Caller) -> list[BillingAccount]:
    """The accounts the caller sees: its partner's, if it may administer customers."""
    try:
        partner = partner_for(plane, caller, PartnerAction.ADMINISTER_CUSTOMERS)
    except CspadminError:
        return []
    return [BillingAccount(billing_account_name(partner.id), partner)]


def billing_account(plane: ControlPlane, caller: Caller, name: str) -> BillingAccount:
    for account in billing_accounts(plane, caller):
        if account.name == name.lower():
            return account
    raise ForeignBillingAccount(name)


def billing_customers(plane: ControlPlane, caller: Caller, name: str) -> list[BillingCustomer]:
    account = billing_account(plane, caller, name)
    partner = account.partner
    with plane.database.connect() as connection:
        active = {
            r.customer_tenant_id
            for r in list_reseller_relationships(connection)
            if r.partner_tenant_id == partner.id and r.state is RelationshipState.ACTIVE
        }
        plans = [
            p for p in plans_of_partner(connection, partner.id) if p.customer_tenant_id in active
        ]
        tenants = {
            p.customer_tenant_id: get_tenant(connection, p.customer_tenant_id) for p in plans
        }
    found = [
        BillingCustomer(account, tenant, plan)
        for plan in plans
        if (tenant := tenants[plan.customer_tenant_id]) is not None
    ]
    return sorted(found, key=lambda c: c.tenant.display_name.lower())


def billing_customer(
    plane: ControlPlane, caller: Caller, name: str, customer_id: str
) -> BillingCustomer:
    key = str(uuid.UUID(customer_id)) if is_guid(customer_id) else customer_id
    for customer in billing_customers(plane, caller, name):
        if customer.tenant.id == key:
            return customer
    raise BillingCustomerNotFound(name, customer_id)
