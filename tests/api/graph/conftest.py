"""Graph fixtures: a client that signs demo users in for Graph and calls `/v1.0`.

Hashing the demo world's passwords and signing users in are most of a test's cost, so:
tests that only read share one app per backend for the whole session (`shared_graph`);
tests that write take `graph`, a fresh demo world whose rows are copied from the first
one loaded; and Graph tokens, which stay valid from one world to the next (same signing
key, same object ids), are issued once per session. Both run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from cspadmin.services.world import demo_world_path, load_world
from cspadmin.store.database import Database
from cspadmin.store.schema import metadata
from tests.api.conftest import GRAPH, Api, make_api
from tests.conftest import POSTGRES_URL

GRAPH_AUDIENCE = "https://localhost:8443/"
V1 = f"{GRAPH}/v1.0"

PARTNER = "fabrikampartner.onmicrosoft.com"
PARTNER_ID = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60"
CONTOSO = "contoso.onmicrosoft.com"
CONTOSO_ID = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"
TAILSPIN = "tailspintoys.onmicrosoft.com"
WIDEWORLD = "wideworldimporters.onmicrosoft.com"
ADMIN_AGENTS_ID = "a9e1d7c3-5b4f-4e2a-8d6c-000000000001"
HELPDESK_AGENTS_ID = "a9e1d7c3-5b4f-4e2a-8d6c-000000000002"
AZURE_OPERATORS_ID = "a9e1d7c3-5b4f-4e2a-8d6c-000000000004"
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"

_DOMAINS = {
    PARTNER: ("alice", "harry", "sam", "oscar"),
    CONTOSO: ("bob", "carol"),
    "northwindtraders.onmicrosoft.com": ("nancy", "andrew"),
    TAILSPIN: ("tom", "tina"),
    WIDEWORLD: ("walter", "wendy"),
    "adventureworks.onmicrosoft.com": ("ada", "arthur"),
    "litware.onmicrosoft.com": ("liam", "lily"),
}
_TokenCache = dict[tuple[str, str], tuple[str, datetime]]
_REUSE = timedelta(minutes=30)
DEMO_USERS = {
    name: (f"{name}@{domain}", f"{name.capitalize()}-pass-1")
    for domain, names in _DOMAINS.items()
    for name in names
}


@dataclass
class Graph:
    """Graph calls as a demo user: `graph.get("/groups", "alice", tenant=CONTOSO)`."""

    api: Api
    tokens: _TokenCache = field(default_factory=dict)
    users: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(DEMO_USERS))

    def token(self, who: str, tenant: str = "organizations") -> str:
        """A Graph token for the user, reused while this app's clock says it is valid: a
        token issued by another app's clock is not yet valid here if it is from later."""
        now = self.api.clock.now
        cached = self.tokens.get((who, tenant))
        if cached is None or not timedelta(0) <= now - cached[1] < _REUSE:
            upn, password = self.users[who]
            token = self.api.token(upn, password, tenant, GRAPH_AUDIENCE)
            cached = self.tokens[who, tenant] = (token, now)
        return cached[0]

    def call(
        self, method: str, path: str, who: str, tenant: str = "organizations", **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(who, tenant)}"}
        headers.update(kwargs.pop("headers", {}))
        url = path if path.startswith("https://") else V1 + path
        response: httpx.Response = self.api.client.request(method, url, headers=headers, **kwargs)
        return response

    def get(self, path: str, who: str, tenant: str = "organizations", **kw: Any) -> httpx.Response:
        return self.call("GET", path, who, tenant, **kw)

    def post(self, path: str, who: str, tenant: str = "organizations", **kw: Any) -> httpx.Response:
        return self.call("POST", path, who, tenant, **kw)

    def patch(
        self, path: str, who: str, tenant: str = "organizations", **kw: Any
    ) -> httpx.Response:
        return self.call("PATCH", path, who, tenant, **kw)

    def delete(
        self, path: str, who: str, tenant: str = "organizations", **kw: Any
    ) -> httpx.Response:
        return self.call("DELETE", path, who, tenant, **kw)


_demo_rows: dict[bool, dict[str, list[dict[str, Any]]]] = {}


@pytest.fixture(scope="session")
def graph_tokens() -> _TokenCache:
    return {}


def seed_demo_world(database: Database) -> None:
    """The demo world in an empty store: loaded the first time, then copied row by row."""
    rows = _demo_rows.get(database.is_sqlite)
    if rows is None:
        load_world(database, demo_world_path())
        with database.connect() as connection:
            _demo_rows[database.is_sqlite] = {
                table.name: [dict(r._mapping) for r in connection.execute(sa.select(table))]
                for table in metadata.sorted_tables
                if table.name != "activity_log"
            }
        return
    with database.begin() as connection:
        for table in metadata.sorted_tables:
            if rows.get(table.name):
                connection.execute(table.insert(), rows[table.name])


@pytest.fixture
def graph(database: Database, key_dir: Path, graph_tokens: _TokenCache) -> Iterator[Graph]:
    """A fresh demo world, for tests that change it."""
    seed_demo_world(database)
    api = make_api(database, key_dir, None)
    with api.client:
        yield Graph(api, graph_tokens)


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def session_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Any]]:
    """A factory of migrated databases that live for the session, on one backend."""
    made: list[tuple[Database, str | None]] = []

    def new_database() -> Database:
        if request.param == "sqlite":
            template: Path = request.getfixturevalue("sqlite_template")
            path = tmp_path_factory.mktemp("graph") / "cspadmin.db"
            shutil.copy(template, path)
            database = Database(f"sqlite:///{path}")
            made.append((database, None))
            return database
        schema = f"graph_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
        with sa.create_engine(POSTGRES_URL).begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        separator = "&" if "?" in POSTGRES_URL else "?"
        database = Database(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")
        database.migrate()
        made.append((database, schema))
        return database

    yield request.param, new_database
    admin = sa.create_engine(POSTGRES_URL) if request.param == "postgres" else None
    for database, schema in made:
        database.dispose()
        if admin is not None and schema is not None:
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


def shared_app(
    session_database: tuple[str, Any], key_dir: Path, world: Path, tokens: _TokenCache
) -> Iterator[Graph]:
    _, new_database = session_database
    api = make_api(new_database(), key_dir, world)
    with api.client:
        yield Graph(api, tokens)


@pytest.fixture(scope="session")
def shared_graph(
    session_database: tuple[str, Any], key_dir: Path, graph_tokens: _TokenCache
) -> Iterator[Graph]:
    """The demo world, shared by the tests that only read it."""
    yield from shared_app(session_database, key_dir, demo_world_path(), graph_tokens)
