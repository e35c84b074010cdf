"""The Permissions API: what the caller may do at a scope, one entry per role it holds
there or above (azure-wire §3). Partner users count through their partner groups while
their partner holds delegated access."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cspadmin.domain.roles import CONTRIBUTOR as CONTRIBUTOR_ROLE
from cspadmin.services.world import demo_world_path
from tests.api.arm.test_role_assignments import (
    ALICE,
    ASSIGNMENTS,
    BACKENDS,
    BOB,
    CAROL,
    DEV_TEST,
    PRODUCTION,
    READER,
    RG_DEV,
    RG_WEB,
    auth,
    error,
    grant,
    oid,
    permissions,
    shared_api,
)
from tests.api.conftest import ARM, Api

OWNER_PERMISSION = {"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}
READER_PERMISSION = {
    "actions": ["*/read"],
    "notActions": [],
    "dataActions": [],
    "notDataActions": [],
}
NORTHWIND = "northwindtraders.onmicrosoft.com"
ANALYTICS = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000222"
TAILSPIN_GAMES = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000231"
HARRY = "harry@fabrikampartner.onmicrosoft.com"


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, key_dir: Path
) -> Iterator[Api]:
    with shared_api(request.param, tmp_path_factory, key_dir, demo_world_path()) as api:
        yield api


def in_tenant(api: Api, scope: str, who: str, tenant: str) -> list[dict[str, list[str]]]:
    response = api.client.get(
        f"{ARM}{scope}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01",
        headers=auth(api, who, tenant),
    )
    assert response.status_code == 200, response.text
    value: list[dict[str, list[str]]] = response.json()["value"]
    return value


def test_an_owner_holds_everything_at_the_resource_group_below(world: Api) -> None:
    assert permissions(world, RG_DEV, BOB) == [OWNER_PERMISSION]


def test_a_contributor_sees_the_not_actions_that_keep_it_from_assigning_roles(
    world: Api,
) -> None:
    [held] = permissions(world, RG_DEV, CAROL)
    assert held["actions"] == ["*"]
    assert held["notActions"] == list(CONTRIBUTOR_ROLE.permissions[0].not_actions)
    assert "Microsoft.Authorization/*/Write" in held["notActions"]


def test_a_grant_on_a_resource_group_does_not_reach_up_to_the_subscription(world: Api) -> None:
    assert permissions(world, DEV_TEST, CAROL) == []


def test_the_resource_level_form_inherits_from_the_resource_group(world: Api) -> None:
    account = f"{RG_DEV}/providers/Microsoft.Storage/storageAccounts/contosodev01"
    assert [p["actions"] for p in permissions(world, account, CAROL)] == [["*"]]


def test_a_partner_agent_holds_owner_through_admin_agents_where_the_grant_is(world: Api) -> None:
    assert permissions(world, RG_WEB, ALICE) == [OWNER_PERMISSION]
    assert permissions(world, RG_DEV, ALICE) == []


def test_a_grant_on_one_resource_group_is_partial(world: Api) -> None:
    analytics = f"{ANALYTICS}/resourceGroups/rg-analytics"
    reports = f"{ANALYTICS}/resourceGroups/rg-reports"
    assert in_tenant(world, analytics, ALICE, NORTHWIND) == [OWNER_PERMISSION]
    assert in_tenant(world, reports, ALICE, NORTHWIND) == []


def test_gdap_delegated_access_lets_admin_agents_count(world: Api) -> None:
    games = f"{TAILSPIN_GAMES}/resourceGroups/rg-games"
    assert in_tenant(world, games, ALICE, "tailspintoys.onmicrosoft.com") == [OWNER_PERMISSION]


def test_a_helpdesk_agent_holds_no_azure_role(world: Api) -> None:
    assert permissions(world, RG_WEB, HARRY) == []


def test_one_entry_per_role_held(world: Api) -> None:
    name = str(uuid.uuid4())
    response = world.client.put(
        f"{ARM}{RG_WEB}{ASSIGNMENTS}/{name}?api-version=2022-04-01",
        json=grant(READER, oid(world, BOB), RG_WEB, "User"),
        headers=auth(world, BOB),
    )
    assert response.status_code == 201
    try:
        assert permissions(world, RG_WEB, BOB) == [OWNER_PERMISSION, READER_PERMISSION]
        assert permissions(world, PRODUCTION, BOB) == [OWNER_PERMISSION]
    finally:
        world.client.delete(
            f"{ARM}{response.json()['id']}?api-version=2022-04-01", headers=auth(world, BOB)
        )


def test_the_subscription_level_form_is_answered_too(world: Api) -> None:
    assert permissions(world, DEV_TEST, BOB) == [OWNER_PERMISSION]


def test_a_scope_of_another_tenant_is_authorization_failed(world: Api) -> None:
    response = world.client.get(
        f"{ARM}{ANALYTICS}/resourcegroups/rg-reports/providers/Microsoft.Authorization/permissions"
        "?api-version=2022-04-01",
        headers=auth(world, BOB),
    )
    status, code, message = error(response)
    assert (status, code) == (403, "AuthorizationFailed")
    assert "'Microsoft.Authorization/permissions/read'" in message


@pytest.mark.parametrize("version", ["2015-07-01", "2018-01-01-preview", "2022-04-01"])
def test_the_api_versions_clients_use_are_accepted(world: Api, version: str) -> None:
    response = world.client.get(
        f"{ARM}{RG_DEV}/providers/Microsoft.Authorization/permissions?api-version={version}",
        headers=auth(world, BOB),
    )
    assert response.status_code == 200
