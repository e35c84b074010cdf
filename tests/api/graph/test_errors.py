"""Graph answers only Graph tokens, and every error in Graph's envelope."""

from __future__ import annotations

from tests.api.conftest import ARM
from tests.api.graph.conftest import CONTOSO, PARTNER, V1, WIDEWORLD, Graph


def assert_graph_error(response: object, status: int, code: str) -> None:
    assert getattr(response, "status_code", None) == status
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == code
    assert error["message"]
    assert set(error["innerError"]) >= {"date", "request-id", "client-request-id"}


def test_graph_refuses_an_arm_token(shared_graph: Graph) -> None:
    arm_token = shared_graph.api.token("bob@contoso.onmicrosoft.com", "Bob-pass-1", CONTOSO)
    response = shared_graph.api.client.get(
        f"{V1}/users", headers={"Authorization": f"Bearer {arm_token}"}
    )
    assert_graph_error(response, 401, "InvalidAuthenticationToken")


def test_graph_refuses_a_missing_or_malformed_token(shared_graph: Graph) -> None:
    client = shared_graph.api.client
    assert client.get(f"{V1}/groups").status_code == 401
    response = client.get(f"{V1}/groups", headers={"Authorization": "Bearer nonsense"})
    assert_graph_error(response, 401, "InvalidAuthenticationToken")


def test_errors_echo_the_client_request_id(shared_graph: Graph) -> None:
    response = shared_graph.get(
        "/groups/not-a-guid", "bob", headers={"client-request-id": "abc-123"}
    )
    assert_graph_error(response, 400, "Request_BadRequest")
    assert response.json()["error"]["innerError"]["request-id"] == "abc-123"


def test_malformed_bodies_and_unknown_paths_answer_in_graphs_envelope(
    shared_graph: Graph,
) -> None:
    not_json = shared_graph.post(
        "/users", "bob", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert_graph_error(not_json, 400, "Request_BadRequest")
    assert_graph_error(shared_graph.get("/nothing-here", "bob"), 404, "Request_ResourceNotFound")


def test_a_partner_without_delegated_admin_cannot_sign_in_to_the_customer(
    shared_graph: Graph,
) -> None:
    # Wide World Importers: reseller relationship without DAP or GDAP
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


def test_a_sales_agent_has_no_directory_roles_in_the_partner_tenant_but_reads_it(
    shared_graph: Graph,
) -> None:
    assert shared_graph.get("/groups", "sam", PARTNER).status_code == 200
    assert_graph_error(
        shared_graph.post(
            "/users",
            "sam",
            PARTNER,
            json={
                "userPrincipalName": "x@fabrikampartner.onmicrosoft.com",
                "displayName": "X",
                "mailNickname": "x",
                "passwordProfile": {"password": "Xx-pass-123"},
            },
        ),
        403,
        "Authorization_RequestDenied",
    )
