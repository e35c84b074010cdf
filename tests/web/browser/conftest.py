"""The pages in a real browser: Debian's Chromium, driven by Playwright, against the whole
server over HTTPS (uvicorn on 127.0.0.1, an ephemeral port, the project's own TLS material
and signing key), with the partner's side spoken in JSON over the same TLS.

Chromium must be /usr/bin/chromium (Playwright never downloads a browser here). Without it
these tests fail under CI (`CI=true`; `.ci/run` installs it) and are skipped elsewhere.
They share one worker under `pytest -n 2 --dist loadgroup`: run them alone with
`pytest -m browser`.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import uvicorn

from cspadmin.api.app import create_app
from cspadmin.api.endpoints import AZURE_CLI_CLIENT_ID, PARTNER_CENTER_RESOURCE
from cspadmin.server.run import bind, prepare
from cspadmin.services.world import load_world
from cspadmin.store.database import Database
from tests.web.conftest import ALICE, PASSWORDS, SAM, WORLD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"Debian's chromium is not at {CHROMIUM} (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    missing = _missing()
    if missing is not None:
        if os.environ.get("CI", "").lower() in {"true", "1"}:
            pytest.fail(f"browser tests cannot run under CI: {missing}", pytrace=False)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@dataclass
class Served:
    """A running server: its authority, its Graph host, and a client that trusts its CA."""

    base: str
    graph: str
    http: httpx.Client

    def bearer(self, user: str, resource: str | None = None) -> dict[str, str]:
        """A bearer token for ARM (or for `resource`, such as `graph`)."""
        response = self.http.post(
            f"{self.base}/organizations/oauth2/v2.0/token",
            data={
                "grant_type": "password",
                "client_id": AZURE_CLI_CLIENT_ID,
                "username": user,
                "password": PASSWORDS[user],
                "scope": f"{resource or self.base}/.default",
            },
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def invitation_link(self, dap: bool) -> str:
        response = self.http.post(
            f"{self.base}/v1/customers/relationshiprequests",
            json={"delegatedAdmin": dap},
            headers=self.bearer(SAM, PARTNER_CENTER_RESOURCE),
        )
        assert response.status_code == 201, response.text
        return str(response.json()["invitationUrl"])

    def customers(self) -> dict[str, bool]:
        response = self.http.get(
            f"{self.base}/v1/customers", headers=self.bearer(ALICE, PARTNER_CENTER_RESOURCE)
        )
        assert response.status_code == 200, response.text
        return {c["id"]: c["allowDelegatedAccess"] for c in response.json()["items"]}

    def on_graph(self, user: str, method: str, path: str, body: object = None) -> Any:
        """`user`'s Graph call (`path` from the host on), answered with 2xx; its JSON."""
        headers = self.bearer(user, self.graph)
        response = self.http.request(method, self.graph + path, json=body, headers=headers)
        assert response.is_success, response.text
        return response.json()


@pytest.fixture
def served(tmp_path: Path, sqlite_template: Path) -> Iterator[Served]:
    shutil.copy(sqlite_template, tmp_path / "cspadmin.db")
    database = Database(f"sqlite:///{tmp_path / 'cspadmin.db'}")
    load_world(database, WORLD)
    sock = bind("127.0.0.1", 0)
    assert sock is not None
    plan = prepare(database, tmp_path, "127.0.0.1", sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(plan.state),
            ssl_certfile=str(plan.tls.server_cert),
            ssl_keyfile=str(plan.tls.server_key),
            log_level="warning",
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the server did not start"
    trust = ssl.create_default_context(cafile=str(plan.tls.ca_cert))
    endpoints = plan.state.endpoints
    with httpx.Client(verify=trust, timeout=10) as http:
        yield Served(endpoints.authority, endpoints.graph.rstrip("/"), http)
    server.should_exit = True
    thread.join(timeout=10)
    database.dispose()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh browser context: no cookies."""
    context = chromium.new_context(ignore_https_errors=True)
    yield context.new_page()
    context.close()


def sign_in(page: Page, user: str, password: str) -> None:
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
