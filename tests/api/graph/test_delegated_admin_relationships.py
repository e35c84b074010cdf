"""GDAP over Graph: `/v1.0/tenantRelationships/delegatedAdminRelationships`, its requests
and access assignments, and the customer's approval link (`/adminportal/…`).

The demo world: Fabrikam Partner (alice: Global admin and Admin agent; harry: Helpdesk
agent; sam: Sales agent) and its customer Wide World Importers, which granted no DAP
(walter: Global Administrator; wendy: no role). The clock is moved to make relationships
expire; tokens then come from a fresh sign-in at the new time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from cspadmin.api.endpoints import AZURE_CLI_CLIENT_ID
from tests.api.conftest import ARM, GRAPH
from tests.api.graph.conftest import (
    ADMIN_AGENTS_ID,
    DEMO_USERS,
    GLOBAL_ADMINISTRATOR,
    GRAPH_AUDIENCE,
    HELPDESK_AGENTS_ID,
    PARTNER_ID,
    V1,
    WIDEWORLD,
    Graph,
)

RELATIONSHIPS = f"{V1}/tenantRelationships/delegatedAdminRelationships"
APPROVALS = f"{GRAPH}/adminportal/granularAdminRelationships"
WWI_ID = "d3f1a6b2-0c4e-4a7d-9b8e-000000000104"
CONTOSO_ID = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
DAY = timedelta(days=1)


def relationship_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "displayName": "WWI helpdesk",
        "duration": "P30D",
        "customer": {"tenantId": WWI_ID, "displayName": "Wide World"},
        "accessDetails": {
            "unifiedRoles": [{"roleDefinitionId": HELPDESK}, {"roleDefinitionId": READERS}]
        },
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def create(graph: Graph, **changes: Any) -> dict[str, Any]:
    response = graph.post(RELATIONSHIPS, "alice", json=relationship_body(**changes))
    assert response.status_code == 201, response.text
    return dict(response.json())


def lock(graph: Graph, relationship_id: str) -> httpx.Response:
    action = {"action": "lockForApproval"}
    return graph.post(f"{RELATIONSHIPS}/{relationship_id}/requests", "alice", json=action)


def approve(graph: Graph, relationship_id: str, who: str = "walter") -> httpx.Response:
    return graph.post(f"{APPROVALS}/{relationship_id}/approve", who)


def assign(
    graph: Graph, relationship_id: str, roles: tuple[str, ...] = (HELPDESK,), group: str = ""
) -> httpx.Response:
    body = {
        "accessContainer": {
            "accessContainerId": group or HELPDESK_AGENTS_ID,
            "accessContainerType": "securityGroup",
        },
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]},
    }
    return graph.post(f"{RELATIONSHIPS}/{relationship_id}/accessAssignments", "alice", json=body)


def active(graph: Graph, roles: tuple[str, ...] = (HELPDESK,), **changes: Any) -> dict[str, Any]:
    """Created, locked, approved by walter; HelpdeskAgents assigned `roles`."""
    relationship = create(graph, **changes)
    assert lock(graph, relationship["id"]).status_code == 201
    assert approve(graph, relationship["id"]).status_code == 200
    assert assign(graph, relationship["id"], roles).status_code == 201
    return get(graph, relationship["id"])


def get(graph: Graph, relationship_id: str) -> dict[str, Any]:
    response = graph.get(f"{RELATIONSHIPS}/{relationship_id}", "alice")
    assert response.status_code == 200, response.text
    return dict(response.json())


def wwi_relationships(graph: Graph) -> list[dict[str, Any]]:
    response = graph.get(RELATIONSHIPS, "alice")
    assert response.status_code == 200, response.text
    return [r for r in response.json()["value"] if r["customer"]["tenantId"] == WWI_ID]


def sign_in(graph: Graph, who: str, tenant: str) -> httpx.Response:
    upn, password = DEMO_USERS[who]
    response: httpx.Response = graph.api.client.post(
        f"{ARM}/{tenant}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": AZURE_CLI_CLIENT_ID,
            "username": upn,
            "password": password,
            "scope": f"{GRAPH_AUDIENCE}.default",
        },
    )
    return response


def reset_password(graph: Graph, token: str, who: str) -> httpx.Response:
    response: httpx.Response = graph.api.client.patch(
        f"{V1}/users/{DEMO_USERS[who][0]}",
        json={"passwordProfile": {"password": "Reset-pass-2025!"}},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response


def lock_as(graph: Graph, who: str, relationship_id: str) -> httpx.Response:
    action = {"action": "lockForApproval"}
    return graph.post(f"{RELATIONSHIPS}/{relationship_id}/requests", who, json=action)


def error_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- relationships -----------------------------------------------------------------------------


def test_a_created_relationship_answers_201_with_location_and_graphs_shape(graph: Graph) -> None:
    response = graph.post(
        RELATIONSHIPS, "alice", json=relationship_body(autoExtendDuration="P180D")
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{RELATIONSHIPS}/{body['id']}"
    assert body["id"].endswith(f"-{WWI_ID}")
    assert body["@odata.type"] == "#microsoft.graph.delegatedAdminRelationship"
    assert body["@odata.context"].endswith(
        "/v1.0/tenantRelationships/$metadata#delegatedAdminRelationships"
    )
    assert body["@odata.etag"].startswith('W/"')
    assert {k: body[k] for k in ("displayName", "duration", "status", "autoExtendDuration")} == {
        "displayName": "WWI helpdesk",
        "duration": "P30D",
        "status": "created",
        "autoExtendDuration": "P180D",
    }
    assert body["customer"] == {"tenantId": WWI_ID, "displayName": "Wide World"}
    assert body["accessDetails"]["unifiedRoles"] == [
        {"roleDefinitionId": HELPDESK},
        {"roleDefinitionId": READERS},
    ]
    assert body["createdDateTime"] == body["lastModifiedDateTime"]
    assert (body["activatedDateTime"], body["endDateTime"]) == (None, None)
    assert get(graph, body["id"])["@odata.etag"] == body["@odata.etag"]


INVALID = {
    "no displayName": {"displayName": None},
    "displayName of 51": {"displayName": "x" * 51},
    "blank displayName": {"displayName": "  "},
    "no duration": {"duration": None},
    "P0D": {"duration": "P0D"},
    "P731D": {"duration": "P731D"},
    "P2Y1D": {"duration": "P2Y1D"},
    "duration not ISO": {"duration": "30 days"},
    "no customer": {"customer": None},
    "customer not a guid": {"customer": {"tenantId": "wideworldimporters"}},
    "unknown customer": {"customer": {"tenantId": "00000000-0000-4000-8000-000000000000"}},
    "the partner itself": {"customer": {"tenantId": PARTNER_ID}},
    "customer name of 257": {"customer": {"tenantId": WWI_ID, "displayName": "W" * 257}},
    "duration of 43 characters": {"duration": "P" + "0" * 40 + "1D"},
    "no accessDetails": {"accessDetails": None},
    "no roles": {"accessDetails": {"unifiedRoles": []}},
    "unknown role": {
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "00000000-0000-0000-0000-0"}]}
    },
    "autoExtend P90D": {"autoExtendDuration": "P90D"},
    "autoExtend with Global Administrator": {
        "autoExtendDuration": "P180D",
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": GLOBAL_ADMINISTRATOR}]},
    },
}


@pytest.mark.parametrize("changes", INVALID.values(), ids=INVALID)
def test_an_invalid_relationship_is_a_400_and_creates_nothing(
    graph: Graph, changes: dict[str, Any]
) -> None:
    response = graph.post(RELATIONSHIPS, "alice", json=relationship_body(**changes))

    assert error_of(response) == (400, "badRequest"), response.text
    assert response.json()["error"]["innerError"]["request-id"]
    assert wwi_relationships(graph) == []


def test_a_malformed_body_is_a_graph_400(graph: Graph) -> None:
    response = graph.post(RELATIONSHIPS, "alice", json=relationship_body(accessDetails="all"))
    assert error_of(response) == (400, "Request_BadRequest")


def test_display_names_are_unique_per_partner_ignoring_case(graph: Graph) -> None:
    create(graph)
    response = graph.post(
        RELATIONSHIPS, "alice", json=relationship_body(displayName="wwi HELPDESK")
    )
    assert error_of(response) == (409, "conflict")
    assert len(wwi_relationships(graph)) == 1


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("sam", "Admin agent or Global admin"),
        ("harry", "Admin agent or Global admin"),
        ("bob", "not a Partner Center partner"),
    ],
)
def test_only_the_partners_global_admin_or_admin_agents_manage_relationships(
    graph: Graph, who: str, message: str
) -> None:
    relationship = create(graph)
    for response in (
        graph.get(RELATIONSHIPS, who),
        graph.post(RELATIONSHIPS, who, json=relationship_body(displayName="Other")),
        graph.get(f"{RELATIONSHIPS}/{relationship['id']}", who),
        lock_as(graph, who, relationship["id"]),
    ):
        assert response.status_code == 403, response.text
        assert message in response.json()["error"]["message"]
    assert get(graph, relationship["id"])["status"] == "created"


def test_an_unknown_relationship_is_a_404(graph: Graph) -> None:
    response = graph.get(f"{RELATIONSHIPS}/no-such-relationship", "alice")
    assert error_of(response) == (404, "notFound")


def test_patch_needs_the_current_entity_tag_and_answers_the_changed_relationship(
    graph: Graph,
) -> None:
    relationship = create(graph)
    url = f"{RELATIONSHIPS}/{relationship['id']}"
    change = {"displayName": "Renamed", "duration": "P60D"}

    missing = graph.patch(url, "alice", json=change)
    stale = graph.patch(url, "alice", json=change, headers={"If-Match": 'W/"stale"'})
    patched = graph.patch(
        url, "alice", json=change, headers={"If-Match": relationship["@odata.etag"]}
    )
    replayed = graph.patch(
        url, "alice", json=change, headers={"If-Match": relationship["@odata.etag"]}
    )

    assert error_of(missing) == (400, "badRequest")
    assert error_of(stale) == (412, "preconditionFailed")
    assert patched.status_code == 200, patched.text
    assert (patched.json()["displayName"], patched.json()["duration"]) == ("Renamed", "P60D")
    assert patched.json()["@odata.etag"] != relationship["@odata.etag"]
    assert patched.json()["@odata.context"].endswith("delegatedAdminRelationships/$entity")
    assert error_of(replayed) == (412, "preconditionFailed")


def test_an_invalid_patch_changes_nothing(graph: Graph) -> None:
    relationship = create(graph)
    url = f"{RELATIONSHIPS}/{relationship['id']}"
    response = graph.patch(
        url, "alice", json={"duration": "P3Y"}, headers={"If-Match": relationship["@odata.etag"]}
    )
    assert error_of(response) == (400, "badRequest")
    after = get(graph, relationship["id"])
    assert {k: v for k, v in after.items() if k != "@odata.context"} == {
        k: v for k, v in relationship.items() if k != "@odata.context"
    }


def test_a_patch_cannot_move_a_relationship_to_another_customer(graph: Graph) -> None:
    """Its id ends with the customer's tenant id and its approval link goes to that
    customer: naming another is a 400 that changes nothing; repeating it is harmless."""
    relationship = create(graph)
    url = f"{RELATIONSHIPS}/{relationship['id']}"
    etag = {"If-Match": relationship["@odata.etag"]}

    moved = graph.patch(url, "alice", json={"customer": {"tenantId": CONTOSO_ID}}, headers=etag)

    assert error_of(moved) == (400, "badRequest")
    assert "cannot be changed" in moved.json()["error"]["message"]
    assert get(graph, relationship["id"])["@odata.etag"] == relationship["@odata.etag"]
    customer = {"tenantId": WWI_ID.upper(), "displayName": "WWI"}
    same = graph.patch(url, "alice", json={"customer": customer}, headers=etag)
    assert same.status_code == 200, same.text
    assert same.json()["customer"] == {"tenantId": WWI_ID, "displayName": "WWI"}
    assert same.json()["id"] == relationship["id"]


def test_patch_and_delete_are_refused_once_the_relationship_is_locked(graph: Graph) -> None:
    relationship = create(graph)
    assert lock(graph, relationship["id"]).status_code == 201
    locked = get(graph, relationship["id"])
    url = f"{RELATIONSHIPS}/{relationship['id']}"
    etag = {"If-Match": locked["@odata.etag"]}

    patched = graph.patch(url, "alice", json={"displayName": "Renamed"}, headers=etag)
    deleted = graph.delete(url, "alice", headers=etag)

    assert error_of(patched) == (400, "badRequest")
    assert "approvalPending" in patched.json()["error"]["message"]
    assert error_of(deleted) == (400, "badRequest")
    assert get(graph, relationship["id"])["displayName"] == "WWI helpdesk"


def test_a_created_relationship_is_deleted_with_its_entity_tag(graph: Graph) -> None:
    relationship = create(graph)
    url = f"{RELATIONSHIPS}/{relationship['id']}"
    assert error_of(graph.delete(url, "alice", headers={"If-Match": 'W/"x"'})) == (
        412,
        "preconditionFailed",
    )
    response = graph.delete(url, "alice", headers={"If-Match": relationship["@odata.etag"]})
    assert response.status_code == 204
    assert graph.get(url, "alice").status_code == 404


# -- requests and the customer's approval ----------------------------------------------------------


def test_the_customers_global_admin_approves_through_the_link_and_it_is_active(
    graph: Graph,
) -> None:
    relationship = create(graph)
    rid = relationship["id"]
    before_lock = approve(graph, rid)
    locked = lock(graph, rid)
    view = graph.get(f"{APPROVALS}/{rid}", "walter")

    assert error_of(before_lock) == (400, "badRequest")
    assert locked.status_code == 201, locked.text
    assert locked.headers["location"] == f"{RELATIONSHIPS}/{rid}/requests/{locked.json()['id']}"
    assert (locked.json()["action"], locked.json()["status"]) == ("lockForApproval", "succeeded")
    assert view.status_code == 200, view.text
    assert view.json()["partner"] == {"tenantId": PARTNER_ID, "displayName": "Fabrikam Partner"}
    assert [r["displayName"] for r in view.json()["roles"]] == [
        "Helpdesk Administrator",
        "Directory Readers",
    ]
    assert view.json()["approvalLink"] == (
        "https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/"
        f"granularAdminRelationships/{rid}"
    )
    assert view.json()["callerMayApprove"] is True
    assert graph.get(f"{APPROVALS}/{rid}", "wendy").json()["callerMayApprove"] is False

    approved = approve(graph, rid)

    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "expiring"  # thirty days: all of it is notice
    after = get(graph, rid)
    assert after["status"] == "expiring"
    assert after["customer"]["displayName"] == "Wide World Importers"
    activated = instant(after["activatedDateTime"])
    assert instant(after["endDateTime"]) == activated + 30 * DAY
    requests = graph.get(f"{RELATIONSHIPS}/{rid}/requests", "alice").json()["value"]
    assert [r["action"] for r in requests] == ["lockForApproval"]
    one = graph.get(f"{RELATIONSHIPS}/{rid}/requests/{requests[0]['id']}", "alice")
    assert one.json()["id"] == requests[0]["id"]


@pytest.mark.parametrize(
    ("who", "status", "message"),
    [
        ("wendy", 403, "Only a Global Administrator of 'Wide World Importers'"),
        ("bob", 403, "addressed to another organization"),
        ("alice", 403, "addressed to another organization"),
    ],
    ids=["customer non-admin", "another tenant's global admin", "the partner"],
)
def test_only_the_customers_own_global_administrator_approves(
    graph: Graph, who: str, status: int, message: str
) -> None:
    relationship = create(graph)
    lock(graph, relationship["id"])

    response = approve(graph, relationship["id"], who)

    assert response.status_code == status, response.text
    assert message in response.json()["error"]["message"]
    assert get(graph, relationship["id"])["status"] == "approvalPending"


def test_an_unapproved_request_expires_after_ninety_days(graph: Graph) -> None:
    relationship = create(graph)
    lock(graph, relationship["id"])
    graph.api.clock.now += 90 * DAY

    assert get(graph, relationship["id"])["status"] == "expired"
    assert error_of(approve(graph, relationship["id"])) == (400, "badRequest")


@pytest.mark.parametrize("action", ["approve", "unlock", None])
def test_only_lock_and_terminate_are_partner_requests(graph: Graph, action: str | None) -> None:
    relationship = create(graph)
    response = graph.post(
        f"{RELATIONSHIPS}/{relationship['id']}/requests", "alice", json={"action": action}
    )
    assert error_of(response) == (400, "badRequest")
    assert get(graph, relationship["id"])["status"] == "created"


# -- access assignments -------------------------------------------------------------------------


def test_access_assignments_are_refused_before_approval(graph: Graph) -> None:
    relationship = create(graph)
    lock(graph, relationship["id"])
    assert error_of(assign(graph, relationship["id"])) == (400, "badRequest")


@pytest.mark.parametrize(
    ("roles", "group", "expected"),
    [
        ((USER_ADMIN,), ADMIN_AGENTS_ID, (400, "badRequest")),
        ((HELPDESK, GLOBAL_ADMINISTRATOR), ADMIN_AGENTS_ID, (400, "badRequest")),
        ((READERS,), "00000000-0000-4000-8000-000000000000", (400, "badRequest")),
        ((READERS,), HELPDESK_AGENTS_ID, (409, "conflict")),
    ],
    ids=["role outside", "one role outside", "not a partner group", "group assigned twice"],
)
def test_an_invalid_access_assignment_is_refused_and_changes_nothing(
    graph: Graph, roles: tuple[str, ...], group: str, expected: tuple[int, str]
) -> None:
    relationship = active(graph)
    response = assign(graph, relationship["id"], roles, group)
    assert error_of(response) == expected, response.text
    listed = graph.get(f"{RELATIONSHIPS}/{relationship['id']}/accessAssignments", "alice")
    assert [a["accessDetails"]["unifiedRoles"] for a in listed.json()["value"]] == [
        [{"roleDefinitionId": HELPDESK}]
    ]


def test_an_access_assignment_is_created_read_changed_and_deleted(graph: Graph) -> None:
    relationship = create(graph)
    rid = relationship["id"]
    lock(graph, rid)
    approve(graph, rid)

    created = assign(graph, rid, (HELPDESK,), ADMIN_AGENTS_ID)

    assert created.status_code == 201, created.text
    body = created.json()
    url = f"{RELATIONSHIPS}/{rid}/accessAssignments/{body['id']}"
    assert created.headers["location"] == url
    assert body["status"] == "active"
    assert body["accessContainer"] == {
        "accessContainerId": ADMIN_AGENTS_ID,
        "accessContainerType": "securityGroup",
    }
    assert graph.get(url, "alice").json()["@odata.etag"] == body["@odata.etag"]

    roles = {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": READERS}]}}
    stale = graph.patch(url, "alice", json=roles, headers={"If-Match": 'W/"old"'})
    patched = graph.patch(url, "alice", json=roles, headers={"If-Match": body["@odata.etag"]})
    assert error_of(stale) == (412, "preconditionFailed")
    assert patched.status_code == 200, patched.text
    assert patched.json()["accessDetails"]["unifiedRoles"] == [{"roleDefinitionId": READERS}]

    deleted = graph.delete(url, "alice", headers={"If-Match": patched.json()["@odata.etag"]})
    assert deleted.status_code == 204
    assert error_of(graph.get(url, "alice")) == (404, "notFound")


def test_an_access_assignment_change_leaves_the_relationships_entity_tag(graph: Graph) -> None:
    """Graph tags each assignment on its own; the relationship's tag covers its own
    properties only (see `domain.gdap_access`)."""
    relationship = create(graph)
    rid = relationship["id"]
    lock(graph, rid)
    approve(graph, rid)
    before = get(graph, rid)["@odata.etag"]

    created = assign(graph, rid, (HELPDESK,)).json()
    url = f"{RELATIONSHIPS}/{rid}/accessAssignments/{created['id']}"
    roles = {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": READERS}]}}
    patched = graph.patch(url, "alice", json=roles, headers={"If-Match": created["@odata.etag"]})

    assert patched.status_code == 200, patched.text
    assert patched.json()["@odata.etag"] != created["@odata.etag"]
    assert get(graph, rid)["@odata.etag"] == before


# -- what the assignment does in the customer tenant -----------------------------------------------


def test_a_helpdesk_assignment_lets_its_group_reset_passwords_until_terminated(
    graph: Graph,
) -> None:
    assert sign_in(graph, "harry", WIDEWORLD).status_code == 400
    relationship = active(graph)

    token = graph.token("harry", WIDEWORLD)
    assert reset_password(graph, token, "wendy").status_code == 204
    assert error_of(reset_password(graph, token, "walter")) == (403, "Authorization_RequestDenied")

    terminated = graph.post(
        f"{RELATIONSHIPS}/{relationship['id']}/requests", "alice", json={"action": "terminate"}
    )

    assert terminated.status_code == 201, terminated.text
    assert error_of(reset_password(graph, token, "wendy")) == (401, "InvalidAuthenticationToken")
    refused = sign_in(graph, "harry", WIDEWORLD)
    assert refused.status_code == 400
    assert refused.json()["error_codes"] == [50020]
    after = get(graph, relationship["id"])
    assert after["status"] == "terminated"
    assert instant(after["endDateTime"]) == graph.api.clock.now
    listed = graph.get(f"{RELATIONSHIPS}/{relationship['id']}/accessAssignments", "alice")
    assert [a["status"] for a in listed.json()["value"]] == ["deleted"]


def test_the_customer_can_end_the_relationship_through_its_link(graph: Graph) -> None:
    relationship = active(graph)
    token = graph.token("harry", WIDEWORLD)

    assert graph.post(f"{APPROVALS}/{relationship['id']}/terminate", "wendy").status_code == 403
    ended = graph.post(f"{APPROVALS}/{relationship['id']}/terminate", "walter")

    assert ended.status_code == 200, ended.text
    assert ended.json()["status"] == "terminated"
    assert reset_password(graph, token, "wendy").status_code == 401


def test_expiry_ends_the_relationship_and_tokens_issued_under_it(graph: Graph) -> None:
    relationship = active(graph, duration="P30D")
    end = instant(relationship["endDateTime"])
    graph.api.clock.now = end - timedelta(minutes=10)
    token = graph.token("harry", WIDEWORLD)
    assert reset_password(graph, token, "wendy").status_code == 204

    graph.api.clock.now = end

    assert error_of(reset_password(graph, token, "wendy")) == (401, "InvalidAuthenticationToken")
    assert sign_in(graph, "harry", WIDEWORLD).status_code == 400
    assert get(graph, relationship["id"])["status"] == "expired"


def test_the_directory_permission_follows_the_assignment(graph: Graph) -> None:
    """Two relationships let harry in; when the one with Helpdesk Administrator expires,
    he still reads the directory through the other, but resets no password."""
    helpdesk = active(graph, duration="P30D")
    active(graph, (READERS,), displayName="WWI readers", duration="P730D")
    graph.api.clock.now = instant(helpdesk["endDateTime"]) - timedelta(minutes=10)
    token = graph.token("harry", WIDEWORLD)
    assert reset_password(graph, token, "wendy").status_code == 204

    graph.api.clock.now += timedelta(minutes=10)

    assert error_of(reset_password(graph, token, "wendy")) == (403, "Authorization_RequestDenied")
    users = graph.api.client.get(f"{V1}/users", headers={"Authorization": f"Bearer {token}"})
    assert users.status_code == 200, users.text


def test_changing_an_assignments_roles_is_in_force_on_the_next_request(graph: Graph) -> None:
    relationship = active(graph, (HELPDESK,))
    token = graph.token("harry", WIDEWORLD)
    url = f"{RELATIONSHIPS}/{relationship['id']}/accessAssignments"
    [assignment] = graph.get(url, "alice").json()["value"]
    readers = {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": READERS}]}}

    patched = graph.patch(
        f"{url}/{assignment['id']}",
        "alice",
        json=readers,
        headers={"If-Match": assignment["@odata.etag"]},
    )

    assert patched.status_code == 200, patched.text
    assert error_of(reset_password(graph, token, "wendy")) == (403, "Authorization_RequestDenied")


def test_an_auto_extended_relationship_stays_active_past_its_duration(graph: Graph) -> None:
    relationship = active(graph, duration="P30D", autoExtendDuration="P180D")
    first_end = instant(relationship["endDateTime"])
    graph.api.clock.now = first_end + DAY

    later = get(graph, relationship["id"])

    assert later["status"] == "active"
    assert instant(later["endDateTime"]) == first_end + 180 * DAY
    assert sign_in(graph, "harry", WIDEWORLD).status_code == 200


# -- lists -----------------------------------------------------------------------------------------


def test_the_list_pages_filters_and_caps_top_at_300(graph: Graph) -> None:
    first = create(graph)
    graph.api.clock.now += timedelta(seconds=1)
    second = create(graph, displayName="Second")
    lock(graph, first["id"])

    page = graph.get(f"{RELATIONSHIPS}?$top=1", "alice").json()
    pending = graph.get(f"{RELATIONSHIPS}?$filter=status eq 'approvalPending'", "alice").json()
    named = graph.get(f"{RELATIONSHIPS}?$filter=startswith(displayName,'sec')", "alice").json()
    selected = graph.get(f"{RELATIONSHIPS}?$select=displayName", "alice").json()

    pages = [page]
    while "@odata.nextLink" in pages[-1]:
        pages.append(graph.get(pages[-1]["@odata.nextLink"], "alice").json())
    # One at a time: the demo world's Tailspin relationship, then the two made here.
    assert [len(p["value"]) for p in pages] == [1, 1, 1]
    assert [p["value"][0]["id"] for p in pages[1:]] == [first["id"], second["id"]]
    assert [r["id"] for r in pending["value"]] == [first["id"]]
    assert [r["displayName"] for r in named["value"]] == ["Second"]
    assert set(selected["value"][0]) == {"@odata.type", "@odata.etag", "displayName"}
    too_many = graph.get(f"{RELATIONSHIPS}?$top=301", "alice")
    assert error_of(too_many) == (400, "Request_BadRequest")
