"""Resource providers: how `az resource show|create|delete --ids` discover api-versions.

Runs on SQLite and PostgreSQL over the demo world (see test_resource_groups).
"""

from __future__ import annotations

from typing import Any

from cspadmin.domain.estate import Resource
from cspadmin.store.estate import save_resource
from tests.api.arm.test_resource_groups import (
    ALICE,
    BOB,
    NORTHWIND,
    NORTHWIND_ANALYTICS,
    PROD,
    Arm,
    error_code,
)
from tests.api.conftest import Api


def types_of(provider: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["resourceType"]: t for t in provider["resourceTypes"]}


def first_stable(versions: list[str]) -> str:
    """What az's `_resolve_api_version` picks."""
    return next(v for v in versions if "preview" not in v)


def test_az_discovers_storage_api_versions(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    found = bob.call("GET", f"/subscriptions/{PROD}/providers/Microsoft.Storage")
    assert found.status_code == 200
    provider = found.json()
    assert provider["id"] == f"/subscriptions/{PROD}/providers/Microsoft.Storage"
    assert (provider["namespace"], provider["registrationState"]) == (
        "Microsoft.Storage",
        "Registered",
    )
    types = types_of(provider)
    assert first_stable(types["storageAccounts"]["apiVersions"]) == "2024-01-01"
    assert "storageAccounts/blobServices" in types
    assert "West Europe" in types["storageAccounts"]["locations"]


def test_every_type_lists_stable_versions_first_newest_first(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    for provider in bob.call("GET", f"/subscriptions/{PROD}/providers").json()["value"]:
        for resource_type in provider["resourceTypes"]:
            versions = resource_type["apiVersions"]
            stable = [v for v in versions if "preview" not in v]
            assert versions[: len(stable)] == sorted(stable, reverse=True), resource_type


def test_the_catalogue_covers_the_common_providers(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    listed = bob.call("GET", f"/subscriptions/{PROD}/providers").json()["value"]
    by_namespace = {p["namespace"]: types_of(p) for p in listed}
    for namespace, resource_type in [
        ("Microsoft.Storage", "storageAccounts"),
        ("Microsoft.Compute", "virtualMachines"),
        ("Microsoft.Network", "virtualNetworks/subnets"),
        ("Microsoft.KeyVault", "vaults"),
        ("Microsoft.Web", "sites"),
        ("Microsoft.Authorization", "roleAssignments"),
        ("Microsoft.Resources", "resourceGroups"),
    ]:
        assert resource_type in by_namespace[namespace], namespace


def test_namespaces_match_ignoring_case(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    found = bob.call("GET", f"/subscriptions/{PROD}/providers/microsoft.network")
    assert found.json()["namespace"] == "Microsoft.Network"


def test_an_unknown_namespace_is_invalid_resource_namespace(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    missing = bob.call("GET", f"/subscriptions/{PROD}/providers/Microsoft.Nowhere")
    assert (missing.status_code, error_code(missing)) == (404, "InvalidResourceNamespace")
    tenant_level = bob.call("GET", "/providers/Microsoft.Nowhere")
    assert tenant_level.status_code == 404


def test_tenant_level_providers_carry_no_registration(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    found = bob.call("GET", "/providers/Microsoft.Network").json()
    assert found["id"] == "/providers/Microsoft.Network"
    assert "registrationState" not in found
    listed = bob.call("GET", "/providers").json()["value"]
    assert "Microsoft.Compute" in {p["namespace"] for p in listed}


def test_a_namespace_known_only_from_the_store_is_discoverable_and_addressable(
    demo_api: Api,
) -> None:
    gadget = f"/subscriptions/{PROD}/resourceGroups/rg-web/providers/Microsoft.Gadgets/widgets/w1"
    with demo_api.plane.database.begin() as connection:
        save_resource(connection, Resource(gadget, "Microsoft.Gadgets/widgets", "westeurope"))
    bob = Arm(demo_api, BOB)
    provider = bob.call("GET", f"/subscriptions/{PROD}/providers/Microsoft.Gadgets").json()
    versions = types_of(provider)["widgets"]["apiVersions"]
    shown = bob.call("GET", gadget, version=first_stable(versions))
    assert shown.status_code == 200
    assert shown.json()["type"] == "Microsoft.Gadgets/widgets"
    child = bob.call("PUT", f"{gadget}/parts/p1", {}, version=first_stable(versions))
    assert child.status_code == 400  # the store knows no Microsoft.Gadgets/widgets/parts


def test_a_partner_owner_of_one_group_can_discover_providers(demo_api: Api) -> None:
    alice = Arm(demo_api, ALICE, NORTHWIND)
    found = alice.call("GET", f"/subscriptions/{NORTHWIND_ANALYTICS}/providers/Microsoft.Storage")
    assert found.status_code == 200
    account = (
        f"/subscriptions/{NORTHWIND_ANALYTICS}/resourceGroups/rg-analytics"
        "/providers/Microsoft.Storage/storageAccounts/northwindlake01"
    )
    version = first_stable(types_of(found.json())["storageAccounts"]["apiVersions"])
    assert alice.call("GET", account, version=version).status_code == 200


def test_providers_of_a_subscription_elsewhere_or_nowhere(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    elsewhere = bob.call("GET", f"/subscriptions/{NORTHWIND_ANALYTICS}/providers")
    assert (elsewhere.status_code, error_code(elsewhere)) == (403, "AuthorizationFailed")
    nowhere = bob.call("GET", "/subscriptions/11111111-2222-3333-4444-555555555555/providers")
    assert (nowhere.status_code, error_code(nowhere)) == (404, "SubscriptionNotFound")


def test_registering_a_provider_answers_it_registered(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    registered = bob.call("POST", f"/subscriptions/{PROD}/providers/Microsoft.Web/register")
    assert registered.status_code == 200
    assert registered.json()["registrationState"] == "Registered"
