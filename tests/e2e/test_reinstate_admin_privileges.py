"""The seed document, end to end: a CSP partner loses both levels of admin privileges on a
customer's Azure subscription and gets them back, over the same HTTP the real clients use.

    lost      the customer deletes the AdminAgents Owner grant and removes DAP
    request   a partner sales agent requests a reseller relationship with DAP
    accept    the customer's Global Administrator accepts the personalized link
    look up   the partner reads its AdminAgents object id from its own directory
    grant     a customer Owner gives AdminAgents Owner as a ForeignGroup
              (at subscription, resource group or resource scope)
    manage    the partner's admin agent provisions and manages resources again

and every way it fails on the road, each with the error Azure or Partner Center gives.
The cast is in world.yaml beside this file; every test runs on SQLite and PostgreSQL, and
the activity log is read back to show each step was recorded.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from cspadmin.store.activity import list_events
from tests.api.conftest import ARM, ENDPOINTS, GRAPH, Api

FABRIKAM = "7a000000-0000-4000-8000-000000000001"
NORTHWIND = "7a000000-0000-4000-8000-000000000003"
NORTHWIND_DOMAIN = "northwindtraders.onmicrosoft.com"
LITWARE_DOMAIN = "litware.onmicrosoft.com"
SUBSCRIPTION = "/subscriptions/7a000000-0000-4000-8000-00000000c001"
RG_SHOP = f"{SUBSCRIPTION}/resourceGroups/rg-shop"
RG_OTHER = f"{SUBSCRIPTION}/resourceGroups/rg-other"
STORAGE = f"{RG_SHOP}/providers/Microsoft.Storage/storageAccounts/northwindshop01"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
ASSIGNMENTS = "/providers/Microsoft.Authorization/roleAssignments"
RBAC_VERSION = "2022-04-01"
RG_VERSION = "2024-11-01"
STORAGE_VERSION = "2023-05-01"
PARTNER_CENTER = "Microsoft.PartnerCenter"
GROUP_WRITE = "Microsoft.Resources/subscriptions/resourceGroups/write"
STORAGE_WRITE = "Microsoft.Storage/storageAccounts/write"

PASSWORDS = {
    "alice@fabrikampartner.onmicrosoft.com": "Alice-pass-1",
    "sam@fabrikampartner.onmicrosoft.com": "Sam-pass-1",
    "hank@fabrikampartner.onmicrosoft.com": "Hank-pass-1",
    "tina@tailspinpartner.onmicrosoft.com": "Tina-pass-1",
    "nina@northwindtraders.onmicrosoft.com": "Nina-pass-1",
    "carl@northwindtraders.onmicrosoft.com": "Carl-pass-1",
    "dora@northwindtraders.onmicrosoft.com": "Dora-pass-1",
    "lena@litware.onmicrosoft.com": "Lena-pass-1",
}
ALICE, SAM, HANK, TINA = (
    "alice@fabrikampartner.onmicrosoft.com",
    "sam@fabrikampartner.onmicrosoft.com",
    "hank@fabrikampartner.onmicrosoft.com",
    "tina@tailspinpartner.onmicrosoft.com",
)
NINA, CARL, DORA = (
    "nina@northwindtraders.onmicrosoft.com",
    "carl@northwindtraders.onmicrosoft.com",
    "dora@northwindtraders.onmicrosoft.com",
)


SURFACES = {  # where each surface answers, and its token audience
    "arm": (ARM, ENDPOINTS.arm),
    "graph": (GRAPH, ENDPOINTS.graph),
    "partner center": (ARM, ENDPOINTS.partner_center),
}


class Client:
    """One signed-in user talking to one surface (ARM, Graph or Partner Center)."""

    def __init__(self, api: Api, user: str, tenant: str = "organizations", surface: str = "arm"):
        self.api = api
        self.user = user
        self.base, audience = SURFACES[surface]
        self.token = api.token(user, PASSWORDS[user], tenant, audience)

    def call(
        self, method: str, path: str, body: Any = None, version: str | None = None
    ) -> httpx.Response:
        response: httpx.Response = self.api.client.request(
            method,
            self.base + path,
            params={"api-version": version} if version else None,
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        return response


def sign_in(api: Api, user: str, tenant: str) -> httpx.Response:
    response: httpx.Response = api.client.post(
        f"{ARM}/{tenant}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "username": user,
            "password": PASSWORDS[user],
            "scope": f"{ENDPOINTS.arm}/.default",
        },
    )
    return response


def error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    code = body["error"]["code"] if "error" in body else body["code"]
    return response.status_code, str(code)


def owner_grant(principal_id: str) -> dict[str, Any]:
    return {
        "properties": {
            "roleDefinitionId": f"{SUBSCRIPTION}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{OWNER}",
            "principalId": principal_id,
            "principalType": "ForeignGroup",
        }
    }


def put_grant(who: Client, scope: str, principal_id: str) -> httpx.Response:
    name = str(uuid.uuid4())
    return who.call("PUT", f"{scope}{ASSIGNMENTS}/{name}", owner_grant(principal_id), RBAC_VERSION)


def admin_agents_grants(api: Api, admin_agents: str) -> list[dict[str, Any]]:
    nina = Client(api, NINA, NORTHWIND_DOMAIN)
    listed = nina.call("GET", f"{SUBSCRIPTION}{ASSIGNMENTS}", version=RBAC_VERSION)
    assert listed.status_code == 200, listed.text
    return [a for a in listed.json()["value"] if a["properties"]["principalId"] == admin_agents]


def request_link(api: Api, requester: str = SAM) -> str:
    sam = Client(api, requester, surface="partner center")
    response = sam.call("POST", "/v1/customers/relationshiprequests", {"delegatedAdmin": True})
    assert response.status_code == 201, response.text
    link = str(response.json()["invitationUrl"])
    assert link in response.json()["email"]["body"]  # what the partner sends the customer
    return link.rsplit("/", 1)[1]


def accept(api: Api, token: str, who: str) -> httpx.Response:
    return Client(api, who, surface="partner center").call(
        "POST", f"/v1/invitations/{token}/accept"
    )


def lookup_admin_agents(api: Api) -> str:
    alice = Client(api, ALICE, surface="graph")
    found = alice.call("GET", "/v1.0/groups?$filter=displayName eq 'AdminAgents'")
    assert found.status_code == 200, found.text
    [group] = found.json()["value"]
    return str(group["id"])


def delete_owner_grants(api: Api, admin_agents: str) -> None:
    """The customer deletes the partner's Owner grant: subscription-level privileges lost."""
    nina = Client(api, NINA, NORTHWIND_DOMAIN)
    for grant in admin_agents_grants(api, admin_agents):
        deleted = nina.call("DELETE", grant["id"], version=RBAC_VERSION)
        assert deleted.status_code == 200, deleted.text


