"""Role definitions over ARM: listing and reading them where az looks them up, and the
lifecycle of custom roles (az-cli-notes d.1 and e.; azure-wire §2)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cspadmin.services.world import demo_world_path
from tests.api.arm.test_role_assignments import (
    ASSIGNMENTS,
    BACKENDS,
    BOB,
    CAROL,
    DEFINITIONS,
    DEV_TEST,
    OWNER,
    PRODUCTION,
    RG_DEV,
    RG_WEB,
    auth,
    error,
    oid,
    permissions,
    shared_api,
)
from tests.api.conftest import ARM, Api

V = "api-version=2022-04-01"
LOOKUP = "api-version=2022-05-01-preview"
ACCOUNT = f"{RG_WEB}/providers/Microsoft.Storage/storageAccounts/contosoweb01"
NORTHWIND = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000221"


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, key_dir: Path
) -> Iterator[Api]:
    with shared_api(request.param, tmp_path_factory, key_dir, demo_world_path()) as api:
        yield api


def definitions(
    api: Api, scope: str, query: str = "", who: str = BOB, version: str = LOOKUP
) -> httpx.Response:
    suffix = f"&$filter={query}" if query else ""
    return api.client.get(f"{ARM}{scope}{DEFINITIONS}?{version}{suffix}", headers=auth(api, who))


def values(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["value"]
    return items


# -- built-in roles, where az looks them up ------------------------------------------------


@pytest.mark.parametrize("scope", [DEV_TEST, RG_DEV, ACCOUNT])
def test_owner_by_name_has_the_subscription_qualified_id_at_any_scope_inside(
    world: Api, scope: str
) -> None:
    subscription = "/".join(scope.split("/")[:3])
    [owner] = values(definitions(world, scope, "roleName%20eq%20%27Owner%27"))
    assert owner["id"] == f"{subscription}{DEFINITIONS}/{OWNER}"
    assert owner["name"] == OWNER
    assert owner["type"] == "Microsoft.Authorization/roleDefinitions"
    props = owner["properties"]
    assert (props["roleName"], props["type"]) == ("Owner", "BuiltInRole")
    assert props["assignableScopes"] == ["/"]
    assert props["permissions"] == [
        {"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}
    ]


def test_role_names_match_without_regard_to_case(world: Api) -> None:
    [owner] = values(definitions(world, DEV_TEST, "roleName eq 'owner'"))
    assert owner["name"] == OWNER


def test_a_name_no_role_has_lists_nothing(world: Api) -> None:
    assert values(definitions(world, DEV_TEST, "roleName eq 'Overlord'")) == []


def test_at_the_root_ids_are_tenant_level_and_every_signed_in_user_may_read(world: Api) -> None:
    listed = values(definitions(world, "", "roleName eq 'Owner'", who=CAROL))
    assert [d["id"] for d in listed] == [f"{DEFINITIONS}/{OWNER}"]


def test_the_type_filter_separates_built_in_from_custom_roles(world: Api, roles: Roles) -> None:
    roles.put(DEV_TEST, name="Dev Test Operator")
    built_in = values(definitions(world, DEV_TEST, "type eq 'BuiltInRole'"))
    custom = values(definitions(world, DEV_TEST, "type eq 'CustomRole'"))
    assert built_in and all(d["properties"]["type"] == "BuiltInRole" for d in built_in)
    assert [d["properties"]["roleName"] for d in custom] == ["Dev Test Operator"]


def test_an_unknown_filter_is_refused(world: Api) -> None:
    assert definitions(world, DEV_TEST, "permissions eq 'x'").status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        f"{DEV_TEST}{DEFINITIONS}/{OWNER}",
        f"{RG_DEV}{DEFINITIONS}/{OWNER}",
        f"{DEFINITIONS}/{OWNER}",
    ],
)
def test_a_role_is_read_by_guid_at_a_scope_or_by_its_full_id(world: Api, path: str) -> None:
    response = world.client.get(f"{ARM}{path}?{V}", headers=auth(world, BOB))
    assert response.status_code == 200
    expected = (
        f"{DEV_TEST}{DEFINITIONS}/{OWNER}"
        if path.startswith(DEV_TEST)
        else f"{DEFINITIONS}/{OWNER}"
    )
    assert response.json()["id"] == expected


def test_a_role_that_does_not_exist_is_404(world: Api) -> None:
    missing = "11111111-2222-3333-4444-555555555555"
    response = world.client.get(
        f"{ARM}{DEV_TEST}{DEFINITIONS}/{missing}?{V}", headers=auth(world, BOB)
    )
    status, code, message = error(response)
    assert (status, code) == (404, "RoleDefinitionDoesNotExist")
    assert missing.replace("-", "") in message


def test_reading_below_the_root_needs_role_definitions_read(world: Api) -> None:
    status, code, message = error(definitions(world, PRODUCTION, who=CAROL))
    assert (status, code) == (403, "AuthorizationFailed")
    assert "'Microsoft.Authorization/roleDefinitions/read'" in message
    assert values(definitions(world, RG_WEB, who=CAROL))


@pytest.mark.parametrize("version", ["2015-07-01", "2018-01-01-preview", "2022-04-01"])
def test_the_api_versions_clients_use_are_accepted(world: Api, version: str) -> None:
    assert values(definitions(world, DEV_TEST, version=f"api-version={version}"))


# -- custom roles ---------------------------------------------------------------------------


class Roles:
    """Custom roles a test creates in the shared world, deleted again after it."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.made: list[str] = []

    def body(self, *scopes: str, name: str = "VM Operator", actions: tuple[str, ...] = ()) -> Any:
        return {
            "properties": {
                "roleName": name,
                "description": "Starts and stops virtual machines.",
                "type": "CustomRole",
                "assignableScopes": list(scopes),
                "permissions": [
                    {
                        "actions": list(
                            actions or ("Microsoft.Compute/virtualMachines/start/action",)
                        ),
                        "notActions": [],
                        "dataActions": [],
                        "notDataActions": [],
                    }
                ],
            }
        }

    def request(
        self, scope: str, body: Any, guid: str | None = None, who: str = BOB
    ) -> httpx.Response:
        guid = guid or str(uuid.uuid4())
        self.made.append(guid)
        return self.api.client.put(
            f"{ARM}{scope}{DEFINITIONS}/{guid}?{V}", json=body, headers=auth(self.api, who)
        )

    def put(self, *scopes: str, name: str = "VM Operator", **kwargs: Any) -> dict[str, Any]:
        response = self.request(scopes[0], self.body(*scopes, name=name, **kwargs))
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def cleanup(self) -> None:
        for guid in self.made:
            self.api.client.delete(
                f"{ARM}{DEV_TEST}{DEFINITIONS}/{guid}?{V}", headers=auth(self.api, BOB)
            )


