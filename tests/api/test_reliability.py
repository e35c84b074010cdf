"""Reliability of the HTTP surface, on SQLite and PostgreSQL.

Two replicas racing: 50 PUTs of the same (principal, role, scope) under 50 names, spread
over two uvicorn servers on two control planes sharing one store, give exactly one 201 and
49 × 409 RoleAssignmentExists, and one row.

Hostile requests: malformed ids and bodies, oversized and chunked payloads, wrong content
types, bad tokens, unknown api-versions, traversal and NUL in paths, odd methods. Each gets a
4xx in its surface's envelope, and the store is unchanged afterwards, except for the
activity log, which records each refused write (PUT, PATCH, POST, DELETE on ARM or Graph).
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from cspadmin.api.app import create_app
from cspadmin.api.endpoints import AZURE_CLI_CLIENT_ID
from cspadmin.api.jwt_issuer import ACCESS_TOKEN_LIFETIME
from cspadmin.api.state import AppState
from cspadmin.server.run import bind
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.world import demo_world_path
from cspadmin.store.database import Database
from cspadmin.store.schema import activity_log, metadata, role_assignments
from tests.api.arm.test_role_assignments import BACKENDS, shared_api
from tests.api.conftest import ARM, ENDPOINTS, Api, make_api

BOB = "bob@contoso.onmicrosoft.com"
BOB_PASSWORD = "Bob-pass-1"
CONTOSO = "contoso.onmicrosoft.com"
DEV_TEST = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000212"
RG_DEV = f"{DEV_TEST}/resourceGroups/rg-dev"
ADMIN_AGENTS = "a9e1d7c3-5b4f-4e2a-8d6c-000000000001"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
ASSIGNMENTS = "/providers/Microsoft.Authorization/roleAssignments"
V = "api-version=2022-04-01"
MiB = 1024 * 1024

# What reinstates the lost AdminAgents Owner grant on Dev-Test: a PUT that would succeed.
REINSTATE = {
    "properties": {
        "roleDefinitionId": f"{DEV_TEST}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}",
        "principalId": ADMIN_AGENTS,
        "principalType": "ForeignGroup",
    }
}


# -- two replicas, one store ---------------------------------------------------------------


@contextmanager
def replica(state: AppState) -> Iterator[str]:
    """`cspadmin serve`'s app over `state` on plain HTTP, a free loopback port, in a thread."""
    sock = bind("127.0.0.1", 0)
    assert sock is not None
    config = uvicorn.Config(
        create_app(state), log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=asyncio.run, args=(server.serve(sockets=[sock]),))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "replica did not start"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def race(urls: list[str], token: str, contenders: int) -> list[httpx.Response]:
    """`contenders` PUTs of REINSTATE under new names, round-robin over `urls`, each on a
    connection opened beforehand and all released together."""
    start = threading.Barrier(contenders)
    headers = {"Authorization": f"Bearer {token}"}

    def attempt(index: int) -> httpx.Response:
        with httpx.Client(base_url=urls[index % len(urls)], headers=headers, timeout=60) as c:
            assert c.get(f"{DEV_TEST}{ASSIGNMENTS}?{V}").status_code == 200  # connect
            start.wait(timeout=60)
            return c.put(f"{DEV_TEST}{ASSIGNMENTS}/{uuid.uuid4()}?{V}", json=REINSTATE)

    with ThreadPoolExecutor(max_workers=contenders) as pool:
        return list(pool.map(attempt, range(contenders)))


def reinstated_rows(database: Database) -> list[str]:
    query = sa.select(role_assignments.c.name).where(
        sa.func.lower(role_assignments.c.scope) == DEV_TEST.lower(),
        role_assignments.c.role_definition_id == OWNER,
        role_assignments.c.principal_id == ADMIN_AGENTS,
    )
    with database.connect() as connection:
        return list(connection.scalars(query))


