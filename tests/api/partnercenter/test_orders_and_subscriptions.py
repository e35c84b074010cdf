"""Partner Center commerce over HTTP: buying a customer's Azure plan through a cart or an
order, and reading back orders, the plan (a Partner Center subscription) and its Azure
entitlements, in Partner Center's envelope and error codes.

Runs on SQLite and PostgreSQL over the demo world plus Tailwind Partner, a partner with
no customers (tests/csp_fixtures.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from cspadmin.domain.commerce import AZURE_PLAN_CATALOG_ITEM
from cspadmin.services.world import demo_world_path
from cspadmin.store import schema as t
from cspadmin.store.database import Database
from tests.api.conftest import ENDPOINTS, Api, make_api
from tests.api.partnercenter.conftest import CONTOSO, FABRIKAM, PC, WWI, auth
from tests.csp_fixtures import GINA, load_tailwind

ALICE = "alice@fabrikampartner.onmicrosoft.com"
SAM = "sam@fabrikampartner.onmicrosoft.com"
HARRY = "harry@fabrikampartner.onmicrosoft.com"
PLAN_ITEM = {"id": 0, "catalogItemId": AZURE_PLAN_CATALOG_ITEM, "quantity": 1}
ORDER_ITEM = {"lineItemNumber": 0, "offerId": AZURE_PLAN_CATALOG_ITEM, "quantity": 1}


@pytest.fixture
def csp_api(database: Database, key_dir: Path, tmp_path: Path) -> Iterator[Api]:
    load_tailwind(database, tmp_path)
    api = make_api(database, key_dir, demo_world_path())
    with api.client:
        yield api


def post(api: Api, path: str, body: Any, user: str = ALICE) -> httpx.Response:
    response: httpx.Response = api.client.post(f"{PC}{path}", json=body, headers=auth(api, user))
    return response


def get(api: Api, path: str, user: str = ALICE) -> httpx.Response:
    response: httpx.Response = api.client.get(f"{PC}{path}", headers=auth(api, user))
    return response


def buy(api: Api, customer: str = CONTOSO, name: str | None = None) -> Any:
    item = dict(PLAN_ITEM, friendlyName=name) if name else PLAN_ITEM
    cart = post(api, f"/customers/{customer}/carts", {"lineItems": [item]})
    assert cart.status_code == 201, cart.text
    checkout = post(api, f"/customers/{customer}/carts/{cart.json()['id']}/checkout", None)
    assert checkout.status_code == 201, checkout.text
    [order] = checkout.json()["orders"]
    return order


def rows(api: Api) -> tuple[int, ...]:
    with api.plane.database.connect() as connection:
        return tuple(
            connection.scalar(select(func.count()).select_from(table)) or 0
            for table in (t.carts, t.orders, t.azure_plans, t.subscriptions, t.role_assignments)
        )


def test_a_cart_checkout_buys_the_azure_plan(csp_api: Api) -> None:
    cart = post(csp_api, f"/customers/{CONTOSO}/carts", {"lineItems": [PLAN_ITEM]})
    assert cart.status_code == 201
    assert cart.json()["attributes"] == {"objectType": "Cart"}
    [line] = cart.json()["lineItems"]
    assert (line["catalogItemId"], line["billingCycle"]) == (AZURE_PLAN_CATALOG_ITEM, "one_time")

    checkout = post(csp_api, f"/customers/{CONTOSO}/carts/{cart.json()['id']}/checkout", None)

    assert checkout.status_code == 201
    result = checkout.json()
    assert result["attributes"] == {"objectType": "CartCheckoutResult"}
    [order] = result["orders"]
    assert (order["referenceCustomerId"], order["status"]) == (CONTOSO, "completed")
    [item] = order["lineItems"]
    assert item["offerId"] == AZURE_PLAN_CATALOG_ITEM
    listed = get(csp_api, f"/customers/{CONTOSO}/orders").json()
    assert [o["id"] for o in listed["items"]] == [order["id"]]
    one = get(csp_api, f"/customers/{CONTOSO}/orders/{order['id']}")
    assert one.status_code == 200 and one.json()["id"] == order["id"]


def test_the_plan_is_a_partner_center_subscription_with_azure_entitlements(
    csp_api: Api,
) -> None:
    order = buy(csp_api, name="Contoso Azure")
    plan_id = order["lineItems"][0]["subscriptionId"]

    listed = get(csp_api, f"/customers/{CONTOSO}/subscriptions").json()
    [plan] = listed["items"]
    assert (plan["id"], plan["offerId"], plan["status"]) == (plan_id, "DZH318Z0BPS6:0001", "active")
    assert plan["orderId"] == order["id"]
    assert plan["attributes"] == {"objectType": "Subscription"}
    assert get(csp_api, f"/customers/{CONTOSO}/subscriptions/{plan_id}").json() == plan

    entitled = get(csp_api, f"/customers/{CONTOSO}/subscriptions/{plan_id}/azureEntitlements")
    assert entitled.status_code == 200
    items = entitled.json()["items"]
    names = {e["friendlyName"] for e in items}
    assert "Contoso Azure" in names
    assert {"Contoso Production", "Contoso Dev-Test"} <= names  # the partner's CSP subscriptions
    assert {e["subscriptionId"] for e in items} == {plan_id}


def links_in(body: Any) -> list[dict[str, Any]]:
    """Every link a Partner Center response advertises, at any depth (its own, its
    items', its line items')."""
    if isinstance(body, list):
        return [found for item in body for found in links_in(item)]
    if not isinstance(body, dict):
        return []
    own = body.get("links")
    found = list(own.values()) if isinstance(own, dict) else []
    return found + [link for key, v in body.items() if key != "links" for link in links_in(v)]


@pytest.mark.parametrize("user", [ALICE, SAM])
def test_every_link_a_commerce_response_advertises_answers_its_caller(
    csp_api: Api, user: str
) -> None:
    """Following links from carts, orders and subscriptions, and from what they lead to,
    never reaches a route that is not served (sam may read what alice bought)."""
    cart = post(csp_api, f"/customers/{CONTOSO}/carts", {"lineItems": [PLAN_ITEM]}).json()
    checkout = post(csp_api, f"/customers/{CONTOSO}/carts/{cart['id']}/checkout", None).json()
    pending: list[Any] = [cart, checkout]
    pending += [
        get(csp_api, f"/customers/{CONTOSO}/{what}", user).json()
        for what in ("orders", "subscriptions")
    ]
    followed: set[str] = set()
    while pending:
        for link in links_in(pending.pop()):
            assert link["method"] == "GET"
            if link["uri"] in followed:
                continue
            followed.add(link["uri"])
            answer = get(csp_api, link["uri"], user)
            assert answer.status_code == 200, (link["uri"], answer.text)
            pending.append(answer.json())
    order, plan = (
        checkout["orders"][0]["id"],
        checkout["orders"][0]["lineItems"][0]["subscriptionId"],
    )
    assert {
        f"/customers/{CONTOSO}/carts/{cart['id']}",
        f"/customers/{CONTOSO}/orders/{order}/provisioningstatus",
        f"/customers/{CONTOSO}/subscriptions/{plan}/azureEntitlements",
    } <= followed


def test_an_orders_provisioning_status_reports_each_line_item_fulfilled(csp_api: Api) -> None:
    order = buy(csp_api)
    status = get(csp_api, f"/customers/{CONTOSO}/orders/{order['id']}/provisioningstatus")
    assert status.status_code == 200, status.text
    assert status.json()["attributes"] == {"objectType": "Collection"}
    assert status.json()["items"] == [
        {
            "lineItemNumber": 0,
            "status": "fulfilled",
            "quantityProvisioningInformation": [{"quantity": 1, "status": "fulfilled"}],
            "attributes": {"objectType": "OrderLineItemProvisioningStatus"},
        }
    ]
    unknown = "3c6f2530-1e31-4088-8230-dd1c31a18bce"
    missing = get(csp_api, f"/customers/{CONTOSO}/orders/{unknown}/provisioningstatus")
    assert (missing.status_code, missing.json()["code"]) == (404, 20000)
    outsider = csp_api.token(*GINA, audience=ENDPOINTS.partner_center)
    foreign = csp_api.client.get(
        f"{PC}/customers/{CONTOSO}/orders/{order['id']}/provisioningstatus",
        headers={"Authorization": f"Bearer {outsider}"},
    )
    assert (foreign.status_code, foreign.json()["code"]) == (403, 20002)


def test_an_order_buys_the_plan_too(csp_api: Api) -> None:
    body = {"LineItems": [{"LineItemNumber": 0, "OfferId": AZURE_PLAN_CATALOG_ITEM, "Quantity": 1}]}
    created = post(csp_api, f"/customers/{CONTOSO}/orders", body)
    assert created.status_code == 201, created.text
    assert created.json()["attributes"] == {"objectType": "Order"}
    assert len(get(csp_api, f"/customers/{CONTOSO}/subscriptions").json()["items"]) == 1


def test_a_second_plan_for_the_same_customer_is_refused(csp_api: Api) -> None:
    buy(csp_api)
    before = rows(csp_api)

    again = post(csp_api, f"/customers/{CONTOSO}/orders", {"lineItems": [ORDER_ITEM]})

    assert again.status_code == 409
    assert again.json()["data"] == ["AzurePlanExists"]
    assert rows(csp_api) == before


def test_a_cart_checks_out_once(csp_api: Api) -> None:
    cart = post(csp_api, f"/customers/{CONTOSO}/carts", {"lineItems": [PLAN_ITEM]}).json()
    assert (
        post(csp_api, f"/customers/{CONTOSO}/carts/{cart['id']}/checkout", None).status_code == 201
    )
    again = post(csp_api, f"/customers/{CONTOSO}/carts/{cart['id']}/checkout", None)
    assert (again.status_code, again.json()["code"]) == (400, 800065)


@pytest.mark.parametrize("user", [SAM, HARRY])
def test_sales_and_helpdesk_agents_may_look_but_not_buy(csp_api: Api, user: str) -> None:
    before = rows(csp_api)
    refused = post(csp_api, f"/customers/{CONTOSO}/carts", {"lineItems": [PLAN_ITEM]}, user)
    assert (refused.status_code, refused.json()["code"]) == (403, 900150)
    assert rows(csp_api) == before
    assert get(csp_api, f"/customers/{CONTOSO}/orders", user).status_code == 200


def test_a_partner_without_a_reseller_relationship_is_refused_and_nothing_is_created(
    csp_api: Api,
) -> None:
    before = rows(csp_api)
    token = csp_api.token(*GINA, audience=ENDPOINTS.partner_center)
    gina = {"Authorization": f"Bearer {token}"}
    refused = csp_api.client.post(
        f"{PC}/customers/{CONTOSO}/orders", json={"lineItems": [ORDER_ITEM]}, headers=gina
    )
    assert (refused.status_code, refused.json()["code"]) == (403, 20002)
    assert "commerce relationship" in refused.json()["description"]
    assert rows(csp_api) == before


def test_a_customer_without_delegated_admin_privileges_can_still_buy(csp_api: Api) -> None:
    """The reseller relationship is what counts for commerce, not DAP."""
    order = buy(csp_api, WWI)
    assert order["referenceCustomerId"] == WWI


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/customers/not-a-guid/orders", 400, 900118),
        (f"/customers/{CONTOSO}/orders/3c6f2530-1e31-4088-8230-dd1c31a18bce", 404, 20000),
        (f"/customers/{CONTOSO}/subscriptions/3c6f2530-1e31-4088-8230-dd1c31a18bce", 404, 20003),
        (f"/customers/{CONTOSO}/carts/nope", 404, 1000),
        (f"/customers/{FABRIKAM}/orders", 403, 20002),
    ],
)
def test_reads_that_name_nothing_are_partner_center_errors(
    csp_api: Api, path: str, status: int, code: int
) -> None:
    response = get(csp_api, path)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["source"] == "PartnerFD"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, 800002),
        ({"lineItems": "plan"}, 800002),
        ({"lineItems": [7]}, 800002),
        ({"lineItems": [{"catalogItemId": AZURE_PLAN_CATALOG_ITEM}]}, 800002),
        ({"lineItems": [{**PLAN_ITEM, "quantity": True}]}, 800002),
        ({"lineItems": [{**PLAN_ITEM, "friendlyName": 5}]}, 800002),
        ({"lineItems": []}, 3000),
        ({"lineItems": [PLAN_ITEM, PLAN_ITEM]}, 3000),
        ({"lineItems": [{**PLAN_ITEM, "quantity": 3}]}, 3000),
        ({"lineItems": [{**PLAN_ITEM, "catalogItemId": "DG7GMGF0DWTL:0001:DG7GMGF0DSJB"}]}, 3000),
        ({"lineItems": [{**PLAN_ITEM, "billingCycle": "monthly"}]}, 3000),
    ],
)
def test_a_hostile_cart_is_refused_and_changes_nothing(csp_api: Api, body: Any, code: int) -> None:
    before = rows(csp_api)
    response = post(csp_api, f"/customers/{CONTOSO}/carts", body)
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert rows(csp_api) == before