@pytest.fixture
def roles(world: Api) -> Iterator[Roles]:
    made = Roles(world)
    yield made
    made.cleanup()


def test_a_custom_role_is_created_with_201_and_listed_where_it_is_assignable(
    world: Api, roles: Roles
) -> None:
    created = roles.put(DEV_TEST)
    assert created["id"] == f"{DEV_TEST}{DEFINITIONS}/{created['name']}"
    props = created["properties"]
    assert (props["roleName"], props["type"]) == ("VM Operator", "CustomRole")
    assert props["assignableScopes"] == [DEV_TEST]
    query = "roleName eq 'VM Operator'"
    assert [d["name"] for d in values(definitions(world, RG_DEV, query))] == [created["name"]]
    assert values(definitions(world, PRODUCTION, query)) == []
    below = values(definitions(world, PRODUCTION, f"{query} and atScopeAndBelow()"))
    assert below == []
    by_id = world.client.get(f"{ARM}{created['id']}?{V}", headers=auth(world, BOB))
    assert by_id.json() == created


def test_putting_a_custom_role_again_replaces_it_with_200(world: Api, roles: Roles) -> None:
    created = roles.put(DEV_TEST)
    body = roles.body(DEV_TEST, actions=("Microsoft.Compute/virtualMachines/*",))
    replaced = roles.request(DEV_TEST, body, guid=created["name"])
    assert replaced.status_code == 200
    assert replaced.json()["properties"]["permissions"][0]["actions"] == [
        "Microsoft.Compute/virtualMachines/*"
    ]


def test_a_custom_role_grants_what_it_says_where_it_is_assigned(world: Api, roles: Roles) -> None:
    role = roles.put(DEV_TEST, name="Key Vault Reader", actions=("Microsoft.KeyVault/*/read",))
    carol = oid(world, CAROL)
    body = {
        "properties": {
            "roleDefinitionId": role["id"],
            "principalId": carol,
            "principalType": "User",
        }
    }
    name = str(uuid.uuid4())
    created = world.client.put(
        f"{ARM}{DEV_TEST}{ASSIGNMENTS}/{name}?{V}", json=body, headers=auth(world, BOB)
    )
    assert created.status_code == 201, created.text
    try:
        held = permissions(world, RG_DEV, CAROL)
        assert {
            "actions": ["Microsoft.KeyVault/*/read"],
            "notActions": [],
            "dataActions": [],
            "notDataActions": [],
        } in held
        refused = world.client.delete(f"{ARM}{role['id']}?{V}", headers=auth(world, BOB))
        assert error(refused)[:2] == (409, "RoleDefinitionHasAssignments")
    finally:
        world.client.delete(f"{ARM}{created.json()['id']}?{V}", headers=auth(world, BOB))