def remove_dap(api: Api) -> None:
    """The customer takes DAP back: tenant-level privileges lost."""
    removed = Client(api, NINA, surface="partner center").call(
        "POST", f"/v1/partnerRelationships/{FABRIKAM}/removeDelegatedAdminPrivileges"
    )
    assert removed.status_code == 200, removed.text


def lose_privileges(api: Api, admin_agents: str) -> None:
    delete_owner_grants(api, admin_agents)
    remove_dap(api)


# -- the road back ------------------------------------------------------------------------

STOREFRONT = f"{RG_SHOP}/providers/Microsoft.Storage/storageAccounts/northwindfront01"
BACKOFFICE = (
    f"{SUBSCRIPTION}/resourceGroups/rg-back/providers/Microsoft.Storage/storageAccounts/back01"
)


@pytest.mark.parametrize(
    ("scope", "provisions", "beyond"),
    [
        (SUBSCRIPTION, [f"{SUBSCRIPTION}/resourceGroups/rg-back", BACKOFFICE], None),
        (RG_SHOP, [STOREFRONT], f"{SUBSCRIPTION}/resourceGroups/rg-beyond"),
        (STORAGE, [], STOREFRONT),
    ],
    ids=["subscription", "resource-group", "resource"],
)
def test_a_partner_reinstates_its_admin_privileges(
    api: Api, scope: str, provisions: list[str], beyond: str | None
) -> None:
    admin_agents = lookup_admin_agents(api)
    before = Client(api, ALICE, NORTHWIND_DOMAIN)
    assert create(before, f"{SUBSCRIPTION}/resourceGroups/rg-before").status_code == 201

    # lost: the customer deletes the grant, and the partner's next request is refused;
    # then it takes DAP back, and the partner's token for its tenant stops working at once
    # and no new one is issued.
    delete_owner_grants(api, admin_agents)
    assert error(create(before, f"{SUBSCRIPTION}/resourceGroups/rg-lost")) == (
        403,
        "AuthorizationFailed",
    )
    remove_dap(api)
    assert error(create(before, f"{SUBSCRIPTION}/resourceGroups/rg-lost")) == (
        401,
        "InvalidAuthenticationToken",
    )
    assert "AADSTS50020" in sign_in(api, ALICE, NORTHWIND_DOMAIN).json()["error_description"]

    # request and accept: the customer's Global Administrator grants DAP again.
    accepted = accept(api, request_link(api), NINA)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["allowDelegatedAccess"] is True

    # DAP alone does not give Azure back: the two levels of privileges are separate.
    alice = Client(api, ALICE, NORTHWIND_DOMAIN)
    assert error(create(alice, f"{SUBSCRIPTION}/resourceGroups/rg-dap")) == (
        403,
        "AuthorizationFailed",
    )

    # look up and grant: the partner hands over its AdminAgents object id, and the
    # customer's Owner gives that foreign group Owner.
    assert lookup_admin_agents(api) == admin_agents
    granted = put_grant(Client(api, NINA, NORTHWIND_DOMAIN), scope, admin_agents)
    assert granted.status_code == 201, granted.text
    assert granted.json()["properties"]["principalType"] == "ForeignGroup"
    assert granted.json()["properties"]["scope"].lower() == scope.lower()

    # manage: the partner provisions and manages resources again, as far as the grant reaches.
    for path in provisions:
        assert create(alice, path).status_code == 201
    tagged = alice.call("PATCH", STORAGE, {"tags": {"managedBy": "Fabrikam"}}, STORAGE_VERSION)
    assert tagged.status_code == 200, tagged.text
    if beyond is not None:
        assert error(create(alice, beyond)) == (403, "AuthorizationFailed")

    assert recorded_steps(api) == [
        (GROUP_WRITE, "Succeeded", ALICE),
        ("Microsoft.Authorization/roleAssignments/delete", "Succeeded", NINA),
        (GROUP_WRITE, "Failed", ALICE),
        (
            f"{PARTNER_CENTER}/partnerRelationships/removeDelegatedAdminPrivileges/action",
            "Succeeded",
            NINA,
        ),
        (f"PUT {SUBSCRIPTION}/resourceGroups/rg-lost", "Failed", None),  # token refused
        (f"{PARTNER_CENTER}/relationshipRequests/write", "Succeeded", SAM),
        (f"{PARTNER_CENTER}/invitations/accept/action", "Succeeded", NINA),
        (GROUP_WRITE, "Failed", ALICE),
        ("Microsoft.Authorization/roleAssignments/write", "Succeeded", NINA),
        *[(written(path), "Succeeded", ALICE) for path in provisions],
        (STORAGE_WRITE, "Succeeded", ALICE),
        *([(written(beyond), "Failed", ALICE)] if beyond else []),
    ]


