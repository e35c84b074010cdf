"""The reinstatement through the Azure SDKs for Python, run by test_reinstate_with_sdk.py.

This file runs in the Azure CLI's venv (.venv-az), not the project's: it needs
azure-identity and azure-mgmt-authorization, which the project does not depend on. It
imports nothing from the project or from pytest. Usage:

    python sdk_flow.py CONFIG.json

CONFIG names the server (`authority`, `graph`), the CA bundle to trust (`ca_bundle`), the
principals and the subscription. The script prints one JSON object: for every step, what
happened. A step never stops the script; the test decides what each outcome means.

As shared/az-cli-notes.md ("g. SDKs") prescribes: credentials get the server as
`authority` and `disable_instance_discovery=True`; the management client gets it as
`base_url` with `credential_scopes=["<arm>/.default"]`; the CA is trusted through
REQUESTS_CA_BUNDLE (set by the caller) and `connection_verify`.
"""

from __future__ import annotations

import json
import sys
import traceback
import uuid
import warnings
from collections.abc import Callable
from typing import Any

from azure.core import PipelineClient
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.core.pipeline.policies import BearerTokenCredentialPolicy, RetryPolicy
from azure.core.rest import HttpRequest
from azure.identity import ClientSecretCredential, UsernamePasswordCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters

AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
RESOURCE_GROUPS_API = "2024-11-01"


def main(config: dict[str, Any]) -> dict[str, Any]:
    authority = config["authority"].rstrip("/")
    arm_scope = f"{authority}/.default"
    graph = config["graph"].rstrip("/")
    verify = config["ca_bundle"]
    sub = config["subscription"]
    group_id = config["admin_agents_id"]
    customer = config["customer_tenant"]
    steps: dict[str, Any] = {}

    def credential(kind: str, tenant: str) -> Any:
        common = {"authority": authority, "disable_instance_discovery": True}
        common["connection_verify"] = verify
        if kind == "app":
            app = config["partner_app"]
            return ClientSecretCredential(tenant, app["name"], app["secret"], **common)
        person = config[kind]
        with warnings.catch_warnings():  # ROPC is deprecated in azure-identity; still works
            warnings.simplefilter("ignore", DeprecationWarning)
            return UsernamePasswordCredential(
                AZURE_CLI_CLIENT_ID, person["name"], person["secret"], tenant_id=tenant, **common
            )

    def arm(cred: Any) -> AuthorizationManagementClient:
        return AuthorizationManagementClient(
            cred,
            sub,
            base_url=authority,
            credential_scopes=[arm_scope],
            connection_verify=verify,
            retry_total=0,
        )

    def step(name: str, action: Callable[[], Any]) -> None:
        try:
            steps[name] = {"ok": True, "value": action()}
        except HttpResponseError as error:
            response = error.response
            steps[name] = {
                "ok": False,
                "exception": type(error).__name__,
                "status": error.status_code,
                "code": getattr(error.error, "code", None),
                "message": getattr(error.error, "message", None) or str(error),
                "body": _text(response),
            }
        except Exception as error:
            steps[name] = {
                "ok": False,
                "exception": type(error).__name__,
                "message": str(error),
                "traceback": traceback.format_exc(),
            }

    def create_resource_group(client: AuthorizationManagementClient, name: str) -> Any:
        request = HttpRequest(
            "PUT",
            f"/subscriptions/{sub}/resourcegroups/{name}",
            params={"api-version": RESOURCE_GROUPS_API},
            json={"location": "westeurope"},
        )
        response = client.send_request(request)
        if response.status_code >= 400:
            raise HttpResponseError(response=response)
        return {"status": response.status_code, "body": response.json()}

    def owner_role_id(client: AuthorizationManagementClient, scope: str) -> str:
        found = list(client.role_definitions.list(scope, filter="roleName eq 'Owner'"))
        if len(found) != 1:
            raise AssertionError(f"{len(found)} role definitions named Owner at {scope}")
        return str(found[0].id)

    def assign(client: AuthorizationManagementClient, scope: str) -> dict[str, Any]:
        role_id = owner_role_id(client, scope)
        created = client.role_assignments.create(
            scope,
            str(uuid.uuid4()),
            RoleAssignmentCreateParameters(
                role_definition_id=role_id, principal_id=group_id, principal_type="ForeignGroup"
            ),
        )
        return _assignment(created)

    # Step 3 of the procedure, partner side: the group's object id, from Graph.
    def look_up_admin_agents() -> Any:
        cred = credential("agent", config["partner_tenant"])
        client = PipelineClient(
            base_url=graph,
            policies=[
                RetryPolicy(retry_total=0),
                BearerTokenCredentialPolicy(cred, f"{graph}/.default"),
            ],
            connection_verify=verify,
        )
        request = HttpRequest(
            "GET", f"{graph}/v1.0/groups", params={"$filter": "displayName eq 'AdminAgents'"}
        )
        response = client.send_request(request)
        if response.status_code >= 400:
            raise HttpResponseError(response=response)
        return [{"id": g["id"], "displayName": g["displayName"]} for g in response.json()["value"]]

    step("partner looks up AdminAgents", look_up_admin_agents)

    agent = arm(credential("agent", customer))
    partner_app = arm(credential("app", customer))
    ordinary = arm(credential("ordinary", customer))
    owner = arm(credential("owner", customer))

    scopes = config["scopes"]
    step("agent creates a resource group before", lambda: create_resource_group(agent, "rg-agent"))
    step(
        "partner app creates a resource group before",
        lambda: create_resource_group(partner_app, "rg-partner-app"),
    )
    step("ordinary user assigns", lambda: assign(ordinary, scopes["subscription"]))
    for label, scope in scopes.items():
        step(f"owner assigns at {label}", lambda scope=scope: assign(owner, scope))
    step("owner assigns at subscription again", lambda: _expect_exists(owner, group_id, scopes))
    step(
        "owner lists at subscription",
        lambda: [
            _assignment(a)
            for a in owner.role_assignments.list_for_scope(
                scopes["subscription"], filter="atScope()"
            )
        ],
    )
    step("agent creates a resource group after", lambda: create_resource_group(agent, "rg-agent"))
    step(
        "partner app creates a resource group after",
        lambda: create_resource_group(partner_app, "rg-partner-app"),
    )
    return {"steps": steps}


def _expect_exists(
    client: AuthorizationManagementClient, group_id: str, scopes: dict[str, str]
) -> Any:
    """A second identical assignment: Azure answers 409 RoleAssignmentExists, which the
    SDK raises as ResourceExistsError."""
    scope = scopes["subscription"]
    role_id = next(iter(client.role_definitions.list(scope, filter="roleName eq 'Owner'"))).id
    try:
        client.role_assignments.create(
            scope,
            str(uuid.uuid4()),
            RoleAssignmentCreateParameters(
                role_definition_id=role_id, principal_id=group_id, principal_type="ForeignGroup"
            ),
        )
    except ResourceExistsError as error:
        return {
            "exception": "ResourceExistsError",
            "status": error.status_code,
            "code": error.error.code if error.error else None,
        }
    return {"exception": None}


def _assignment(assignment: Any) -> dict[str, Any]:
    return {
        "id": assignment.id,
        "name": assignment.name,
        "scope": assignment.scope,
        "roleDefinitionId": assignment.role_definition_id,
        "principalId": assignment.principal_id,
        "principalType": assignment.principal_type,
    }


def _text(response: Any) -> str | None:
    if response is None:
        return None
    try:
        return str(response.text())[:2000]
    except Exception:
        return None


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        result = main(json.load(handle))
    json.dump(result, sys.stdout, indent=2, default=str)
