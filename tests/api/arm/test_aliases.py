"""CSP subscriptions over ARM: the partner's billing account and customers
(Microsoft.Billing), subscription aliases with a customer's billing scope
(Microsoft.Subscription), and moving a subscription to another tenant by offering it
with an alias and accepting its ownership there.

Runs on SQLite and PostgreSQL over the demo world plus Tailwind Partner, a partner with
no customers (tests/csp_fixtures.py). alice is a Global admin and admin agent of
Fabrikam, which resells to Contoso (bob owns Contoso Production, carol reads rg-web) with
DAP and to Wide World Importers (walter) without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from cspadmin.domain.commerce import AZURE_PLAN_CATALOG_ITEM
from cspadmin.domain.csp import OwnershipOffer, SubscriptionAlias, billing_account_name
from cspadmin.services.world import demo_world_path
from cspadmin.store import schema as t
from cspadmin.store.aliases import save_alias
from cspadmin.store.assignments import list_role_assignments
from cspadmin.store.database import Database
from cspadmin.store.directory import get_user
from tests.api.arm.test_activity_log import events, window
from tests.api.arm.test_resource_groups import ALICE, BOB, CAROL, PROD, Arm, error_code
from tests.api.conftest import ENDPOINTS, Api, make_api
from tests.api.partnercenter.conftest import CONTOSO, FABRIKAM, PC, WWI, sign_in
from tests.csp_fixtures import GINA, TAILWIND, load_tailwind

SAM = ("sam@fabrikampartner.onmicrosoft.com", "Sam-pass-1")
HARRY = ("harry@fabrikampartner.onmicrosoft.com", "Harry-pass-1")
WALTER = ("walter@wideworldimporters.onmicrosoft.com", "Walter-pass-1")
WENDY = ("wendy@wideworldimporters.onmicrosoft.com", "Wendy-pass-1")
WWI_DOMAIN = "wideworldimporters.onmicrosoft.com"
ADMIN_AGENTS = "a9e1d7c3-5b4f-4e2a-8d6c-000000000001"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
ALIASES = "/providers/Microsoft.Subscription/aliases"
OWNERSHIP = f"/providers/Microsoft.Subscription/subscriptions/{PROD}"
ACCOUNTS = "/providers/Microsoft.Billing/billingAccounts"
VERSION = "2021-10-01"
BILLING_VERSION = "2020-05-01"
ACCOUNT = billing_account_name(FABRIKAM)


@pytest.fixture
def csp_api(database: Database, key_dir: Path, tmp_path: Path) -> Iterator[Api]:
    load_tailwind(database, tmp_path)
    api = make_api(database, key_dir, demo_world_path())
    with api.client:
        yield api


def billing_scope(customer: str, account: str = ACCOUNT) -> str:
    return f"{ACCOUNTS}/{account}/customers/{customer}"


def order_plan(api: Api, customer: str = CONTOSO) -> None:
    token = api.token(*ALICE, audience=ENDPOINTS.partner_center)
    body = {"lineItems": [{"lineItemNumber": 0, "offerId": AZURE_PLAN_CATALOG_ITEM, "quantity": 1}]}
    response = api.client.post(
        f"{PC}/customers/{customer}/orders", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text


def partner(api: Api, who: tuple[str, str] = ALICE) -> Arm:
    """A partner user signed in to its own tenant, as aliases and billing need."""
    return Arm(api, who, who[0].split("@")[1])


def put_alias(
    caller: Arm, name: str, properties: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    return caller.call(
        "PUT", f"{ALIASES}/{name}", {"properties": properties}, version=VERSION, headers=headers
    )


def new_subscription(customer: str = CONTOSO, name: str = "Contoso Analytics") -> dict[str, Any]:
    return {"displayName": name, "billingScope": billing_scope(customer), "workload": "Production"}


def subscriptions_of(caller: Arm) -> dict[str, Any]:
    """`GET /subscriptions` as the caller, by subscription id."""
    listed = caller.call("GET", "/subscriptions", version="2022-12-01").json()["value"]
    return {s["subscriptionId"]: s for s in listed}


def assignments_at(subscription: str) -> str:
    return f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleAssignments"


def rows(api: Api) -> tuple[int, ...]:
    with api.plane.database.connect() as connection:
        return tuple(
            connection.scalar(select(func.count()).select_from(table)) or 0
            for table in (t.subscriptions, t.role_assignments, t.subscription_aliases)
        )


def oid(api: Api, upn: str) -> str:
    with api.plane.database.connect() as connection:
        user = get_user(connection, upn)
    assert user is not None
    return user.id


# -- billing ---------------------------------------------------------------------------


def test_the_partner_sees_its_partner_agreement_billing_account(csp_api: Api) -> None:
    listed = partner(csp_api).call("GET", ACCOUNTS, version=BILLING_VERSION)
    assert listed.status_code == 200
    [account] = listed.json()["value"]
    assert account["name"] == ACCOUNT
    assert account["properties"]["accountType"] == "Partner"
    assert account["properties"]["agreementType"] == "MicrosoftPartnerAgreement"
    for outsider in (partner(csp_api, SAM), Arm(csp_api, BOB)):
        assert outsider.call("GET", ACCOUNTS, version=BILLING_VERSION).json()["value"] == []


def test_the_billing_account_lists_the_customers_with_an_azure_plan(csp_api: Api) -> None:
    alice = partner(csp_api)
    customers = f"{ACCOUNTS}/{ACCOUNT}/customers"
    assert alice.call("GET", customers, version=BILLING_VERSION).json()["value"] == []
    order_plan(csp_api)

    listed = alice.call(
        "GET", customers, version=BILLING_VERSION, params={"$expand": "enabledAzurePlans,resellers"}
    )

    [customer] = listed.json()["value"]
    assert customer["id"] == billing_scope(CONTOSO)
    assert customer["properties"]["displayName"] == "Contoso"
    assert customer["properties"]["enabledAzurePlans"] == [
        {"skuId": "0001", "skuDescription": "Microsoft Azure Plan"}
    ]
    foreign = partner(csp_api, GINA).call("GET", customers, version=BILLING_VERSION)
    assert (foreign.status_code, error_code(foreign)) == (403, "AuthorizationFailed")


# -- creating a subscription -------------------------------------------------------------


def test_an_alias_creates_a_customer_subscription_the_admin_agents_own_at_once(
    csp_api: Api,
) -> None:
    order_plan(csp_api)
    created = put_alias(partner(csp_api), "contoso-analytics", new_subscription())
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["id"], body["type"]) == (
        f"{ALIASES}/contoso-analytics",
        "Microsoft.Subscription/aliases",
    )
    assert body["properties"]["provisioningState"] == "Succeeded"
    assert body["properties"]["billingScope"] == billing_scope(CONTOSO)
    subscription = body["properties"]["subscriptionId"]

    alice = Arm(csp_api, ALICE)  # signed in to Contoso through DAP
    shown = subscriptions_of(alice)[subscription]
    assert (shown["tenantId"], shown["managedByTenants"]) == (CONTOSO, [{"tenantId": FABRIKAM}])
    group = f"/subscriptions/{subscription}/resourcegroups/rg-first"
    assert alice.call("PUT", group, {"location": "westeurope"}).status_code == 201
    [grant] = alice.call("GET", assignments_at(subscription), version="2022-04-01").json()["value"]
    assert grant["properties"]["principalId"] == ADMIN_AGENTS
    assert grant["properties"]["principalType"] == "ForeignGroup"
    assert grant["properties"]["roleDefinitionId"].endswith(OWNER)


def test_the_customer_lists_the_subscription_once_the_partner_gives_it_access(
    csp_api: Api,
) -> None:
    """A new CSP subscription grants only the partner: the customer's Global admin sees
    it after the partner assigns them a role there, as in Azure."""
    order_plan(csp_api)
    created = put_alias(partner(csp_api), "contoso-shared", new_subscription())
    subscription = created.json()["properties"]["subscriptionId"]
    bob = Arm(csp_api, BOB)
    assert subscription not in subscriptions_of(bob)

    definition = f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions"
    owner_for_bob = {
        "properties": {
            "roleDefinitionId": f"{definition}/{OWNER}",
            "principalId": oid(csp_api, BOB[0]),
            "principalType": "User",
        }
    }
    name = "7d1c0b2a-0000-4000-8000-0000000000b0"
    granted = Arm(csp_api, ALICE).call(
        "PUT", f"{assignments_at(subscription)}/{name}", owner_for_bob, version="2022-04-01"
    )
    assert granted.status_code == 201, granted.text

    shown = subscriptions_of(bob)[subscription]
    assert (shown["displayName"], shown["tenantId"]) == ("Contoso Analytics", CONTOSO)
    assert shown["managedByTenants"] == [{"tenantId": FABRIKAM}]


def test_putting_an_alias_again_answers_the_same_subscription(csp_api: Api) -> None:
    order_plan(csp_api)
    alice = partner(csp_api)
    first = put_alias(alice, "contoso-web", new_subscription())
    before = rows(csp_api)

    again = put_alias(alice, "contoso-web", new_subscription(name="Something else"))

    assert again.status_code == 200
    assert again.json()["properties"] == first.json()["properties"]
    assert rows(csp_api) == before
    shown = alice.call("GET", f"{ALIASES}/CONTOSO-WEB", version=VERSION)
    assert shown.json() == first.json()
    listed = alice.call("GET", ALIASES, version=VERSION).json()["value"]
    assert [a["name"] for a in listed] == ["contoso-web"]


def test_deleting_an_alias_keeps_its_subscription(csp_api: Api) -> None:
    order_plan(csp_api)
    alice = partner(csp_api)
    put_alias(alice, "short-lived", new_subscription())
    subscriptions = rows(csp_api)[0]

    assert alice.call("DELETE", f"{ALIASES}/short-lived", version=VERSION).status_code == 200
    assert alice.call("DELETE", f"{ALIASES}/short-lived", version=VERSION).status_code == 204
    gone = alice.call("GET", f"{ALIASES}/short-lived", version=VERSION)
    assert (gone.status_code, error_code(gone)) == (404, "AliasNotFound")
    assert rows(csp_api)[0] == subscriptions


@pytest.mark.parametrize("who", [SAM, HARRY])
def test_sales_and_helpdesk_agents_may_not_create_subscriptions(
    csp_api: Api, who: tuple[str, str]
) -> None:
    order_plan(csp_api)
    before = rows(csp_api)
    refused = put_alias(partner(csp_api, who), "by-agent", new_subscription())
    assert (refused.status_code, error_code(refused)) == (403, "AuthorizationFailed")
    assert "'Microsoft.Subscription/aliases/write'" in refused.json()["error"]["message"]
    assert rows(csp_api) == before


def test_a_partner_without_a_reseller_relationship_is_refused_and_nothing_is_created(
    csp_api: Api,
) -> None:
    order_plan(csp_api)
    gina = partner(csp_api, GINA)
    before = rows(csp_api)
    own_account = {
        **new_subscription(),
        "billingScope": billing_scope(CONTOSO, billing_account_name(TAILWIND)),
    }
    for properties in (own_account, new_subscription()):
        refused = put_alias(gina, "not-my-customer", properties)
        assert (refused.status_code, error_code(refused)) == (403, "AuthorizationFailed")
    assert rows(csp_api) == before


def test_a_customer_needs_an_azure_plan_first(csp_api: Api) -> None:
    before = rows(csp_api)
    refused = put_alias(partner(csp_api), "too-early", new_subscription())
    assert (refused.status_code, error_code(refused)) == (400, "AzurePlanRequired")
    assert rows(csp_api) == before


def test_a_customer_without_dap_gets_a_subscription_whose_grant_waits_for_delegated_access(
    csp_api: Api,
) -> None:
    """The reseller relationship is what creation needs; using the grant needs DAP/GDAP."""
    order_plan(csp_api, WWI)
    created = put_alias(partner(csp_api), "wwi-new", new_subscription(WWI, "WWI New"))
    assert created.status_code == 201, created.text
    subscription = created.json()["properties"]["subscriptionId"]
    with csp_api.plane.database.connect() as connection:
        [grant] = list_role_assignments(connection, scope_prefix=f"/subscriptions/{subscription}")
    assert (grant.tenant_id, grant.principal_id, grant.principal_type.value) == (
        WWI,
        ADMIN_AGENTS,
        "ForeignGroup",
    )
    assert sign_in(csp_api, ALICE[0], WWI).status_code != 200


def test_the_new_subscriptions_activity_log_shows_its_creation_and_owner_grant(
    csp_api: Api,
) -> None:
    order_plan(csp_api)
    correlation = "9a8b7c6d-0000-4000-8000-00000000c5b1"
    created = put_alias(
        partner(csp_api), "logged", new_subscription(), {"x-ms-client-request-id": correlation}
    )
    subscription = created.json()["properties"]["subscriptionId"]

    logged = events(Arm(csp_api, ALICE), subscription, window(csp_api))

    mine = [e for e in logged if e["correlationId"] == correlation]
    actions = sorted(e["authorization"]["action"] for e in mine)
    assert actions == [
        "Microsoft.Authorization/roleAssignments/write",
        "Microsoft.Subscription/aliases/write",
    ]
    assert {e["caller"] for e in mine} == {ALICE[0]}


@pytest.mark.parametrize(
    ("name", "body", "status", "code"),
    [
        ("ok", None, 400, "InvalidRequestContent"),
        ("ok", {}, 400, "InvalidRequestContent"),
        ("ok", {"properties": 5}, 400, "InvalidRequestContent"),
        ("ok", {"properties": {"displayName": 5}}, 400, "InvalidRequestContent"),
        (
            "ok",
            {"properties": {"billingScope": "x", "additionalProperties": []}},
            400,
            "InvalidRequestContent",
        ),
        ("ok", {"properties": {"billingScope": billing_scope(CONTOSO)}}, 400, "MissingParameter"),
        (
            "ok",
            {
                "properties": {
                    "displayName": "A",
                    "billingScope": "/billingAccounts/x/invoiceSections/y",
                }
            },
            400,
            "InvalidBillingScope",
        ),
        ("ok", {"properties": {**new_subscription(), "workload": "Prod"}}, 400, "InvalidParameter"),
        (
            "ok",
            {"properties": {**new_subscription(), "displayName": "x" * 65}},
            400,
            "InvalidParameter",
        ),
        (
            "ok",
            {
                "properties": {
                    **new_subscription(),
                    "additionalProperties": {"managementGroupId": "mg"},
                }
            },
            400,
            "InvalidParameter",
        ),
        (
            "ok",
            {
                "properties": {
                    **new_subscription(),
                    "additionalProperties": {"subscriptionTenantId": WWI},
                }
            },
            400,
            "InvalidParameter",
        ),
        ("bad name!", {"properties": new_subscription()}, 400, "InvalidAliasName"),
        ("x" * 91, {"properties": new_subscription()}, 400, "InvalidAliasName"),
        ("ok", {"properties": {"subscriptionId": "not-a-guid"}}, 400, "InvalidParameter"),
    ],
)
def test_a_hostile_alias_is_refused_and_changes_nothing(
    csp_api: Api, name: str, body: Any, status: int, code: str
) -> None:
    order_plan(csp_api)
    alice = partner(csp_api)
    before = rows(csp_api)
    response = alice.call("PUT", f"{ALIASES}/{name}", body, version=VERSION)
    assert (response.status_code, error_code(response)) == (status, code)
    assert rows(csp_api) == before


def test_an_alias_answers_only_its_api_versions(csp_api: Api) -> None:
    response = partner(csp_api).call("GET", ALIASES, version="2022-12-01")
    assert (response.status_code, error_code(response)) == (400, "InvalidApiVersionParameter")


# -- moving a subscription to another tenant ---------------------------------------------


def offer(caller: Arm, to: str, owner: str, name: str = "to-wwi") -> httpx.Response:
    extra = {"subscriptionTenantId": to, "subscriptionOwnerId": owner}
    return put_alias(caller, name, {"subscriptionId": PROD, "additionalProperties": extra})


def test_an_accepted_transfer_deletes_every_role_assignment_and_the_partner_loses_access(
    csp_api: Api,
) -> None:
    alice = Arm(csp_api, ALICE)
    assert alice.call("GET", f"/subscriptions/{PROD}/resourcegroups/rg-web").status_code == 200
    walter_id = oid(csp_api, WALTER[0])
    offered = offer(Arm(csp_api, BOB), WWI, walter_id)
    assert offered.status_code == 201, offered.text
    assert offered.json()["properties"]["acceptOwnershipState"] == "Pending"

    walter = Arm(csp_api, WALTER, WWI_DOMAIN)
    body = {"properties": {"displayName": "WWI Production"}}
    accepted = walter.call("POST", f"{OWNERSHIP}/acceptOwnership", body, version=VERSION)
    assert accepted.status_code == 202, accepted.text
    poll = walter.call("GET", accepted.headers["Location"], version=None)
    assert poll.json() == {"subscriptionLink": f"/subscriptions/{PROD}"}

    for former in (alice, Arm(csp_api, BOB)):  # the partner and the customer's Owner
        refused = former.call("GET", f"/subscriptions/{PROD}/resourcegroups/rg-web")
        assert (refused.status_code, error_code(refused)) == (403, "AuthorizationFailed")
    with csp_api.plane.database.connect() as connection:
        left = list_role_assignments(connection, scope_prefix=f"/subscriptions/{PROD}")
    assert [(a.principal_id, a.role_definition_id) for a in left] == [(walter_id, OWNER)]
    moved = subscriptions_of(walter)[PROD]
    assert (moved["tenantId"], moved["managedByTenants"]) == (WWI, [])
    assert moved["displayName"] == "WWI Production"
    assert walter.call("GET", f"/subscriptions/{PROD}/resourcegroups/rg-web").status_code == 200
    status = walter.call("GET", f"{OWNERSHIP}/acceptOwnershipStatus", version=VERSION)
    assert status.json()["acceptOwnershipState"] == "Completed"


def test_only_an_owner_may_offer_a_subscription_and_only_its_owner_may_accept(
    csp_api: Api,
) -> None:
    walter_id = oid(csp_api, WALTER[0])
    refused = offer(Arm(csp_api, CAROL), WWI, walter_id, "carols")
    assert (refused.status_code, error_code(refused)) == (403, "AuthorizationFailed")
    assert offer(Arm(csp_api, BOB), WWI, walter_id).status_code == 201

    accept = f"{OWNERSHIP}/acceptOwnership"
    wendy = Arm(csp_api, WENDY, WWI_DOMAIN)
    taken = wendy.call("POST", accept, {"properties": {"displayName": "Mine"}}, version=VERSION)
    assert (taken.status_code, error_code(taken)) == (404, "OwnershipTransferNotFound")
    walter = Arm(csp_api, WALTER, WWI_DOMAIN)
    missing = walter.call("POST", accept, {"properties": {}}, version=VERSION)
    assert (missing.status_code, error_code(missing)) == (400, "MissingParameter")


def owners_of(api: Api, subscription: str) -> set[str]:
    """The principals holding Owner at the subscription itself."""
    with api.plane.database.connect() as connection:
        found = list_role_assignments(connection, scope_prefix=f"/subscriptions/{subscription}")
    scope = f"/subscriptions/{subscription}"
    return {a.principal_id for a in found if a.role_definition_id == OWNER and a.scope == scope}


def test_a_partner_agent_cannot_offer_the_customers_subscription_to_its_own_tenant(
    csp_api: Api,
) -> None:
    """Under DAP alice's AdminAgents hold Owner on Contoso Production as a foreign group;
    that never lets her move it to Fabrikam: the offer is refused with nothing stored,
    there is nothing for her to accept at home, and bob still owns it."""
    alice_id = oid(csp_api, ALICE[0])
    owners = owners_of(csp_api, PROD)
    before = rows(csp_api)

    refused = offer(Arm(csp_api, ALICE), FABRIKAM, alice_id, "grab")

    assert (refused.status_code, error_code(refused)) == (403, "AuthorizationFailed")
    message = refused.json()["error"]["message"]
    assert "'Microsoft.Subscription/aliases/write'" in message
    assert f"'/subscriptions/{PROD}'" in message
    assert rows(csp_api) == before
    body = {"properties": {"displayName": "mine now"}}
    taken = partner(csp_api).call("POST", f"{OWNERSHIP}/acceptOwnership", body, version=VERSION)
    assert (taken.status_code, error_code(taken)) == (404, "OwnershipTransferNotFound")
    bob = Arm(csp_api, BOB)
    assert subscriptions_of(bob)[PROD]["tenantId"] == CONTOSO
    assert owners_of(csp_api, PROD) == owners
    assert oid(csp_api, BOB[0]) in owners
    assert bob.call("GET", f"/subscriptions/{PROD}/resourcegroups/rg-web").status_code == 200


def test_the_customers_owner_withdraws_any_offer_of_its_subscription(csp_api: Api) -> None:
    """An offer bob did not make (here one a partner agent left in the store before
    foreign offers were refused) is his to withdraw as the subscription's Owner; a mere
    reader of the subscription may not, and nothing is deleted then."""
    offered = csp_api.plane.clock()
    stray = SubscriptionAlias(
        CONTOSO,
        "grab",
        PROD,
        offered,
        oid(csp_api, ALICE[0]),
        offer=OwnershipOffer(FABRIKAM, oid(csp_api, ALICE[0]), offered),
    )
    with csp_api.plane.database.begin() as connection:
        assert save_alias(connection, stray)
    bob = Arm(csp_api, BOB)
    assert [a["name"] for a in bob.call("GET", ALIASES, version=VERSION).json()["value"]] == [
        "grab"
    ]

    refused = Arm(csp_api, CAROL).call("DELETE", f"{ALIASES}/grab", version=VERSION)
    assert (refused.status_code, error_code(refused)) == (403, "AuthorizationFailed")
    assert rows(csp_api)[2] == 1

    assert bob.call("DELETE", f"{ALIASES}/grab", version=VERSION).status_code == 200
    assert rows(csp_api)[2] == 0
    assert bob.call("DELETE", f"{ALIASES}/grab", version=VERSION).status_code == 204
    alice = partner(csp_api)
    taken = alice.call(
        "POST",
        f"{OWNERSHIP}/acceptOwnership",
        {"properties": {"displayName": "x"}},
        version=VERSION,
    )
    assert (taken.status_code, error_code(taken)) == (404, "OwnershipTransferNotFound")


def test_an_offer_names_a_tenant_and_an_owner_of_it(csp_api: Api) -> None:
    bob = Arm(csp_api, BOB)
    for to, owner in (
        (WWI, oid(csp_api, BOB[0])),
        (CONTOSO, oid(csp_api, BOB[0])),
        ("00000000-0000-4000-8000-000000000000", "x"),
    ):
        refused = offer(bob, to, owner, "bad-offer")
        assert (refused.status_code, error_code(refused)) == (400, "InvalidParameter")


def test_an_operation_that_moved_nothing_to_the_caller_is_not_found(csp_api: Api) -> None:
    walter = Arm(csp_api, WALTER, WWI_DOMAIN)
    for operation in ("nope", PROD):  # PROD has not moved to Wide World Importers
        path = f"/providers/Microsoft.Subscription/subscriptionOperations/{operation}"
        response = walter.call("GET", path, version=VERSION)
        assert (response.status_code, error_code(response)) == (404, "OperationNotFound")


# -- lower-cased paths -------------------------------------------------------------------


def test_billing_and_aliases_answer_lower_cased_paths(csp_api: Api) -> None:
    """az and the SDKs may send `microsoft.billing/billingaccounts`, `microsoft.subscription/
    aliases`: ARM paths are case-insensitive."""
    order_plan(csp_api)
    alice = partner(csp_api)
    accounts = alice.call("GET", ACCOUNTS.lower(), version=BILLING_VERSION)
    assert accounts.status_code == 200, accounts.text
    assert [a["name"] for a in accounts.json()["value"]] == [ACCOUNT]
    customer = alice.call("GET", billing_scope(CONTOSO).lower(), version=BILLING_VERSION)
    assert (customer.status_code, customer.json()["name"]) == (200, CONTOSO)

    aliases = ALIASES.lower()
    body = {"properties": new_subscription()}
    created = alice.call("PUT", f"{aliases}/by-az", body, version=VERSION)
    assert created.status_code == 201, created.text
    assert created.json()["id"] == f"{ALIASES}/by-az"
    listed = alice.call("GET", aliases, version=VERSION).json()["value"]
    assert [a["name"] for a in listed] == ["by-az"]
    assert alice.call("DELETE", f"{aliases}/by-az", version=VERSION).status_code == 200


def test_the_ownership_transfer_answers_lower_cased_paths(csp_api: Api) -> None:
    assert offer(Arm(csp_api, BOB), WWI, oid(csp_api, WALTER[0])).status_code == 201
    walter = Arm(csp_api, WALTER, WWI_DOMAIN)
    ownership = OWNERSHIP.lower()

    body = {"properties": {"displayName": "WWI Production"}}
    accepted = walter.call("POST", f"{ownership}/acceptownership", body, version=VERSION)
    assert accepted.status_code == 202, accepted.text
    status = walter.call("GET", f"{ownership}/acceptownershipstatus", version=VERSION)
    assert status.json()["acceptOwnershipState"] == "Completed"
    operation = f"/providers/microsoft.subscription/subscriptionoperations/{PROD}"
    polled = walter.call("GET", operation, version=VERSION)
    assert polled.json() == {"subscriptionLink": f"/subscriptions/{PROD}"}