def create(who: Client, path: str) -> httpx.Response:
    if "/providers/" in path:
        return who.call(
            "PUT", path, {"location": "westeurope", "kind": "StorageV2"}, STORAGE_VERSION
        )
    return who.call("PUT", path, {"location": "westeurope"}, RG_VERSION)


def written(path: str) -> str:
    return STORAGE_WRITE if "/providers/" in path else GROUP_WRITE


def recorded_steps(api: Api) -> list[tuple[str, str, str | None]]:
    """The activity log, oldest first: operation, outcome, caller."""
    with api.plane.database.connect() as connection:
        events = reversed(list_events(connection))
        return [(e.operation, e.status, e.caller) for e in events]


# -- every way it fails -------------------------------------------------------------------


def test_only_the_customers_global_administrator_can_accept(api: Api) -> None:
    lose_privileges(api, lookup_admin_agents(api))
    token = request_link(api)

    refused = accept(api, token, CARL)

    assert refused.status_code == 403
    assert "Only a Global Administrator of 'Northwind Traders'" in refused.json()["description"]
    assert "AADSTS50020" in sign_in(api, ALICE, NORTHWIND_DOMAIN).json()["error_description"]
    assert accept(api, token, NINA).status_code == 200  # the link is still good


@pytest.mark.parametrize("customer_user", [CARL, DORA], ids=["contributor", "no-role"])
def test_a_customer_user_without_owner_or_uaa_cannot_grant(api: Api, customer_user: str) -> None:
    admin_agents = lookup_admin_agents(api)
    lose_privileges(api, admin_agents)

    refused = put_grant(Client(api, customer_user, NORTHWIND_DOMAIN), SUBSCRIPTION, admin_agents)

    assert error(refused) == (403, "AuthorizationFailed")
    assert "Microsoft.Authorization/roleAssignments/write" in refused.json()["error"]["message"]
    assert admin_agents_grants(api, admin_agents) == []


