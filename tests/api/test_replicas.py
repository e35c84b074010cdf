"""Two replicas of the whole app over one store, on SQLite and PostgreSQL: a revoke
answered by one is in force on the other from the very next request, because every
request starts by catching up with the store (`api.catch_up`).

Replica A is the demo world's app; replica B is a second app, with its own control plane
and connection pool, over the same store and signing key, as a second `cspadmin serve`
behind the same load balancer would be.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cspadmin.api.endpoints import AZURE_CLI_CLIENT_ID
from cspadmin.services.world import demo_world_path
from cspadmin.store.database import Database
from tests.api.conftest import ARM, ENDPOINTS, Api, make_api

ALICE, ALICE_PASSWORD = "alice@fabrikampartner.onmicrosoft.com", "Alice-pass-1"
BOB, BOB_PASSWORD = "bob@contoso.onmicrosoft.com", "Bob-pass-1"
CONTOSO = "contoso.onmicrosoft.com"
FABRIKAM_ID = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60"
ADMIN_AGENTS = "a9e1d7c3-5b4f-4e2a-8d6c-000000000001"
PRODUCTION = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000211"
ASSIGNMENTS = f"{PRODUCTION}/providers/Microsoft.Authorization/roleAssignments"
V = "api-version=2022-04-01"


@dataclass
class TwoReplicas:
    a: Api
    b: Api

    def bearer(self, api: Api, user: str, password: str, **kwargs: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {api.token(user, password, **kwargs)}"}


@pytest.fixture
def replicas(database: Database, key_dir: Path) -> Iterator[TwoReplicas]:
    second = Database(database.url)
    a = make_api(database, key_dir, demo_world_path())
    b = make_api(second, key_dir, None)
    try:
        with a.client, b.client:
            yield TwoReplicas(a, b)
    finally:
        second.dispose()


def test_a_grant_deleted_through_one_replica_is_refused_by_the_other_on_the_next_request(
    replicas: TwoReplicas,
) -> None:
    alice = replicas.bearer(replicas.b, ALICE, ALICE_PASSWORD, tenant=CONTOSO)
    bob = replicas.bearer(replicas.a, BOB, BOB_PASSWORD, tenant=CONTOSO)
    listed = replicas.b.client.get(f"{ARM}{ASSIGNMENTS}?{V}", headers=alice)
    assert listed.status_code == 200, listed.text
    [grant] = [
        a["name"]
        for a in listed.json()["value"]
        if a["properties"]["principalId"] == ADMIN_AGENTS
        and a["properties"]["scope"].lower() == PRODUCTION.lower()
    ]

    deleted = replicas.a.client.delete(f"{ARM}{ASSIGNMENTS}/{grant}?{V}", headers=bob)
    assert deleted.status_code == 200, deleted.text

    refused = replicas.b.client.get(f"{ARM}{ASSIGNMENTS}?{V}", headers=alice)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "AuthorizationFailed"


def test_delegated_access_removed_through_one_replica_voids_the_partners_token_on_the_other(
    replicas: TwoReplicas,
) -> None:
    alice = replicas.bearer(replicas.b, ALICE, ALICE_PASSWORD, tenant=CONTOSO)
    assert replicas.b.client.get(f"{ARM}{ASSIGNMENTS}?{V}", headers=alice).status_code == 200
    bob = replicas.bearer(replicas.a, BOB, BOB_PASSWORD, audience=ENDPOINTS.partner_center)

    removed = replicas.a.client.post(
        f"{ARM}/v1/partnerRelationships/{FABRIKAM_ID}/removeDelegatedAdminPrivileges",
        headers=bob,
    )
    assert removed.status_code == 200, removed.text

    refused = replicas.b.client.get(f"{ARM}{ASSIGNMENTS}?{V}", headers=alice)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"]["code"] == "InvalidAuthenticationToken"
    signing_in = replicas.b.client.post(
        f"{ARM}/{CONTOSO}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": AZURE_CLI_CLIENT_ID,
            "username": ALICE,
            "password": ALICE_PASSWORD,
            "scope": f"{ENDPOINTS.arm}/.default",
        },
    )
    assert signing_in.status_code == 400, signing_in.text  # the token endpoint caught up too
