"""Saving the same facts again changes nothing: every upsert is idempotent.

World files and fixtures are loaded more than once (a restart, a re-seed), so each save
function must leave exactly one row per object however often it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from cspadmin.domain.assignments import EVERYONE, DenyAssignment
from cspadmin.domain.commerce import AZURE_PLAN_CATALOG_ITEM, AzurePlan, Cart, LineItem, Order
from cspadmin.domain.csp import BillingScope, SubscriptionAlias, Workload, billing_account_name
from cspadmin.domain.directory import DirectoryRoleAssignment
from cspadmin.domain.directory_roles import GLOBAL_ADMINISTRATOR
from cspadmin.domain.estate import Resource
from cspadmin.domain.licensing import AssignedLicense
from cspadmin.domain.relationships import ResellerRelationship
from cspadmin.domain.roles import Permission, custom_role
from cspadmin.store import schema as t
from cspadmin.store.aliases import save_alias
from cspadmin.store.assignments import save_deny_assignment, save_role_assignments
from cspadmin.store.commerce import save_cart, save_order, save_plan
from cspadmin.store.custom_roles import save_role_definition
from cspadmin.store.database import Database
from cspadmin.store.directory import (
    save_directory_role_assignment,
    save_group,
    save_service_principal,
    save_tenant,
    save_user,
)
from cspadmin.store.estate import save_resource, save_resource_group, save_subscription
from cspadmin.store.licensing import add_licenses, save_subscribed_sku
from cspadmin.store.relationships import save_gdap_relationship, save_reseller_relationship
from tests.store.examples import (
    a_customer,
    a_gdap_relationship,
    a_group,
    a_partner,
    a_resource_group,
    a_service_principal,
    a_subscription,
    a_user,
    an_owner_assignment,
    new_id,
)

E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"  # Microsoft 365 E3 (SPE_E3)


def a_world(
    partner_name: str = "Fabrikam", customer_name: str = "Contoso"
) -> Callable[[Connection], None]:
    """One of every kind of fact, as a function that saves them all."""
    partner, customer = a_partner(partner_name), a_customer(customer_name)
    assert partner.partner is not None
    agent, alice = a_user(partner, "agent"), a_user(customer, "alice")
    agents = replace(a_group(partner, "AdminAgents", agent.id), id=partner.partner.admin_agents_id)
    engineers = a_group(customer, "Engineers", alice.id)
    sp = a_service_principal(customer)
    subscription = replace(a_subscription(customer), csp_partner_tenant_id=partner.id)
    group = a_resource_group(subscription)
    vault = Resource(
        f"/subscriptions/{subscription.id}/resourceGroups/{group.name}"
        "/providers/Microsoft.KeyVault/vaults/kv-app",
        "Microsoft.KeyVault/vaults",
    )
    scope = f"/subscriptions/{subscription.id}"
    role = custom_role(new_id(), "Reader Plus", (Permission(("*/read",)),), (scope,))
    deny = DenyAssignment(new_id(), scope, customer.id, (Permission(("*/delete",)),), (EVERYONE,))
    gdap = a_gdap_relationship(partner, customer, agents.id)
    assignments = [
        an_owner_assignment(subscription, engineers.id),
        an_owner_assignment(subscription, agents.id),
    ]
    bought = datetime(2025, 1, 2, tzinfo=UTC)
    items = (LineItem(0, AZURE_PLAN_CATALOG_ITEM),)
    cart = Cart(new_id(), partner.id, customer.id, items, bought, agent.id, new_id())
    plan = AzurePlan(new_id(), partner.id, customer.id, cart.order_id or "", "Azure plan", bought)
    order = Order(plan.order_id, partner.id, customer.id, items, bought, agent.id, plan.id)
    billing = BillingScope(billing_account_name(partner.id), customer.id)
    alias = SubscriptionAlias(
        partner.id, "production", subscription.id, bought, agent.id, billing.id, Workload.PRODUCTION
    )

    def save(connection: Connection) -> None:
        save_tenant(connection, partner)
        save_tenant(connection, customer)
        save_user(connection, agent)
        save_user(connection, alice)
        save_group(connection, agents)
        save_group(connection, engineers)
        save_service_principal(connection, sp)
        save_directory_role_assignment(
            connection,
            DirectoryRoleAssignment(customer.id, GLOBAL_ADMINISTRATOR.template_id, alice.id),
        )
        save_subscription(connection, subscription)
        save_resource_group(connection, group)
        save_resource(connection, vault)
        save_role_definition(connection, customer.id, role)
        save_role_assignments(connection, assignments)
        save_deny_assignment(connection, deny)
        save_reseller_relationship(
            connection, ResellerRelationship(partner.id, customer.id, dap=True)
        )
        save_gdap_relationship(connection, gdap)
        save_subscribed_sku(connection, customer.id, E3, 5)
        e3 = AssignedLicense(E3, (), datetime(2025, 1, 1, tzinfo=UTC))
        add_licenses(connection, alice.id, customer.id, [e3])
        save_cart(connection, cart)
        save_plan(connection, plan)
        save_order(connection, order)
        save_alias(connection, alias)

    return save


def row_counts(database: Database) -> dict[str, int]:
    with database.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table)) or 0
            for table in t.metadata.sorted_tables
        }


def test_saving_a_world_twice_leaves_one_row_per_object(database: Database) -> None:
    save = a_world()
    with database.begin() as connection:
        save(connection)
    once = row_counts(database)
    with database.begin() as connection:
        save(connection)
    with database.begin() as connection:
        save(connection)
        save(connection)
    assert row_counts(database) == once
    empty = {name for name, count in once.items() if count == 0}
    # The activity log is append-only and invitations are issued one by one by the
    # relationship-request use case, never by a world save: neither is upserted. The
    # change journal is written by `ControlPlane.change` and world loads, not by saves.
    journal = {"store_version", "change_journal"}
    assert empty == {"management_groups", "activity_log", "invitations", *journal}, (
        "every saved kind of fact is covered"
    )


def test_two_worlds_side_by_side_do_not_collide(database: Database) -> None:
    first, second = a_world(), a_world("Litware", "Northwind")
    with database.begin() as connection:
        first(connection)
    once = row_counts(database)
    with database.begin() as connection:
        second(connection)
        first(connection)
    twice = row_counts(database)
    assert twice == {name: 2 * count for name, count in once.items()}
