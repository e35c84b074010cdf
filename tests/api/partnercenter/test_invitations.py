"""Accepting an invitation: only the customer's Global Administrator, once, in time; and
taking DAP or the whole relationship back, in force from the very next request."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from cspadmin.store.activity import list_events
from tests.api.conftest import ARM, Api
from tests.api.partnercenter.conftest import (
    CONTOSO,
    FABRIKAM,
    PC,
    WWI,
    WWI_DOMAIN,
    accept,
    auth,
    customer,
    invite,
    sign_in,
    token_of,
)

ALICE = "alice@fabrikampartner.onmicrosoft.com"
WALTER = "walter@wideworldimporters.onmicrosoft.com"
WENDY = "wendy@wideworldimporters.onmicrosoft.com"
BOB = "bob@contoso.onmicrosoft.com"
WWI_LOGISTICS = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000241"


def refused_sign_in(api: Api) -> bool:
    response = sign_in(api, ALICE, WWI_DOMAIN)
    return response.status_code == 400 and "AADSTS50020" in response.json()["error_description"]


def test_the_link_tells_the_customer_who_asks_for_what(demo_api: Api) -> None:
    token = token_of(invite(demo_api))

    response = demo_api.client.get(f"{PC}/invitations/{token}", headers=auth(demo_api, WENDY))

    assert response.status_code == 200
    body = response.json()
    assert body["partner"]["companyName"] == "Fabrikam Partner"
    assert body["partner"]["tenantId"] == FABRIKAM
    assert body["relationshipType"] == "reseller" and body["delegatedAdmin"] is True
    assert body["status"] == "pending"
    assert body["requiredRole"] == "Global Administrator"
    assert body["canAccept"] is False
    assert "Wide World Importers" in body["summary"]


def test_accepting_dap_lets_the_partners_admin_agents_in(demo_api: Api) -> None:
    assert refused_sign_in(demo_api)
    token = token_of(invite(demo_api))

    response = accept(demo_api, token)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["allowDelegatedAccess"] is True
    assert body["relationshipToPartner"] == "reseller"
    assert body["customerTenantId"] == WWI
    assert sign_in(demo_api, ALICE, WWI_DOMAIN).status_code == 200
    assert customer(demo_api, WWI)["allowDelegatedAccess"] is True


def test_the_link_works_once(demo_api: Api) -> None:
    token = token_of(invite(demo_api))
    first = accept(demo_api, token)

    again = accept(demo_api, token)
    other = accept(demo_api, token, BOB)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert other.status_code == 400
    assert other.json()["code"] == 800002
    assert other.json()["data"] == ["InvitationAlreadyUsed"]


def test_an_expired_link_is_refused_and_changes_nothing(demo_api: Api) -> None:
    token = token_of(invite(demo_api))
    demo_api.clock.now += timedelta(days=91)

    response = accept(demo_api, token)

    assert response.status_code == 400
    assert response.json()["data"] == ["InvitationExpired"]
    assert customer(demo_api, WWI)["allowDelegatedAccess"] is False
    assert refused_sign_in(demo_api)
    opened = demo_api.client.get(f"{PC}/invitations/{token}", headers=auth(demo_api, WALTER))
    assert opened.json()["status"] == "expired"


def test_a_forged_link_is_refused_and_changes_nothing(demo_api: Api) -> None:
    invite(demo_api)
    forged = "A" * 43

    response = accept(demo_api, forged)
    opened = demo_api.client.get(f"{PC}/invitations/{forged}", headers=auth(demo_api, WALTER))

    assert response.status_code == opened.status_code == 404
    assert response.json()["code"] == 1000
    assert response.json()["data"] == ["InvitationNotFound"]
    assert customer(demo_api, WWI)["allowDelegatedAccess"] is False
    assert refused_sign_in(demo_api)


def test_only_a_global_administrator_may_accept(demo_api: Api) -> None:
    token = token_of(invite(demo_api))

    response = accept(demo_api, token, WENDY)

    assert response.status_code == 403
    assert "Global Administrator" in response.json()["description"]
    assert "Wide World Importers" in response.json()["description"]
    assert customer(demo_api, WWI)["allowDelegatedAccess"] is False
    assert accept(demo_api, token).status_code == 200  # the link is still good


def test_a_partner_cannot_accept_its_own_invitation(demo_api: Api) -> None:
    token = token_of(invite(demo_api))

    response = accept(demo_api, token, ALICE)

    assert response.status_code == 400
    assert response.json()["data"] == ["InvitationForOwnPartner"]


def test_removing_dap_revokes_it_on_the_very_next_request(demo_api: Api) -> None:
    accept(demo_api, token_of(invite(demo_api)))
    issued = sign_in(demo_api, ALICE, WWI_DOMAIN).json()["access_token"]
    partner = {"Authorization": f"Bearer {issued}"}
    read = f"{ARM}{WWI_LOGISTICS}?api-version=2022-12-01"
    assert demo_api.client.get(read, headers=partner).status_code == 200

    response = demo_api.client.post(
        f"{PC}/partnerRelationships/{FABRIKAM}/removeDelegatedAdminPrivileges",
        headers=auth(demo_api, WALTER),
    )

    assert response.status_code == 200, response.text
    assert response.json()["allowDelegatedAccess"] is False
    assert response.json()["relationshipToPartner"] == "reseller"
    assert refused_sign_in(demo_api)
    assert demo_api.client.get(read, headers=partner).status_code != 200
    assert customer(demo_api, WWI)["allowDelegatedAccess"] is False


def test_only_the_customers_global_administrator_takes_dap_back(demo_api: Api) -> None:
    response = demo_api.client.post(
        f"{PC}/partnerRelationships/{FABRIKAM}/removeDelegatedAdminPrivileges",
        headers=auth(demo_api, WENDY),
    )

    assert response.status_code == 403
    assert "Global Administrator" in response.json()["description"]


def test_ending_the_relationship_and_accepting_a_new_invitation(demo_api: Api) -> None:
    ended = demo_api.client.post(
        f"{PC}/partnerRelationships/{FABRIKAM}/terminate", headers=auth(demo_api, BOB)
    )
    assert ended.status_code == 200
    assert ended.json()["relationshipToPartner"] == "none"
    assert customer(demo_api, CONTOSO) is None
    again = demo_api.client.post(
        f"{PC}/partnerRelationships/{FABRIKAM}/terminate", headers=auth(demo_api, BOB)
    )
    assert again.status_code == 404

    accepted = accept(demo_api, token_of(invite(demo_api, dap=False)), BOB)

    assert accepted.status_code == 200
    assert customer(demo_api, CONTOSO)["allowDelegatedAccess"] is False


def test_the_activity_log_has_every_step_and_never_a_token(demo_api: Api) -> None:
    token = token_of(invite(demo_api))
    accept(demo_api, token, WENDY)
    accept(demo_api, token)
    demo_api.client.post(
        f"{PC}/partnerRelationships/{FABRIKAM}/removeDelegatedAdminPrivileges",
        headers=auth(demo_api, WALTER),
    )

    with demo_api.plane.database.connect() as connection:
        events = list(reversed(list_events(connection)))
    steps = [(e.operation.rsplit("/", 2)[-2:], e.status_code, e.caller) for e in events]
    assert steps == [
        (["relationshipRequests", "write"], 201, "sam@fabrikampartner.onmicrosoft.com"),
        (["accept", "action"], 403, WENDY),
        (["accept", "action"], 200, WALTER),
        (["removeDelegatedAdminPrivileges", "action"], 200, WALTER),
    ]
    assert events[2].scope.startswith(f"/partners/{FABRIKAM}/invitations/")
    assert events[2].tenant_id == WWI
    assert not any(token in e.scope or token in e.operation for e in events)


def test_a_refused_accept_never_writes_the_link_token_into_the_activity_log(
    demo_api: Api,
) -> None:
    token = token_of(invite(demo_api))

    response = demo_api.client.post(
        f"{PC}/invitations/{token}/accept",
        content=b"not json",
        headers={"Content-Type": "text/plain", **auth(demo_api, WALTER)},
    )

    assert response.status_code == 415
    with demo_api.plane.database.connect() as connection:
        events = list_events(connection, limit=5)
    assert events
    assert all(token not in e.scope and token not in e.operation for e in events)


def test_an_unexpected_failure_is_a_500_whose_log_names_no_token(
    demo_api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    token = token_of(invite(demo_api))

    def broken(*args: object) -> None:
        raise RuntimeError("the store went away")

    monkeypatch.setattr("cspadmin.services.partner_center.accept_invitation", broken)
    with caplog.at_level(logging.ERROR):
        response = accept(demo_api, token)

    assert response.status_code == 500
    assert [r.getMessage() for r in caplog.records] == [
        "unhandled error on POST /v1/invitations/(redacted)/accept"
    ]