def test_fifty_concurrent_puts_of_one_assignment_on_two_replicas_create_it_once(
    database: Database, key_dir: Path
) -> None:
    first = make_api(database, key_dir, demo_world_path())
    token = first.token(BOB, BOB_PASSWORD, CONTOSO)
    second_store = Database(database.url)
    second = AppState(
        ControlPlane.open(second_store, clock=first.clock), ENDPOINTS, first.state.issuer
    )
    assert reinstated_rows(database) == []
    try:
        with replica(first.state) as one, replica(second) as two:
            responses = race([one, two], token, 50)
    finally:
        second_store.dispose()

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 49, [r.text for r in responses if r.status_code >= 500]
    [won] = [r.json() for r in responses if r.status_code == 201]
    for lost in (r.json() for r in responses if r.status_code == 409):
        assert lost["error"]["code"] == "RoleAssignmentExists"
        assert won["id"] in lost["error"]["message"]
    # each replica refused some: the one that did not create it learnt of it from the store
    refused_by = {
        f"{r.url.scheme}://{r.url.netloc.decode()}" for r in responses if r.status_code == 409
    }
    assert refused_by == {one, two}
    assert reinstated_rows(database) == [won["name"]]
    outcomes = sa.select(activity_log.c.status_code).where(activity_log.c.http_method == "PUT")
    with database.connect() as connection:
        assert sorted(connection.scalars(outcomes)) == statuses


# -- hostile requests ------------------------------------------------------------------------

Content = bytes | Callable[[], Iterator[bytes]] | None


@dataclass(frozen=True)
class Hostile:
    """One request that must be refused: `surface` names the envelope expected."""

    id: str
    method: str
    path: str
    status: int
    code: str | None
    surface: str = "arm"
    content: Content = None
    content_type: str | None = "application/json"
    token: str | None = "arm"
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def is_write(self) -> bool:
        """What the activity log records: writes on ARM and Graph, refused or not (POST
        getByIds only reads)."""
        writes = {"PUT", "PATCH", "POST", "DELETE"}
        return self.surface != "oauth" and self.method in writes and self.path != BY_IDS


def js(value: Any) -> bytes:
    return json.dumps(value).encode()


def chunked(size: int, chunk: int = 256 * 1024) -> Callable[[], Iterator[bytes]]:
    """A body sent without Content-Length (Transfer-Encoding: chunked)."""

    def chunks() -> Iterator[bytes]:
        sent = 0
        while sent < size:
            yield b" " * min(chunk, size - sent)
            sent += chunk

    return chunks


def nested(depth: int) -> bytes:
    return b'{"properties": ' + b"[" * depth + b"]" * depth + b"}"


def nested_token(depth: int) -> str:
    """What an opaque base64url token decodes to, when it is a deeply nested JSON array."""
    return base64.urlsafe_b64encode(b"[" * depth).decode().rstrip("=")


NAME = "5f0c4b1e-8a2d-4c3b-9e7f-0a1b2c3d4e5f"
RA = f"{DEV_TEST}{ASSIGNMENTS}/{NAME}?{V}"
GOOD = js(REINSTATE)
RG_V = "api-version=2024-11-01"
NEW_USER = js(
    {
        "accountEnabled": True,
        "displayName": "Mallory",
        "mailNickname": "mallory",
        "userPrincipalName": "mallory@contoso.onmicrosoft.com",
        "passwordProfile": {"password": "Mallory-pass-1"},
    }
)
TOKEN = "/contoso.onmicrosoft.com/oauth2/v2.0/token"
FORM = "application/x-www-form-urlencoded"
SIGN_IN = (
    f"grant_type=password&client_id={AZURE_CLI_CLIENT_ID}&username={BOB}"
    f"&password={BOB_PASSWORD}&scope=https%3A%2F%2F127.0.0.1%3A8443%2F.default"
).encode()


def arm(id: str, method: str, path: str, status: int, code: str | None, **kw: Any) -> Hostile:
    return Hostile(id, method, path, status, code, "arm", **kw)


def graph(id: str, method: str, path: str, status: int, code: str | None, **kw: Any) -> Hostile:
    return Hostile(id, method, path, status, code, "graph", **{"token": "graph", **kw})


def oauth(id: str, status: int, code: str, content: Content, **kw: Any) -> Hostile:
    options = {"token": None, "content_type": FORM, **kw}
    return Hostile(id, "POST", TOKEN, status, code, "oauth", content, **options)


