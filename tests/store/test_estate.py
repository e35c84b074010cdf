"""Subscriptions, resource groups and resources in the store."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.exc import IntegrityError

from cspadmin.domain.estate import AZURE_PLAN, Resource, Subscription, SubscriptionState
from cspadmin.store import schema as t
from cspadmin.store.database import Database
from cspadmin.store.directory import save_tenant
from cspadmin.store.estate import (
    get_subscription,
    list_resource_groups,
    list_resources,
    list_subscriptions,
    save_resource,
    save_resource_group,
    save_subscription,
)
from tests.store.examples import (
    a_customer,
    a_partner,
    a_resource_group,
    a_subscription,
    new_id,
    row_count,
)


@pytest.fixture
def customer_subscription(database: Database) -> Subscription:
    """A saved CSP subscription of a saved customer, sold by a saved partner."""
    partner, customer = a_partner(), a_customer()
    subscription = replace(
        a_subscription(customer),
        csp_partner_tenant_id=partner.id,
        management_group="contoso-prod",
    )
    with database.begin() as connection:
        save_tenant(connection, partner)
        save_tenant(connection, customer)
        save_subscription(connection, subscription)
    return subscription


def vault_in(subscription: Subscription, group: str = "rg-app", name: str = "kv-app") -> str:
    return (
        f"/subscriptions/{subscription.id}/resourceGroups/{group}"
        f"/providers/Microsoft.KeyVault/vaults/{name}"
    )


# -- subscriptions -------------------------------------------------------------------------


def test_a_subscription_round_trips_with_every_field(
    database: Database, customer_subscription: Subscription
) -> None:
    with database.connect() as connection:
        assert get_subscription(connection, customer_subscription.id) == customer_subscription
        assert (
            get_subscription(connection, customer_subscription.id.upper()) == customer_subscription
        )
        assert get_subscription(connection, new_id()) is None


def test_a_subscription_with_defaults_round_trips(database: Database) -> None:
    customer = a_customer()
    subscription = a_subscription(customer)
    with database.begin() as connection:
        save_tenant(connection, customer)
        save_subscription(connection, subscription)
    with database.connect() as connection:
        found = get_subscription(connection, subscription.id)
    assert found == subscription
    assert found is not None
    assert (found.state, found.offer, found.csp_partner_tenant_id) == (
        SubscriptionState.ENABLED,
        AZURE_PLAN,
        None,
    )


def test_list_subscriptions_filters_by_tenant_and_orders_by_display_name(
    database: Database,
) -> None:
    contoso, northwind = a_customer("Contoso"), a_customer("Northwind")
    prod, dev = a_subscription(contoso, "Production"), a_subscription(contoso, "Development")
    theirs = a_subscription(northwind, "Analytics")
    with database.begin() as connection:
        save_tenant(connection, contoso)
        save_tenant(connection, northwind)
        for subscription in (prod, dev, theirs):
            save_subscription(connection, subscription)
    with database.connect() as connection:
        assert list_subscriptions(connection, contoso.id) == [dev, prod]
        assert list_subscriptions(connection) == [theirs, dev, prod]
        assert list_subscriptions(connection, new_id()) == []


def test_saving_a_subscription_again_updates_its_state(
    database: Database, customer_subscription: Subscription
) -> None:
    disabled = replace(customer_subscription, state=SubscriptionState.DISABLED)
    with database.begin() as connection:
        save_subscription(connection, disabled)
    with database.connect() as connection:
        assert get_subscription(connection, customer_subscription.id) == disabled
    assert row_count(database, t.subscriptions) == 1


def test_a_subscription_needs_a_known_tenant(database: Database) -> None:
    orphan = a_subscription(a_customer())
    with pytest.raises(IntegrityError), database.begin() as connection:
        save_subscription(connection, orphan)


# -- resource groups -----------------------------------------------------------------------


def test_resource_groups_round_trip_with_tags_ordered_by_name(
    database: Database, customer_subscription: Subscription
) -> None:
    web = a_resource_group(customer_subscription, "rg-Web")
    app = replace(a_resource_group(customer_subscription, "RG-app"), tags={})
    with database.begin() as connection:
        save_resource_group(connection, web)
        save_resource_group(connection, app)
    with database.connect() as connection:
        assert list_resource_groups(connection, customer_subscription.id) == [app, web]
        assert list_resource_groups(connection, new_id()) == []


def test_resource_group_names_are_case_insensitive(
    database: Database, customer_subscription: Subscription
) -> None:
    first = a_resource_group(customer_subscription, "RG-App")
    again = replace(first, name="rg-app", location="northeurope", tags={"env": "test"})
    with database.begin() as connection:
        save_resource_group(connection, first)
        save_resource_group(connection, again)
    with database.connect() as connection:
        assert list_resource_groups(connection, customer_subscription.id) == [again]


def test_resource_groups_belong_to_their_subscription(
    database: Database, customer_subscription: Subscription
) -> None:
    other = replace(customer_subscription, id=new_id(), display_name="Other")
    with database.begin() as connection:
        save_subscription(connection, other)
        save_resource_group(connection, a_resource_group(customer_subscription, "rg-app"))
        save_resource_group(connection, a_resource_group(other, "rg-app"))
    with database.connect() as connection:
        assert [g.subscription_id for g in list_resource_groups(connection, other.id)] == [other.id]
    assert row_count(database, t.resource_groups) == 2


# -- resources -----------------------------------------------------------------------------


def test_resources_round_trip_with_properties_and_tags(
    database: Database, customer_subscription: Subscription
) -> None:
    vault = Resource(
        vault_in(customer_subscription),
        "Microsoft.KeyVault/vaults",
        "westeurope",
        {"sku": {"name": "standard"}, "enableRbacAuthorization": True, "softDeleteDays": 90},
        {"owner": "platform"},
    )
    container = Resource(
        f"/subscriptions/{customer_subscription.id}/resourceGroups/rg-app/providers"
        "/Microsoft.Storage/storageAccounts/stapp/blobServices/default/containers/logs",
        "Microsoft.Storage/storageAccounts/blobServices/containers",
    )
    with database.begin() as connection:
        save_resource(connection, vault)
        save_resource(connection, container)
    with database.connect() as connection:
        found = list_resources(connection, customer_subscription.id)
    assert sorted(found, key=lambda r: r.id.lower()) == sorted(
        [vault, container], key=lambda r: r.id.lower()
    )


def test_a_resource_is_filed_under_the_subscription_its_id_names(
    database: Database, customer_subscription: Subscription
) -> None:
    shouted = vault_in(customer_subscription).replace(
        customer_subscription.id, customer_subscription.id.upper()
    )
    with database.begin() as connection:
        save_resource(connection, Resource(shouted, "Microsoft.KeyVault/vaults"))
    with database.connect() as connection:
        found = list_resources(connection, customer_subscription.id)
    assert [r.id for r in found] == [vault_in(customer_subscription)]


def test_resource_ids_are_case_insensitive(
    database: Database, customer_subscription: Subscription
) -> None:
    first = Resource(vault_in(customer_subscription), "Microsoft.KeyVault/vaults", "westeurope")
    again = Resource(
        vault_in(customer_subscription, "RG-APP", "KV-APP"),
        "Microsoft.KeyVault/vaults",
        "northeurope",
        tags={"moved": "yes"},
    )
    with database.begin() as connection:
        save_resource(connection, first)
        save_resource(connection, again)
    with database.connect() as connection:
        assert list_resources(connection, customer_subscription.id) == [again]
