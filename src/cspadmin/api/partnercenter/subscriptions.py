"""A customer's Partner Center subscriptions (here: its Azure plan) and the Azure
subscriptions under the plan.

    GET /v1/customers/{cid}/subscriptions                              Collection
    GET /v1/customers/{cid}/subscriptions/{planId}                     Subscription
    GET /v1/customers/{cid}/subscriptions/{planId}/azureEntitlements   Collection

Creating an Azure subscription under the plan is not a Partner Center REST call: the
documented way is ARM's subscription alias with the customer's billing scope
(`api.arm.aliases`); the plan's order creates its first one.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from cspadmin.api.partnercenter import commerce_wire as shapes
from cspadmin.api.partnercenter.auth import PartnerCenterPrincipal
from cspadmin.api.partnercenter.wire import Json, collection
from cspadmin.api.state import state_of
from cspadmin.services import azure_plans as service

router = APIRouter()


@router.get("/customers/{customer_id}/subscriptions")
def list_subscriptions(
    customer_id: str, request: Request, principal: PartnerCenterPrincipal
) -> Json:
    plans = service.customer_plans(state_of(request).plane, principal.caller, customer_id)
    items = [shapes.plan_subscription(p) for p in plans]
    return collection(items, f"/customers/{customer_id}/subscriptions")


@router.get("/customers/{customer_id}/subscriptions/{plan_id}")
def get_subscription(
    customer_id: str, plan_id: str, request: Request, principal: PartnerCenterPrincipal
) -> Json:
    plan = service.customer_plan(state_of(request).plane, principal.caller, customer_id, plan_id)
    return shapes.plan_subscription(plan)


@router.get("/customers/{customer_id}/subscriptions/{plan_id}/azureEntitlements")
def list_azure_entitlements(
    customer_id: str, plan_id: str, request: Request, principal: PartnerCenterPrincipal
) -> Json:
    plane = state_of(request).plane
    plan, found = service.entitlements(plane, principal.caller, customer_id, plan_id)
    items = [shapes.azure_entitlement(s, plan) for s in found]
    uri = f"/customers/{customer_id}/subscriptions/{plan_id}/azureEntitlements"
    return collection(items, uri)
