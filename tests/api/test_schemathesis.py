"""Fuzzing every operation of the served OpenAPI document with schemathesis, in process.

The document is the one `/openapi.json` serves; requests go to the app over the demo world
through ASGI, as bob@contoso.onmicrosoft.com (Global admin and Owner in Contoso): an ARM
token for ARM operations, a Graph token for `/v1.0` ones, none for the token service. Half
the generated cases get a supported api-version (the newest stable one the provider
catalogue lists for the operation's type) and demo-world ids (Contoso's Dev-Test
subscription, rg-dev, carol, Fabrikam's billing account), and free-form bodies some
plausible content, so they reach past the first check; the rest stay as generated.

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
from cspadmin.api.arm.providers import catalogue, catalogue_versions
from cspadmin.api.openapi import ArmError, envelope_of
from cspadmin.api.state import AppState
from cspadmin.domain.csp import billing_account_name
from cspadmin.services.world import demo_world_path
from cspadmin.store.database import Database
from tests.api.conftest import ENDPOINTS, make_api

BOB = "bob@contoso.onmicrosoft.com"
CONTOSO = "contoso.onmicrosoft.com"
DEV_TEST_ID = "5b2e7c90-1d3f-4e6a-8c7b-000000000212"
FABRIKAM_ID = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60"
CONTOSO_ID = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"
WWI_ID = "d3f1a6b2-0c4e-4a7d-9b8e-000000000104"
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
    "account": billing_account_name(FABRIKAM_ID),
    "customer": CONTOSO_ID,
}

_ALIAS = "/providers/Microsoft.Subscription/aliases/{name}"
_ACCEPT = "/providers/Microsoft.Subscription/subscriptions/{subscription_id}/acceptOwnership"

# Where a parameter's name means something else on other paths (`name`).
KNOWN_BY_PATH = {_ALIAS: {"name": "fuzzed-alias"}}

# Bodies that reach past the shape checks, by operation (Microsoft.Subscription's bodies
# are free-form JSON in the document): a CSP creation bob is refused, an alias of
# Dev-Test, an offer of it to Wide World Importers, an acceptance with nothing to accept.
KNOWN_BODIES: dict[tuple[str, str], list[Any]] = {
    ("PUT", _ALIAS): [
        {
            "properties": {
                "displayName": "Fuzzed",
                "billingScope": (
                    f"/providers/Microsoft.Billing/billingAccounts/"
                    f"{billing_account_name(FABRIKAM_ID)}/customers/{CONTOSO_ID}"
                ),
                "workload": "Production",
            }
        },
        {"properties": {"subscriptionId": DEV_TEST_ID}},
        {
            "properties": {
                "subscriptionId": DEV_TEST_ID,
                "additionalProperties": {
                    "subscriptionTenantId": WWI_ID,
                    "subscriptionOwnerId": "walter@wideworldimporters.onmicrosoft.com",
                },
            }
        },
    ],
    ("POST", _ACCEPT): [{"properties": {"displayName": "Fuzzed"}}],
}


def document_app() -> Any:
    """The app only to serve the document: nothing it routes is ever called."""
    return create_app(cast(AppState, _NoState()))


class _NoState:
    plane = None


schema = schemathesis.openapi.from_asgi("/openapi.json", document_app(), config=CONFIG)


def api_version(path: str) -> str | None:
    """The newest stable version of the operation's type in the provider catalogue (what
    `az resource` picks); None off ARM and where the type depends on the resource."""
    if envelope_of(path) is not ArmError or "/providers/{path}" in path:
        return None
    if path in ("/subscriptions", "/subscriptions/{subscription_id}", "/tenants"):
        return "2022-12-01"  # the subscriptions API, older than Microsoft.Resources'
    return catalogue_versions(catalogue_type(path))[0]


def catalogue_type(path: str) -> str:
    """The catalogue type an ARM operation serves: its last `providers/{Namespace}` and the
    type words after it (`Microsoft.Billing/billingAccounts/customers`), down to the
    nearest type the catalogue lists; Microsoft.Resources for everything else."""
    segments = path.strip("/").split("/")
    if "providers" in segments:
        after = segments[len(segments) - segments[::-1].index("providers") :]
        if after and "." in after[0] and "{" not in after[0]:
            full_type = "/".join([after[0], *(s for s in after[1:] if "{" not in s)])
            while catalogue().entry(full_type) is None:
                full_type = full_type.rsplit("/", 1)[0]
            return full_type
    return "Microsoft.Resources/resourceGroups"


@schema.hook
def flatmap_query(context: Any, query: dict[str, Any] | None) -> st.SearchStrategy[Any]:
    version = api_version(context.operation.path)
    if version is None:
        return st.just(query)
    return st.sampled_from([{**(query or {}), "api-version": version}, query])


@schema.hook
def flatmap_path_parameters(context: Any, parameters: dict[str, Any]) -> st.SearchStrategy[Any]:
    names = {**KNOWN_PARAMETERS, **KNOWN_BY_PATH.get(context.operation.path, {})}
    known = {k: v for k, v in names.items() if k in (parameters or {})}
    if not known:
        return st.just(parameters)
    return st.sampled_from([{**parameters, **known}, parameters])


@schema.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    operation = context.operation
    known = KNOWN_BODIES.get((operation.method.upper(), operation.path))
    return st.sampled_from([*known, body]) if known else st.just(body)


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
