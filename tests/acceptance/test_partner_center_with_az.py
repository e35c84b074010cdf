"""The partner's side with the real Azure CLI: Partner Center, a new CSP subscription, GDAP.

Everything a partner's admin agent does here goes through `az` 2.91 as a partner would
drive it: `az rest --resource https://api.partnercenter.microsoft.com` for Partner Center
(az asks the token service for that audience), `az billing` for the partner's billing
account and customers, `az rest` for `Microsoft.Subscription/aliases` (its own command
lives in an extension) and for Graph's delegatedAdminRelationships; then `az login` into
the customer and `az group create` in the subscription just made. The customer's Global
admin approves the GDAP relationship with its own `az rest`.

Identities here have config directories of their own, so nothing here changes what the
reinstatement tests' identities see.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.acceptance.conftest import AZ, AZ_MISSING, XDIST_GROUP, AcceptanceWorld, Az, Server
from tests.acceptance.test_reinstate_with_az import assert_ok

pytestmark = [
    pytest.mark.acceptance,
    pytest.mark.xdist_group(XDIST_GROUP),
    pytest.mark.skipif(not AZ.exists(), reason=AZ_MISSING),
]

PARTNER_CENTER = "https://api.partnercenter.microsoft.com"
AZURE_PLAN = "DZH318Z0BPS6:0001:DZH318Z0BML6"
HELPDESK_ADMINISTRATOR = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"


def partner_center(
    az: Az, server: Server, who: str, method: str, path: str, body: Any = None
) -> Any:
    args = ["rest", "--method", method, "--resource", PARTNER_CENTER]
    args += ["--url", f"{server.authority}/v1{path}"]
    if body is not None:
        args += ["--body", json.dumps(body)]
    return assert_ok(az(who, *args), server)


def rest(az: Az, server: Server, who: str, method: str, url: str, body: Any = None) -> Any:
    args = ["rest", "--method", method, "--url", url]
    if body is not None:
        args += ["--body", json.dumps(body)]
    return assert_ok(az(who, *args), server)


@pytest.fixture(scope="module")
def agent(az: Az, server: Server, world: AcceptanceWorld) -> str:
    """The admin agent, signed in to its own partner tenant."""
    server.require_password_sign_in()
    who = "csp-agent"
    login = az(
        who,
        "login",
        "-u",
        world.agent.name,
        "-p",
        world.agent.secret,
        "--tenant",
        world.partner_domain,
        "--allow-no-subscriptions",
    )
    assert_ok(login, server)
    return who


def test_partner_center_lists_the_customer_with_delegated_access(
    az: Az, server: Server, world: AcceptanceWorld, agent: str
) -> None:
    customers = partner_center(az, server, agent, "get", "/customers")

    [contoso] = [c for c in customers["items"] if c["id"] == world.customer_tenant_id]
    assert contoso["relationshipToPartner"] == "reseller"
    assert contoso["allowDelegatedAccess"] is True


def test_the_partner_creates_a_csp_subscription_and_manages_it_at_once(
    az: Az, server: Server, world: AcceptanceWorld, agent: str
) -> None:
    order = {"lineItems": [{"lineItemNumber": 0, "offerId": AZURE_PLAN, "quantity": 1}]}
    partner_center(
        az, server, agent, "post", f"/customers/{world.customer_tenant_id}/orders", order
    )

    [account] = assert_ok(az(agent, "billing", "account", "list"), server)
    assert account["accountType"] == "Partner"
    customers = assert_ok(
        az(agent, "billing", "customer", "list", "--account-name", account["name"]), server
    )
    [contoso] = [c for c in customers if c["name"] == world.customer_tenant_id]
    alias = rest(
        az,
        server,
        agent,
        "put",
        f"{server.arm}providers/Microsoft.Subscription/aliases/contoso-web?api-version=2021-10-01",
        {
            "properties": {
                "displayName": "Contoso Web",
                "billingScope": contoso["id"],
                "workload": "Production",
            }
        },
    )
    subscription = alias["properties"]["subscriptionId"]

    who = "csp-agent-in-customer"
    accounts = assert_ok(
        az(
            who,
            "login",
            "-u",
            world.agent.name,
            "-p",
            world.agent.secret,
            "--tenant",
            world.customer_domain,
        ),
        server,
    )
    [listed] = [a for a in accounts if a["id"] == subscription]
    assert listed["name"] == "Contoso Web"
    assert listed["tenantId"] == world.customer_tenant_id
    created = az(
        who, "group", "create", "-n", "rg-web", "-l", "westeurope", "--subscription", subscription
    )
    assert assert_ok(created, server)["properties"]["provisioningState"] == "Succeeded"
    grants = assert_ok(
        az(
            who,
            "role",
            "assignment",
            "list",
            "--subscription",
            subscription,
            "--scope",
            f"/subscriptions/{subscription}",
        ),
        server,
    )
    assert [(g["principalId"], g["principalType"], g["roleDefinitionName"]) for g in grants] == [
        (world.admin_agents_id, "ForeignGroup", "Owner")
    ]


def test_a_gdap_relationship_is_created_locked_and_approved_by_the_customer(
    az: Az, server: Server, world: AcceptanceWorld, agent: str
) -> None:
    relationships = f"{server.graph}v1.0/tenantRelationships/delegatedAdminRelationships"
    created = rest(
        az,
        server,
        agent,
        "post",
        relationships,
        {
            "displayName": "Contoso helpdesk",
            "duration": "P730D",
            "customer": {"tenantId": world.customer_tenant_id},
            "accessDetails": {
                "unifiedRoles": [
                    {"roleDefinitionId": HELPDESK_ADMINISTRATOR},
                    {"roleDefinitionId": DIRECTORY_READERS},
                ]
            },
        },
    )
    assert created["status"] == "created"
    locked = rest(
        az,
        server,
        agent,
        "post",
        f"{relationships}/{created['id']}/requests",
        {"action": "lockForApproval"},
    )
    assert locked["action"] == "lockForApproval"

    customer = "gdap-customer"
    assert_ok(
        az(
            customer,
            "login",
            "-u",
            world.owner.name,
            "-p",
            world.owner.secret,
            "--tenant",
            world.customer_domain,
        ),
        server,
    )
    approval = f"{server.graph}adminportal/granularAdminRelationships/{created['id']}"
    shown = rest(az, server, customer, "get", approval)
    assert shown["partner"]["tenantId"] == world.partner_tenant_id
    rest(az, server, customer, "post", f"{approval}/approve")

    active = rest(az, server, agent, "get", f"{relationships}/{created['id']}")
    assert active["status"] == "active"
    assert active["endDateTime"] is not None
