"""The Azure REST spec's own examples (Microsoft.Authorization 2022-04-01), replayed.

Each example in the vectors folder is matched to its operation in the two spec files
(method and path template), its parameters are put into the path, and the request is
sent to a small world built for it: a tenant whose subscription, resource group,
resource, user and custom role carry the example's ids. The answer must have the
example's status and at least the example's keys, recursively (ours carry more, e.g.
createdOn; and the roleDefinitionId is subscription-qualified where the example shows
the tenant-level form, because az compares it with the roleDefinitions lookup).

Examples of operations outside this API (deny assignments, provider operations) are not
in these spec files; they are reported as skipped with the reason.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cspadmin.store.database import Database
from tests.api.arm.vectors import SPECIFICATION, expected_status, missing_keys
from tests.api.conftest import ARM, Api, make_api

SPEC = SPECIFICATION / "authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01"
SPEC_FILES = ("authorization-RoleAssignmentsCalls.json", "authorization-RoleDefinitionsCalls.json")
EXAMPLES = sorted((SPEC / "examples").glob("*.json")) if SPEC.exists() else []

SUBSCRIPTION = "a925f2f7-5c63-4b7b-8799-25a5f97bc3b2"
PRINCIPAL = "ce2ce14e-85d7-4629-bdbc-454d0519d987"
CUSTOM_ROLE = "0b5fe924-9a61-425c-96af-cfe6e287ca2d"
UPN = "admin@vectors.onmicrosoft.com"
PASSWORD = "Vector-pass-1"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str


def operations() -> dict[str, Operation]:
    """Example file name → the operation whose x-ms-examples names it."""
    found: dict[str, Operation] = {}
    for name in SPEC_FILES:
        spec = json.loads((SPEC / name).read_text())
        paths = {**spec.get("paths", {}), **spec.get("x-ms-paths", {})}
        for path, methods in paths.items():
            for method, op in methods.items():
                if method == "parameters":
                    continue
                for ref in op.get("x-ms-examples", {}).values():
                    found[Path(ref["$ref"]).name] = Operation(
                        op["operationId"], method.upper(), path.split("?")[0]
                    )
    return found


OPERATIONS = operations() if SPEC.exists() else {}


def world(seeded: bool) -> str:
    """The example's ids as a world: the caller is the example's principal, Owner of the
    example's subscription; `seeded` adds the assignments the read examples show."""
    seeds = f"""
          - name: b0f43c54-e787-4862-89b1-a653fa9cf747
            role: {CUSTOM_ROLE}
            principal: {UPN}
          - name: 96786e4b-dede-4c2e-8736-8ab911987f08
            role: {CUSTOM_ROLE}
            principal: {UPN}
            scope: /resourceGroups/testrg"""
    return f"""
tenants:
  - name: Vectors
    domain: vectors.onmicrosoft.com
    users:
      - id: {PRINCIPAL}
        upn: {UPN}
        password: "{PASSWORD}"
    custom_roles:
      - id: {CUSTOM_ROLE}
        name: Database Account Reader
        description: Reads database accounts.
        actions: ["Microsoft.DocumentDb/databaseAccounts/read"]
        data_actions: ["Microsoft.DocumentDb/databaseAccounts/readMetadata"]
    subscriptions:
      - id: {SUBSCRIPTION}
        name: Vectors
        resource_groups:
          - name: testrg
            location: westus
            resources:
              - type: Microsoft.DocumentDb/databaseAccounts
                name: test-db-account
        role_assignments:
          - role: Owner
            principal: {UPN}{seeds if seeded else ""}
"""


def substitutions(operation: Operation) -> dict[str, str]:
    """Values for the examples' placeholders ('scope', 'roleDefinitionId')."""
    role = str(uuid.uuid4()) if operation.method == "PUT" else CUSTOM_ROLE
    scope = f"subscriptions/{SUBSCRIPTION}"
    return {
        "scope": scope,
        "roleDefinitionId": role,
        "roleId": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}",
    }


