"""Partner Center takes tokens for its own audience only, as the real service does."""

from __future__ import annotations

import jwt
import pytest

from tests.api.conftest import ENDPOINTS, Api
from tests.api.partnercenter.conftest import PASSWORDS, PC

ALICE = "alice@fabrikampartner.onmicrosoft.com"


def test_a_token_for_partner_centers_resource_carries_its_public_audience(demo_api: Api) -> None:
    token = demo_api.token(ALICE, PASSWORDS[ALICE], audience=ENDPOINTS.partner_center)

    claims = jwt.decode(token, options={"verify_signature": False})
    response = demo_api.client.get(f"{PC}/customers", headers={"Authorization": f"Bearer {token}"})

    assert claims["aud"] == "https://api.partnercenter.microsoft.com"
    assert response.status_code == 200


@pytest.mark.parametrize("surface", ["arm", "graph"])
def test_an_arm_or_graph_token_is_refused(demo_api: Api, surface: str) -> None:
    audience = ENDPOINTS.arm if surface == "arm" else ENDPOINTS.graph
    token = demo_api.token(ALICE, PASSWORDS[ALICE], audience=audience)

    response = demo_api.client.get(f"{PC}/customers", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert response.json()["code"] == 400  # Partner Center's "access denied"
    assert "audience" in response.json()["description"].lower()


def test_no_token_is_partner_centers_own_error(demo_api: Api) -> None:
    response = demo_api.client.get(f"{PC}/customers")

    assert response.status_code == 401
    assert response.json()["code"] == 800001
