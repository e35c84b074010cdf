"""`POST /directoryObjects/getByIds`: how az names principals, partner groups included."""

from __future__ import annotations

from tests.api.graph.conftest import (
    ADMIN_AGENTS_ID,
    AZURE_OPERATORS_ID,
    CONTOSO,
    CONTOSO_ID,
    PARTNER,
    PARTNER_ID,
    V1,
    Graph,
)

AZ_TYPES = ["user", "group", "servicePrincipal", "directoryObjectPartnerReference"]
UNKNOWN = "00000000-0000-0000-0000-0000000000ff"


def user_id(graph: Graph, upn: str, who: str) -> str:
    return str(graph.get(f"/users/{upn}", who).json()["id"])


def test_a_partner_group_seen_from_the_customer_is_a_partner_reference(
    shared_graph: Graph,
) -> None:
    # What az sends to name the principal of a ForeignGroup role assignment in Contoso
    bob = user_id(shared_graph, "bob@contoso.onmicrosoft.com", "bob")
    response = shared_graph.post(
        "/directoryObjects/getByIds",
        "bob",
        CONTOSO,
        json={"ids": [ADMIN_AGENTS_ID, bob, UNKNOWN], "types": AZ_TYPES},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"] == f"{V1}/$metadata#directoryObjects"
    reference, user = body["value"]
    assert reference == {
        "@odata.type": "#microsoft.graph.directoryObjectPartnerReference",
        "id": ADMIN_AGENTS_ID,
        "deletedDateTime": None,
        "description": "Partner agents who administer customer tenants.",
        "displayName": "AdminAgents",
        "externalPartnerTenantId": PARTNER_ID,
        "objectType": "Group",
    }
    assert user["@odata.type"] == "#microsoft.graph.user"
    assert user["userPrincipalName"] == "bob@contoso.onmicrosoft.com"


def test_any_partner_group_is_referenced_while_a_relationship_exists(
    shared_graph: Graph,
) -> None:
    # Wide World Importers has a reseller relationship without DAP
    response = shared_graph.post(
        "/directoryObjects/getByIds",
        "walter",
        json={"ids": [AZURE_OPERATORS_ID], "types": AZ_TYPES},
    )
    assert [o["displayName"] for o in response.json()["value"]] == ["Azure Operators"]


def test_partner_references_are_only_returned_when_asked_for(shared_graph: Graph) -> None:
    body = {"ids": [ADMIN_AGENTS_ID], "types": ["group"]}
    response = shared_graph.post("/directoryObjects/getByIds", "bob", json=body)
    assert response.json()["value"] == []


def test_the_partner_sees_its_own_group_as_a_group(shared_graph: Graph) -> None:
    response = shared_graph.post(
        "/directoryObjects/getByIds", "alice", PARTNER, json={"ids": [ADMIN_AGENTS_ID]}
    )
    (group,) = response.json()["value"]
    assert group["@odata.type"] == "#microsoft.graph.group"
    assert group["securityEnabled"] is True


def test_objects_of_other_tenants_are_not_returned(shared_graph: Graph) -> None:
    bob = user_id(shared_graph, "bob@contoso.onmicrosoft.com", "bob")
    response = shared_graph.post(
        "/directoryObjects/getByIds", "alice", PARTNER, json={"ids": [bob], "types": AZ_TYPES}
    )
    assert response.json()["value"] == []


def test_types_filter_and_service_principals(shared_graph: Graph) -> None:
    members = shared_graph.get(f"/groups/{ADMIN_AGENTS_ID}/members", "alice").json()["value"]
    ids = [m["id"] for m in members]
    only_sps = shared_graph.post(
        "/directoryObjects/getByIds", "alice", json={"ids": ids, "types": ["servicePrincipal"]}
    ).json()["value"]
    assert [(o["@odata.type"], o["appId"]) for o in only_sps] == [
        ("#microsoft.graph.servicePrincipal", "0b3e4f5a-1c2d-4e6f-8a9b-0c1d2e3f4a5b")
    ]


def test_a_single_directory_object_by_id(shared_graph: Graph) -> None:
    found = shared_graph.get(f"/directoryObjects/{ADMIN_AGENTS_ID}", "bob", CONTOSO)
    assert found.json()["@odata.type"] == "#microsoft.graph.directoryObjectPartnerReference"
    assert shared_graph.get(f"/directoryObjects/{UNKNOWN}", "bob").status_code == 404


def test_get_by_ids_refuses_bad_input(shared_graph: Graph) -> None:
    for body in (
        {"ids": ["not-a-guid"]},
        {"ids": [UNKNOWN], "types": ["spaceship"]},
        {"ids": [UNKNOWN] * 1001},
        {"types": ["user"]},
    ):
        response = shared_graph.post("/directoryObjects/getByIds", "bob", json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "Request_BadRequest"


def test_a_partner_agent_names_customer_objects_through_dap(shared_graph: Graph) -> None:
    response = shared_graph.post(
        "/directoryObjects/getByIds", "alice", CONTOSO, json={"ids": [ADMIN_AGENTS_ID]}
    )
    (reference,) = response.json()["value"]
    assert reference["externalPartnerTenantId"] == PARTNER_ID
    assert CONTOSO_ID not in reference.values()
