"""In-process HTTP fixtures: the whole app over a store seeded from a world file.

`api` gives a client for ARM (https://127.0.0.1:8443) and Graph (https://localhost:8443)
plus `token(...)`, which signs in through the real token endpoint. Tests run on SQLite
and PostgreSQL through the `database` fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cspadmin.api.app import create_app
from cspadmin.api.endpoints import AZURE_CLI_CLIENT_ID, Endpoints
from cspadmin.api.jwt_issuer import TokenIssuer
from cspadmin.api.state import AppState
from cspadmin.server.keys import ensure_signing_key
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.world import demo_world_path, load_world
from cspadmin.store.database import Database

ENDPOINTS = Endpoints(port=8443)
ARM = "https://127.0.0.1:8443"
GRAPH = "https://localhost:8443"


class MovableClock:
    """A clock tests can move forward, shared by the engine and the token issuer."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Api:
    client: TestClient
    state: AppState
    clock: MovableClock

    @property
    def plane(self) -> ControlPlane:
        return self.state.plane

    def token(
        self,
        username: str,
        password: str,
        tenant: str = "organizations",
        audience: str = ENDPOINTS.arm,
    ) -> str:
        response = self.client.post(
            f"{ARM}/{tenant}/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": AZURE_CLI_CLIENT_ID,
                "username": username,
                "password": password,
                "scope": f"{audience}/.default offline_access openid profile",
            },
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def app_token(
        self, app_id: str, secret: str, tenant: str, audience: str = ENDPOINTS.arm
    ) -> str:
        response = self.client.post(
            f"{ARM}/{tenant}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app_id,
                "client_secret": secret,
                "scope": f"{audience}/.default",
            },
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def reload(self) -> None:
        """Rebuild the engine after writing to the store behind the API's back."""
        self.plane.reload()


def make_api(database: Database, key_dir: Path, world: str | Path | None) -> Api:
    if world is not None:
        load_world(database, world)
    clock = MovableClock()
    plane = ControlPlane.open(database, clock=clock)
    issuer = TokenIssuer(ensure_signing_key(key_dir), ENDPOINTS, clock)
    state = AppState(plane, ENDPOINTS, issuer)
    client = TestClient(create_app(state), base_url=ARM, raise_server_exceptions=False)
    return Api(client, state, clock)


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture
def demo_api(database: Database, key_dir: Path) -> Iterator[Api]:
    """The app over the built-in demo world (see src/cspadmin/worlds/demo.yaml)."""
    api = make_api(database, key_dir, demo_world_path())
    with api.client:
        yield api
