"""Generic resources over ARM, as `az resource create|show|list|delete` and the SDKs use
them: any provider and type, nested child types included, under resource groups.

Runs on SQLite and PostgreSQL over the demo world (see test_resource_groups).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.roles import CONTRIBUTOR
from cspadmin.store.assignments import create_role_assignment, list_role_assignments
from cspadmin.store.directory import get_user
from tests.api.arm.test_resource_groups import (
    ALICE,
    BOB,
    CAROL,
    DEVTEST,
    PROD,
    Arm,
    error_code,
)
from tests.api.conftest import Api

STORAGE = "2024-01-01"
WEB = f"/subscriptions/{PROD}/resourcegroups/rg-web"
ACCOUNT = f"{WEB}/providers/Microsoft.Storage/storageAccounts/contosoweb01"
CONTOSO_ID = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"


def put(arm: Arm, path: str, body: Any, version: str = STORAGE) -> httpx.Response:
    return arm.call("PUT", path, body, version=version)


def names(response: httpx.Response) -> list[str]:
    return sorted(item["name"] for item in response.json()["value"])


# -- create and read ---------------------------------------------------------------------


def test_az_resource_create_with_its_double_slash_path(demo_api: Api) -> None:
    """`az resource create -g rg-web -n sa1 --resource-type Microsoft.Storage/storageAccounts`
    sends `…/providers/Microsoft.Storage//storageAccounts/sa1` under `resourcegroups`."""
    bob = Arm(demo_api, BOB)
    path = f"{WEB}/providers/Microsoft.Storage//storageAccounts/sa1"
    body = {"location": "westeurope", "properties": {"minimumTlsVersion": "TLS1_2"}}
    created = put(bob, path, body)
    assert created.status_code == 201, created.text
    group_id = f"/subscriptions/{PROD}/resourceGroups/rg-web"
    resource_id = f"{group_id}/providers/Microsoft.Storage/storageAccounts/sa1"
    assert created.json() == {
        "id": resource_id,
        "name": "sa1",
        "type": "Microsoft.Storage/storageAccounts",
        "location": "westeurope",
        "properties": {"minimumTlsVersion": "TLS1_2", "provisioningState": "Succeeded"},
    }
    shown = bob.call("GET", resource_id, version=STORAGE)
    assert shown.status_code == 200
    assert shown.json() == created.json()
    assert put(bob, path, body).status_code == 200


def test_a_resource_without_a_location_takes_its_groups(demo_api: Api) -> None:
    """`az resource create --id … --properties '{}'` borrows the group's location."""
    bob = Arm(demo_api, BOB)
    vault = f"{WEB}/providers/Microsoft.KeyVault/vaults/kv-web"
    created = put(bob, vault, {"properties": {}}, version="2023-07-01")
    assert created.status_code == 201
    assert created.json()["location"] == "westeurope"


