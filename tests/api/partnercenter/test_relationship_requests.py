"""Relationship requests: Partner Center's link, the personalized invitation, and the
partner roles that may ask for one."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.conftest import Api
from tests.api.partnercenter.conftest import FABRIKAM, PC, auth, invite

ALICE = "alice@fabrikampartner.onmicrosoft.com"
SAM = "sam@fabrikampartner.onmicrosoft.com"
HARRY = "harry@fabrikampartner.onmicrosoft.com"
OSCAR = "oscar@fabrikampartner.onmicrosoft.com"


def test_the_documented_request_is_the_reusable_admin_center_link(demo_api: Api) -> None:
    response = demo_api.client.get(
        f"{PC}/customers/relationshiprequests", headers=auth(demo_api, ALICE)
    )

    assert response.status_code == 200
    body = response.json()
    assert body["attributes"] == {"objectType": "RelationshipRequest"}
    url = urlsplit(body["url"])
    assert url.netloc == "admin.microsoft.com"
    assert url.fragment == "/BillingAccounts/partner-invitation"
    query = parse_qs(url.query)
    assert query == {
        "invType": ["ResellerRelationship"],
        "partnerId": [FABRIKAM],
        "msppId": ["0"],
        "DAP": ["false"],
    }


def test_a_sales_agent_can_request_a_relationship_with_dap_by_default(demo_api: Api) -> None:
    response = demo_api.client.post(
        f"{PC}/customers/relationshiprequests", headers=auth(demo_api, SAM)
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["delegatedAdmin"] is True
    assert "DAP=true" in body["url"] and f"partnerId={FABRIKAM}" in body["url"]
    link = body["invitationUrl"]
    assert link.startswith("https://127.0.0.1:8443/invitations/")
    assert len(link.rsplit("/", 1)[1]) >= 43  # token_urlsafe(32)
    assert link in body["email"]["body"]
    assert "Fabrikam Partner" in body["email"]["subject"]
    assert body["email"]["mailto"].startswith("mailto:?subject=")
    assert "delegated administration privileges" in body["email"]["body"]


def test_a_request_without_dap_says_so(demo_api: Api) -> None:
    body = invite(demo_api, ALICE, dap=False)

    assert body["delegatedAdmin"] is False
    assert "DAP=false" in body["url"]
    assert "delegated administration" not in body["email"]["body"]


def test_every_link_is_different_and_only_its_hash_is_stored(demo_api: Api) -> None:
    first, second = invite(demo_api), invite(demo_api, OSCAR)

    assert first["invitationUrl"] != second["invitationUrl"]
    with demo_api.plane.database.connect() as connection:
        stored = connection.exec_driver_sql("SELECT token_hash FROM invitations").scalars().all()
    tokens = {u["invitationUrl"].rsplit("/", 1)[1] for u in (first, second)}
    assert len(stored) == 2 and not tokens & set(stored)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_helpdesk_agent_may_not_request_a_relationship(demo_api: Api, method: str) -> None:
    response = demo_api.client.request(
        method, f"{PC}/customers/relationshiprequests", headers=auth(demo_api, HARRY)
    )

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == 900150
    assert body["source"] == "PartnerFD"
    assert "Sales agent" in body["description"]
    with demo_api.plane.database.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM invitations").scalar() == 0


def test_a_customer_user_is_no_partner(demo_api: Api) -> None:
    response = demo_api.client.get(
        f"{PC}/customers", headers=auth(demo_api, "walter@wideworldimporters.onmicrosoft.com")
    )

    assert response.status_code == 403
    assert response.json()["code"] == 2032


def test_a_request_without_a_token_gets_partner_centers_envelope(demo_api: Api) -> None:
    response = demo_api.client.get(f"{PC}/customers", headers={"MS-CorrelationId": "c-1"})

    assert response.status_code == 401
    assert response.json() == {
        "code": 800001,
        "description": "The partner token is missing from the request.",
        "data": [],
        "source": "PartnerFD",
    }
    assert response.headers["MS-CorrelationId"] == "c-1"


def test_a_graph_token_is_refused(demo_api: Api) -> None:
    token = demo_api.token(ALICE, "Alice-pass-1", audience="https://localhost:8443/")
    response = demo_api.client.get(f"{PC}/customers", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert response.json()["data"] == ["InvalidAuthenticationToken"]


def test_the_partner_lists_its_customers_with_their_relationship(demo_api: Api) -> None:
    response = demo_api.client.get(f"{PC}/customers?size=40", headers=auth(demo_api, HARRY))

    assert response.status_code == 200
    body = response.json()
    assert body["attributes"] == {"objectType": "Collection"}
    by_name = {c["companyProfile"]["companyName"]: c for c in body["items"]}
    assert body["totalCount"] == len(by_name) == 6
    assert by_name["Contoso"]["allowDelegatedAccess"] is True
    assert by_name["Wide World Importers"]["allowDelegatedAccess"] is False
    assert {c["relationshipToPartner"] for c in body["items"]} == {"reseller"}


def test_a_customer_by_id(demo_api: Api) -> None:
    wwi = "d3f1a6b2-0c4e-4a7d-9b8e-000000000104"
    response = demo_api.client.get(f"{PC}/customers/{wwi}", headers=auth(demo_api, ALICE))

    assert response.status_code == 200
    body = response.json()
    assert body["companyProfile"]["domain"] == "wideworldimporters.onmicrosoft.com"
    assert body["customDomains"] == ["wideworldimporters.onmicrosoft.com"]
    missing = demo_api.client.get(f"{PC}/customers/{FABRIKAM}", headers=auth(demo_api, ALICE))
    assert missing.status_code == 404 and missing.json()["code"] == 1000
