"""Graph users: what `az ad user create/update/show/list/delete` send, and who may do it."""

from __future__ import annotations

from typing import Any

import pytest

from cspadmin.domain.directory import DirectoryRoleAssignment
from cspadmin.domain.directory_roles import RoleTemplate
from cspadmin.store.activity import list_events
from cspadmin.store.directory import get_user, save_directory_role_assignment
from tests.api.conftest import ARM
from tests.api.graph.conftest import CONTOSO, CONTOSO_ID, TAILSPIN, V1, Graph

ERIN = "erin@contoso.onmicrosoft.com"
DEFAULT_USER_PROPERTIES = {
    "@odata.context",
    "id",
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
}


def az_create(upn: str = ERIN, password: str = "Erin-pass-1", **extra: Any) -> dict[str, Any]:
    """The body of `az ad user create --display-name Erin --user-principal-name … --password …`."""
    return {
        "userPrincipalName": upn,
        "displayName": "Erin",
        "passwordProfile": {"password": password, "forceChangePasswordNextSignIn": False},
        "mailNickname": upn.partition("@")[0],
        "accountEnabled": True,
        **extra,
    }


def error_of(response: Any) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


def grant_directory_role(graph: Graph, upn: str, role: RoleTemplate) -> None:
    """Make the user a holder of the role in its own tenant."""
    with graph.api.plane.database.begin() as connection:
        user = get_user(connection, upn)
        assert user is not None
        grant = DirectoryRoleAssignment(user.tenant_id, role, user.id)
        save_directory_role_assignment(connection, grant)


# -- reading -------------------------------------------------------------------------------


def test_az_ad_user_show_by_upn_returns_the_default_select_set(shared_graph: Graph) -> None:
    response = shared_graph.get("/users/carol@contoso.onmicrosoft.com", "bob")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == DEFAULT_USER_PROPERTIES
    assert body["@odata.context"] == f"{V1}/$metadata#users/$entity"
    assert (body["displayName"], body["businessPhones"]) == ("Carol Developer", [])
    assert shared_graph.get(f"/users/{body['id']}", "bob").json() == body


def test_az_ad_user_list_filters(shared_graph: Graph) -> None:
    everyone = shared_graph.get("/users", "carol").json()["value"]
    assert [u["userPrincipalName"] for u in everyone] == [
        "bob@contoso.onmicrosoft.com",
        "carol@contoso.onmicrosoft.com",
    ]
    by_upn = shared_graph.get(
        "/users?$filter=userPrincipalName eq 'BOB@contoso.onmicrosoft.com'", "carol"
    )
    assert [u["displayName"] for u in by_upn.json()["value"]] == ["Bob Admin"]
    by_name = shared_graph.get("/users?$filter=startswith(displayName,'Car')", "carol")
    assert [u["displayName"] for u in by_name.json()["value"]] == ["Carol Developer"]


def test_select_reaches_properties_beyond_the_default_set(shared_graph: Graph) -> None:
    body = shared_graph.get(
        "/users/carol@contoso.onmicrosoft.com?$select=accountEnabled,userType", "bob"
    ).json()
    assert body["@odata.context"] == f"{V1}/$metadata#users(accountEnabled,userType)/$entity"
    assert (body["accountEnabled"], body["userType"]) == (True, "Member")


def test_a_user_of_another_tenant_is_not_found(shared_graph: Graph) -> None:
    response = shared_graph.get("/users/alice@fabrikampartner.onmicrosoft.com", "bob")
    assert error_of(response) == (
        404,
        "Request_ResourceNotFound",
        "Resource 'alice@fabrikampartner.onmicrosoft.com' does not exist or one of its "
        "queried reference-property objects are not present.",
    )


def test_partner_agents_read_the_customers_users_through_delegation(shared_graph: Graph) -> None:
    # harry is a HelpdeskAgent (DAP: Helpdesk Administrator in Contoso)
    assert shared_graph.get("/users", "harry", CONTOSO).status_code == 200
    # oscar is in Azure Operators (GDAP in Tailspin: Directory Readers)
    assert shared_graph.get("/users", "oscar", TAILSPIN).status_code == 200


# -- writing -------------------------------------------------------------------------------


def test_the_customers_global_admin_creates_a_user_who_then_signs_in(graph: Graph) -> None:
    created = graph.post("/users", "bob", json=az_create())
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == DEFAULT_USER_PROPERTIES
    assert (body["userPrincipalName"], body["displayName"]) == (ERIN, "Erin")

    token = graph.api.token(ERIN, "Erin-pass-1", CONTOSO)
    assert token
    shown = graph.get(f"/users/{body['id']}?$select=mailNickname,accountEnabled", "bob").json()
    assert (shown["mailNickname"], shown["accountEnabled"]) == ("erin", True)


