"""Partner Center's commerce shapes (partner-center-wire.md §5): carts, orders, the Azure
plan as a Partner Center subscription, and its Azure entitlements; and reading the
request bodies that create carts and orders, in camelCase or PascalCase.

Fields Partner Center documents but that mean nothing here (prices, currency symbols
beyond USD, promotions) are left out; `commitmentEndDate` of a plan is Partner Center's
"no end" date as seen in its examples [unverified]. Every link a response carries is a
route served here, for the caller that received it; so a plan has no `offer` link (the
offer catalogue, `/offers/{id}`, is not served).
"""

from __future__ import annotations

from typing import Any

from cspadmin.api.bodies import field
from cspadmin.api.errors import WireError
from cspadmin.api.partnercenter.wire import Json, collection, link, timestamp
from cspadmin.domain.commerce import (
    AZURE_PLAN_NAME,
    AZURE_PLAN_PRODUCT,
    AZURE_PLAN_SKU,
    ONE_TIME,
    AzurePlan,
    Cart,
    LineItem,
    Order,
    OrderStatus,
)
from cspadmin.domain.estate import Subscription, SubscriptionState

NO_END = "9999-12-14T00:00:00Z"
_ENTITLEMENT_STATUS = {
    SubscriptionState.DISABLED: "disabled",
    SubscriptionState.DELETED: "deleted",
}
_PROVISIONING_STATUS = {
    OrderStatus.COMPLETED: "fulfilled",
    OrderStatus.PENDING: "pending",
    OrderStatus.CANCELLED: "cancelled",
}
"""An order's line items as `provisioningstatus` reports them; only `fulfilled` is seen
in Partner Center's examples [unverified for the others]."""


# -- reading bodies --------------------------------------------------------------------


def line_items(body: Any, *, catalog_key: str, number_key: str) -> list[LineItem]:
    """The `lineItems` of a cart (`catalogItemId`, `id`) or an order (`offerId`,
    `lineItemNumber`); 400 800002 when they are not line items at all."""
    if not isinstance(body, dict):
        raise invalid("the body is a JSON object with a lineItems array")
    items = field(body, "lineItems")
    if not isinstance(items, list):
        raise invalid("lineItems is an array of line items")
    return [_line_item(item, i, catalog_key, number_key) for i, item in enumerate(items)]


def order_request(body: Any, customer_id: str) -> list[LineItem]:
    """The line items of an order placed for `customer_id`; 400 800002 when they are not
    line items, or when the body's `referenceCustomerId` names another customer than the
    URL (an order is only ever for the customer it is posted under)."""
    items = line_items(body, catalog_key="offerId", number_key="lineItemNumber")
    reference = field(body, "referenceCustomerId")
    if reference is not None and str(reference).lower() != customer_id.lower():
        raise invalid("referenceCustomerId is the customer of the URL")
    return items


def _line_item(item: Any, index: int, catalog_key: str, number_key: str) -> LineItem:
    if not isinstance(item, dict):
        raise invalid(f"line item {index} is an object")
    catalog = field(item, catalog_key)
    number = field(item, number_key)
    quantity = field(item, "quantity")
    name = field(item, "friendlyName")
    cycle = field(item, "billingCycle")
    if not isinstance(catalog, str) or not catalog:
        raise invalid(f"line item {index} needs {catalog_key}")
    if not _integer(quantity):
        raise invalid(f"line item {index} needs an integer quantity")
    if number is not None and not _integer(number):
        raise invalid(f"line item {index}: {number_key} is an integer")
    for key, value in (("friendlyName", name), ("billingCycle", cycle)):
        if value is not None and not isinstance(value, str):
            raise invalid(f"line item {index}: {key} is a string")
    return LineItem(index if number is None else number, catalog, quantity, name, cycle or ONE_TIME)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**31


def invalid(reason: str) -> WireError:
    return WireError(400, "800002", f"The request input is invalid: {reason}.")


# -- shapes ----------------------------------------------------------------------------