RG = f"{DEV_TEST}/resourceGroups"
STORAGE = f"{RG_DEV}/providers/Microsoft.Storage/storageAccounts"
SITES = f"{RG_DEV}/providers/Microsoft.Web/sites"
DEFINITION = f"{DEV_TEST}/providers/Microsoft.Authorization/roleDefinitions/{NAME}?{V}"
REGISTER = f"{DEV_TEST}/providers/Microsoft.Storage/register?{RG_V}"
WEST = js({"location": "westeurope"})
ST_V = "api-version=2023-01-01"
CUSTOM_ROLE = {"assignableScopes": [DEV_TEST], "permissions": [{"actions": ["*/read"]}]}
USERS = "/v1.0/users"
CAROL = "/v1.0/users/carol@contoso.onmicrosoft.com"
BY_IDS = "/v1.0/directoryObjects/getByIds"

# fmt: off
ARM_CASES = [
    # malformed ids
    arm("scope-subscription-not-a-guid", "PUT", f"/subscriptions/nope{ASSIGNMENTS}/{NAME}?{V}",
        400, "InvalidResourceId", content=GOOD),
    arm("scope-unknown-segment", "PUT", f"{DEV_TEST}/frobs/x{ASSIGNMENTS}/{NAME}?{V}",
        400, "InvalidResourceId", content=GOOD),
    arm("name-not-a-guid", "PUT", f"{DEV_TEST}{ASSIGNMENTS}/not-a-guid?{V}",
        400, "InvalidRoleAssignmentId", content=GOOD),
    arm("name-huge", "PUT", f"{DEV_TEST}{ASSIGNMENTS}/{'a' * 8000}?{V}",
        400, "InvalidRoleAssignmentId", content=GOOD),
    arm("group-name-invalid", "PUT", f"{RG}/rg*x?{RG_V}", 400, "InvalidResourceGroup",
        content=WEST),
    # malformed bodies
    arm("invalid-json", "PUT", RA, 400, "InvalidRequestContent", content=b'{"properties": '),
    arm("json-array", "PUT", RA, 400, "InvalidRequestContent", content=b"[1, 2]"),
    arm("json-null", "PUT", RA, 400, "InvalidRequestContent", content=b"null"),
    arm("wrong-types", "PUT", RA, 400, "InvalidRequestContent",
        content=js({"properties": {"roleDefinitionId": 5, "principalId": [ADMIN_AGENTS]}})),
    arm("properties-a-string", "PUT", RA, 400, "InvalidRequestContent",
        content=js({"properties": "Owner"})),
    arm("deeply-nested", "PUT", RA, 400, None, content=nested(100_000)),
    arm("huge-principal-id", "PUT", RA, 400, "InvalidPrincipalId",
        content=js({"properties": {**REINSTATE["properties"], "principalId": "0" * 3 * MiB}})),
    arm("group-location-not-a-string", "PUT", f"{RG}/rg-x?{RG_V}", 400,
        "InvalidRequestContent", content=js({"location": 5})),
    arm("group-tags-nested", "PATCH", f"{RG_DEV}?{RG_V}", 400, "InvalidRequestContent",
        content=js({"tags": {"a": {"b": 1}}})),
    arm("role-definition-junk", "PUT", DEFINITION, 400, "InvalidRequestContent",
        content=js({"properties": {"roleName": 5}})),
    # too long for the store
    arm("scope-too-long", "PUT", f"{SITES}/{'s' * 2000}{ASSIGNMENTS}/{NAME}?{V}",
        400, "InvalidResourceId", content=GOOD),
    arm("resource-name-too-long", "PUT", f"{STORAGE}/{'s' * 2000}?{ST_V}", 400, None,
        content=WEST),
    arm("resource-kind-too-long", "PUT", f"{STORAGE}/stkind?{ST_V}", 400, None,
        content=js({"location": "westeurope", "kind": "k" * 100})),
    arm("group-managed-by-too-long", "PUT", f"{RG}/rg-long?{RG_V}", 400, None,
        content=js({"location": "westeurope", "managedBy": "m" * 2000})),
    arm("role-name-too-long", "PUT", DEFINITION, 400, None,
        content=js({"properties": {"roleName": "r" * 300, **CUSTOM_ROLE}})),
    # sizes
    arm("five-mib", "PUT", RA, 413, "RequestEntityTooLarge", content=b" " * 5 * MiB),
    arm("five-mib-chunked", "PUT", RA, 413, "RequestEntityTooLarge", content=chunked(5 * MiB)),
    arm("content-length-not-a-number", "PUT", RA, 400, "InvalidContentLength", content=GOOD,
        headers={"Content-Length": "lots"}),
    # content types
    arm("text-plain", "PUT", RA, 415, "UnsupportedMediaType", content=GOOD,
        content_type="text/plain"),
    arm("form-encoded", "PUT", RA, 415, "UnsupportedMediaType", content=GOOD,
        content_type=FORM),
    arm("no-content-type", "PUT", RA, 415, "UnsupportedMediaType", content=GOOD,
        content_type=None),
    arm("xml", "PUT", RA, 415, "UnsupportedMediaType", content=b"<roleAssignment/>",
        content_type="application/xml"),
    arm("register-text-body", "POST", REGISTER, 415, "UnsupportedMediaType", content=b"now",
        content_type="text/plain"),
    # tokens
    arm("missing-token", "PUT", RA, 401, "AuthenticationFailed", content=GOOD, token=None),
    arm("garbage-token", "PUT", RA, 401, "InvalidAuthenticationToken", content=GOOD,
        token="garbage"),
    arm("expired-token", "PUT", RA, 401, "InvalidAuthenticationToken", content=GOOD,
        token="expired"),
    arm("graph-token-on-arm", "PUT", RA, 401, "InvalidAuthenticationToken", content=GOOD,
        token="graph"),
    arm("delete-garbage-token", "DELETE", f"{RG_DEV}?{RG_V}", 401,
        "InvalidAuthenticationToken", token="garbage"),
    # api-versions
    arm("unknown-api-version", "PUT", f"{DEV_TEST}{ASSIGNMENTS}/{NAME}?api-version=2099-01-01",
        400, "InvalidApiVersionParameter", content=GOOD),
    arm("missing-api-version", "PUT", f"{DEV_TEST}{ASSIGNMENTS}/{NAME}", 400,
        "MissingApiVersionParameter", content=GOOD),
    # paths
    arm("traversal-in-scope", "PUT", f"{RG_DEV}/%2e%2e/%2e%2e{ASSIGNMENTS}/{NAME}?{V}", 400,
        "InvalidResourceId", content=GOOD),
    arm("traversal-group-name", "PUT", f"{RG}/%2e%2e?{RG_V}", 400, "InvalidResourceGroup",
        content=WEST),
    arm("nul-in-group-name", "PUT", f"{RG}/rg%00x?{RG_V}", 400, "BadRequest", content=WEST),
    arm("nul-in-resource-name", "PUT", f"{STORAGE}/st%00x?{ST_V}", 400, "BadRequest",
        content=WEST),
    arm("nul-in-scope", "PUT", f"{SITES}/a%00b{ASSIGNMENTS}/{NAME}?{V}", 400, "BadRequest",
        content=GOOD),
    arm("newline-in-scope", "PUT", f"{SITES}/a%0Ab{ASSIGNMENTS}/{NAME}?{V}", 400, "BadRequest",
        content=GOOD),
    arm("nul-in-query", "PUT", f"{RA}&x=%00", 400, "BadRequest", content=GOOD),
    arm("operation-id-deeply-nested", "GET",
        f"{DEV_TEST}/operationresults/{nested_token(5000)}?{RG_V}", 404, "OperationNotFound"),
    arm("nul-in-json", "PATCH", f"{RG_DEV}?{RG_V}", 400, "InvalidRequestContent",
        content=b'{"tags": {"a": "x\\u0000y"}}'),
    # methods
    arm("head-on-write-route", "HEAD", RA, 405, None, content_type=None),
    arm("options-on-write-route", "OPTIONS", RA, 405, "MethodNotAllowed", content_type=None),
    arm("trace-on-write-route", "TRACE", RA, 405, "MethodNotAllowed", content_type=None),
]