def test_a_created_user_keeps_the_force_change_flag(graph: Graph) -> None:
    body = az_create(
        "frankie@contoso.onmicrosoft.com",
        mailNickname="frankie",
        passwordProfile={"password": "Frankie-pass-1", "forceChangePasswordNextSignIn": True},
    )
    assert graph.post("/users", "bob", json=body).status_code == 201
    from cspadmin.store.directory_profiles import get_user_profile

    with graph.api.plane.database.connect() as connection:
        stored = get_user_profile(connection, "frankie@contoso.onmicrosoft.com")
    assert stored is not None
    assert stored.force_change_password
    assert stored.mail_nickname == "frankie"
    assert stored.user.password_hash and "Frankie" not in stored.user.password_hash


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            az_create("erin@fabrikampartner.onmicrosoft.com"),
            "The domain portion of the userPrincipalName property is invalid. You must use "
            "one of the verified domain names in your organization.",
        ),
        (
            az_create("CAROL@contoso.onmicrosoft.com"),
            "Another object with the same value for property userPrincipalName already exists.",
        ),
        (
            az_create(password="password"),
            "The specified password does not comply with password complexity requirements. "
            "Please provide a different password.",
        ),
        (
            {k: v for k, v in az_create().items() if k != "passwordProfile"},
            "Invalid value specified for property 'passwordProfile' of resource 'User'.",
        ),
        (
            az_create(mailNickname="has space"),
            "Invalid value specified for property 'mailNickname' of resource 'User'.",
        ),
    ],
)
def test_create_refuses_what_entra_refuses(
    shared_graph: Graph, body: dict[str, Any], message: str
) -> None:
    response = shared_graph.post("/users", "bob", json=body)
    assert error_of(response) == (400, "Request_BadRequest", message)


def test_update_and_password_reset_by_the_global_admin(graph: Graph) -> None:
    # az ad user update --id carol@… --password P
    reset = graph.patch(
        "/users/carol@contoso.onmicrosoft.com",
        "bob",
        json={"passwordProfile": {"password": "Carol-pass-2"}},
    )
    assert (reset.status_code, reset.content) == (204, b"")
    graph.api.token("carol@contoso.onmicrosoft.com", "Carol-pass-2", CONTOSO)

    renamed = graph.patch(
        "/users/carol@contoso.onmicrosoft.com",
        "bob",
        json={"displayName": "Carol C", "accountEnabled": True, "givenName": "Carol"},
    )
    assert renamed.status_code == 204
    shown = graph.get("/users/carol@contoso.onmicrosoft.com", "bob").json()
    assert (shown["displayName"], shown["givenName"]) == ("Carol C", "Carol")


def test_a_password_reset_still_checks_complexity(shared_graph: Graph) -> None:
    response = shared_graph.patch(
        "/users/carol@contoso.onmicrosoft.com",
        "bob",
        json={"passwordProfile": {"password": "short"}},
    )
    assert error_of(response)[:2] == (400, "Request_BadRequest")


def test_delete_by_the_global_admin(graph: Graph) -> None:
    assert graph.delete("/users/carol@contoso.onmicrosoft.com", "bob").status_code == 204
    assert graph.get("/users/carol@contoso.onmicrosoft.com", "bob").status_code == 404
    response = graph.api.client.post(
        f"{ARM}/{CONTOSO}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "username": "carol@contoso.onmicrosoft.com",
            "password": "Carol-pass-1",
            "scope": "https://localhost:8443//.default",
        },
    )
    assert response.json()["error_codes"] == [50034]


def test_a_dap_admin_agent_manages_the_customers_users(graph: Graph) -> None:
    created = graph.post("/users", "alice", CONTOSO, json=az_create())
    assert created.status_code == 201
    assert (
        graph.patch(
            f"/users/{ERIN}",
            "alice",
            CONTOSO,
            json={"passwordProfile": {"password": "Erin-pass-2"}},
        ).status_code
        == 204
    )
    assert graph.delete(f"/users/{ERIN}", "alice", CONTOSO).status_code == 204


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/users", az_create()),
        ("PATCH", "/users/bob@contoso.onmicrosoft.com", {"displayName": "Bobby"}),
        ("PATCH", "/users/bob@contoso.onmicrosoft.com", {"usageLocation": "DE"}),
        (
            "PATCH",
            "/users/bob@contoso.onmicrosoft.com",
            {"passwordProfile": {"password": "Bob-pass-2"}},
        ),
        ("DELETE", "/users/bob@contoso.onmicrosoft.com", None),
    ],
)
def test_an_ordinary_user_is_refused(
    shared_graph: Graph, method: str, path: str, body: Any
) -> None:
    response = shared_graph.call(method, path, "carol", json=body)
    assert error_of(response) == (
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )


