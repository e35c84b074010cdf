"""Subscription aliases (ARM's `Microsoft.Subscription/aliases`): a partner names a
request for a new CSP subscription under a customer's billing scope; the same name
PUT again answers the subscription it created (200), whatever the body says, since an
alias never updates a subscription. Aliases of existing subscriptions, which can offer
them to another tenant, are `ownership_offers`'s.

Who may create one (`create_by_alias`): a Global admin or Admin agent of a partner
(Partner Center's rule, `PartnerAction.ADMINISTER_CUSTOMERS`; Sales and Helpdesk agents
may not), under the partner's own billing account, for a customer it sells to
(`csp_subscriptions.commerce_customer`) that has an Azure plan from it. The subscription
itself is made by `csp_subscriptions.provision`. Unverified choices: display names of
1–64 printable characters; alias names of 1–90 letters, digits and `-_.()`; a missing
workload is Production; `managementGroupId`, `subscriptionOwnerId` and a
`subscriptionTenantId` other than the customer are refused (a CSP subscription is created
at the root of the customer's tenant and owned through the partner), not ignored.

An alias belongs to the tenant of the token that made it and is read by callers with a
token for that tenant. It is deleted (never its subscription) by whoever made it, by a
Global admin or Admin agent of that partner tenant, or, for an alias of an existing
subscription, by a native principal allowed `Microsoft.Subscription/aliases/write` at
that subscription (its Owner withdraws an offer of it); deleting one withdraws any
ownership offer it carries.

Refusals (beyond `partner_center`'s NotAPartner and PartnerRoleRequired,
`csp_subscriptions`' and `domain.csp.InvalidBillingScope`):

    CspadminError
    ├── ForeignBillingAccount     403          a billing account not the caller's partner's
    ├── AzurePlanRequired         400          the customer has no Azure plan from the partner
    ├── BadRequest
    │   ├── MissingParameter      400          (domain.csp) "Required parameter DisplayName
    │   │                                      not provided."
    │   ├── InvalidParameter      400          (domain.csp) a value Azure would not take
    │   └── InvalidAliasName      400
    └── AliasNotFound             404
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection

from cspadmin.authz.decision import Caller
from cspadmin.domain.csp import (
    ALIAS_PREFIX,
    BillingScope,
    InvalidParameter,
    MissingParameter,
    SubscriptionAlias,
    Workload,
    billing_account_name,
    checked_display_name,
    is_alias_name,
    is_reseller_id,
    parse_billing_scope,
)
from cspadmin.domain.directory import Tenant
from cspadmin.domain.estate import Subscription
from cspadmin.domain.relationships import PartnerAction
from cspadmin.domain.scope import is_guid
from cspadmin.errors import BadRequest, CspadminError, NotFound, SubscriptionNotFound
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.csp_subscriptions import (
    ALIAS_WRITE,
    Cause,
    Initiator,
    commerce_customer,
    provision,
)
from cspadmin.services.partner_center import partner_for
from cspadmin.store.aliases import delete_alias, get_alias, list_aliases, save_alias
from cspadmin.store.commerce import find_plan
from cspadmin.store.estate import get_subscription


class ForeignBillingAccount(CspadminError):
    code = "ForeignBillingAccount"
    status = 403

    def __init__(self, account: str) -> None:
        super().__init__(f"The billing account '{account}' is not the caller's partner's.")


class AzurePlanRequired(CspadminError):
    code = "AzurePlanRequired"
    status = 400

    def __init__(self, partner: Tenant, customer: Tenant) -> None:
        super().__init__(
            f"Customer '{customer.display_name}' has no Azure plan from "
            f"'{partner.display_name}'. Order the Azure plan (DZH318Z0BPS6:0001) in Partner "
            "Center first."
        )


class InvalidAliasName(BadRequest):
    code = "InvalidAliasName"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The alias name '{name}' is not valid: 1 to 90 letters, digits, '-', '_', '.', "
            "'(' or ')', starting with a letter or digit."
        )


class AliasNotFound(NotFound):
    code = "AliasNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(f"The subscription alias '{name}' could not be found.")


@dataclass(frozen=True, slots=True)
class AliasRequest:
    """The `properties` of an alias PUT, as the client sent them."""

    display_name: str | None = None
    billing_scope: str | None = None
    workload: str | None = None
    reseller_id: str | None = None
    subscription_id: str | None = None
    subscription_tenant_id: str | None = None
    subscription_owner_id: str | None = None
    management_group_id: str | None = None


@dataclass(frozen=True, slots=True)
class AliasOutcome:
    alias: SubscriptionAlias
    subscription: Subscription
    created: bool


class AliasTaken(Exception):
    """A concurrent PUT stored the same alias name first; the loser's transaction is
    rolled back and it answers the winner's subscription."""


# -- creating --------------------------------------------------------------------------


def check_alias_name(name: str) -> None:
    if not is_alias_name(name):
        raise InvalidAliasName(name)