GRAPH_CASES = [
    graph("graph-invalid-json", "POST", USERS, 400, "Request_BadRequest", content=b"{"),
    graph("graph-wrong-types", "POST", USERS, 400, "Request_BadRequest",
          content=js({"displayName": 5, "accountEnabled": "maybe"})),
    graph("graph-deeply-nested", "POST", USERS, 400, "Request_BadRequest",
          content=b"[" * 100_000 + b"]" * 100_000),
    graph("graph-text-plain", "POST", USERS, 415, "Request_BadRequest", content=NEW_USER,
          content_type="text/plain"),
    graph("graph-five-mib", "POST", USERS, 413, "Request_BadRequest", content=b" " * 5 * MiB),
    graph("graph-five-mib-chunked", "PATCH", CAROL, 413, "Request_BadRequest",
          content=chunked(5 * MiB)),
    # Graph answers a missing token with InvalidAuthenticationToken; see the report
    graph("graph-missing-token", "POST", USERS, 401, None, content=NEW_USER, token=None),
    graph("graph-arm-token", "POST", USERS, 401, "InvalidAuthenticationToken",
          content=NEW_USER, token="arm"),
    graph("graph-expired-token", "POST", USERS, 401, "InvalidAuthenticationToken",
          content=NEW_USER, token="graph-expired"),
    graph("graph-patch-a-list", "PATCH", CAROL, 400, "Request_BadRequest", content=b"[]"),
    graph("graph-huge-display-name", "PATCH", CAROL, 400, "Request_BadRequest",
          content=js({"displayName": "x" * 3 * MiB})),
    graph("graph-given-name-too-long", "PATCH", CAROL, 400, "Request_BadRequest",
          content=js({"givenName": "g" * 100})),
    graph("graph-nickname-too-long", "POST", USERS, 400, "Request_BadRequest",
          content=js({**json.loads(NEW_USER), "mailNickname": "m" * 100})),
    graph("graph-usage-location-not-a-country", "PATCH", CAROL, 400, "Request_BadRequest",
          content=js({"usageLocation": "Narnia"})),
    graph("graph-nul-in-key", "PATCH", "/v1.0/users/carol%00", 400, "Request_BadRequest",
          content=js({"displayName": "C"})),
    graph("graph-nul-in-filter", "GET", f"{USERS}?$filter=displayName%20eq%20%27%00%27", 400,
          "Request_BadRequest", content_type=None),
    graph("graph-top-superscript", "GET", f"{USERS}?$top=%C2%B2", 400, "Request_BadRequest",
          content_type=None),
    graph("graph-skiptoken-deeply-nested", "GET", f"{USERS}?$skiptoken={nested_token(5000)}",
          400, "Request_BadRequest", content_type=None),
    graph("graph-nul-in-json", "PATCH", CAROL, 400, "Request_BadRequest",
          content=b'{"displayName": "\\u0000"}'),
    graph("graph-get-by-ids-not-a-list", "POST", BY_IDS, 400, "Request_BadRequest",
          content=js({"ids": "x"})),
    graph("graph-get-by-ids-not-guids", "POST", BY_IDS, 400, "Request_BadRequest",
          content=js({"ids": ["x", "../.."]})),
    graph("graph-get-by-ids-form", "POST", BY_IDS, 415, "Request_BadRequest", content=b"ids=x",
          content_type=FORM),
    graph("graph-delete-unknown", "DELETE", f"{USERS}/nobody@contoso.onmicrosoft.com", 404,
          None, content_type=None),
    graph("graph-trace", "TRACE", USERS, 405, "Request_BadRequest", content_type=None),
]

