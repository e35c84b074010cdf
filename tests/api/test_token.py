"""The token service, as MSAL and the az CLI use it."""

from __future__ import annotations

import jwt

from tests.api.conftest import ARM, Api

CONTOSO = "contoso.onmicrosoft.com"
CONTOSO_ID = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"


def test_openid_configuration_names_the_tenant_guid_for_a_domain(demo_api: Api) -> None:
    body = demo_api.client.get(f"{ARM}/{CONTOSO}/v2.0/.well-known/openid-configuration").json()
    assert body["issuer"].split("/")[3] == CONTOSO_ID
    assert body["token_endpoint"] == f"{ARM}/{CONTOSO_ID}/oauth2/v2.0/token"


def test_a_partner_agent_gets_a_token_for_a_customer_with_dap(demo_api: Api) -> None:
    token = demo_api.token("alice@fabrikampartner.onmicrosoft.com", "Alice-pass-1", CONTOSO)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["tid"] == CONTOSO_ID
    assert claims["aud"] == "https://127.0.0.1:8443/"


def test_a_wrong_password_is_aadsts50126(demo_api: Api) -> None:
    response = demo_api.client.post(
        f"{ARM}/{CONTOSO}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "username": "bob@contoso.onmicrosoft.com",
            "password": "wrong",
            "scope": "https://127.0.0.1:8443//.default",
        },
    )
    assert response.status_code == 400
    assert response.json()["error_codes"] == [50126]


def test_arm_refuses_a_graph_token(demo_api: Api) -> None:
    graph_token = demo_api.token(
        "alice@fabrikampartner.onmicrosoft.com", "Alice-pass-1", audience="https://localhost:8443/"
    )
    response = demo_api.client.get(
        f"{ARM}/subscriptions?api-version=2022-12-01",
        headers={"Authorization": f"Bearer {graph_token}"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