def test_a_foreign_group_of_a_partner_without_a_relationship_is_principal_not_found(
    api: Api,
) -> None:
    tailspin = Client(api, TINA, surface="graph")
    [group] = tailspin.call("GET", "/v1.0/groups?$filter=displayName eq 'AdminAgents'").json()[
        "value"
    ]

    refused = put_grant(Client(api, NINA, NORTHWIND_DOMAIN), SUBSCRIPTION, group["id"])

    assert error(refused) == (400, "PrincipalNotFound")
    assert admin_agents_grants(api, group["id"]) == []


def test_a_relationship_without_dap_gives_no_directory_powers(api: Api) -> None:
    alice = Client(api, ALICE, NORTHWIND_DOMAIN, surface="graph")
    reset = {"passwordProfile": {"password": "Reset-pass-1!"}}

    def new_user(name: str) -> dict[str, Any]:
        return {
            "accountEnabled": True,
            "displayName": name.title(),
            "mailNickname": name,
            "userPrincipalName": f"{name}@{NORTHWIND_DOMAIN}",
            "passwordProfile": {"password": "New-pass-1!"},
        }

    # under DAP, the partner's admin agent acts as the customer's Global Administrator
    assert alice.call("POST", "/v1.0/users", new_user("ned")).status_code == 201
    assert alice.call("PATCH", f"/v1.0/users/{DORA}", reset).status_code == 204

    remove_dap(api)

    for method, path, body in [
        ("GET", f"/v1.0/users/{DORA}", None),
        ("POST", "/v1.0/users", new_user("nell")),
        ("PATCH", f"/v1.0/users/{DORA}", reset),
    ]:
        assert error(alice.call(method, path, body)) == (401, "InvalidAuthenticationToken")
    assert "AADSTS50020" in sign_in(api, ALICE, NORTHWIND_DOMAIN).json()["error_description"]
    customers = (
        Client(api, ALICE, surface="partner center").call("GET", "/v1/customers").json()["items"]
    )
    [northwind] = [c for c in customers if c["id"] == NORTHWIND]
    assert northwind["relationshipToPartner"] == "reseller"
    assert northwind["allowDelegatedAccess"] is False


def test_an_expired_gdap_relationship_gives_nothing(api: Api) -> None:
    reset = {"passwordProfile": {"password": "Reset-pass-1!"}}
    leo = "/v1.0/users/leo@litware.onmicrosoft.com"
    api.clock.now += timedelta(days=30, minutes=-10)
    hank = Client(api, HANK, LITWARE_DOMAIN, surface="graph")
    assert hank.call("PATCH", leo, reset).status_code == 204

    api.clock.now += timedelta(minutes=11)

    assert error(hank.call("PATCH", leo, reset)) == (401, "InvalidAuthenticationToken")
    assert "AADSTS50020" in sign_in(api, HANK, LITWARE_DOMAIN).json()["error_description"]