OAUTH_CASES = [
    oauth("token-oversized", 413, "invalid_request", SIGN_IN + b"&pad=" + b"x" * 100_000),
    oauth("token-oversized-chunked", 413, "invalid_request", chunked(100_000, 8192)),
    oauth("token-json", 400, "invalid_request", js({"grant_type": "password"}),
          content_type="application/json"),
    oauth("token-unknown-grant", 400, "unsupported_grant_type",
          SIGN_IN.replace(b"grant_type=password", b"grant_type=magic")),
    oauth("token-nul-in-username", 400, "invalid_request",
          SIGN_IN.replace(b"username=bob", b"username=bob%00")),
    oauth("token-wrong-password", 400, "invalid_grant", SIGN_IN.replace(b"Bob-pass-1", b"guess")),
]
# fmt: on

HOSTILE = ARM_CASES + GRAPH_CASES + OAUTH_CASES


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, key_dir: Path
) -> Iterator[Api]:
    with shared_api(request.param, tmp_path_factory, key_dir, demo_world_path()) as api:
        yield api


@pytest.fixture(scope="module")
def tokens(world: Api) -> dict[str, str]:
    """Bob's bearer tokens by kind; `expired` ones were issued a lifetime ago."""
    graph = ENDPOINTS.graph
    issued = {
        "arm": world.token(BOB, BOB_PASSWORD, CONTOSO),
        "graph": world.token(BOB, BOB_PASSWORD, CONTOSO, graph),
        "garbage": "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0.",
    }
    now = world.clock.now
    world.clock.now = now - timedelta(seconds=ACCESS_TOKEN_LIFETIME + 600)
    try:
        issued["expired"] = world.token(BOB, BOB_PASSWORD, CONTOSO)
        issued["graph-expired"] = world.token(BOB, BOB_PASSWORD, CONTOSO, graph)
    finally:
        world.clock.now = now
    return issued