def test_a_helpdesk_agent_resets_passwords_but_does_not_manage_users(graph: Graph) -> None:
    # harry: HelpdeskAgents → Helpdesk Administrator in Contoso under DAP
    carol = "/users/carol@contoso.onmicrosoft.com"
    assert (
        graph.patch(
            carol, "harry", CONTOSO, json={"passwordProfile": {"password": "Carol-pass-2"}}
        ).status_code
        == 204
    )
    assert graph.patch(carol, "harry", CONTOSO, json={"displayName": "C"}).status_code == 403
    assert graph.patch(carol, "harry", CONTOSO, json={"usageLocation": "US"}).status_code == 403
    assert graph.post("/users", "harry", CONTOSO, json=az_create()).status_code == 403
    bob = "/users/bob@contoso.onmicrosoft.com"
    assert (
        graph.patch(
            bob, "harry", CONTOSO, json={"passwordProfile": {"password": "Bob-pass-2"}}
        ).status_code
        == 403
    )


def test_a_license_administrator_sets_a_usage_location_and_nothing_else(graph: Graph) -> None:
    # Entra's License Administrator holds users/usageLocation/update (a license needs a
    # usage location) but no other write on users.
    grant_directory_role(graph, "carol@contoso.onmicrosoft.com", RoleTemplate.LICENSE_ADMINISTRATOR)
    assert graph.post("/users", "bob", json=az_create()).status_code == 201
    erin = f"/users/{ERIN}"

    assert graph.patch(erin, "carol", json={"usageLocation": "GB"}).status_code == 204
    shown = graph.get(f"{erin}?$select=usageLocation", "carol").json()
    assert shown["usageLocation"] == "GB"

    refused: list[dict[str, Any]] = [
        {"displayName": "Erin E"},
        {"usageLocation": "DE", "displayName": "Erin E"},
        {"usageLocation": "DE", "accountEnabled": False},
        {"usageLocation": "DE", "passwordProfile": {"password": "Erin-pass-2"}},
        {},
    ]
    for body in refused:
        assert error_of(graph.patch(erin, "carol", json=body))[:2] == (
            403,
            "Authorization_RequestDenied",
        ), body
    assert (
        graph.post("/users", "carol", json=az_create("x@contoso.onmicrosoft.com")).status_code
        == 403
    )
    assert graph.delete(erin, "carol").status_code == 403
    kept = graph.get(f"{erin}?$select=usageLocation,displayName,accountEnabled", "bob").json()
    assert (kept["usageLocation"], kept["displayName"], kept["accountEnabled"]) == (
        "GB",
        "Erin",
        True,
    )


def test_a_license_administrators_usage_location_is_still_checked(graph: Graph) -> None:
    grant_directory_role(graph, "carol@contoso.onmicrosoft.com", RoleTemplate.LICENSE_ADMINISTRATOR)
    response = graph.patch(
        "/users/bob@contoso.onmicrosoft.com", "carol", json={"usageLocation": "USA"}
    )
    assert error_of(response)[:2] == (400, "Request_BadRequest")


def test_gdap_roles_decide_in_the_customer(graph: Graph) -> None:
    # Tailspin under GDAP: AdminAgents → User Administrator, HelpdeskAgents → Helpdesk
    # Administrator; oscar's Azure Operators sits inside AdminAgents, so he counts too.
    for who, upn in (("alice", "erin"), ("oscar", "olga")):
        body = az_create(f"{upn}@tailspintoys.onmicrosoft.com", mailNickname=upn)
        assert graph.post("/users", who, TAILSPIN, json=body).status_code == 201
    tom = "/users/tom@tailspintoys.onmicrosoft.com"  # a Global Administrator
    reset = {"passwordProfile": {"password": "Tom-pass-2"}}
    assert graph.patch(tom, "alice", TAILSPIN, json=reset).status_code == 403
    assert graph.delete(tom, "alice", TAILSPIN).status_code == 403
    body = az_create("x@tailspintoys.onmicrosoft.com", mailNickname="x")
    assert graph.post("/users", "harry", TAILSPIN, json=body).status_code == 403


def test_writes_are_named_in_the_activity_log(graph: Graph) -> None:
    user_id = graph.post("/users", "bob", json=az_create()).json()["id"]
    graph.patch(f"/users/{ERIN}", "bob", json={"passwordProfile": {"password": "Erin-pass-2"}})
    graph.delete(f"/users/{ERIN}", "carol")
    with graph.api.plane.database.connect() as connection:
        events = list_events(connection, tenant_id=CONTOSO_ID)
    named = [(e.operation, e.scope, e.status_code) for e in events]
    assert ("microsoft.directory/users/create", f"/users/{user_id}", 201) in named
    assert ("microsoft.directory/users/password/update", f"/users/{user_id}", 204) in named
    assert ("microsoft.directory/users/delete", f"/users/{ERIN}", 403) in named


def test_me_is_the_signed_in_user(shared_graph: Graph) -> None:
    # az ad signed-in-user show
    body = shared_graph.get("/me", "carol").json()
    assert body["userPrincipalName"] == "carol@contoso.onmicrosoft.com"
    partner_agent = shared_graph.get("/me", "alice", CONTOSO).json()
    assert partner_agent["userPrincipalName"] == "alice@fabrikampartner.onmicrosoft.com"
