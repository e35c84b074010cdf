"""Partner Center helpers over the demo world (src/cspadmin/worlds/demo.yaml)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import ARM, ENDPOINTS, Api

PC = f"{ARM}/v1"
FABRIKAM = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60"
CONTOSO = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"
WWI = "d3f1a6b2-0c4e-4a7d-9b8e-000000000104"
WWI_DOMAIN = "wideworldimporters.onmicrosoft.com"

PASSWORDS = {
    "alice@fabrikampartner.onmicrosoft.com": "Alice-pass-1",
    "harry@fabrikampartner.onmicrosoft.com": "Harry-pass-1",
    "sam@fabrikampartner.onmicrosoft.com": "Sam-pass-1",
    "oscar@fabrikampartner.onmicrosoft.com": "Oscar-pass-1",
    "walter@wideworldimporters.onmicrosoft.com": "Walter-pass-1",
    "wendy@wideworldimporters.onmicrosoft.com": "Wendy-pass-1",
    "bob@contoso.onmicrosoft.com": "Bob-pass-1",
}


def auth(api: Api, user: str) -> dict[str, str]:
    """A Partner Center token for the user's home tenant."""
    token = api.token(user, PASSWORDS[user], audience=ENDPOINTS.partner_center)
    return {"Authorization": f"Bearer {token}"}


def invite(api: Api, user: str = "sam@fabrikampartner.onmicrosoft.com", dap: bool = True) -> Any:
    response = api.client.post(
        f"{PC}/customers/relationshiprequests",
        json={"delegatedAdmin": dap},
        headers=auth(api, user),
    )
    assert response.status_code == 201, response.text
    return response.json()


def token_of(invitation: Any) -> str:
    return str(invitation["invitationUrl"]).rsplit("/", 1)[1]


def accept(
    api: Api, token: str, user: str = "walter@wideworldimporters.onmicrosoft.com"
) -> httpx.Response:
    response: httpx.Response = api.client.post(
        f"{PC}/invitations/{token}/accept", headers=auth(api, user)
    )
    return response


def sign_in(api: Api, user: str, tenant: str) -> httpx.Response:
    response: httpx.Response = api.client.post(
        f"{ARM}/{tenant}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "username": user,
            "password": PASSWORDS[user],
            "scope": f"{ARM}/.default",
        },
    )
    return response


def customer(api: Api, customer_id: str) -> Any:
    response = api.client.get(
        f"{PC}/customers", headers=auth(api, "alice@fabrikampartner.onmicrosoft.com")
    )
    assert response.status_code == 200, response.text
    found = [c for c in response.json()["items"] if c["id"] == customer_id]
    return found[0] if found else None
