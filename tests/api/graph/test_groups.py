"""Graph groups: what `az ad group show/list` send, and the OData options around them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.graph.conftest import (
    ADMIN_AGENTS_ID,
    AZURE_OPERATORS_ID,
    CONTOSO,
    PARTNER,
    V1,
    Graph,
)


def test_az_ad_group_show_finds_admin_agents_by_name_then_by_id(shared_graph: Graph) -> None:
    # az ad group show --group AdminAgents, as alice in the partner tenant
    found = shared_graph.get("/groups?$filter=displayName eq 'AdminAgents'", "alice", PARTNER)
    assert found.status_code == 200
    body = found.json()
    assert body["@odata.context"] == f"{V1}/$metadata#groups"
    assert [g["id"] for g in body["value"]] == [ADMIN_AGENTS_ID]

    shown = shared_graph.get(f"/groups/{ADMIN_AGENTS_ID}", "alice", PARTNER)
    assert shown.status_code == 200
    group = shown.json()
    assert group["@odata.context"] == f"{V1}/$metadata#groups/$entity"
    assert group["displayName"] == "AdminAgents"
    assert (group["securityEnabled"], group["mailEnabled"], group["groupTypes"]) == (
        True,
        False,
        [],
    )


def test_a_group_carries_graphs_default_property_set(shared_graph: Graph) -> None:
    group = shared_graph.get(f"/groups/{ADMIN_AGENTS_ID}", "alice").json()
    for name in (
        "id",
        "deletedDateTime",
        "classification",
        "createdDateTime",
        "description",
        "displayName",
        "expirationDateTime",
        "groupTypes",
        "isAssignableToRole",
        "mail",
        "mailEnabled",
        "mailNickname",
        "membershipRule",
        "membershipRuleProcessingState",
        "onPremisesSyncEnabled",
        "proxyAddresses",
        "renewedDateTime",
        "resourceBehaviorOptions",
        "resourceProvisioningOptions",
        "securityEnabled",
        "visibility",
        "onPremisesProvisioningErrors",
    ):
        assert name in group


def test_az_ad_group_list_display_name_is_a_prefix_match(shared_graph: Graph) -> None:
    response = shared_graph.get("/groups?$filter=startswith(displayName,'Adm')", "alice")
    assert [g["displayName"] for g in response.json()["value"]] == ["AdminAgents"]
    everything = shared_graph.get("/groups?$filter=startswith(displayName,'')", "alice")
    assert len(everything.json()["value"]) == 4


def test_filters_ignore_case_and_unescape_quotes(shared_graph: Graph) -> None:
    response = shared_graph.get("/groups?$filter=displayName eq 'adminagents'", "alice")
    assert [g["id"] for g in response.json()["value"]] == [ADMIN_AGENTS_ID]
    quoted = shared_graph.get("/groups?$filter=displayName eq 'O''Brien'", "alice")
    assert quoted.json()["value"] == []


@pytest.mark.parametrize(
    "query",
    [
        "$filter=endswith(displayName,'Agents')",
        "$filter=securityEnabled eq true",
        "$filter=description eq 'x'",
        "$filter=startswith(id,'a9')",
        "$filter=displayName eq 'a' or displayName eq 'b'",
        "$select=nonsense",
        "$top=0",
        "$top=1000",
        "$top=ten",
        "$orderby=displayName",
        "$skiptoken=not-a-token",
        "$count=true",
    ],
)
def test_unsupported_queries_are_graph_bad_requests(shared_graph: Graph, query: str) -> None:
    response = shared_graph.get(f"/groups?{query}", "alice")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "Request_BadRequest"
    assert set(error["innerError"]) >= {"date", "request-id"}


def test_select_narrows_the_objects_and_the_context(shared_graph: Graph) -> None:
    body = shared_graph.get("/groups?$select=displayName,id", "alice").json()
    assert body["@odata.context"] == f"{V1}/$metadata#groups(displayName,id)"
    assert all(set(g) == {"displayName", "id"} for g in body["value"])


def test_top_pages_with_an_opaque_next_link(shared_graph: Graph) -> None:
    first = shared_graph.get("/groups?$top=3&$select=id", "alice").json()
    assert len(first["value"]) == 3
    link = first["@odata.nextLink"]
    assert link.startswith(f"{V1}/groups?")
    assert parse_qs(urlsplit(link).query)["$top"] == ["3"]
    second = shared_graph.get(link, "alice").json()
    assert len(second["value"]) == 1
    assert "@odata.nextLink" not in second
    ids = [g["id"] for g in first["value"] + second["value"]]
    assert len(set(ids)) == 4


def test_count_needs_eventual_consistency(shared_graph: Graph) -> None:
    response = shared_graph.get(
        "/groups?$count=true&$top=1", "alice", headers={"ConsistencyLevel": "eventual"}
    )
    body = response.json()
    assert body["@odata.count"] == 4
    assert len(body["value"]) == 1


def test_a_missing_group_is_graphs_not_found(shared_graph: Graph) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    response = shared_graph.get(f"/groups/{missing}", "alice")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "Request_ResourceNotFound",
        "message": f"Resource '{missing}' does not exist or one of its queried "
        "reference-property objects are not present.",
        "innerError": response.json()["error"]["innerError"],
    }


def test_another_tenants_group_is_not_found(shared_graph: Graph) -> None:
    response = shared_graph.get(f"/groups/{ADMIN_AGENTS_ID}", "bob")
    assert response.status_code == 404


def test_members_and_transitive_members_carry_their_types(shared_graph: Graph) -> None:
    direct = shared_graph.get(f"/groups/{ADMIN_AGENTS_ID}/members", "alice").json()
    assert direct["@odata.context"] == f"{V1}/$metadata#directoryObjects"
    kinds = {m["displayName"]: m["@odata.type"] for m in direct["value"]}
    assert kinds == {
        "Alice Admin": "#microsoft.graph.user",
        "Azure Operators": "#microsoft.graph.group",
        "Fabrikam automation": "#microsoft.graph.servicePrincipal",
    }
    nested = shared_graph.get(f"/groups/{ADMIN_AGENTS_ID}/transitiveMembers", "alice").json()
    names = {m["displayName"] for m in nested["value"]}
    assert names == {"Alice Admin", "Azure Operators", "Fabrikam automation", "Oscar Operator"}


def test_members_of_a_nested_group(shared_graph: Graph) -> None:
    body = shared_graph.get(f"/groups/{AZURE_OPERATORS_ID}/members", "oscar").json()
    assert [m["userPrincipalName"] for m in body["value"]] == [
        "oscar@fabrikampartner.onmicrosoft.com"
    ]


def test_a_partner_agent_reads_the_customers_groups(shared_graph: Graph) -> None:
    response = shared_graph.get("/groups", "alice", CONTOSO)
    assert response.status_code == 200
    assert response.json()["value"] == []
