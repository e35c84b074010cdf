"""`/directoryRoles`: the activated roles of a tenant, their ids and their members."""

from __future__ import annotations

from tests.api.graph.conftest import (
    ADMIN_AGENTS_ID,
    CONTOSO,
    GLOBAL_ADMINISTRATOR,
    PARTNER,
    TAILSPIN,
    V1,
    Graph,
)

HELPDESK_ADMINISTRATOR = "729827e3-9c14-49f7-bb1b-9608f156bbb8"


def test_directory_roles_lists_the_activated_roles(shared_graph: Graph) -> None:
    body = shared_graph.get("/directoryRoles", "bob", CONTOSO).json()
    assert body["@odata.context"] == f"{V1}/$metadata#directoryRoles"
    roles = {r["roleTemplateId"]: r for r in body["value"]}
    # bob holds Global Administrator; DAP brings the partner's HelpdeskAgents
    assert set(roles) == {GLOBAL_ADMINISTRATOR, HELPDESK_ADMINISTRATOR}
    role = roles[GLOBAL_ADMINISTRATOR]
    assert set(role) == {"id", "deletedDateTime", "description", "displayName", "roleTemplateId"}
    assert role["displayName"] == "Global Administrator"


def test_role_ids_are_stable_per_tenant(shared_graph: Graph) -> None:
    def ga_id(who: str, tenant: str) -> str:
        roles = shared_graph.get("/directoryRoles", who, tenant).json()["value"]
        return str(next(r["id"] for r in roles if r["roleTemplateId"] == GLOBAL_ADMINISTRATOR))

    assert ga_id("bob", CONTOSO) == ga_id("carol", CONTOSO)
    assert ga_id("bob", CONTOSO) != ga_id("alice", PARTNER)


def test_a_role_by_id_and_by_role_template_id(shared_graph: Graph) -> None:
    by_template = shared_graph.get(
        f"/directoryRoles(roleTemplateId='{GLOBAL_ADMINISTRATOR}')", "bob"
    )
    assert by_template.status_code == 200
    role = by_template.json()
    assert role["@odata.context"] == f"{V1}/$metadata#directoryRoles/$entity"
    assert shared_graph.get(f"/directoryRoles/{role['id']}", "bob").json() == role


def test_role_members_include_dap_partner_groups(shared_graph: Graph) -> None:
    path = f"/directoryRoles(roleTemplateId='{GLOBAL_ADMINISTRATOR}')/members"
    members = shared_graph.get(path, "carol", CONTOSO).json()["value"]
    kinds = {m["displayName"]: m["@odata.type"] for m in members}
    assert kinds == {
        "AdminAgents": "#microsoft.graph.directoryObjectPartnerReference",
        "Bob Admin": "#microsoft.graph.user",
    }
    assert next(m for m in members if m["displayName"] == "AdminAgents")["id"] == ADMIN_AGENTS_ID


def test_without_dap_only_the_tenants_own_holders_are_members(shared_graph: Graph) -> None:
    roles = shared_graph.get("/directoryRoles", "tom", TAILSPIN).json()["value"]
    assert [r["displayName"] for r in roles] == ["Global Administrator"]
    members = shared_graph.get(f"/directoryRoles/{roles[0]['id']}/members", "tom").json()
    assert [m["userPrincipalName"] for m in members["value"]] == [
        "tom@tailspintoys.onmicrosoft.com"
    ]


def test_an_inactive_role_is_not_found(shared_graph: Graph) -> None:
    license_administrator = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"
    path = f"/directoryRoles(roleTemplateId='{license_administrator}')"
    response = shared_graph.get(path, "bob")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "Request_ResourceNotFound"