def cart(item: Cart) -> Json:
    base = f"/customers/{item.customer_tenant_id}/carts/{item.id}"
    return {
        "id": item.id,
        "creationTimestamp": timestamp(item.created_at),
        "lastModifiedTimestamp": timestamp(item.created_at),
        "lastModifiedUser": item.created_by,
        "lineItems": [
            {
                "id": i.number,
                "catalogItemId": i.catalog_item_id,
                "friendlyName": i.friendly_name,
                "quantity": i.quantity,
                "currencyCode": "USD",
                "billingCycle": i.billing_cycle,
                "orderGroup": "0",
            }
            for i in item.line_items
        ],
        "status": "Ordered" if item.order_id else "Active",
        "links": {"self": link(base)},
        "attributes": {"objectType": "Cart"},
    }


def order(item: Order) -> Json:
    base = f"/customers/{item.customer_tenant_id}"
    return {
        "id": item.id,
        "alternateId": item.id,
        "referenceCustomerId": item.customer_tenant_id,
        "billingCycle": ONE_TIME,
        "currencyCode": "USD",
        "currencySymbol": "$",
        "lineItems": [
            {
                "lineItemNumber": i.number,
                "offerId": i.catalog_item_id,
                "subscriptionId": item.plan_id,
                "transactionType": "New",
                "friendlyName": i.friendly_name or AZURE_PLAN_NAME,
                "quantity": i.quantity,
                "links": {"subscription": link(f"{base}/subscriptions/{item.plan_id}")},
            }
            for i in item.line_items
        ],
        "creationDate": timestamp(item.created_at),
        "status": item.status.value,
        "transactionType": "UserPurchase",
        "links": {
            "self": link(f"{base}/orders/{item.id}"),
            "provisioningStatus": link(provisioning_status_uri(item)),
        },
        "attributes": {"objectType": "Order"},
    }


def provisioning_status_uri(item: Order) -> str:
    return f"/customers/{item.customer_tenant_id}/orders/{item.id}/provisioningstatus"


def provisioning_status(item: Order) -> Json:
    """`GET …/orders/{id}/provisioningstatus`: each line item's provisioning, which here
    finishes with the order (an Azure plan is one unit)."""
    status = _PROVISIONING_STATUS[item.status]
    items = [
        {
            "lineItemNumber": i.number,
            "status": status,
            "quantityProvisioningInformation": [{"quantity": i.quantity, "status": status}],
            "attributes": {"objectType": "OrderLineItemProvisioningStatus"},
        }
        for i in item.line_items
    ]
    return collection(items, provisioning_status_uri(item))


def checkout_result(item: Order) -> Json:
    return {
        "orders": [order(item)],
        "orderErrors": [],
        "attributes": {"objectType": "CartCheckoutResult"},
    }


def plan_subscription(plan: AzurePlan) -> Json:
    """The Azure plan as a Partner Center subscription."""
    base = f"/customers/{plan.customer_tenant_id}/subscriptions/{plan.id}"
    return {
        "id": plan.id,
        "offerId": f"{AZURE_PLAN_PRODUCT}:{AZURE_PLAN_SKU}",
        "offerName": AZURE_PLAN_NAME,
        "friendlyName": plan.friendly_name,
        "productType": {"id": "Azure", "displayName": "Azure"},
        "quantity": 1,
        "unitType": "Usage-based",
        "hasPurchasableAddons": False,
        "creationDate": timestamp(plan.created_at),
        "effectiveStartDate": timestamp(plan.created_at),
        "commitmentEndDate": NO_END,
        "status": plan.status.value,
        "autoRenewEnabled": False,
        "isTrial": False,
        "billingType": "usage",
        "billingCycle": ONE_TIME,
        "contractType": "subscription",
        "orderId": plan.order_id,
        "isMicrosoftProduct": True,
        "publisherName": "Microsoft Corporation",
        "links": {
            "entitlements": link(f"{base}/azureEntitlements"),
            "self": link(base),
        },
        "attributes": {"objectType": "Subscription"},
    }


def azure_entitlement(subscription: Subscription, plan: AzurePlan) -> Json:
    return {
        "id": subscription.id,
        "friendlyName": subscription.display_name,
        "status": _ENTITLEMENT_STATUS.get(subscription.state, "active"),
        "subscriptionId": plan.id,
        "attributes": {"objectType": "AzureEntitlement"},
    }
