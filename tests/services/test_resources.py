"""Provisioning and removing resource groups and resources: the rules, without HTTP.

Every test that takes `database` runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from cspadmin.authz.decision import Caller
from cspadmin.domain.estate import SubscriptionState
from cspadmin.domain.scope import parse_scope
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.resources import (
    InvalidResourceGroup,
    InvalidResourceGroupLocation,
    ParentResourceNotFound,
    ReadOnlyDisabledSubscription,
    ResourceGroupNotFound,
    ResourceNotFound,
    ResourceSpec,
    check_group_name,
    create_or_update_group,
    delete_group,
    delete_resource_at,
    find_group,
    find_resource,
    put_resource_at,
    resources_in,
    update_resource,
)
from cspadmin.services.world import load_world
from cspadmin.store.assignments import list_role_assignments
from cspadmin.store.database import Database
from cspadmin.store.directory import get_user
from cspadmin.store.estate import get_subscription, save_subscription

TENANT = "d3f1a6b2-0c4e-4a7d-9b8e-0000000000c1"
SUB = "5b2e7c90-1d3f-4e6a-8c7b-0000000000c1"
GROUP = f"/subscriptions/{SUB}/resourceGroups/RG-App"
VAULT = f"{GROUP}/providers/Microsoft.KeyVault/vaults/kv-app"
ACCOUNT = f"{GROUP}/providers/Microsoft.Storage/storageAccounts/stapp"
WORLD = f"""
tenants:
  - id: {TENANT}
    name: Contoso
    domain: contoso.onmicrosoft.com
    users:
      - upn: dana@contoso.onmicrosoft.com
    subscriptions:
      - id: {SUB}
        name: Production
        resource_groups:
          - name: RG-App
            location: westeurope
            resources:
              - type: Microsoft.KeyVault/vaults
                name: kv-app
              - type: Microsoft.Storage/storageAccounts
                name: stapp
              - type: Microsoft.Storage/storageAccounts/blobServices
                name: stapp/default
        role_assignments:
          - role: Contributor
            principal: dana@contoso.onmicrosoft.com
            scope: /resourceGroups/RG-App
          - role: Reader
            principal: dana@contoso.onmicrosoft.com
            scope: /resourceGroups/RG-App/providers/Microsoft.Storage/storageAccounts/stapp
