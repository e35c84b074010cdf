"""Graph licensing (partner-center-wire.md §6): `subscribedSkus`, `assignLicense`,
`licenseDetails`, and who may use them, including a partner's agents under DAP.

The demo world's Contoso subscribes to SPE_E3 (25 seats) and AAD_PREMIUM (2 seats); bob
(its Global Administrator, usage location US) holds one of each, and carol has no usage
location. Wide World Importers (no DAP) has SPB, every seat taken.
"""

from __future__ import annotations

from typing import Any

import httpx

from cspadmin.api.graph.licenses import SUBSCRIBED_SKUS, license_details_id
from cspadmin.domain.directory_roles import RoleTemplate
from cspadmin.store.activity import list_events
from tests.api.conftest import ARM, ENDPOINTS
from tests.api.graph.conftest import (
    CONTOSO,
    CONTOSO_ID,
    PARTNER_ID,
    TAILSPIN,
    V1,
    WIDEWORLD,
    Graph,
)
from tests.api.graph.test_users import az_create, error_of, grant_directory_role

E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
P1 = "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"
E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06"
TEAMS1 = "57ff2da0-773e-42df-b2af-ffb7a2317929"
BOB = "bob@contoso.onmicrosoft.com"
CAROL = "carol@contoso.onmicrosoft.com"
ERIN = "erin@contoso.onmicrosoft.com"
FRANK = "frank@contoso.onmicrosoft.com"
DENIED = (403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


def assign(
    graph: Graph,
    upn: str,
    who: str = "bob",
    tenant: str = "organizations",
    add: tuple[str, ...] = (),
    remove: tuple[str, ...] = (),
    disabled: tuple[str, ...] = (),
) -> httpx.Response:
    body = {
        "addLicenses": [{"skuId": sku, "disabledPlans": list(disabled)} for sku in add],
        "removeLicenses": list(remove),
    }
    return graph.post(f"/users/{upn}/assignLicense", who, tenant, json=body)


def consumed(graph: Graph, who: str = "bob", tenant: str = "organizations") -> dict[str, int]:
    response = graph.get("/subscribedSkus", who, tenant)
    assert response.status_code == 200, response.text
    return {s["skuPartNumber"]: s["consumedUnits"] for s in response.json()["value"]}


def new_user(graph: Graph, upn: str, usage_location: str | None = "US") -> str:
    body = az_create(upn, mailNickname=upn.partition("@")[0], usageLocation=usage_location)
    response = graph.post("/users", "bob", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def details(graph: Graph, upn: str, who: str = "bob") -> list[Any]:
    response = graph.get(f"/users/{upn}/licenseDetails", who)
    assert response.status_code == 200, response.text
    return list(response.json()["value"])


# -- subscribedSkus --------------------------------------------------------------------------


def test_subscribed_skus_show_seats_consumption_and_service_plans(shared_graph: Graph) -> None:
    response = shared_graph.get("/subscribedSkus", "bob")
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"] == f"{V1}/$metadata#subscribedSkus"
    by_part = {s["skuPartNumber"]: s for s in body["value"]}
    assert set(by_part) == {"SPE_E3", "AAD_PREMIUM"}
    e3 = by_part["SPE_E3"]
    assert tuple(e3) == SUBSCRIBED_SKUS.selectable  # every property, unasked
    assert e3["id"] == f"{CONTOSO_ID}_{E3}"
    assert (e3["skuId"], e3["accountId"], e3["accountName"]) == (E3, CONTOSO_ID, "Contoso")
    assert (e3["appliesTo"], e3["capabilityStatus"]) == ("User", "Enabled")
    assert e3["prepaidUnits"] == {"enabled": 25, "lockedOut": 0, "suspended": 0, "warning": 0}
    assert e3["consumedUnits"] == 1
    teams = next(p for p in e3["servicePlans"] if p["servicePlanId"] == TEAMS1)
    assert teams == {
        "servicePlanId": TEAMS1,
        "servicePlanName": "TEAMS1",
        "provisioningStatus": "Success",
        "appliesTo": "User",
    }
    assert len(e3["subscriptionIds"]) == 1


def test_subscribed_skus_take_select_and_one_is_read_by_its_id(shared_graph: Graph) -> None:
    selected = shared_graph.get("/subscribedSkus?$select=skuPartNumber,consumedUnits", "bob")
    assert selected.json()["@odata.context"].endswith(
        "#subscribedSkus(skuPartNumber,consumedUnits)"
    )
    assert all(set(s) == {"skuPartNumber", "consumedUnits"} for s in selected.json()["value"])
    one = shared_graph.get(f"/subscribedSkus/{CONTOSO_ID}_{P1}", "bob")
    assert one.status_code == 200
    assert one.json()["@odata.context"] == f"{V1}/$metadata#subscribedSkus/$entity"
    assert (one.json()["skuPartNumber"], one.json()["consumedUnits"]) == ("AAD_PREMIUM", 1)
    missing = shared_graph.get(f"/subscribedSkus/{CONTOSO_ID}_{E5}", "bob")
    assert error_of(missing)[:2] == (404, "Request_ResourceNotFound")


def test_subscribed_skus_refuse_query_options_graph_does_not_support(shared_graph: Graph) -> None:
    for query in ("$filter=skuPartNumber eq 'SPE_E3'", "$top=1", "$select=nothing"):
        response = shared_graph.get(f"/subscribedSkus?{query}", "bob")
        assert error_of(response)[:2] == (400, "Request_BadRequest"), query


def test_readers_and_license_roles_see_skus_others_do_not(shared_graph: Graph) -> None:
    assert consumed(shared_graph, "alice", CONTOSO)["SPE_E3"] == 1  # AdminAgents: GA by DAP
    assert consumed(shared_graph, "oscar", TAILSPIN) == {}  # GDAP Directory Readers
    assert consumed(shared_graph, "walter")["SPB"] == 2
    for who, tenant in (("carol", "organizations"), ("harry", CONTOSO), ("harry", TAILSPIN)):
        # an ordinary member; Helpdesk Administrator (DAP in Contoso, GDAP in Tailspin)
        assert error_of(shared_graph.get("/subscribedSkus", who, tenant)) == DENIED, who


# -- assignLicense ---------------------------------------------------------------------------


def test_the_customers_global_admin_assigns_a_license(graph: Graph) -> None:
    erin_id = new_user(graph, ERIN)
    response = assign(graph, ERIN, add=(E3,), disabled=(TEAMS1,))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@odata.context"] == f"{V1}/$metadata#users/$entity"
    assert (body["id"], body["userPrincipalName"]) == (erin_id, ERIN)
    assert body["assignedLicenses"] == [{"disabledPlans": [TEAMS1], "skuId": E3}]
    plans = {p["servicePlanId"]: p for p in body["assignedPlans"]}
    assert TEAMS1 not in plans
    exchange = plans["efb87545-963c-4e0d-99df-69c6916d9eb0"]
    assert (exchange["service"], exchange["capabilityStatus"]) == ("exchange", "Enabled")
    assert exchange["assignedDateTime"].endswith("Z")
    assert consumed(graph)["SPE_E3"] == 2

    shown = graph.get(f"/users/{ERIN}?$select=displayName,assignedLicenses", "bob").json()
    assert shown["assignedLicenses"] == body["assignedLicenses"]
    [e3] = details(graph, ERIN)
    assert (e3["skuId"], e3["skuPartNumber"]) == (E3, "SPE_E3")
    assert e3["id"] == license_details_id(CONTOSO_ID, E3)
    status = {p["servicePlanName"]: p["provisioningStatus"] for p in e3["servicePlans"]}
    assert (status["TEAMS1"], status["EXCHANGE_S_ENTERPRISE"]) == ("Disabled", "Success")


def test_seats_run_out_and_a_removed_license_frees_one(graph: Graph) -> None:
    new_user(graph, ERIN)
    new_user(graph, FRANK)
    assert assign(graph, ERIN, add=(P1,)).status_code == 200  # AAD_PREMIUM's last seat

    refused = assign(graph, FRANK, add=(P1,))
    assert error_of(refused) == (
        400,
        "Request_BadRequest",
        f"Subscription with SKU {P1} does not have any available licenses.",
    )
    assert details(graph, FRANK) == []
    assert consumed(graph)["AAD_PREMIUM"] == 2

    assert assign(graph, ERIN, remove=(P1,)).json()["assignedLicenses"] == []
    assert assign(graph, FRANK, add=(P1,)).status_code == 200
    assert graph.delete(f"/users/{FRANK}", "bob").status_code == 204
    assert consumed(graph)["AAD_PREMIUM"] == 1


def test_a_user_without_usage_location_is_licensed_once_it_has_one(graph: Graph) -> None:
    refused = assign(graph, CAROL, add=(E3,))
    assert error_of(refused) == (
        400,
        "Request_BadRequest",
        "License assignment cannot be done for user with invalid usage location.",
    )
    patched = graph.patch(f"/users/{CAROL}", "bob", json={"usageLocation": "gb"})
    assert patched.status_code == 204
    assert assign(graph, CAROL, add=(E3,)).status_code == 200
    assert [d["skuPartNumber"] for d in details(graph, CAROL)] == ["SPE_E3"]


def test_a_license_administrator_gives_a_usage_location_then_a_license(graph: Graph) -> None:
    grant_directory_role(graph, CAROL, RoleTemplate.LICENSE_ADMINISTRATOR)
    new_user(graph, FRANK, usage_location=None)
    assert error_of(assign(graph, FRANK, "carol", add=(E3,)))[:2] == (400, "Request_BadRequest")
    patched = graph.patch(f"/users/{FRANK}", "carol", json={"usageLocation": "NL"})
    assert patched.status_code == 204
    assert assign(graph, FRANK, "carol", add=(E3,)).status_code == 200
    assert consumed(graph, "carol")["SPE_E3"] == 2


def test_an_admin_agent_under_dap_licenses_the_customers_users(graph: Graph) -> None:
    # alice is in the partner's AdminAgents: Global Administrator in Contoso under DAP
    carol = f"/users/{CAROL}"
    assert graph.patch(carol, "alice", CONTOSO, json={"usageLocation": "US"}).status_code == 204
    response = assign(graph, CAROL, "alice", CONTOSO, add=(E3, P1))
    assert response.status_code == 200, response.text
    assert {lic["skuId"] for lic in response.json()["assignedLicenses"]} == {E3, P1}
    assert consumed(graph, "alice", CONTOSO) == {"SPE_E3": 2, "AAD_PREMIUM": 2}
    with graph.api.plane.database.connect() as connection:
        events = list_events(connection, tenant_id=CONTOSO_ID)
    carol_id = graph.get(carol, "bob").json()["id"]
    assert ("microsoft.directory/users/assignLicense", f"/users/{carol_id}", 200) in [
        (e.operation, e.scope, e.status_code) for e in events
    ]


def test_helpdesk_agents_and_ordinary_users_cannot_assign(shared_graph: Graph) -> None:
    # harry is in HelpdeskAgents: Helpdesk Administrator in Contoso under DAP
    assert error_of(assign(shared_graph, BOB, "harry", CONTOSO, add=(E3,))) == DENIED
    assert error_of(assign(shared_graph, BOB, "carol", add=(E3,))) == DENIED
    assert error_of(
        assign(shared_graph, "tom@tailspintoys.onmicrosoft.com", "harry", TAILSPIN)
    ) == (DENIED)
    assert consumed(shared_graph)["SPE_E3"] == 1


def test_a_partner_without_delegated_admin_gets_no_way_in(shared_graph: Graph) -> None:
    # Wide World Importers: a reseller relationship without DAP, so no token to begin with
    response = shared_graph.api.client.post(
        f"{ARM}/{WIDEWORLD}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "username": "alice@fabrikampartner.onmicrosoft.com",
            "password": "Alice-pass-1",
            "scope": "https://localhost:8443//.default",
        },
    )
    assert response.json()["error_codes"] == [50020]


def test_removing_dap_refuses_an_agents_token_on_the_very_next_request(graph: Graph) -> None:
    assert assign(graph, BOB, "alice", CONTOSO, add=(E3,), disabled=(TEAMS1,)).status_code == 200
    bob_pc_token = graph.api.token(BOB, "Bob-pass-1", audience=ENDPOINTS.partner_center)
    removed = graph.api.client.post(
        f"{ARM}/v1/partnerRelationships/{PARTNER_ID}/removeDelegatedAdminPrivileges",
        headers={"Authorization": f"Bearer {bob_pc_token}"},
    )
    assert removed.status_code == 200, removed.text

    # the same token alice was issued while DAP held is no longer good in Contoso
    for refused in (
        assign(graph, BOB, "alice", CONTOSO, remove=(E3,)),
        graph.get("/subscribedSkus", "alice", CONTOSO),
    ):
        assert error_of(refused)[:2] == (401, "InvalidAuthenticationToken")
    held = graph.get(f"/users/{BOB}?$select=assignedLicenses", "bob").json()
    assert {"disabledPlans": [TEAMS1], "skuId": E3} in held["assignedLicenses"]


def test_a_change_with_any_bad_part_changes_nothing(shared_graph: Graph) -> None:
    cases = [
        ((E5,), (), f"License {E5} does not correspond to a valid company License."),
        ((E3,), (E5,), f"User does not have a corresponding license {E5}."),
        ((E3,), (E3,), f"License {E3} is present in both addLicenses and removeLicenses."),
    ]
    for add, remove, message in cases:
        response = assign(shared_graph, CAROL, add=add, remove=remove)
        assert error_of(response) == (400, "Request_BadRequest", message)
    wrong_plan = assign(shared_graph, BOB, add=(P1,), disabled=(TEAMS1,))
    assert error_of(wrong_plan)[:2] == (400, "Request_BadRequest")
    assert consumed(shared_graph) == {"SPE_E3": 1, "AAD_PREMIUM": 1}


def test_bad_bodies_get_graphs_400_and_an_unknown_user_404(shared_graph: Graph) -> None:
    path = f"/users/{BOB}/assignLicense"
    missing = "One or more parameters of the operation 'assignLicense' are missing from the "
    cases: list[tuple[Any, str]] = [
        ({}, missing + "request payload. The missing parameters are: addLicenses, removeLicenses."),
        (
            {"addLicenses": []},
            missing + "request payload. The missing parameters are: removeLicenses.",
        ),
        (
            {"removeLicenses": []},
            missing + "request payload. The missing parameters are: addLicenses.",
        ),
        (
            {"addLicenses": [{"skuId": "SPE_E3"}], "removeLicenses": []},
            "Cannot convert a primitive value to the expected type 'Edm.Guid'. "
            "See the inner exception for more details.",
        ),
        (
            {"addLicenses": [], "removeLicenses": ["not-a-guid"]},
            "Cannot convert a primitive value to the expected type 'Edm.Guid'. "
            "See the inner exception for more details.",
        ),
        (
            {"addLicenses": [{"disabledPlans": []}], "removeLicenses": []},
            "Invalid value specified for property 'skuId' of resource 'AssignedLicense'.",
        ),
    ]
    for body, message in cases:
        assert error_of(shared_graph.post(path, "bob", json=body)) == (
            400,
            "Request_BadRequest",
            message,
        ), body
    for body in ({"addLicenses": "SPE_E3", "removeLicenses": []}, [], "x"):
        assert error_of(shared_graph.post(path, "bob", json=body))[:2] == (
            400,
            "Request_BadRequest",
        )
    not_json = shared_graph.post(
        path, "bob", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert error_of(not_json)[:2] == (400, "Request_BadRequest")
    unknown = assign(shared_graph, f"nobody@{CONTOSO}", add=(E3,))
    assert error_of(unknown)[:2] == (404, "Request_ResourceNotFound")
    other_tenant = assign(shared_graph, "walter@wideworldimporters.onmicrosoft.com", add=(E3,))
    assert error_of(other_tenant)[:2] == (404, "Request_ResourceNotFound")


# -- licenseDetails and the user object ------------------------------------------------------


def test_license_details_list_a_users_licenses(shared_graph: Graph) -> None:
    bob_id = shared_graph.get(f"/users/{BOB}", "bob").json()["id"]
    response = shared_graph.get(
        f"/users/{bob_id}/licenseDetails?$select=skuPartNumber", "harry", CONTOSO
    )
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"] == (
        f"{V1}/$metadata#users('{bob_id}')/licenseDetails(skuPartNumber)"
    )
    assert sorted(d["skuPartNumber"] for d in body["value"]) == ["AAD_PREMIUM", "SPE_E3"]
    assert details(shared_graph, CAROL) == []
    missing = shared_graph.get(f"/users/nobody@{CONTOSO}/licenseDetails", "bob")
    assert error_of(missing)[:2] == (404, "Request_ResourceNotFound")


def test_license_details_ids_are_graphs_tenant_and_sku_bytes() -> None:
    # the example of Graph's "List licenseDetails" page
    tenant, sku = "dcd219dd-bc68-4b9b-bf0b-4a33a796be35", "c7df2760-2c81-4ef7-b578-5b5392b571df"
    assert license_details_id(tenant, sku) == "3RnS3Gi8m0u_C0ozp5a-NWAn38eBLPdOtXhbU5K1cd8"


def test_users_show_assigned_licenses_only_when_selected(shared_graph: Graph) -> None:
    listed = shared_graph.get("/users?$select=userPrincipalName,assignedLicenses", "bob").json()
    licenses = {u["userPrincipalName"]: u["assignedLicenses"] for u in listed["value"]}
    assert {lic["skuId"] for lic in licenses[BOB]} == {E3, P1}
    assert licenses[CAROL] == []
    assert "assignedLicenses" not in shared_graph.get(f"/users/{BOB}", "bob").json()
    me = shared_graph.get("/me?$select=assignedPlans", "bob").json()
    assert {p["service"] for p in me["assignedPlans"]} >= {"exchange", "TeamspaceAPI"}
