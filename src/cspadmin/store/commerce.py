"""Azure plans, and the carts and orders that bought them, in the store.

One plan per (partner, customer) is enforced by a unique index, so two concurrent
orders cannot both create one: the second insert fails and its transaction rolls back.
Saving the same plan, order or cart again leaves its one row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select, update
from sqlalchemy.exc import IntegrityError

from cspadmin.domain.commerce import AzurePlan, Cart, LineItem, Order, OrderStatus, PlanStatus
from cspadmin.store import schema as t
from cspadmin.store.upsert import upsert


def _items_json(items: tuple[LineItem, ...]) -> list[dict[str, Any]]:
    return [
        {
            "number": i.number,
            "catalogItemId": i.catalog_item_id,
            "quantity": i.quantity,
            "friendlyName": i.friendly_name,
            "billingCycle": i.billing_cycle,
        }
        for i in items
    ]


def _items(data: list[dict[str, Any]]) -> tuple[LineItem, ...]:
    return tuple(
        LineItem(
            d["number"], d["catalogItemId"], d["quantity"], d["friendlyName"], d["billingCycle"]
        )
        for d in data
    )


# -- plans ---------------------------------------------------------------------------


def save_plan(connection: Connection, plan: AzurePlan) -> bool:
    """Insert the plan; False when the partner already has one for the customer (a
    concurrent order won), leaving the caller's transaction usable."""
    savepoint = connection.begin_nested()
    try:
        _insert_plan(connection, plan)
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def _insert_plan(connection: Connection, plan: AzurePlan) -> None:
    connection.execute(
        t.azure_plans.insert(),
        [
            {
                "id": plan.id,
                "partner_tenant_id": plan.partner_tenant_id,
                "customer_tenant_id": plan.customer_tenant_id,
                "order_id": plan.order_id,
                "friendly_name": plan.friendly_name,
                "status": plan.status.value,
                "created_at": plan.created_at,
            }
        ],
    )


def _plan(row: Row[Any]) -> AzurePlan:
    return AzurePlan(
        row.id,
        row.partner_tenant_id,
        row.customer_tenant_id,
        row.order_id,
        row.friendly_name,
        row.created_at,
        PlanStatus(row.status),
    )


def find_plan(connection: Connection, partner_id: str, customer_id: str) -> AzurePlan | None:
    """The partner's Azure plan for the customer, if it has bought one."""
    p = t.azure_plans.c
    row = connection.execute(
        select(t.azure_plans).where(
            (p.partner_tenant_id == partner_id) & (p.customer_tenant_id == customer_id)
        )
    ).first()
    return _plan(row) if row else None


def plans_of_partner(connection: Connection, partner_id: str) -> list[AzurePlan]:
    p = t.azure_plans.c
    rows = connection.execute(
        select(t.azure_plans).where(p.partner_tenant_id == partner_id).order_by(p.created_at)
    )
    return [_plan(row) for row in rows]


# -- orders --------------------------------------------------------------------------


def save_order(connection: Connection, order: Order) -> None:
    """Record the order; saving it again leaves the one row (an order is never edited)."""
    upsert(
        connection,
        t.orders,
        [
            {
                "id": order.id,
                "partner_tenant_id": order.partner_tenant_id,
                "customer_tenant_id": order.customer_tenant_id,
                "line_items": _items_json(order.line_items),
                "status": order.status.value,
                "plan_id": order.plan_id,
                "created_at": order.created_at,
                "created_by": order.created_by,
            }
        ],
        ["id"],
        update=False,
    )


def _order(row: Row[Any]) -> Order:
    return Order(
        row.id,
        row.partner_tenant_id,
        row.customer_tenant_id,
        _items(row.line_items),
        row.created_at,
        row.created_by,
        row.plan_id,
        OrderStatus(row.status),
    )


def list_orders(connection: Connection, partner_id: str, customer_id: str) -> list[Order]:
    o = t.orders.c
    rows = connection.execute(
        select(t.orders)
        .where((o.partner_tenant_id == partner_id) & (o.customer_tenant_id == customer_id))
        .order_by(o.created_at, o.id)
    )
    return [_order(row) for row in rows]


# -- carts ---------------------------------------------------------------------------


def save_cart(connection: Connection, cart: Cart) -> None:
    """Record the cart; saving it again leaves the stored row as it is, so a copy taken
    before checkout cannot undo the checkout (`check_out_cart` is the only change)."""
    upsert(
        connection,
        t.carts,
        [
            {
                "id": cart.id,
                "partner_tenant_id": cart.partner_tenant_id,
                "customer_tenant_id": cart.customer_tenant_id,
                "line_items": _items_json(cart.line_items),
                "created_at": cart.created_at,
                "created_by": cart.created_by,
                "order_id": cart.order_id,
            }
        ],
        ["id"],
        update=False,
    )


def get_cart(connection: Connection, cart_id: str) -> Cart | None:
    row = connection.execute(select(t.carts).where(t.carts.c.id == cart_id)).first()
    if row is None:
        return None
    return Cart(
        row.id,
        row.partner_tenant_id,
        row.customer_tenant_id,
        _items(row.line_items),
        row.created_at,
        row.created_by,
        row.order_id,
    )


def check_out_cart(connection: Connection, cart_id: str, order_id: str) -> bool:
    """Mark the cart checked out by `order_id`; False when it already was (a concurrent
    checkout won), so the caller's transaction can be abandoned."""
    c = t.carts.c
    done = connection.execute(
        update(t.carts).where((c.id == cart_id) & c.order_id.is_(None)).values(order_id=order_id)
    )
    return done.rowcount == 1
