"""Custom role definitions in the store."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cspadmin.domain.roles import Permission, RoleDefinition, custom_role
from cspadmin.store.custom_roles import list_custom_roles, save_role_definition
from cspadmin.store.database import Database
from cspadmin.store.directory import save_tenant
from tests.store.examples import a_customer, a_subscription, new_id

CUSTOMER = a_customer()
SUBSCRIPTION = a_subscription(CUSTOMER)
SUB_SCOPE = f"/subscriptions/{SUBSCRIPTION.id}"
RG_SCOPE = f"{SUB_SCOPE}/resourceGroups/rg-app"


@pytest.fixture
def store(database: Database) -> Database:
    """The store with the customer tenant saved (custom roles belong to a tenant)."""
    with database.begin() as connection:
        save_tenant(connection, CUSTOMER)
    return database


def an_operator_role() -> RoleDefinition:
    return custom_role(
        new_id(),
        "Virtual Machine Operator",
        (
            Permission(
                actions=("Microsoft.Compute/virtualMachines/*", "Microsoft.Resources/*/read"),
                not_actions=("Microsoft.Compute/virtualMachines/delete",),
            ),
            Permission(
                data_actions=("Microsoft.Compute/virtualMachines/login/action",),
                not_data_actions=("Microsoft.Compute/virtualMachines/loginAsAdmin/action",),
            ),
        ),
        (SUB_SCOPE, RG_SCOPE),
        description="Starts, stops and signs in to virtual machines.",
    )


def test_a_custom_role_round_trips_with_its_tenant(store: Database) -> None:
    role = an_operator_role()
    with store.begin() as connection:
        save_role_definition(connection, CUSTOMER.id, role)
    with store.connect() as connection:
        assert list_custom_roles(connection) == [(CUSTOMER.id, role)]


def test_a_stored_custom_role_still_decides_actions(store: Database) -> None:
    with store.begin() as connection:
        save_role_definition(connection, CUSTOMER.id, an_operator_role())
    with store.connect() as connection:
        [(_, role)] = list_custom_roles(connection)
    assert role.is_custom
    assert role.allows("Microsoft.Compute/virtualMachines/start/action")
    assert not role.allows("Microsoft.Compute/virtualMachines/delete")
    assert role.allows("Microsoft.Compute/virtualMachines/login/action", data=True)
    assert not role.allows("Microsoft.Compute/virtualMachines/loginAsAdmin/action", data=True)
    assert role.assignable_at(RG_SCOPE.lower())


def test_saving_a_custom_role_again_updates_it(store: Database) -> None:
    role = an_operator_role()
    renamed = replace(role, role_name="VM Operator", assignable_scopes=(SUB_SCOPE,))
    with store.begin() as connection:
        save_role_definition(connection, CUSTOMER.id, role)
        save_role_definition(connection, CUSTOMER.id, renamed)
    with store.connect() as connection:
        assert list_custom_roles(connection) == [(CUSTOMER.id, renamed)]
