"""Partner Center commerce: buying a customer's Azure plan (a cart and its checkout, or
an order), and reading back the orders, the plan (a Partner Center subscription) and
the Azure subscriptions under it (its Azure entitlements).

Rules, each checked in this order:
- the caller is a Global admin or Admin agent of a partner to buy (900150 otherwise;
  in Partner Center itself Sales agents may place orders too, but an Azure plan order
  creates an Azure subscription, which issue 4 reserves to Global admins and Admin
  agents), and any Partner Center role to read;
- the customer holds an active reseller relationship with that partner (20002);
- only the Azure plan is sold, quantity 1, billing cycle one_time (3000);
- one Azure plan per customer per partner: ordering another is refused with 409
  AzurePlanExists, naming the plan there is (a second order is a new purchase, not a
  retry; a retry is the same cart, whose second checkout is refused with 800065);
- the order provisions the plan's first Azure subscription, with the same rule (and in
  the same transaction) as any other CSP subscription (`csp_subscriptions.provision`),
  named after the line item's friendly name or "Microsoft Azure". That Partner Center
  creates this first subscription with the plan is reported by third-party documentation
  only [unverified]; later subscriptions are created through ARM aliases, as Partner
  Center's own documentation directs (it has no REST call that creates one).

An order completes at once (Partner Center may take up to 15 minutes to list it). Not
modelled: the Microsoft Customer Agreement attestation (13605), `MS-RequestId`
idempotency of POSTs, suspending a plan (900115).

    CspadminError
    ├── InvalidLineItems          400  3000
    ├── CartNotFound              404  1000
    ├── CartAlreadyCheckedOut     400  800065
    ├── OrderNotFound             404  20000
    ├── PlanNotFound              404  20003
    └── AzurePlanExists           409
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection

from cspadmin.authz.decision import Caller
from cspadmin.domain.commerce import (
    AZURE_PLAN_NAME,
    AzurePlan,
    Cart,
    LineItem,
    Order,
    first_subscription_name,
    refusal,
)
from cspadmin.domain.directory import Tenant
from cspadmin.domain.estate import Subscription
from cspadmin.domain.relationships import PartnerAction
from cspadmin.errors import CspadminError
from cspadmin.services.control_plane import Change, ControlPlane
from cspadmin.services.csp_subscriptions import Cause, Initiator, commerce_customer, provision
from cspadmin.services.partner_center import partner_for
from cspadmin.store.commerce import (
    check_out_cart,
    find_plan,
    get_cart,
    list_orders,
    save_cart,
    save_order,
    save_plan,
)
from cspadmin.store.estate import list_subscriptions

ORDER_WRITE = "Microsoft.PartnerCenter/customers/orders/write"


class InvalidLineItems(CspadminError):
    code = "3000"
    status = 400


class CartNotFound(CspadminError):
    code = "1000"
    status = 404

    def __init__(self, cart_id: str) -> None:
        super().__init__(f"Cart '{cart_id}' was not found for this customer.")


class CartAlreadyCheckedOut(CspadminError):
    code = "800065"
    status = 400

    def __init__(self, cart_id: str) -> None:
        super().__init__(f"Cart '{cart_id}' has already been checked out.")


class OrderNotFound(CspadminError):
    code = "20000"
    status = 404

    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order '{order_id}' was not found for this customer.")


class PlanNotFound(CspadminError):
    code = "20003"
    status = 404

    def __init__(self, subscription_id: str) -> None:
        super().__init__(f"Subscription '{subscription_id}' was not found for this customer.")


class AzurePlanExists(CspadminError):
    code = "AzurePlanExists"
    status = 409

    def __init__(self, plan: AzurePlan) -> None:
        super().__init__(
            f"The customer already has an Azure plan from this partner (subscription "
            f"'{plan.id}'). Create more Azure subscriptions under it instead."
        )
        self.plan = plan


class _PlanTaken(Exception):
    """A concurrent order created the customer's plan first; this one rolls back."""


@dataclass(frozen=True, slots=True)
class Purchase:
    order: Order
    plan: AzurePlan
    first_subscription: Subscription


# -- buying ----------------------------------------------------------------------------


def create_cart(
    plane: ControlPlane, initiator: Initiator, customer_id: str, items: list[LineItem]
) -> Cart:
    partner = partner_for(plane, initiator.caller, PartnerAction.ADMINISTER_CUSTOMERS)
    with plane.change() as change:
        customer = commerce_customer(change.connection, partner, customer_id)
        checked = _checked(items)
        cart = Cart(
            str(uuid.uuid4()),
            partner.id,
            customer.id,
            checked,
            plane.clock(),
            initiator.caller.object_id,
        )
        save_cart(change.connection, cart)
    return cart


def check_out(
    plane: ControlPlane, initiator: Initiator, customer_id: str, cart_id: str
) -> Purchase:
    partner = partner_for(plane, initiator.caller, PartnerAction.ADMINISTER_CUSTOMERS)
    try:
        with plane.change() as change:
            customer = commerce_customer(change.connection, partner, customer_id)
            cart = _own_cart(change.connection, partner, customer, cart_id)
            order_id = str(uuid.uuid4())
            if not check_out_cart(change.connection, cart.id, order_id):
                raise CartAlreadyCheckedOut(cart_id)
            return _buy(change, plane, initiator, partner, customer, order_id, cart.line_items)
    except _PlanTaken:
        return _refuse_second_plan(plane, partner, customer_id)


