"""The pages over a small world where Fabrikam Partner has two kinds of customer to invite:
Contoso, with no relationship yet, and Wide World Importers, its reseller customer without
delegated admin privileges. Fabrikam's helpdesk agent (harry) gets in to a customer only
through a GDAP relationship the customer approved.

`Visitor` is one browser's worth of state (its own cookie jar) driving the pages with
Starlette's TestClient; `GdapPartner` is alice asking for GDAP relationships over Graph.
The browser tests (`browser/`) drive the same pages with Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from cspadmin.api.endpoints import AZURE_CLI_CLIENT_ID
from cspadmin.store.database import Database
from tests.api.conftest import ARM, ENDPOINTS, GRAPH, Api, make_api

CONTOSO = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"
WWI = "d3f1a6b2-0c4e-4a7d-9b8e-000000000104"
ALICE = "alice@fabrikampartner.onmicrosoft.com"  # the partner's Global Administrator
SAM = "sam@fabrikampartner.onmicrosoft.com"  # the partner's sales agent
HARRY = "harry@fabrikampartner.onmicrosoft.com"  # the partner's helpdesk agent
BOB = "bob@contoso.onmicrosoft.com"  # Contoso's Global Administrator
CAROL = "carol@contoso.onmicrosoft.com"
DAVE = "dave@contoso.onmicrosoft.com"  # a Global Administrator whose account is disabled
WALTER = "walter@wideworldimporters.onmicrosoft.com"  # WWI's Global Administrator
WENDY = "wendy@wideworldimporters.onmicrosoft.com"
PASSWORDS = {
    ALICE: "Alice-pass-1",
    SAM: "Sam-pass-1",
    HARRY: "Harry-pass-1",
    BOB: "Bob-pass-1",
    CAROL: "Carol-pass-1",
    DAVE: "Dave-pass-1",
    WALTER: "Walter-pass-1",
    WENDY: "Wendy-pass-1",
}

WORLD = """
tenants:
  - id: 6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60
    name: Fabrikam Partner
    domain: fabrikampartner.onmicrosoft.com
    partner: {partner_id: "4821937"}
    users:
      - upn: alice@fabrikampartner.onmicrosoft.com
        password: Alice-pass-1
        display_name: Alice Admin
        directory_roles: [Global Administrator]
        groups: [AdminAgents]
      - upn: sam@fabrikampartner.onmicrosoft.com
        password: Sam-pass-1
        display_name: Sam Sales
        groups: [SalesAgents]
      - upn: harry@fabrikampartner.onmicrosoft.com
        password: Harry-pass-1
        display_name: Harry Helpdesk
        groups: [HelpdeskAgents]
    groups:
      - name: HelpdeskAgents
        id: a9e1d7c3-5b4f-4e2a-8d6c-000000000002
  - id: d3f1a6b2-0c4e-4a7d-9b8e-000000000101
    name: Contoso
    domain: contoso.onmicrosoft.com
    users:
      - upn: bob@contoso.onmicrosoft.com
        password: Bob-pass-1
        display_name: Bob Admin
        directory_roles: [Global Administrator]
      - upn: carol@contoso.onmicrosoft.com
        password: Carol-pass-1
        display_name: Carol Developer
      - upn: dave@contoso.onmicrosoft.com
        password: Dave-pass-1
        display_name: Dave Departed
        account_enabled: false
        directory_roles: [Global Administrator]
  - id: d3f1a6b2-0c4e-4a7d-9b8e-000000000104
    name: Wide World Importers
    domain: wideworldimporters.onmicrosoft.com
    users:
      - upn: walter@wideworldimporters.onmicrosoft.com
        password: Walter-pass-1
        display_name: Walter Admin
        directory_roles: [Global Administrator]
      - upn: wendy@wideworldimporters.onmicrosoft.com
        password: Wendy-pass-1
        display_name: Wendy Warehouse
relationships:
  - partner: fabrikampartner.onmicrosoft.com
    customer: wideworldimporters.onmicrosoft.com
    dap: false
"""

HELPDESK_AGENTS = "a9e1d7c3-5b4f-4e2a-8d6c-000000000002"
HELPDESK_ADMINISTRATOR = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"
INVITATIONS = "/invitations"
GDAP_APPROVALS = "/partners/invitation/granularAdminRelationships"
RELATIONSHIPS = f"{GRAPH}/v1.0/tenantRelationships/delegatedAdminRelationships"

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="session")
def web_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-keys")


@pytest.fixture
def web(database: Database, web_keys: Path) -> Iterator[Api]:
    """The app over WORLD; its client is the partner's side (JSON API)."""
    api = make_api(database, web_keys, WORLD)
    with api.client:
        yield api