def test_kind_sku_and_tags_round_trip(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    body = {
        "location": "westeurope",
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"},
        "tags": {"env": "prod"},
    }
    created = put(bob, f"{WEB}/providers/Microsoft.Storage/storageAccounts/sa2", body)
    assert {k: created.json()[k] for k in ("kind", "sku", "tags")} == {
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"},
        "tags": {"env": "prod"},
    }


def test_a_child_needs_its_parent(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    orphan = put(
        bob, f"{WEB}/providers/Microsoft.Storage/storageAccounts/nope/blobServices/default", {}
    )
    assert orphan.status_code == 404
    assert orphan.json()["error"] == {
        "code": "ParentResourceNotFound",
        "message": "Can not perform requested operation on nested resource. "
        "Parent resource 'nope' not found.",
    }
    container = put(bob, f"{ACCOUNT}/blobServices/default/containers/logs", {"properties": {}})
    assert container.status_code == 201
    assert container.json()["name"] == "logs"
    assert container.json()["type"] == "Microsoft.Storage/storageAccounts/blobServices/containers"


def test_a_resource_needs_its_group(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    nowhere = f"/subscriptions/{PROD}/resourcegroups/rg-nope"
    path = f"{nowhere}/providers/Microsoft.Storage/storageAccounts/sa"
    assert error_code(put(bob, path, {"location": "westeurope"})) == "ResourceGroupNotFound"
    assert error_code(bob.call("GET", path, version=STORAGE)) == "ResourceGroupNotFound"


def test_a_missing_resource_is_resource_not_found(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    missing = bob.call(
        "GET", f"{WEB}/providers/Microsoft.Storage/storageAccounts/sa9", version=STORAGE
    )
    assert missing.status_code == 404
    assert error_code(missing) == "ResourceNotFound"
    assert (
        "'Microsoft.Storage/storageAccounts/sa9' under resource group 'rg-web'"
        in (missing.json()["error"]["message"])
    )
    assert bob.call("HEAD", ACCOUNT, version=STORAGE).status_code == 204
    head = bob.call(
        "HEAD", f"{WEB}/providers/Microsoft.Storage/storageAccounts/sa9", version=STORAGE
    )
    assert head.status_code == 404


def test_the_api_version_must_be_one_the_provider_lists(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    old = bob.call("GET", ACCOUNT, version="2099-01-01")
    assert (old.status_code, error_code(old)) == (400, "NoRegisteredProviderFound")
    assert (
        "The supported api-versions are '2024-01-01, 2023-05-01" in old.json()["error"]["message"]
    )
    unknown = put(bob, f"{WEB}/providers/Microsoft.Nowhere/things/t1", {"location": "westeurope"})
    assert (unknown.status_code, error_code(unknown)) == (400, "NoRegisteredProviderFound")
    no_type = put(bob, f"{WEB}/providers/Microsoft.Storage/gizmos/g1", {"location": "westeurope"})
    assert (no_type.status_code, error_code(no_type)) == (400, "InvalidResourceType")
    missing = bob.call("GET", ACCOUNT, version=None)
    assert error_code(missing) == "MissingApiVersionParameter"
    for version in ("2021-04-01", "2015-05-01-preview"):
        assert bob.call("GET", ACCOUNT, version=version).status_code == 200


def test_the_action_checked_is_the_resource_types(demo_api: Api) -> None:
    carol = Arm(demo_api, CAROL)  # Reader on rg-web
    assert carol.call("GET", ACCOUNT, version=STORAGE).status_code == 200
    child = carol.call("GET", f"{ACCOUNT}/blobServices/default", version=STORAGE)
    assert child.status_code == 200
    assert child.json()["name"] == "default"
    refused = put(carol, f"{WEB}/providers/Microsoft.Storage/storageAccounts/sa3", {})
    assert refused.status_code == 403
    assert "'Microsoft.Storage/storageAccounts/write'" in refused.json()["error"]["message"]
    child_write = put(carol, f"{ACCOUNT}/blobServices/default", {})
    assert (
        "'Microsoft.Storage/storageAccounts/blobServices/write'"
        in (child_write.json()["error"]["message"])
    )


def test_alice_is_refused_on_resources_where_the_grant_was_lost(demo_api: Api) -> None:
    alice = Arm(demo_api, ALICE)
    group = f"/subscriptions/{DEVTEST}/resourcegroups/rg-dev"
    devtest = f"{group}/providers/Microsoft.Storage/storageAccounts/contosodev01"
    assert error_code(alice.call("GET", devtest, version=STORAGE)) == "AuthorizationFailed"
    assert alice.call("GET", ACCOUNT, version=STORAGE).status_code == 200


# -- update and delete -------------------------------------------------------------------


def test_patch_merges_properties_and_replaces_tags(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    path = f"{WEB}/providers/Microsoft.Storage/storageAccounts/sa4"
    put(bob, path, {"location": "westeurope", "properties": {"a": 1}, "tags": {"x": "1"}})
    patched = bob.call("PATCH", path, {"properties": {"b": 2}, "tags": {"y": "2"}}, version=STORAGE)
    assert patched.status_code == 200
    assert patched.json()["properties"] == {"a": 1, "b": 2, "provisioningState": "Succeeded"}
    assert patched.json()["tags"] == {"y": "2"}
    missing = bob.call("PATCH", f"{path}x", {"tags": {}}, version=STORAGE)
    assert error_code(missing) == "ResourceNotFound"


def test_delete_takes_children_and_the_grants_at_or_below_the_resource(demo_api: Api) -> None:
    with demo_api.plane.database.begin() as connection:
        carol = get_user(connection, CAROL[0])
        assert carol is not None
        create_role_assignment(
            connection,
            RoleAssignment(
                str(uuid.uuid4()),
                ACCOUNT.replace("resourcegroups", "resourceGroups"),
                CONTRIBUTOR.id,
                carol.id,
                PrincipalType.USER,
                CONTOSO_ID,
            ),
        )
    demo_api.reload()
    carol_arm = Arm(demo_api, CAROL)
    assert put(carol_arm, f"{ACCOUNT}/blobServices/default", {}).status_code == 200
    bob = Arm(demo_api, BOB)
    deleted = bob.call("DELETE", ACCOUNT, version=STORAGE)
    assert (deleted.status_code, deleted.content) == (200, b"")
    child = bob.call("GET", f"{ACCOUNT}/blobServices/default", version=STORAGE)
    assert error_code(child) == "ResourceNotFound"
    with demo_api.plane.database.connect() as connection:
        assert list_role_assignments(connection, scope_prefix=ACCOUNT) == []
    put(bob, ACCOUNT, {"location": "westeurope"})
    assert put(carol_arm, f"{ACCOUNT}/blobServices/default", {}).status_code == 403
    assert (
        bob.call(
            "DELETE", f"{WEB}/providers/Microsoft.Storage/storageAccounts/none", version=STORAGE
        ).status_code
        == 204
    )


# -- lists -------------------------------------------------------------------------------


def test_az_resource_list_by_group_with_expand(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    put(bob, f"{WEB}/providers/Microsoft.Storage/storageAccounts/sa5", {"location": "westeurope"})
    listed = bob.call(
        "GET",
        f"/subscriptions/{PROD}/resources",
        params={
            "$filter": "resourceGroup eq 'rg-web'",
            "$expand": "createdTime,changedTime,provisioningState",
        },
    )
    assert listed.status_code == 200
    assert names(listed) == ["contoso-web", "contosoweb01", "contosoweb01/default", "sa5"]
    by_name = {item["name"]: item for item in listed.json()["value"]}
    new = by_name["sa5"]
    assert new["provisioningState"] == "Succeeded"
    assert new["createdTime"].endswith("Z")
    assert new["changedTime"] == new["createdTime"]
    assert "properties" not in new
    assert (
        by_name["contosoweb01/default"]["type"] == "Microsoft.Storage/storageAccounts/blobServices"
    )


def test_list_filters_by_type_name_location_and_tag(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    put(
        bob,
        f"{WEB}/providers/Microsoft.Storage/storageAccounts/tagged",
        {"location": "westeurope", "tags": {"team": "web"}},
    )

    def listed(text: str, **extra: str) -> list[str]:
        return names(
            bob.call("GET", f"/subscriptions/{PROD}/resources", params={"$filter": text, **extra})
        )

    assert listed("resourceType eq 'Microsoft.Network/virtualNetworks'") == ["vnet-contoso"]
    assert listed("resourceGroup eq 'rg-web' and name eq 'contoso-web'") == ["contoso-web"]
    assert listed(
        "substringof('web', name) and resourceType eq 'Microsoft.Storage/storageAccounts'"
    ) == ["contosoweb01"]
    assert listed("location eq 'eastus'") == []
    assert listed("tagName eq 'team' and tagValue eq 'web'") == ["tagged"]
    assert len(listed("location eq 'westeurope'", **{"$top": "2"})) == 2
    bad = bob.call("GET", f"/subscriptions/{PROD}/resources", params={"$filter": "colour eq 'red'"})
    assert bad.status_code == 400


def test_lists_show_a_group_reader_only_what_it_reads(demo_api: Api) -> None:
    carol = Arm(demo_api, CAROL)
    everything = carol.call("GET", f"/subscriptions/{PROD}/resources")
    assert names(everything) == ["contoso-web", "contosoweb01", "contosoweb01/default"]
    in_group = carol.call("GET", f"{WEB}/resources")
    assert names(in_group) == names(everything)
    elsewhere = carol.call("GET", f"/subscriptions/{PROD}/resourcegroups/rg-network/resources")
    assert error_code(elsewhere) == "AuthorizationFailed"


def test_the_sdks_list_by_type_under_a_group_or_parent(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    accounts = bob.call(
        "GET", f"{WEB}/providers/Microsoft.Storage/storageAccounts", version=STORAGE
    )
    assert accounts.status_code == 200
    assert names(accounts) == ["contosoweb01"]
    services = bob.call("GET", f"{ACCOUNT}/blobServices", version=STORAGE)
    assert names(services) == ["default"]
    write = bob.call(
        "PUT", f"{WEB}/providers/Microsoft.Storage/storageAccounts", {}, version=STORAGE
    )
    assert write.status_code == 405