def create_by_alias(
    plane: ControlPlane, initiator: Initiator, name: str, request: AliasRequest
) -> AliasOutcome:
    """PUT an alias with a billing scope: create the CSP subscription, or answer the one
    this alias created before."""
    check_alias_name(name)
    partner = partner_for(plane, initiator.caller, PartnerAction.ADMINISTER_CUSTOMERS)
    display_name, scope, workload, reseller_id = _creation(request)
    if scope.account.lower() != billing_account_name(partner.id):
        raise ForeignBillingAccount(scope.account)
    now = plane.clock()
    try:
        with plane.change() as change:
            existing = get_alias(change.connection, partner.id, name)
            if existing is not None:
                return answer(change.connection, existing)
            customer = commerce_customer(change.connection, partner, scope.customer_tenant_id)
            _check_target(request, customer)
            if find_plan(change.connection, partner.id, customer.id) is None:
                raise AzurePlanRequired(partner, customer)
            cause = Cause(ALIAS_WRITE, ALIAS_PREFIX + name)
            made = provision(change, initiator, partner, customer.id, display_name, cause, now)
            alias = SubscriptionAlias(
                partner.id,
                name,
                made.subscription.id,
                now,
                initiator.caller.object_id,
                scope.id,
                workload,
                reseller_id,
            )
            if not save_alias(change.connection, alias):
                raise AliasTaken()
    except AliasTaken:
        return answer_existing(plane, partner.id, name)
    return AliasOutcome(alias, made.subscription, created=True)


def answer_existing(plane: ControlPlane, tenant_id: str, name: str) -> AliasOutcome:
    with plane.database.connect() as connection:
        existing = get_alias(connection, tenant_id, name)
        assert existing is not None
        return answer(connection, existing)


def answer(connection: Connection, alias: SubscriptionAlias) -> AliasOutcome:
    """What PUTting an existing alias again answers: it, and its subscription (200)."""
    subscription = get_subscription(connection, alias.subscription_id)
    if subscription is None:
        raise SubscriptionNotFound(alias.subscription_id)
    return AliasOutcome(alias, subscription, created=False)


def _creation(request: AliasRequest) -> tuple[str, BillingScope, Workload, str | None]:
    display_name = checked_display_name(request.display_name)
    if request.billing_scope is None:
        raise MissingParameter("BillingScope")
    scope = parse_billing_scope(request.billing_scope)
    workload = _workload(request.workload)
    if request.reseller_id is not None and not is_reseller_id(request.reseller_id):
        raise InvalidParameter(f"The reseller id '{request.reseller_id}' is not valid.")
    if request.management_group_id is not None or request.subscription_owner_id is not None:
        raise InvalidParameter(
            "managementGroupId and subscriptionOwnerId are not supported for a Microsoft "
            "Partner Agreement billing scope: the subscription is created at the root of the "
            "customer's tenant and owned through the partner's Admin agents."
        )
    return display_name, scope, workload, request.reseller_id


def _workload(text: str | None) -> Workload:
    if text is None:
        return Workload.PRODUCTION
    for workload in Workload:
        if workload.value.lower() == text.lower():
            return workload
    raise InvalidParameter(f"The workload '{text}' is not valid: it is Production or DevTest.")


def _check_target(request: AliasRequest, customer: Tenant) -> None:
    tenant = request.subscription_tenant_id
    if tenant is not None and (not is_guid(tenant) or str(uuid.UUID(tenant)) != customer.id):
        raise InvalidParameter(
            f"subscriptionTenantId '{tenant}' is not the customer's tenant: a CSP subscription "
            f"is created in the customer's tenant {customer.id}."
        )


# -- reading and deleting aliases ---------------------------------------------------------


def alias_of(plane: ControlPlane, caller: Caller, name: str) -> AliasOutcome:
    """One of the aliases of the tenant the caller's token is for."""
    with plane.database.connect() as connection:
        found = get_alias(connection, caller.tenant_id, name)
        if found is None:
            raise AliasNotFound(name)
        return answer(connection, found)


def aliases_of(plane: ControlPlane, caller: Caller) -> list[AliasOutcome]:
    with plane.database.connect() as connection:
        return [answer(connection, a) for a in list_aliases(connection, caller.tenant_id)]


def remove_alias(plane: ControlPlane, caller: Caller, name: str) -> bool:
    """Delete an alias (never its subscription); False when there was none (204). Found
    and deleted in one transaction, so the refusal and the delete judge the same alias.
    Who may: its creator; whoever may write aliases of the subscription an offer names
    (`_may_withdraw`); otherwise a Global admin or Admin agent of the partner tenant that
    holds it."""
    with plane.change() as change:
        found = get_alias(change.connection, caller.tenant_id, name)
        if found is None:
            return False
        if found.created_by != caller.object_id and not _may_withdraw(plane, caller, found):
            partner_for(plane, caller, PartnerAction.ADMINISTER_CUSTOMERS)
        return delete_alias(change.connection, caller.tenant_id, name)


def _may_withdraw(plane: ControlPlane, caller: Caller, alias: SubscriptionAlias) -> bool:
    """An alias of an existing subscription (it may carry an ownership offer) is the
    subscription's tenant's: a native principal allowed to write aliases at the
    subscription, such as its Owner, may withdraw it, whoever made it."""
    if alias.billing_scope is not None or caller.is_foreign:
        return False
    scope = f"/subscriptions/{alias.subscription_id}"
    return plane.engine.is_allowed(caller, ALIAS_WRITE, scope)
