"""Subscriptions and tenants (Microsoft.Resources, api-version 2022-12-01 and older)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from cspadmin.api.arm.common import ArmPrincipal, State, api_version, authorize
from cspadmin.domain.directory import Tenant
from cspadmin.domain.estate import Subscription
from cspadmin.errors import SubscriptionNotFound
from cspadmin.services.subscriptions import (
    READ_SUBSCRIPTION,
    visible_subscriptions,
    visible_tenants,
)

router = APIRouter()
VERSIONS = ("2016-06-01", "2019-06-01", "2019-11-01", "2020-01-01", "2021-01-01", "2022-12-01")
Version = Annotated[str, Depends(api_version(*VERSIONS))]


def subscription_json(subscription: Subscription) -> dict[str, Any]:
    managed_by = (
        [{"tenantId": subscription.csp_partner_tenant_id}]
        if subscription.csp_partner_tenant_id
        else []
    )
    return {
        "id": f"/subscriptions/{subscription.id}",
        "authorizationSource": "RoleBased",
        "managedByTenants": managed_by,
        "subscriptionId": subscription.id,
        "tenantId": subscription.tenant_id,
        "displayName": subscription.display_name,
        "state": subscription.state.value,
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "CSP_2015-05-01"
            if subscription.csp_partner_tenant_id
            else "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    }


def tenant_json(tenant: Tenant, caller_home: str) -> dict[str, Any]:
    return {
        "id": f"/tenants/{tenant.id}",
        "tenantId": tenant.id,
        "tenantCategory": "Home" if tenant.id == caller_home else "ManagedBy",
        "displayName": tenant.display_name,
        "defaultDomain": tenant.default_domain,
        "domains": list(tenant.all_domains()),
        "tenantType": "AAD",
    }


@router.get("/subscriptions")
def list_subscriptions(state: State, principal: ArmPrincipal, _: Version) -> dict[str, Any]:
    found = visible_subscriptions(state.plane, principal.caller)
    items = [subscription_json(s) for s in found]
    return {"count": {"type": "Total", "value": len(items)}, "value": items}


@router.get("/subscriptions/{subscription_id}")
def get_subscription(
    subscription_id: str, state: State, principal: ArmPrincipal, _: Version
) -> dict[str, Any]:
    scope = f"/subscriptions/{subscription_id}"
    for subscription in visible_subscriptions(state.plane, principal.caller):
        if subscription.id == subscription_id.lower():
            return subscription_json(subscription)
    authorize(state, principal, READ_SUBSCRIPTION, scope)
    raise SubscriptionNotFound(subscription_id)


@router.get("/tenants")
def list_tenants(state: State, principal: ArmPrincipal, _: Version) -> dict[str, Any]:
    tenants = visible_tenants(state.plane, principal.caller)
    return {"value": [tenant_json(t, principal.caller.home_tenant_id) for t in tenants]}
