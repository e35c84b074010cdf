"""Fuzzing every operation of the served OpenAPI document with schemathesis, in process.

The document is the one `/openapi.json` serves; requests go to the app over the demo world
through ASGI, as bob@contoso.onmicrosoft.com (Global admin and Owner in Contoso): an ARM
token for ARM operations, a Graph token for `/v1.0` ones, none for the token service. Half
the generated cases get a supported api-version and demo-world ids (Contoso's Dev-Test
subscription, rg-dev, carol) so they reach past the first check; the rest stay as generated.

Checked on every response: no 5xx (`not_a_server_error`), JSON where JSON is documented
(`content_type_conformance`), and the body against the document (`response_schema_conformance`):
a 4XX must be its surface's envelope (ARM, Graph or OAuth, see `api/openapi.py`).
Status codes are not checked: route modules document one success status, while ARM answers
200 or 201 to a PUT and 200, 202 or 204 to a DELETE.

SQLite only: the HTTP surface does not depend on the store backend, and the hostile-request
table in test_reliability.py covers what PostgreSQL does differently (NUL, column widths).
Bounded and reproducible: a fixed seed, derandomized, a few examples per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from cspadmin.api.app import create_app
from cspadmin.api.state import AppState
from cspadmin.services.world import demo_world_path
from cspadmin.store.database import Database
from tests.api.conftest import ENDPOINTS, make_api

BOB = "bob@contoso.onmicrosoft.com"
CONTOSO = "contoso.onmicrosoft.com"
DEV_TEST_ID = "5b2e7c90-1d3f-4e6a-8c7b-000000000212"
EXAMPLES = 15
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20240501,
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "mode": "all"},
        "phases": {"stateful": {"enabled": False}},
    }
)

# What a demo-world request names, by path parameter.
KNOWN_PARAMETERS = {
    "subscription_id": DEV_TEST_ID,
    "group": "rg-dev",
    "scope": f"subscriptions/{DEV_TEST_ID}/resourceGroups/rg-dev",
    "key": "carol@contoso.onmicrosoft.com",
    "tenant": CONTOSO,
}


def document_app() -> Any:
    """The app only to serve the document: nothing it routes is ever called."""
    return create_app(cast(AppState, _NoState()))


class _NoState:
    plane = None


schema = schemathesis.openapi.from_asgi("/openapi.json", document_app(), config=CONFIG)


def api_version(path: str) -> str | None:
    """A version the operation supports; None where it depends on the resource type."""
    if "/Microsoft.Authorization/" in path:
        return "2022-04-01"
    if "/Microsoft.Insights/" in path:
        return "2015-04-01"
    if "/providers/{path}" in path:
        return None
    if path in ("/subscriptions", "/subscriptions/{subscription_id}", "/tenants"):
        return "2022-12-01"
    if path.startswith(("/subscriptions", "/providers")):
        return "2024-11-01"
    return None


@schema.hook
def flatmap_query(context: Any, query: dict[str, Any] | None) -> st.SearchStrategy[Any]:
    version = api_version(context.operation.path)
    if version is None:
        return st.just(query)
    return st.sampled_from([{**(query or {}), "api-version": version}, query])


@schema.hook
def flatmap_path_parameters(context: Any, parameters: dict[str, Any]) -> st.SearchStrategy[Any]:
    known = {k: v for k, v in KNOWN_PARAMETERS.items() if k in (parameters or {})}
    if not known:
        return st.just(parameters)
    return st.sampled_from([{**parameters, **known}, parameters])


@dataclass(frozen=True)
class Fuzzed:
    app: Any
    arm: str
    graph: str

    def headers(self, path: str) -> dict[str, str]:
        if "/oauth2/" in path:
            return {}
        token = self.graph if path.startswith("/v1.0/") else self.arm
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory, key_dir: Path) -> Iterator[Fuzzed]:
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'cspadmin.db'}")
    database.migrate()
    try:
        api = make_api(database, key_dir, demo_world_path())
        with api.client:
            yield Fuzzed(
                api.client.app,
                api.token(BOB, "Bob-pass-1", CONTOSO),
                api.token(BOB, "Bob-pass-1", CONTOSO, ENDPOINTS.graph),
            )
    finally:
        database.dispose()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_is_a_server_error_and_every_refusal_is_in_its_envelope(
    case: Case[Any], fuzzed: Fuzzed
) -> None:
    case.call_and_validate(app=fuzzed.app, headers=fuzzed.headers(case.path), checks=CHECKS)