def invite(api: Api, dap: bool = True) -> str:
    """A personalized link's token, made by Sam (a sales agent) for Fabrikam Partner."""
    token = api.token(SAM, PASSWORDS[SAM], audience=ENDPOINTS.partner_center)
    response = api.client.post(
        f"{ARM}/v1/customers/relationshiprequests",
        json={"delegatedAdmin": dap},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    url = str(response.json()["invitationUrl"])
    assert url.startswith(f"{ARM}/invitations/")
    return url.rsplit("/", 1)[1]


def customers(api: Api) -> dict[str, bool]:
    """The partner's customers list, as alice reads it: tenant id -> allowDelegatedAccess."""
    token = api.token(ALICE, PASSWORDS[ALICE], audience=ENDPOINTS.partner_center)
    response = api.client.get(f"{ARM}/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return {c["id"]: c["allowDelegatedAccess"] for c in response.json()["items"]}


class Visitor:
    """Someone with a link (an invitation's by default), in a browser of their own."""

    def __init__(self, api: Api, key: str, pages: str = INVITATIONS) -> None:
        self.client = TestClient(api.client.app, base_url=ARM, raise_server_exceptions=False)
        self.path = f"{pages}/{key}"

    def open(self) -> httpx.Response:
        return self.client.get(self.path)

    def sign_in(self, user: str, password: str | None = None) -> httpx.Response:
        return self.client.post(
            f"{self.path}/sign-in",
            data={"username": user, "password": password or PASSWORDS[user]},
            follow_redirects=False,
        )

    def csrf(self) -> str:
        """The CSRF token the signed-in page's forms carry."""
        found = _CSRF.search(self.open().text)
        assert found, "the page has no form bound to a session"
        return found.group(1)

    def post(self, action: str, csrf: str | None = None, **headers: str) -> httpx.Response:
        fields = {} if csrf is None else {"csrf": csrf}
        return self.client.post(
            f"{self.path}/{action}", data=fields, headers=headers, follow_redirects=False
        )

    def accept(self) -> httpx.Response:
        return self.post("accept", self.csrf())


def signed_in(api: Api, key: str, user: str, pages: str = INVITATIONS) -> Visitor:
    visitor = Visitor(api, key, pages)
    assert visitor.sign_in(user).status_code == 303
    return visitor


class GdapPartner:
    """Alice, Fabrikam Partner's Global Administrator, on Graph's GDAP API."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self._token: tuple[str, datetime] | None = None

    def call(self, method: str, path: str = "", body: object = None) -> httpx.Response:
        """A Graph call under `delegatedAdminRelationships` (a token per clock reading)."""
        if self._token is None or self._token[1] != self.api.clock.now:
            token = self.api.token(ALICE, PASSWORDS[ALICE], audience=ENDPOINTS.graph)
            self._token = (token, self.api.clock.now)
        headers = {"Authorization": f"Bearer {self._token[0]}"}
        response: httpx.Response = self.api.client.request(
            method, RELATIONSHIPS + path, json=body, headers=headers
        )
        return response

    def create(self, **changes: str) -> str:
        """Contoso helpdesk (Helpdesk Administrator and Directory Readers in Contoso for
        730 days, with `changes`), in `created` status; its id."""
        roles = (HELPDESK_ADMINISTRATOR, DIRECTORY_READERS)
        body = {
            "displayName": "Contoso helpdesk",
            "duration": "P730D",
            "customer": {"tenantId": CONTOSO},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]},
            **changes,
        }
        response = self.call("POST", body=body)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def request(self, relationship_id: str, action: str) -> None:
        response = self.call("POST", f"/{relationship_id}/requests", {"action": action})
        assert response.status_code == 201, response.text

    def pending(self, **changes: str) -> str:
        """A relationship locked for approval, waiting for the customer; its id."""
        relationship_id = self.create(**changes)
        self.request(relationship_id, "lockForApproval")
        return relationship_id

    def relationship(self, relationship_id: str) -> dict[str, object]:
        response = self.call("GET", f"/{relationship_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def assign(self, relationship_id: str, roles: tuple[str, ...]) -> httpx.Response:
        """Give HelpdeskAgents `roles` of the relationship."""
        body = {
            "accessContainer": {
                "accessContainerId": HELPDESK_AGENTS,
                "accessContainerType": "securityGroup",
            },
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]},
        }
        return self.call("POST", f"/{relationship_id}/accessAssignments", body)


def sign_in_to(api: Api, user: str, tenant: str) -> httpx.Response:
    """The token service's answer to `user` signing in to `tenant` (for Graph)."""
    response: httpx.Response = api.client.post(
        f"{ARM}/{tenant}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": AZURE_CLI_CLIENT_ID,
            "username": user,
            "password": PASSWORDS[user],
            "scope": f"{ENDPOINTS.graph}.default",
        },
    )
    return response


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's Chromium with Playwright")