@dataclass(frozen=True)
class StoreDump:
    rows: dict[str, list[tuple[str, ...]]]
    activity: int


def dump(database: Database) -> StoreDump:
    """Every row of every table but the activity log, which is only counted."""
    rows: dict[str, list[tuple[str, ...]]] = {}
    with database.connect() as connection:
        for table in metadata.sorted_tables:
            if table is not activity_log:
                found = connection.execute(sa.select(table))
                rows[table.name] = sorted(tuple(map(str, row)) for row in found)
        count = connection.scalar(sa.select(sa.func.count()).select_from(activity_log))
    return StoreDump(rows, int(count or 0))


def send(api: Api, case: Hostile, tokens: dict[str, str]) -> httpx.Response:
    headers = dict(case.headers)
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    if case.token is not None:
        headers["Authorization"] = f"Bearer {tokens.get(case.token, case.token)}"
    content = case.content() if callable(case.content) else case.content
    response: httpx.Response = api.client.request(
        case.method, ARM + case.path, content=content, headers=headers
    )
    return response


def assert_envelope(response: httpx.Response, case: Hostile) -> None:
    if case.method == "HEAD":
        assert response.content == b""
        return
    body = response.json()
    if case.surface == "oauth":
        assert body["error"] == case.code
        assert isinstance(body["error_description"], str)
        assert body["error_codes"] and all(isinstance(c, int) for c in body["error_codes"])
        assert {"timestamp", "trace_id", "correlation_id"} <= set(body)
        return
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    if case.code is not None:
        assert error["code"] == case.code
    if case.surface == "graph":
        assert set(error) == {"code", "message", "innerError"}
        assert {"date", "request-id", "client-request-id"} <= set(error["innerError"])
    else:
        assert set(error) == {"code", "message"}


@pytest.mark.parametrize("case", HOSTILE, ids=[c.id for c in HOSTILE])
def test_a_hostile_request_is_refused_in_its_envelope_and_changes_nothing(
    world: Api, tokens: dict[str, str], case: Hostile
) -> None:
    before = dump(world.plane.database)
    response = send(world, case, tokens)
    assert response.status_code == case.status, response.text[:2000]
    assert_envelope(response, case)
    after = dump(world.plane.database)
    assert after.rows == before.rows
    assert after.activity == before.activity + (1 if case.is_write else 0)


def test_an_empty_post_needs_no_content_type(world: Api, tokens: dict[str, str]) -> None:
    response = world.client.post(
        f"{ARM}{DEV_TEST}/providers/Microsoft.Storage/register?{RG_V}",
        headers={"Authorization": f"Bearer {tokens['arm']}"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["registrationState"] == "Registered"


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json"]
)
def test_json_with_parameters_or_a_json_suffix_is_json(
    world: Api, tokens: dict[str, str], content_type: str
) -> None:
    response = world.client.patch(
        f"{ARM}{RG_DEV}?{RG_V}",
        content=js({}),
        headers={"Authorization": f"Bearer {tokens['arm']}", "Content-Type": content_type},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_served_oversized_body_is_answered_413_not_cut_off(
    world: Api, tokens: dict[str, str], declared: bool
) -> None:
    body = b" " * 5 * MiB
    content: bytes | Iterator[bytes] = body if declared else iter([body[:MiB]] * 5)
    headers = {"Authorization": f"Bearer {tokens['arm']}", "Content-Type": "application/json"}
    with replica(world.state) as url:
        response = httpx.put(f"{url}{RA}", content=content, headers=headers, timeout=30)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "RequestEntityTooLarge"