def url(operation: Operation, parameters: dict[str, Any]) -> str:
    placeholders = substitutions(operation)
    path = operation.path
    for name, value in parameters.items():
        if isinstance(value, str) and "{" + name + "}" in path:
            text = placeholders[name] if value in placeholders else value
            path = path.replace("{" + name + "}", text.lstrip("/"))
    return f"{ARM}{path}?api-version={parameters['api-version']}"


def body(parameters: dict[str, Any]) -> Any:
    """The request body. PutRoleDefinition's example carries its role flattened under
    `body.roleDefinition`; it is sent in the spec's RoleDefinition shape."""
    if "parameters" in parameters:
        return parameters["parameters"]
    flat = parameters.get("body", {}).get("roleDefinition")
    if flat is None:
        return None
    keys = ("roleName", "description", "assignableScopes", "permissions")
    properties = {k: flat[k] for k in keys if k in flat}
    properties["assignableScopes"] = [f"/subscriptions/{SUBSCRIPTION}"]
    return {"properties": {**properties, "type": "CustomRole"}}


def seeded(operation: Operation) -> bool:
    return operation.operation_id.startswith("RoleAssignments_") and operation.method != "PUT"


@pytest.fixture
def vector_api(request: pytest.FixtureRequest, database: Database, key_dir: Path) -> Iterator[Api]:
    operation: Operation = request.param
    api = make_api(database, key_dir, world(seeded(operation)))
    with api.client:
        yield api


def _cases() -> list[Any]:
    cases = []
    for path in EXAMPLES:
        operation = OPERATIONS.get(path.name)
        if operation is None:
            api = "deny assignments" if "Deny" in path.stem else "provider operations"
            reason = (
                f"{path.name} is an example of the {api} API, outside role definitions, "
                "role assignments and permissions (and outside these two spec files)"
            )
            cases.append(pytest.param(path, None, id=path.stem, marks=pytest.mark.skip(reason)))
        else:
            cases.append(pytest.param(path, operation, id=path.stem))
    return cases


@pytest.mark.parametrize(("example", "vector_api"), _cases(), indirect=["vector_api"])
def test_the_spec_example_is_answered_with_its_status_and_shape(
    example: Path, vector_api: Api
) -> None:
    operation = OPERATIONS[example.name]
    document = json.loads(example.read_text())
    parameters, responses = document["parameters"], document["responses"]
    token = vector_api.token(UPN, PASSWORD, "vectors.onmicrosoft.com")
    response = vector_api.client.request(
        operation.method,
        url(operation, parameters),
        json=body(parameters),
        headers={"Authorization": f"Bearer {token}"},
    )
    status = expected_status(operation, responses)
    assert response.status_code == status, response.text
    expected = responses[str(status)].get("body")
    if expected is None:
        return
    actual = response.json()
    assert missing_keys(expected, actual) == []
    if "value" in expected:
        names = {item["name"] for item in actual["value"]}
        assert {item["name"] for item in expected["value"]} <= names
    elif operation.operation_id.startswith("RoleAssignments_"):
        assert actual["id"].lower() == expected["id"].lower()
        props, example_props = actual["properties"], expected["properties"]
        for key in ("principalId", "principalType", "scope"):
            assert props[key] == example_props[key]
        assert props["roleDefinitionId"].endswith(example_props["roleDefinitionId"])


def test_every_example_of_the_vectors_is_accounted_for() -> None:
    if not EXAMPLES:
        pytest.fail(f"the vectors are not at {SPEC}; set CSPADMIN_SHARED")
    referenced = set(OPERATIONS)
    replayed = {p.name for p in EXAMPLES if p.name in referenced}
    assert {
        "RoleAssignments_CreateById.json",
        "RoleAssignments_CreateForResource.json",
        "RoleAssignments_CreateForResourceGroup.json",
        "RoleAssignments_CreateForSubscription.json",
        "RoleAssignments_Delete.json",
        "RoleAssignments_DeleteById.json",
        "RoleAssignments_Get.json",
        "RoleAssignments_GetById.json",
        "RoleAssignments_ListForResourceGroup.json",
        "RoleAssignments_ListForScope.json",
        "GetRoleDefinitionById.json",
        "GetRoleDefinitionByName.json",
        "PutRoleDefinition.json",
        "DeleteRoleDefinition.json",
    } <= replayed