def test_a_custom_role_cannot_be_assigned_outside_its_assignable_scopes(
    world: Api, roles: Roles
) -> None:
    role = roles.put(DEV_TEST)
    body = {
        "properties": {
            "roleDefinitionId": f"{PRODUCTION}{DEFINITIONS}/{role['name']}",
            "principalId": oid(world, CAROL),
            "principalType": "User",
        }
    }
    response = world.client.put(
        f"{ARM}{PRODUCTION}{ASSIGNMENTS}/{uuid.uuid4()}?{V}", json=body, headers=auth(world, BOB)
    )
    assert error(response)[:2] == (400, "InvalidCreateRoleAssignmentRequest")


def test_deleting_a_custom_role_answers_it_then_204(world: Api, roles: Roles) -> None:
    role = roles.put(DEV_TEST)
    deleted = world.client.delete(f"{ARM}{role['id']}?{V}", headers=auth(world, BOB))
    assert deleted.status_code == 200
    assert deleted.json() == role
    again = world.client.delete(f"{ARM}{role['id']}?{V}", headers=auth(world, BOB))
    assert again.status_code == 204
    gone = world.client.get(f"{ARM}{role['id']}?{V}", headers=auth(world, BOB))
    assert error(gone)[:2] == (404, "RoleDefinitionDoesNotExist")


def test_writing_a_custom_role_needs_write_on_every_assignable_scope(
    world: Api, roles: Roles
) -> None:
    response = roles.request(DEV_TEST, roles.body(DEV_TEST, NORTHWIND))
    status, code, message = error(response)
    assert (status, code) == (403, "AuthorizationFailed")
    assert f"over scope '{NORTHWIND}'" in message
    by_carol = roles.request(RG_DEV, roles.body(RG_DEV), who=CAROL)
    assert error(by_carol)[:2] == (403, "AuthorizationFailed")


def test_a_custom_role_may_not_take_a_built_in_roles_name(world: Api, roles: Roles) -> None:
    response = roles.request(DEV_TEST, roles.body(DEV_TEST, name="Owner"))
    assert error(response)[:2] == (409, "RoleDefinitionWithSameNameExists")


def test_two_custom_roles_of_a_tenant_may_not_share_a_name(world: Api, roles: Roles) -> None:
    roles.put(DEV_TEST, name="Twin")
    response = roles.request(PRODUCTION, roles.body(PRODUCTION, name="twin"))
    assert error(response)[:2] == (409, "RoleDefinitionWithSameNameExists")


def test_built_in_roles_cannot_be_changed_or_deleted(world: Api, roles: Roles) -> None:
    response = roles.request(DEV_TEST, roles.body(DEV_TEST, name="Mine"), guid=OWNER)
    assert error(response)[:2] == (400, "BuiltInRoleNotEditable")
    deleted = world.client.delete(
        f"{ARM}{DEV_TEST}{DEFINITIONS}/{OWNER}?{V}", headers=auth(world, BOB)
    )
    assert error(deleted)[:2] == (400, "BuiltInRoleNotEditable")


@pytest.mark.parametrize(
    "body",
    [
        None,
        {"properties": {"assignableScopes": [DEV_TEST]}},
        {"properties": {"roleName": "x", "assignableScopes": "everywhere"}},
        {
            "properties": {
                "roleName": "x",
                "assignableScopes": [DEV_TEST],
                "permissions": [{"actions": "*"}],
            }
        },
    ],
)
def test_a_body_that_is_not_a_role_is_invalid_request_content(
    world: Api, roles: Roles, body: Any
) -> None:
    assert error(roles.request(DEV_TEST, body))[:2] == (400, "InvalidRequestContent")


def test_a_custom_role_cannot_be_assignable_at_the_root(world: Api, roles: Roles) -> None:
    assert error(roles.request(DEV_TEST, roles.body(DEV_TEST, "/")))[:2] == (
        400,
        "InvalidRoleDefinition",
    )


def test_a_custom_role_guid_is_kept_in_its_hyphenated_form(world: Api, roles: Roles) -> None:
    guid = uuid.uuid4()
    response = roles.request(DEV_TEST, roles.body(DEV_TEST), guid=guid.hex.upper())
    assert response.status_code == 201
    assert response.json()["name"] == str(guid)
    roles.made.append(str(guid))
