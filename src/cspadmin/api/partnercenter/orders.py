"""Buying a customer's Azure plan in Partner Center: carts, their checkout, and orders.

    POST /v1/customers/{cid}/carts                     201 Cart
    GET  /v1/customers/{cid}/carts/{cartId}            Cart
    POST /v1/customers/{cid}/carts/{cartId}/checkout   201 CartCheckoutResult
    POST /v1/customers/{cid}/orders                    201 Order
    GET  /v1/customers/{cid}/orders[/{orderId}]        Collection of Order, or one
    GET  /v1/customers/{cid}/orders/{orderId}/provisioningstatus
                                                       Collection of
                                                       OrderLineItemProvisioningStatus

The rules (who may buy, for whom, what, how many plans) are `services.azure_plans`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from cspadmin.api.activity import PARTNER_CENTER_CORRELATION, note_operation
from cspadmin.api.auth import Principal, initiator
from cspadmin.api.partnercenter import commerce_wire as shapes
from cspadmin.api.partnercenter.auth import PartnerCenterPrincipal
from cspadmin.api.partnercenter.wire import Json, collection
from cspadmin.api.state import state_of
from cspadmin.services import azure_plans as service
from cspadmin.services.azure_plans import ORDER_WRITE
from cspadmin.services.csp_subscriptions import Initiator

router = APIRouter()
JsonBody = Annotated[Any, Body()]
CART_WRITE = "Microsoft.PartnerCenter/customers/carts/write"


def _initiator(request: Request, principal: Principal) -> Initiator:
    return initiator(request, principal, PARTNER_CENTER_CORRELATION)


def _created(body: Json) -> JSONResponse:
    return JSONResponse(body, status_code=201)


@router.post("/customers/{customer_id}/carts")
def create_cart(
    customer_id: str, request: Request, principal: PartnerCenterPrincipal, body: JsonBody
) -> JSONResponse:
    note_operation(request, CART_WRITE, f"/customers/{customer_id}/carts")
    items = shapes.line_items(body, catalog_key="catalogItemId", number_key="id")
    plane = state_of(request).plane
    cart = service.create_cart(plane, _initiator(request, principal), customer_id, items)
    note_operation(request, CART_WRITE, f"/customers/{cart.customer_tenant_id}/carts/{cart.id}")
    return _created(shapes.cart(cart))


@router.get("/customers/{customer_id}/carts/{cart_id}")
def get_cart(
    customer_id: str, cart_id: str, request: Request, principal: PartnerCenterPrincipal
) -> Json:
    plane = state_of(request).plane
    return shapes.cart(service.get_customer_cart(plane, principal.caller, customer_id, cart_id))


@router.post("/customers/{customer_id}/carts/{cart_id}/checkout")
def check_out(
    customer_id: str, cart_id: str, request: Request, principal: PartnerCenterPrincipal
) -> JSONResponse:
    note_operation(request, ORDER_WRITE, f"/customers/{customer_id}/carts/{cart_id}")
    plane = state_of(request).plane
    bought = service.check_out(plane, _initiator(request, principal), customer_id, cart_id)
    order = bought.order
    note_operation(request, ORDER_WRITE, f"/customers/{order.customer_tenant_id}/orders/{order.id}")
    return _created(shapes.checkout_result(order))


@router.post("/customers/{customer_id}/orders")
def place_order(
    customer_id: str, request: Request, principal: PartnerCenterPrincipal, body: JsonBody
) -> JSONResponse:
    note_operation(request, ORDER_WRITE, f"/customers/{customer_id}/orders")
    items = shapes.order_request(body, customer_id)
    plane = state_of(request).plane
    bought = service.place_order(plane, _initiator(request, principal), customer_id, items)
    order = bought.order
    note_operation(request, ORDER_WRITE, f"/customers/{order.customer_tenant_id}/orders/{order.id}")
    return _created(shapes.order(order))


@router.get("/customers/{customer_id}/orders")
def list_orders(customer_id: str, request: Request, principal: PartnerCenterPrincipal) -> Json:
    plane = state_of(request).plane
    found = service.customer_orders(plane, principal.caller, customer_id)
    return collection([shapes.order(o) for o in found], f"/customers/{customer_id}/orders")


@router.get("/customers/{customer_id}/orders/{order_id}")
def get_order(
    customer_id: str, order_id: str, request: Request, principal: PartnerCenterPrincipal
) -> Json:
    plane = state_of(request).plane
    return shapes.order(service.customer_order(plane, principal.caller, customer_id, order_id))


@router.get("/customers/{customer_id}/orders/{order_id}/provisioningstatus")
def get_provisioning_status(
    customer_id: str, order_id: str, request: Request, principal: PartnerCenterPrincipal
) -> Json:
    plane = state_of(request).plane
    order = service.customer_order(plane, principal.caller, customer_id, order_id)
    return shapes.provisioning_status(order)