"""


@pytest.fixture
def plane(database: Database) -> ControlPlane:
    load_world(database, WORLD)
    return ControlPlane.open(database)


def dana(plane: ControlPlane) -> Caller:
    with plane.database.connect() as connection:
        user = get_user(connection, "dana@contoso.onmicrosoft.com")
    assert user is not None
    return Caller.native(user.id, TENANT)


@pytest.mark.parametrize("name", ["rg", "RG-app_1.(x)", "ünïcode", "x" * 90])
def test_group_names_within_arms_rule_pass(name: str) -> None:
    check_group_name(name)


@pytest.mark.parametrize("name", ["", "rg!", "with space", "trailing.", "x" * 91])
def test_group_names_outside_arms_rule_are_invalid(name: str) -> None:
    with pytest.raises(InvalidResourceGroup):
        check_group_name(name)


def test_a_group_is_created_once_and_keeps_its_name_and_location(plane: ControlPlane) -> None:
    created, new = create_or_update_group(plane, SUB, "rg-Data", "West Europe", tags={"a": "1"})
    assert new
    assert (created.group.name, created.group.location) == ("rg-Data", "westeurope")
    assert created.created_at is not None
    again, new = create_or_update_group(plane, SUB, "RG-DATA", "westeurope")
    assert not new
    assert (again.group.name, again.group.tags, again.created_at) == (
        "rg-Data",
        {},
        created.created_at,
    )
    with pytest.raises(InvalidResourceGroupLocation):
        create_or_update_group(plane, SUB, "rg-data", "eastus")


def test_nothing_is_written_in_a_disabled_subscription(plane: ControlPlane) -> None:
    with plane.database.begin() as connection:
        subscription = get_subscription(connection, SUB)
        assert subscription is not None
        save_subscription(connection, replace(subscription, state=SubscriptionState.DISABLED))
    with pytest.raises(ReadOnlyDisabledSubscription):
        create_or_update_group(plane, SUB, "rg-new", "westeurope")
    with pytest.raises(ReadOnlyDisabledSubscription):
        delete_group(plane, SUB, "RG-App")
    assert find_group(plane, SUB, "rg-app").group.name == "RG-App"


def test_deleting_a_group_removes_its_resources_and_grants_everywhere(
    plane: ControlPlane,
) -> None:
    caller = dana(plane)
    assert plane.engine.is_allowed(caller, "Microsoft.KeyVault/vaults/write", VAULT)
    record, removal = delete_group(plane, SUB, "rg-app")
    assert record.group.name == "RG-App"
    assert removal.resources == 3
    assert len(removal.role_assignments) == 2
    with plane.database.connect() as connection:
        assert list_role_assignments(connection, scope_prefix=GROUP) == []
    create_or_update_group(plane, SUB, "RG-App", "westeurope")
    assert not plane.engine.is_allowed(caller, "Microsoft.KeyVault/vaults/write", VAULT)
    assert resources_in(plane, SUB, "RG-App") == []
    with pytest.raises(ResourceGroupNotFound):
        delete_group(plane, SUB, "rg-gone")


def test_a_resource_takes_the_groups_casing_and_location(plane: ControlPlane) -> None:
    scope = parse_scope(
        f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Web/sites/web"
    )
    record, new = put_resource_at(plane, scope, "Microsoft.Web/sites", ResourceSpec())
    assert new
    assert record.resource.id == f"{GROUP}/providers/Microsoft.Web/sites/web"
    assert record.resource.location == "westeurope"
    assert record.created_at == record.changed_at


def test_a_child_needs_its_parent_and_inherits_its_location(plane: ControlPlane) -> None:
    orphan = parse_scope(
        f"{GROUP}/providers/Microsoft.Storage/storageAccounts/none/blobServices/default"
    )
    with pytest.raises(ParentResourceNotFound):
        put_resource_at(
            plane, orphan, "Microsoft.Storage/storageAccounts/blobServices", ResourceSpec()
        )
    container = parse_scope(f"{ACCOUNT}/blobServices/default/containers/logs")
    record, _ = put_resource_at(
        plane,
        container,
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        ResourceSpec(),
    )
    assert record.resource.location == "westeurope"


def test_a_resource_needs_its_group(plane: ControlPlane) -> None:
    scope = parse_scope(f"/subscriptions/{SUB}/resourceGroups/nope/providers/Microsoft.Web/sites/w")
    with pytest.raises(ResourceGroupNotFound):
        put_resource_at(plane, scope, "Microsoft.Web/sites", ResourceSpec(location="westeurope"))


def test_patching_merges_properties_and_keeps_what_is_not_given(plane: ControlPlane) -> None:
    scope = parse_scope(VAULT)
    put_resource_at(
        plane,
        scope,
        "Microsoft.KeyVault/vaults",
        ResourceSpec("westeurope", {"a": 1}, {"t": "1"}, "kind", {"name": "standard"}),
    )
    record = update_resource(plane, scope, properties={"b": 2})
    assert record.resource.properties == {"a": 1, "b": 2}
    assert (record.resource.tags, record.kind, record.sku) == (
        {"t": "1"},
        "kind",
        {"name": "standard"},
    )


def test_deleting_a_resource_removes_its_children_and_grants(plane: ControlPlane) -> None:
    caller = dana(plane)
    removal = delete_resource_at(plane, parse_scope(ACCOUNT))
    assert removal is not None
    assert removal.resources == 2
    assert len(removal.role_assignments) == 1
    with pytest.raises(ResourceNotFound):
        find_resource(plane, parse_scope(f"{ACCOUNT}/blobServices/default"))
    assert delete_resource_at(plane, parse_scope(ACCOUNT)) is None
    assert plane.engine.is_allowed(caller, "Microsoft.KeyVault/vaults/write", VAULT)
    assert [r.resource.id for r in resources_in(plane, SUB)] == [VAULT]
