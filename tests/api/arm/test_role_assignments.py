"""Role assignments over ARM, as az and the SDKs use them (az-cli-notes d. and e.).

The demo world's Contoso Dev-Test subscription lost its AdminAgents Owner grant. Bob,
Contoso's Global admin and Owner there, reinstates it with az's exact requests; before,
Alice (a Fabrikam admin agent, signed in to Contoso through DAP) may not write role
assignments there, after she may. Most tests share one world per module and backend
(`world`); those that change what others would see get a fresh one (`demo_api`).
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from cspadmin.services.world import demo_world_path
from cspadmin.store.activity import list_events
from cspadmin.store.database import Database
from tests.api.conftest import ARM, Api, make_api
from tests.conftest import POSTGRES_URL, _with_search_path

CONTOSO = "contoso.onmicrosoft.com"
CONTOSO_ID = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"
PRODUCTION = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000211"
DEV_TEST = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000212"
DATA_PLATFORM = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000213"
RG_DEV = f"{DEV_TEST}/resourceGroups/rg-dev"
RG_WEB = f"{PRODUCTION}/resourceGroups/rg-web"
ADMIN_AGENTS = "a9e1d7c3-5b4f-4e2a-8d6c-000000000001"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
ASSIGNMENTS = "/providers/Microsoft.Authorization/roleAssignments"
DEFINITIONS = "/providers/Microsoft.Authorization/roleDefinitions"
WRITE = "Microsoft.Authorization/roleAssignments/write"
V = "api-version=2022-04-01"


# -- a world shared by the tests of a module ------------------------------------------------


@contextmanager
def shared_api(
    backend: str, tmp_path_factory: pytest.TempPathFactory, key_dir: Path, world: str | Path
) -> Iterator[Api]:
    """The app over a store of its own (a fresh SQLite file or PostgreSQL schema), loaded
    with `world` once: for tests that read, or write without disturbing each other."""
    admin = None
    schema = f"shared_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        database = Database(f"sqlite:///{tmp_path_factory.mktemp('shared') / 'cspadmin.db'}")
    else:
        admin = sa.create_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        database = Database(_with_search_path(schema))
    database.migrate()
    try:
        api = make_api(database, key_dir, world)
        with api.client:
            yield api
    finally:
        database.dispose()
        if admin is not None:
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, key_dir: Path
) -> Iterator[Api]:
    with shared_api(request.param, tmp_path_factory, key_dir, demo_world_path()) as api:
        yield api


_TOKENS: weakref.WeakKeyDictionary[TestClient, dict[tuple[str, str], str]] = (
    weakref.WeakKeyDictionary()
)


def auth(api: Api, upn: str, tenant: str = CONTOSO) -> dict[str, str]:
    """Bearer headers for a demo user (passwords are `<Name>-pass-1`), cached per app."""
    tokens = _TOKENS.setdefault(api.client, {})
    if (upn, tenant) not in tokens:
        password = upn.split("@")[0].capitalize() + "-pass-1"
        tokens[upn, tenant] = api.token(upn, password, tenant)
    return {"Authorization": f"Bearer {tokens[upn, tenant]}"}


BOB = "bob@contoso.onmicrosoft.com"
CAROL = "carol@contoso.onmicrosoft.com"
ALICE = "alice@fabrikampartner.onmicrosoft.com"


def oid(api: Api, upn: str) -> str:
    from cspadmin.store.directory import get_user

    with api.plane.database.connect() as connection:
        user = get_user(connection, upn)
    assert user is not None
    return user.id


def put(
    api: Api, scope: str, body: Any, who: str = BOB, name: str | None = None, tenant: str = CONTOSO
) -> httpx.Response:
    name = name or str(uuid.uuid4())
    return api.client.put(
        f"{ARM}{scope}{ASSIGNMENTS}/{name}?{V}", json=body, headers=auth(api, who, tenant)
    )


Made = list[tuple[str, str, str]]


@pytest.fixture
def made(world: Api) -> Iterator[Made]:
    """What a test created in the shared world, deleted again after it: (id, who, tenant)."""
    created: Made = []
    yield created
    for resource_id, who, tenant in created:
        world.client.delete(f"{ARM}{resource_id}?{V}", headers=auth(world, who, tenant))


def create(
    api: Api,
    made: Made,
    scope: str,
    body: Any,
    who: str = BOB,
    name: str | None = None,
    tenant: str = CONTOSO,
) -> dict[str, Any]:
    """PUT an assignment that must be new (201); it is deleted after the test."""
    response = put(api, scope, body, who, name, tenant)
    assert response.status_code == 201, response.text
    made.append((response.json()["id"], who, tenant))
    result: dict[str, Any] = response.json()
    return result


def grant(role: str, principal: str, scope: str, principal_type: str | None = None) -> Any:
    """az's body: the role id as roleDefinitions returned it, at the scope's subscription."""
    subscription = "/".join(scope.split("/")[:3])
    props = {
        "roleDefinitionId": f"{subscription}{DEFINITIONS}/{role}",
        "principalId": principal,
    }
    if principal_type:
        props["principalType"] = principal_type
    return {"properties": props}


def listed(api: Api, scope: str, query: str = "", who: str = BOB) -> list[dict[str, Any]]:
    suffix = f"&$filter={query}" if query else ""
    response = api.client.get(f"{ARM}{scope}{ASSIGNMENTS}?{V}{suffix}", headers=auth(api, who))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["value"]
    return items


def error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["message"]


def permissions(api: Api, scope: str, who: str) -> list[dict[str, Any]]:
    response = api.client.get(
        f"{ARM}{scope}/providers/Microsoft.Authorization/permissions?{V}", headers=auth(api, who)
    )
    assert response.status_code == 200, response.text
    value: list[dict[str, Any]] = response.json()["value"]
    return value


# -- the seed flow ----------------------------------------------------------------------------


def test_the_customer_reinstates_the_partner_owner_grant_with_azs_requests(demo_api: Api) -> None:
    api = demo_api
    assert permissions(api, RG_DEV, ALICE) == []
    refused = put(api, RG_DEV, grant(READER, oid(api, CAROL), RG_DEV, "User"), who=ALICE)
    assert error(refused)[:2] == (403, "AuthorizationFailed")

    # 1. az resolves --role Owner at the scope it was given
    lookup = api.client.get(
        f"{ARM}{DEV_TEST}{DEFINITIONS}?api-version=2022-05-01-preview"
        "&$filter=roleName%20eq%20%27Owner%27",
        headers=auth(api, BOB),
    )
    assert lookup.status_code == 200
    [owner] = lookup.json()["value"]
    assert owner["id"] == f"{DEV_TEST}{DEFINITIONS}/{OWNER}"

    # 2. and PUTs the assignment under a new uuid4 with exactly these properties
    name = str(uuid.uuid4())
    body = {
        "properties": {
            "roleDefinitionId": owner["id"],
            "principalId": ADMIN_AGENTS,
            "principalType": "ForeignGroup",
        }
    }
    created = api.client.put(
        f"{ARM}{DEV_TEST}{ASSIGNMENTS}/{name}?api-version=2022-04-01",
        json=body,
        headers={**auth(api, BOB), "CommandName": "role assignment create"},
    )
    assert created.status_code == 201, created.text
    result = created.json()
    assert result["id"] == f"{DEV_TEST}{ASSIGNMENTS}/{name}"
    assert result["name"] == name
    assert result["type"] == "Microsoft.Authorization/roleAssignments"
    props = result["properties"]
    assert props["roleDefinitionId"] == owner["id"]
    assert (props["principalId"], props["principalType"]) == (ADMIN_AGENTS, "ForeignGroup")
    assert props["scope"] == DEV_TEST
    assert props["createdBy"] == oid(api, BOB)

    assert permissions(api, RG_DEV, ALICE) == [
        {"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}
    ]
    allowed = put(api, RG_DEV, grant(READER, oid(api, CAROL), RG_DEV, "User"), who=ALICE)
    assert allowed.status_code == 201

    # 3. running the same az command again: 409, then az finds the grant by atScope()
    rerun = put(api, DEV_TEST, body)
    assert error(rerun)[:2] == (409, "RoleAssignmentExists")
    [found] = [
        a
        for a in listed(api, DEV_TEST, "atScope()")
        if a["properties"]["principalId"] == ADMIN_AGENTS
        and a["properties"]["roleDefinitionId"] == owner["id"]
        and a["properties"]["scope"].lower() == DEV_TEST.lower()
    ]
    assert found == result


def test_granting_what_exists_is_409_and_az_finds_the_grant_in_the_at_scope_list(
    world: Api,
) -> None:
    role_id = f"{PRODUCTION}{DEFINITIONS}/{OWNER}"
    body = {
        "properties": {
            "roleDefinitionId": role_id,
            "principalId": ADMIN_AGENTS,
            "principalType": "ForeignGroup",
        }
    }
    status, code, message = error(put(world, PRODUCTION, body))
    assert (status, code) == (409, "RoleAssignmentExists")
    assert "role assignment already exists" in message

    matches = [
        a
        for a in listed(world, PRODUCTION, "atScope()")
        if a["properties"]["scope"].lower() == PRODUCTION.lower()
        and a["properties"]["principalId"] == ADMIN_AGENTS
        and a["properties"]["roleDefinitionId"] == role_id
    ]
    assert len(matches) == 1


def test_a_customer_user_without_owner_or_uaa_gets_azures_authorization_failed(world: Api) -> None:
    name = str(uuid.uuid4())
    body = grant(OWNER, ADMIN_AGENTS, RG_DEV, "ForeignGroup")
    status, code, message = error(put(world, RG_DEV, body, who=CAROL, name=name))
    assert (status, code) == (403, "AuthorizationFailed")
    assert message == (
        f"The client '{CAROL}' with object id '{oid(world, CAROL)}' does not have "
        f"authorization to perform action '{WRITE}' over scope "
        f"'{RG_DEV}{ASSIGNMENTS}/{name}' or the scope is invalid. If access was recently "
        "granted, please refresh your credentials."
    )


def test_a_user_access_administrator_may_reinstate_the_grant(world: Api, made: Made) -> None:
    legacy = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000252"
    arthur = "arthur@adventureworks.onmicrosoft.com"
    body = grant(OWNER, ADMIN_AGENTS, legacy, "ForeignGroup")
    create(world, made, legacy, body, who=arthur, tenant="adventureworks.onmicrosoft.com")


def test_the_foreign_group_without_principal_type_is_principal_not_found(world: Api) -> None:
    status, code, message = error(put(world, DEV_TEST, grant(OWNER, ADMIN_AGENTS, DEV_TEST)))
    assert (status, code) == (400, "PrincipalNotFound")
    assert message.startswith(
        f"Principal {ADMIN_AGENTS.replace('-', '')} does not exist in the directory {CONTOSO_ID}."
    )
    assert message.endswith(
        "set the role assignment principalType property to a value, such as ServicePrincipal, "
        "User, or Group.  See https://aka.ms/docs-principaltype"
    )


def test_a_partner_user_is_no_foreign_group(world: Api) -> None:
    body = grant(OWNER, oid(world, ALICE), DEV_TEST, "ForeignGroup")
    assert error(put(world, DEV_TEST, body))[:2] == (400, "PrincipalNotFound")


@pytest.mark.parametrize("principal_type", ["User", "Group", "ServicePrincipal"])
def test_a_partner_group_is_not_in_the_customer_directory_under_other_types(
    world: Api, principal_type: str
) -> None:
    body = grant(OWNER, ADMIN_AGENTS, DEV_TEST, principal_type)
    assert error(put(world, DEV_TEST, body))[:2] == (400, "PrincipalNotFound")


def test_a_principal_type_that_is_not_the_directorys_is_refused(world: Api) -> None:
    carol = oid(world, CAROL)
    status, code, message = error(put(world, RG_DEV, grant(READER, carol, RG_DEV, "Group")))
    assert (status, code) == (400, "UnmatchedPrincipalType")
    assert "has type 'User'" in message and "'Group'" in message


def test_an_unknown_principal_type_is_refused(world: Api) -> None:
    body = grant(READER, oid(world, CAROL), RG_DEV, "MSI")
    assert error(put(world, RG_DEV, body))[:2] == (400, "InvalidPrincipalType")


def test_without_principal_type_a_local_principal_gets_its_directory_type(
    world: Api, made: Made
) -> None:
    created = create(world, made, DATA_PLATFORM, grant(READER, oid(world, CAROL), DATA_PLATFORM))
    assert created["properties"]["principalType"] == "User"


@pytest.mark.parametrize("method", ["PUT", "GET", "DELETE"])
def test_a_name_that_is_not_a_guid_is_invalid_role_assignment_id(world: Api, method: str) -> None:
    response = world.client.request(
        method,
        f"{ARM}{DEV_TEST}{ASSIGNMENTS}/not-a-guid?{V}",
        json=grant(OWNER, ADMIN_AGENTS, DEV_TEST, "ForeignGroup") if method == "PUT" else None,
        headers=auth(world, BOB),
    )
    status, code, message = error(response)
    assert (status, code) == (400, "InvalidRoleAssignmentId")
    assert message == (
        "The role assignment ID 'not-a-guid' is not valid. The role assignment ID must be a GUID."
    )


def test_a_principal_id_that_is_not_a_guid_is_invalid_principal_id(world: Api) -> None:
    status, code, message = error(put(world, DEV_TEST, grant(OWNER, "agents", DEV_TEST, "Group")))
    assert (status, code) == (400, "InvalidPrincipalId")
    assert message == "The Principal ID 'agents' is not valid. Principal ID must be a GUID."


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"",
        b"{}",
        b'{"properties": {"principalId": "a9e1d7c3-5b4f-4e2a-8d6c-000000000001"}}',
        b'{"properties": {"roleDefinitionId": 7, "principalId": "x"}}',
        b'{"properties": []}',
    ],
)
def test_a_body_that_is_not_an_assignment_is_invalid_request_content(
    world: Api, content: bytes
) -> None:
    response = world.client.put(
        f"{ARM}{DEV_TEST}{ASSIGNMENTS}/{uuid.uuid4()}?{V}",
        content=content,
        headers={**auth(world, BOB), "Content-Type": "application/json"},
    )
    assert error(response)[:2] == (400, "InvalidRequestContent")


def test_a_role_that_does_not_exist_is_role_definition_does_not_exist(world: Api) -> None:
    missing = "11111111-2222-3333-4444-555555555555"
    status, code, message = error(put(world, DEV_TEST, grant(missing, ADMIN_AGENTS, DEV_TEST)))
    assert (status, code) == (404, "RoleDefinitionDoesNotExist")
    assert message == (
        f"The specified role definition with ID '{missing.replace('-', '')}' does not exist."
    )


def test_a_role_definition_id_that_is_no_id_is_refused(world: Api) -> None:
    body = {"properties": {"roleDefinitionId": OWNER, "principalId": ADMIN_AGENTS}}
    assert error(put(world, DEV_TEST, body))[:2] == (400, "InvalidRoleDefinitionId")


def test_the_tenant_level_role_id_is_accepted_and_answered_subscription_qualified(
    world: Api, made: Made
) -> None:
    vnet = f"{PRODUCTION}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks"
    vnet += "/vnet-contoso"
    body = {
        "properties": {
            "roleDefinitionId": f"{DEFINITIONS}/{READER}",
            "principalId": oid(world, CAROL),
            "principalType": "User",
        }
    }
    created = create(world, made, vnet, body)
    assert created["properties"]["roleDefinitionId"] == f"{PRODUCTION}{DEFINITIONS}/{READER}"


def test_putting_the_same_assignment_again_is_200_and_changes_nothing(
    world: Api, made: Made
) -> None:
    name = str(uuid.uuid4())
    body = grant(CONTRIBUTOR, oid(world, CAROL), RG_WEB, "User")
    first = create(world, made, RG_WEB, body, name=name)
    again = put(world, RG_WEB, body, name=name)
    assert again.status_code == 200
    assert again.json() == first


def test_the_description_and_condition_of_an_assignment_may_change(world: Api, made: Made) -> None:
    name = str(uuid.uuid4())
    network = f"{PRODUCTION}/resourceGroups/rg-network"
    body = grant(READER, oid(world, CAROL), network, "User")
    create(world, made, network, body, name=name)
    condition = "@Resource[Microsoft.Storage/storageAccounts:name] StringEquals 'x'"
    body["properties"].update(description="network readers", condition=condition)
    changed = put(world, network, body, name=name)
    assert changed.status_code == 200
    props = changed.json()["properties"]
    assert (props["description"], props["condition"]) == ("network readers", condition)
    assert props["conditionVersion"] == "2.0"
    assert props["updatedOn"] >= props["createdOn"]


@pytest.mark.parametrize("change", ["role", "principal", "scope"])
def test_an_existing_name_keeps_its_principal_role_and_scope(
    world: Api, made: Made, change: str
) -> None:
    name = str(uuid.uuid4())
    carol, bob = oid(world, CAROL), oid(world, BOB)
    create(world, made, DATA_PLATFORM, grant(CONTRIBUTOR, carol, DATA_PLATFORM), name=name)
    scope, body = {
        "role": (DATA_PLATFORM, grant(READER, carol, DATA_PLATFORM)),
        "principal": (DATA_PLATFORM, grant(CONTRIBUTOR, bob, DATA_PLATFORM)),
        "scope": (
            f"{DATA_PLATFORM}/resourceGroups/rg-data",
            grant(CONTRIBUTOR, carol, DATA_PLATFORM),
        ),
    }[change]
    status, code, message = error(put(world, scope, body, name=name))
    assert (status, code) == (400, "RoleAssignmentUpdateNotPermitted")
    assert message == (
        "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."
    )


def test_a_body_scope_other_than_the_uris_is_refused(world: Api) -> None:
    body = grant(READER, oid(world, CAROL), RG_DEV, "User")
    body["properties"]["scope"] = DEV_TEST
    assert error(put(world, RG_DEV, body))[:2] == (400, "InvalidCreateRoleAssignmentRequest")


def test_assignments_live_only_on_scopes_that_exist(world: Api) -> None:
    body = grant(READER, oid(world, CAROL), DEV_TEST, "User")
    missing_group = f"{DEV_TEST}/resourceGroups/rg-missing"
    missing_resource = f"{RG_DEV}/providers/Microsoft.Storage/storageAccounts/nosuchaccount"
    assert error(put(world, missing_group, body))[:2] == (404, "ResourceGroupNotFound")
    assert error(put(world, missing_resource, body))[:2] == (404, "ResourceNotFound")


def test_an_assignment_on_a_resource_is_listed_at_the_resource(world: Api, made: Made) -> None:
    account = f"{RG_DEV}/providers/Microsoft.Storage/storageAccounts/contosodev01"
    created = create(world, made, account, grant(READER, oid(world, CAROL), account, "User"))
    assert created["id"] == f"{account}{ASSIGNMENTS}/{created['name']}"
    assert created["properties"]["scope"] == account
    assert any(a["name"] == created["name"] for a in listed(world, account, "atScope()"))


def test_a_subscription_holds_at_most_its_limit_of_assignments(
    world: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(world.plane, "role_assignment_limit", 1)
    body = grant(READER, oid(world, CAROL), DEV_TEST, "User")
    assert error(put(world, DEV_TEST, body))[:2] == (400, "RoleAssignmentLimitExceeded")


def test_get_answers_the_assignment_by_scope_and_name_and_by_id(world: Api, made: Made) -> None:
    created = create(world, made, RG_WEB, grant(OWNER, oid(world, CAROL), RG_WEB, "User"))
    by_id = world.client.get(f"{ARM}{created['id']}?{V}", headers=auth(world, BOB))
    assert by_id.status_code == 200
    assert by_id.json() == created
    elsewhere = world.client.get(
        f"{ARM}{PRODUCTION}{ASSIGNMENTS}/{created['name']}?{V}", headers=auth(world, BOB)
    )
    assert error(elsewhere)[:2] == (404, "RoleAssignmentNotFound")


def test_delete_answers_the_deleted_assignment_then_204(demo_api: Api) -> None:
    api = demo_api
    [agents] = [
        a
        for a in listed(api, PRODUCTION, "atScope()")
        if a["properties"]["principalId"] == ADMIN_AGENTS
    ]
    assert permissions(api, RG_WEB, ALICE) != []
    deleted = api.client.delete(f"{ARM}{agents['id']}?{V}", headers=auth(api, BOB))
    assert deleted.status_code == 200
    assert deleted.json() == agents
    assert permissions(api, RG_WEB, ALICE) == []
    again = api.client.delete(f"{ARM}{agents['id']}?{V}", headers=auth(api, BOB))
    assert (again.status_code, again.content) == (204, b"")


def test_deleting_needs_role_assignments_delete(world: Api) -> None:
    [agents] = [
        a
        for a in listed(world, PRODUCTION, "atScope()")
        if a["properties"]["principalId"] == ADMIN_AGENTS
    ]
    refused = world.client.delete(f"{ARM}{agents['id']}?{V}", headers=auth(world, CAROL))
    status, code, message = error(refused)
    assert (status, code) == (403, "AuthorizationFailed")
    assert "'Microsoft.Authorization/roleAssignments/delete'" in message


# -- lists ------------------------------------------------------------------------------------


def _names(items: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (
            a["properties"]["scope"],
            a["properties"]["principalId"],
            a["properties"]["roleDefinitionId"].rsplit("/", 1)[-1],
        )
        for a in items
    }


def test_at_scope_lists_the_scope_and_what_it_inherits(world: Api) -> None:
    bob, carol = oid(world, BOB), oid(world, CAROL)
    at_group = _names(listed(world, RG_DEV, "atScope()"))
    assert {(DEV_TEST, bob, OWNER), (RG_DEV, carol, CONTRIBUTOR)} <= at_group
    at_subscription = _names(listed(world, DEV_TEST, "atScope()"))
    assert (DEV_TEST, bob, OWNER) in at_subscription
    assert (RG_DEV, carol, CONTRIBUTOR) not in at_subscription


def test_without_a_filter_a_subscription_lists_everything_inside_it(world: Api) -> None:
    everything = _names(listed(world, DEV_TEST))
    assert {
        (DEV_TEST, oid(world, BOB), OWNER),
        (RG_DEV, oid(world, CAROL), CONTRIBUTOR),
    } <= everything
    assert all(scope.startswith(DEV_TEST) for scope, _, _ in everything)


def test_the_resource_group_list_includes_the_subscriptions_assignments(world: Api) -> None:
    items = listed(world, f"{DEV_TEST}/resourcegroups/rg-dev")
    assert (DEV_TEST, oid(world, BOB), OWNER) in _names(items)


def test_principal_id_lists_one_principals_own_assignments_at_above_and_below(world: Api) -> None:
    carol = oid(world, CAROL)
    items = listed(world, DEV_TEST, f"principalId eq '{carol}'")
    assert (RG_DEV, carol, CONTRIBUTOR) in _names(items)
    assert {a["properties"]["principalId"] for a in items} == {carol}


def test_assigned_to_lists_a_partner_users_grants_through_its_groups(world: Api) -> None:
    items = listed(world, PRODUCTION, f"assignedTo('{oid(world, ALICE)}')")
    assert (PRODUCTION, ADMIN_AGENTS, OWNER) in _names(items)
    at_scope = listed(world, RG_WEB, f"atScope()+and+assignedTo('{oid(world, ALICE)}')")
    assert (PRODUCTION, ADMIN_AGENTS, OWNER) in _names(at_scope)


def test_at_scope_with_principal_id_is_refused_as_azure_does(world: Api) -> None:
    response = world.client.get(
        f"{ARM}{DEV_TEST}{ASSIGNMENTS}?{V}&$filter=atScope() and principalId eq '{ADMIN_AGENTS}'",
        headers=auth(world, BOB),
    )
    assert response.status_code == 400


def test_listing_needs_role_assignments_read(world: Api) -> None:
    response = world.client.get(f"{ARM}{PRODUCTION}{ASSIGNMENTS}?{V}", headers=auth(world, CAROL))
    status, code, message = error(response)
    assert (status, code) == (403, "AuthorizationFailed")
    assert "'Microsoft.Authorization/roleAssignments/read'" in message


def test_the_root_scope_has_its_own_routes_and_needs_a_grant_there(world: Api) -> None:
    listing = world.client.get(f"{ARM}{ASSIGNMENTS}?{V}", headers=auth(world, BOB))
    assert error(listing)[:2] == (403, "AuthorizationFailed")
    creating = put(world, "", grant(READER, oid(world, CAROL), "/", "User"))
    assert error(creating)[:2] == (403, "AuthorizationFailed")


def test_paths_are_case_insensitive(world: Api) -> None:
    response = world.client.get(
        f"{ARM}{DEV_TEST}/RESOURCEGROUPS/rg-dev/PROVIDERS/microsoft.authorization/ROLEASSIGNMENTS"
        f"?{V}&$filter=atScope()",
        headers=auth(world, BOB),
    )
    assert response.status_code == 200
    assert response.json()["value"]


@pytest.mark.parametrize(
    "version", ["2015-07-01", "2020-04-01-preview", "2020-10-01-preview", "2022-01-01-preview"]
)
def test_older_api_versions_are_accepted(world: Api, version: str) -> None:
    response = world.client.get(
        f"{ARM}{DEV_TEST}{ASSIGNMENTS}?api-version={version}", headers=auth(world, BOB)
    )
    assert response.status_code == 200


def test_an_unknown_api_version_is_refused(world: Api) -> None:
    response = world.client.get(
        f"{ARM}{DEV_TEST}{ASSIGNMENTS}?api-version=2099-01-01", headers=auth(world, BOB)
    )
    assert error(response)[:2] == (400, "InvalidApiVersionParameter")


def test_writes_are_named_in_the_activity_log(world: Api, made: Made) -> None:
    name = str(uuid.uuid4())
    scope = f"{PRODUCTION}/resourceGroups/rg-network"
    create(world, made, scope, grant(OWNER, oid(world, CAROL), scope, "User"), name=name)
    with world.plane.database.connect() as connection:
        events = list_events(connection, subscription_id=PRODUCTION.rsplit("/", 1)[-1])
    [event] = [e for e in events if e.scope.endswith(name) and e.http_method == "PUT"]
    assert event.operation == WRITE
    assert event.scope == f"{scope}{ASSIGNMENTS}/{name}"
    assert event.status_code == 201
