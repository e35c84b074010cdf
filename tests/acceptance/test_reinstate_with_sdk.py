"""Reinstating a partner's admin privileges with the Azure SDKs for Python.

The same procedure as test_reinstate_with_az.py, through azure-identity
(UsernamePasswordCredential, ClientSecretCredential) and azure-mgmt-authorization
(AuthorizationManagementClient), on the world's other lost subscription so that the two
flows never see each other's grants. The SDK code is tests/acceptance/sdk_flow.py; it
runs once per server in the Azure CLI's venv (which carries the SDKs), and the tests
below assert on the JSON it prints.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.conftest import (
    AZ_PYTHON,
    XDIST_GROUP,
    AcceptanceWorld,
    Server,
    owner_role_id,
)

pytestmark = [pytest.mark.acceptance, pytest.mark.xdist_group(XDIST_GROUP)]

SCRIPT = Path(__file__).with_name("sdk_flow.py")
SDKS = ("azure.identity", "azure.mgmt.authorization")


def _sdk_problem() -> str | None:
    """Why the SDK flow cannot run here, or None. A look at the files, not an import: this
    runs at collection, in every pytest process."""
    if not AZ_PYTHON.exists():
        return f"no Python at {AZ_PYTHON} (the Azure CLI's venv; CSPADMIN_AZ_PYTHON overrides)"
    site = AZ_PYTHON.parent.parent / "lib"
    missing = [
        package
        for package in SDKS
        if not any(site.glob(f"python3*/site-packages/{package.replace('.', '/')}/__init__.py"))
    ]
    if missing:
        return (
            f"the venv of {AZ_PYTHON} lacks {', '.join(missing)}: "
            f"`{AZ_PYTHON.parent / 'pip'} install azure-identity` (azure-cli does not bring it)"
        )
    return None


SDK_PROBLEM = _sdk_problem()
pytestmark.append(pytest.mark.skipif(SDK_PROBLEM is not None, reason=SDK_PROBLEM or ""))


def _scopes(world: AcceptanceWorld) -> dict[str, str]:
    subscription = f"/subscriptions/{world.sdk_subscription}"
    group = f"{subscription}/resourceGroups/{world.sdk_resource_group}"
    return {
        "subscription": subscription,
        "resource group": group,
        "resource": (
            f"{group}/providers/Microsoft.Storage/storageAccounts/{world.sdk_storage_account}"
        ),
    }


@pytest.fixture(scope="module")
def flow(server: Server, world: AcceptanceWorld, closed_port: int) -> dict[str, Any]:
    """Run sdk_flow.py once against `server`; its steps, by name."""
    server.require_password_sign_in()

    def person(p: Any) -> dict[str, str]:
        return {"name": p.name, "secret": p.secret}

    config = {
        "authority": server.authority,
        "graph": server.graph,
        "ca_bundle": str(server.ca_bundle),
        "subscription": world.sdk_subscription,
        "admin_agents_id": world.admin_agents_id,
        "customer_tenant": world.customer_domain,
        "partner_tenant": world.partner_domain,
        "owner": person(world.owner),
        "ordinary": person(world.ordinary),
        "agent": person(world.agent),
        "partner_app": person(world.partner_app),
        "scopes": _scopes(world),
    }
    config_path = server.root / "sdk-flow.json"
    config_path.write_text(json.dumps(config, indent=2))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("AZURE_", "MSAL_", "PYTHON"))
        and k.upper() not in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")
    }
    env.update(
        REQUESTS_CA_BUNDLE=str(server.ca_bundle),
        SSL_CERT_FILE=str(server.ca_bundle),
        # Nothing but the server may be reached: a proxy on a port nobody listens on.
        HTTPS_PROXY=f"http://127.0.0.1:{closed_port}",
        NO_PROXY="127.0.0.1,localhost",
    )
    completed = subprocess.run(
        [str(AZ_PYTHON), str(SCRIPT), str(config_path)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    (server.root / "sdk-flow.out").write_text(
        completed.stdout + "\n--- stderr ---\n" + completed.stderr
    )
    assert completed.returncode == 0, (
        f"sdk_flow.py failed (rc {completed.returncode}):\n{completed.stderr[-4000:]}\n"
        f"--- server stderr ---\n{server.log_tail()}"
    )
    steps: dict[str, Any] = json.loads(completed.stdout)["steps"]
    return steps


def ok(flow: dict[str, Any], name: str, server: Server) -> Any:
    outcome = flow[name]
    assert outcome["ok"], (
        f"{name}: {json.dumps(outcome, indent=2)}\n--- server stderr ---\n{server.log_tail()}"
    )
    return outcome["value"]


def refused(flow: dict[str, Any], name: str) -> None:
    outcome = flow[name]
    shown = json.dumps(outcome, indent=2)
    assert not outcome["ok"], f"{name} should have been refused: {shown}"
    assert outcome["exception"] == "HttpResponseError", shown
    assert outcome["status"] == 403, shown
    assert outcome["code"] == "AuthorizationFailed", shown


def test_partner_looks_up_the_admin_agents_object_id(
    flow: dict[str, Any], server: Server, world: AcceptanceWorld
) -> None:
    groups = ok(flow, "partner looks up AdminAgents", server)

    assert groups == [{"id": world.admin_agents_id, "displayName": "AdminAgents"}]


@pytest.mark.parametrize("who", ["agent", "partner app"])
def test_partner_cannot_create_a_resource_group_while_the_grant_is_lost(
    who: str, flow: dict[str, Any]
) -> None:
    refused(flow, f"{who} creates a resource group before")


def test_ordinary_customer_user_gets_authorization_failed(flow: dict[str, Any]) -> None:
    refused(flow, "ordinary user assigns")


@pytest.mark.parametrize("label", ["subscription", "resource group", "resource"])
def test_customer_owner_assigns_owner_to_admin_agents_as_a_foreign_group(
    label: str, flow: dict[str, Any], server: Server, world: AcceptanceWorld
) -> None:
    scope = _scopes(world)[label]

    assignment = ok(flow, f"owner assigns at {label}", server)

    assert assignment["principalId"] == world.admin_agents_id
    assert assignment["principalType"] == "ForeignGroup"
    assert assignment["scope"].lower() == scope.lower()
    assert assignment["roleDefinitionId"].lower() == owner_role_id(world.sdk_subscription)
    assert assignment["id"].lower() == (
        f"{scope}/providers/Microsoft.Authorization/roleAssignments/{assignment['name']}".lower()
    )


def test_the_same_assignment_again_is_resource_exists(flow: dict[str, Any], server: Server) -> None:
    ok(flow, "owner assigns at subscription", server)

    again = ok(flow, "owner assigns at subscription again", server)

    assert again == {
        "exception": "ResourceExistsError",
        "status": 409,
        "code": "RoleAssignmentExists",
    }


def test_list_for_scope_shows_the_new_assignment(
    flow: dict[str, Any], server: Server, world: AcceptanceWorld
) -> None:
    created = ok(flow, "owner assigns at subscription", server)

    listed = ok(flow, "owner lists at subscription", server)

    same = [a for a in listed if a["id"].lower() == created["id"].lower()]
    assert len(same) == 1, listed
    assert same[0]["principalId"] == world.admin_agents_id
    assert same[0]["principalType"] == "ForeignGroup"
    assert same[0]["roleDefinitionId"] == created["roleDefinitionId"]


@pytest.mark.parametrize("who", ["agent", "partner app"])
def test_partner_creates_a_resource_group_after_reinstatement(
    who: str, flow: dict[str, Any], server: Server
) -> None:
    ok(flow, "owner assigns at subscription", server)

    created = ok(flow, f"{who} creates a resource group after", server)

    assert created["status"] in (200, 201)
    assert created["body"]["location"] == "westeurope"
