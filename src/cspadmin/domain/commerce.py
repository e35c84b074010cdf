"""What a partner buys for a customer in Partner Center: the Azure plan, through a cart
or an order.

Only one product is sold here, the Azure plan (product DZH318Z0BPS6, SKU 0001): a
container, one per customer and partner, under which the partner creates Azure
subscriptions. A catalog item id is `{product}:{sku}:{availability}`; the availability
part varies by market and is read from Partner Center's catalogue, so any availability
of DZH318Z0BPS6:0001 is accepted (partner-center-wire.md §5).

Pure: no I/O. The rules that need the store (relationship, one plan per customer) are in
`services.azure_plans`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

AZURE_PLAN_PRODUCT = "DZH318Z0BPS6"
AZURE_PLAN_SKU = "0001"
AZURE_PLAN_CATALOG_ITEM = f"{AZURE_PLAN_PRODUCT}:{AZURE_PLAN_SKU}:DZH318Z0BML6"
"""The catalog item id seen in Partner Center's own examples (availability DZH318Z0BML6)."""
AZURE_PLAN_NAME = "Azure plan"
FIRST_SUBSCRIPTION_NAME = "Microsoft Azure"
"""What the Azure subscription a plan order provisions is called when the order does not
name it (Partner Center's entitlement examples show this friendly name)."""
ONE_TIME = "one_time"
"""The Azure plan's only billing cycle (`supportedBillingCycles: ["one_time"]`)."""
MAX_FRIENDLY_NAME = 64


class CommerceRefusal(enum.Enum):
    """Why a line item cannot be bought, in the order Partner Center would report it."""

    NOT_AN_AZURE_PLAN = "only the Azure plan (catalog item DZH318Z0BPS6:0001:…) is sold here"
    QUANTITY = "the Azure plan is bought with quantity 1"
    BILLING_CYCLE = "the Azure plan's billing cycle is one_time"
    FRIENDLY_NAME = f"a friendly name is 1 to {MAX_FRIENDLY_NAME} printable characters"


@dataclass(frozen=True, slots=True)
class LineItem:
    """One thing to buy, as a cart line item or an order line item carries it."""

    number: int
    catalog_item_id: str
    quantity: int = 1
    friendly_name: str | None = None
    billing_cycle: str = ONE_TIME


@dataclass(frozen=True, slots=True)
class Cart:
    id: str
    partner_tenant_id: str
    customer_tenant_id: str
    line_items: tuple[LineItem, ...]
    created_at: datetime
    created_by: str
    order_id: str | None = None
    """Set once checked out: a cart is checked out at most once."""


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    partner_tenant_id: str
    customer_tenant_id: str
    line_items: tuple[LineItem, ...]
    created_at: datetime
    created_by: str
    plan_id: str
    """The Partner Center subscription (the Azure plan) the order created."""
    status: OrderStatus = OrderStatus.COMPLETED


class PlanStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


@dataclass(frozen=True, slots=True)
class AzurePlan:
    """The Partner Center subscription for a customer's Azure plan; its Azure
    subscriptions (entitlements) are the partner's CSP subscriptions in that tenant."""

    id: str
    partner_tenant_id: str
    customer_tenant_id: str
    order_id: str
    friendly_name: str
    created_at: datetime
    status: PlanStatus = PlanStatus.ACTIVE


def is_azure_plan(catalog_item_id: str) -> bool:
    """Whether a catalog item (or offer) id names the Azure plan, any availability."""
    parts = catalog_item_id.strip().upper().split(":")
    return len(parts) in (2, 3) and parts[:2] == [AZURE_PLAN_PRODUCT, AZURE_PLAN_SKU]


def refusal(item: LineItem) -> CommerceRefusal | None:
    """What is wrong with buying `item`, or None when it can be bought."""
    if not is_azure_plan(item.catalog_item_id):
        return CommerceRefusal.NOT_AN_AZURE_PLAN
    if item.quantity != 1:
        return CommerceRefusal.QUANTITY
    if item.billing_cycle.lower() != ONE_TIME:
        return CommerceRefusal.BILLING_CYCLE
    if item.friendly_name is not None and not is_friendly_name(item.friendly_name):
        return CommerceRefusal.FRIENDLY_NAME
    return None


def is_friendly_name(text: str) -> bool:
    return 0 < len(text.strip()) <= MAX_FRIENDLY_NAME and text.isprintable()


def first_subscription_name(items: tuple[LineItem, ...]) -> str:
    """The display name of the Azure subscription a plan order provisions."""
    named = next((i.friendly_name.strip() for i in items if i.friendly_name), None)
    return named or FIRST_SUBSCRIPTION_NAME