def place_order(
    plane: ControlPlane, initiator: Initiator, customer_id: str, items: list[LineItem]
) -> Purchase:
    partner = partner_for(plane, initiator.caller, PartnerAction.ADMINISTER_CUSTOMERS)
    try:
        with plane.change() as change:
            customer = commerce_customer(change.connection, partner, customer_id)
            checked = _checked(items)
            order_id = str(uuid.uuid4())
            return _buy(change, plane, initiator, partner, customer, order_id, checked)
    except _PlanTaken:
        return _refuse_second_plan(plane, partner, customer_id)


def _buy(
    change: Change,
    plane: ControlPlane,
    initiator: Initiator,
    partner: Tenant,
    customer: Tenant,
    order_id: str,
    items: tuple[LineItem, ...],
) -> Purchase:
    existing = find_plan(change.connection, partner.id, customer.id)
    if existing is not None:
        raise AzurePlanExists(existing)
    now = plane.clock()
    plan = AzurePlan(str(uuid.uuid4()), partner.id, customer.id, order_id, AZURE_PLAN_NAME, now)
    if not save_plan(change.connection, plan):
        raise _PlanTaken()
    order = Order(
        order_id, partner.id, customer.id, items, now, initiator.caller.object_id, plan.id
    )
    save_order(change.connection, order)
    cause = Cause(ORDER_WRITE, f"/customers/{customer.id}/orders/{order_id}")
    made = provision(
        change, initiator, partner, customer.id, first_subscription_name(items), cause, now
    )
    return Purchase(order, plan, made.subscription)


def _refuse_second_plan(plane: ControlPlane, partner: Tenant, customer_id: str) -> Purchase:
    with plane.database.connect() as connection:
        customer = commerce_customer(connection, partner, customer_id)
        plan = find_plan(connection, partner.id, customer.id)
    assert plan is not None
    raise AzurePlanExists(plan)


def _checked(items: list[LineItem]) -> tuple[LineItem, ...]:
    if not items:
        raise InvalidLineItems("An order needs at least one line item.")
    if len(items) > 1:
        raise InvalidLineItems("An order buys one Azure plan: give exactly one line item.")
    for item in items:
        wrong = refusal(item)
        if wrong is not None:
            raise InvalidLineItems(f"Line item {item.number} cannot be bought: {wrong.value}.")
    return tuple(items)


def _own_cart(connection: Connection, partner: Tenant, customer: Tenant, cart_id: str) -> Cart:
    """The partner's cart for this customer. Any other id, or a cart of another partner or
    customer, is not found: a partner never learns of carts it does not own."""
    cart = get_cart(connection, cart_id) if _is_id(cart_id) else None
    if cart is None or (cart.partner_tenant_id, cart.customer_tenant_id) != (
        partner.id,
        customer.id,
    ):
        raise CartNotFound(cart_id)
    return cart


def _is_id(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


# -- reading ---------------------------------------------------------------------------


def get_customer_cart(plane: ControlPlane, caller: Caller, customer_id: str, cart_id: str) -> Cart:
    partner = partner_for(plane, caller, PartnerAction.VIEW_CUSTOMERS)
    with plane.database.connect() as connection:
        customer = commerce_customer(connection, partner, customer_id)
        return _own_cart(connection, partner, customer, cart_id)


def customer_orders(plane: ControlPlane, caller: Caller, customer_id: str) -> list[Order]:
    partner = partner_for(plane, caller, PartnerAction.VIEW_CUSTOMERS)
    with plane.database.connect() as connection:
        customer = commerce_customer(connection, partner, customer_id)
        return list_orders(connection, partner.id, customer.id)


def customer_order(plane: ControlPlane, caller: Caller, customer_id: str, order_id: str) -> Order:
    for order in customer_orders(plane, caller, customer_id):
        if order.id == order_id.lower():
            return order
    raise OrderNotFound(order_id)


def customer_plans(plane: ControlPlane, caller: Caller, customer_id: str) -> list[AzurePlan]:
    """The customer's Partner Center subscriptions from this partner: its Azure plan."""
    partner = partner_for(plane, caller, PartnerAction.VIEW_CUSTOMERS)
    with plane.database.connect() as connection:
        customer = commerce_customer(connection, partner, customer_id)
        plan = find_plan(connection, partner.id, customer.id)
    return [plan] if plan else []


def customer_plan(plane: ControlPlane, caller: Caller, customer_id: str, plan_id: str) -> AzurePlan:
    for plan in customer_plans(plane, caller, customer_id):
        if plan.id == plan_id.lower():
            return plan
    raise PlanNotFound(plan_id)


def entitlements(
    plane: ControlPlane, caller: Caller, customer_id: str, plan_id: str
) -> tuple[AzurePlan, list[Subscription]]:
    """The plan and the Azure subscriptions under it: every CSP subscription the partner
    holds in the customer's tenant (one that left the tenant or CSP is no longer one)."""
    plan = customer_plan(plane, caller, customer_id, plan_id)
    with plane.database.connect() as connection:
        found = list_subscriptions(connection, plan.customer_tenant_id)
    return plan, [s for s in found if s.csp_partner_tenant_id == plan.partner_tenant_id]
