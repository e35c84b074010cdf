"""Subscribed SKUs and users' licenses in the store, on SQLite and PostgreSQL.

Consumption is counted from the licenses themselves, and `claim_seats` keeps its count
true until the transaction ends, so two writers cannot both take the last seat.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from cspadmin.domain.directory import Tenant, User
from cspadmin.domain.licensing import (
    AssignedLicense,
    LicenseChange,
    NoAvailableLicenses,
    assign_licenses,
)
from cspadmin.store.database import Database
from cspadmin.store.directory import delete_user, save_tenant, save_user
from cspadmin.store.licensing import (
    add_licenses,
    claim_seats,
    licenses_of,
    replace_licenses,
    save_subscribed_sku,
    subscribed_skus,
)
from tests.store.examples import a_customer, a_user

E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
P1 = "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"
E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06"
TEAMS1 = "57ff2da0-773e-42df-b2af-ffb7a2317929"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def a_tenant_with_users(database: Database, *aliases: str) -> tuple[Tenant, list[User]]:
    tenant = a_customer()
    users = [a_user(tenant, alias) for alias in aliases]
    with database.begin() as connection:
        save_tenant(connection, tenant)
        for user in users:
            save_user(connection, user)
    return tenant, users


def consumed(database: Database, tenant: Tenant) -> dict[str, tuple[int, int]]:
    """(prepaid, consumed) by skuPartNumber."""
    with database.connect() as connection:
        return {
            s.sku.part_number: (s.prepaid_units, s.consumed_units)
            for s in subscribed_skus(connection, tenant.id)
        }


def test_consumed_units_are_the_users_holding_the_sku(database: Database) -> None:
    tenant, (alice, bob) = a_tenant_with_users(database, "alice", "bob")
    with database.begin() as connection:
        save_subscribed_sku(connection, tenant.id, E3, 25)
        save_subscribed_sku(connection, tenant.id, P1, 2)
        add_licenses(connection, alice.id, tenant.id, [AssignedLicense(E3, (), NOW)])
        add_licenses(connection, bob.id, tenant.id, [AssignedLicense(E3, (), NOW)])
        add_licenses(connection, bob.id, tenant.id, [AssignedLicense(P1, (), NOW)])
    assert consumed(database, tenant) == {"AAD_PREMIUM": (2, 1), "SPE_E3": (25, 2)}


def test_seats_can_change_and_another_tenant_counts_apart(database: Database) -> None:
    tenant, _ = a_tenant_with_users(database)
    other, (olga,) = a_tenant_with_users(database, "olga")
    with database.begin() as connection:
        save_subscribed_sku(connection, tenant.id, E3, 1)
        save_subscribed_sku(connection, other.id, E3, 5)
        add_licenses(connection, olga.id, other.id, [AssignedLicense(E3, (), NOW)])
        save_subscribed_sku(connection, tenant.id, E3, 3)
    assert consumed(database, tenant) == {"SPE_E3": (3, 0)}
    assert consumed(database, other) == {"SPE_E3": (5, 1)}


def test_licenses_keep_their_disabled_plans_and_dates(database: Database) -> None:
    tenant, (alice,) = a_tenant_with_users(database, "alice")
    later = NOW + timedelta(hours=1)
    held = (AssignedLicense(E3, (TEAMS1,), NOW), AssignedLicense(P1, (), later))
    with database.begin() as connection:
        save_subscribed_sku(connection, tenant.id, E3, 5)
        save_subscribed_sku(connection, tenant.id, P1, 5)
        replace_licenses(connection, alice.id, tenant.id, held)
    with database.connect() as connection:
        assert licenses_of(connection, [alice.id.upper(), "nobody"]) == {alice.id: held}


def test_replacing_licenses_removes_the_ones_left_out(database: Database) -> None:
    tenant, (alice,) = a_tenant_with_users(database, "alice")
    with database.begin() as connection:
        save_subscribed_sku(connection, tenant.id, E3, 5)
        save_subscribed_sku(connection, tenant.id, P1, 5)
        add_licenses(connection, alice.id, tenant.id, [AssignedLicense(E3, (), NOW)])
        add_licenses(connection, alice.id, tenant.id, [AssignedLicense(P1, (), NOW)])
        replace_licenses(connection, alice.id, tenant.id, [AssignedLicense(P1, (TEAMS1,), NOW)])
    with database.connect() as connection:
        assert licenses_of(connection, [alice.id]) == {
            alice.id: (AssignedLicense(P1, (TEAMS1,), NOW),)
        }


def test_adding_a_held_license_leaves_it_unless_told_to_update(database: Database) -> None:
    tenant, (alice,) = a_tenant_with_users(database, "alice")
    first = AssignedLicense(E3, (), NOW)
    with database.begin() as connection:
        save_subscribed_sku(connection, tenant.id, E3, 5)
        add_licenses(connection, alice.id, tenant.id, [first])
        add_licenses(connection, alice.id, tenant.id, [AssignedLicense(E3, (TEAMS1,), NOW)])
    with database.connect() as connection:
        assert licenses_of(connection, [alice.id])[alice.id] == (first,)


def test_a_license_of_a_sku_the_tenant_lacks_is_refused_by_the_store(database: Database) -> None:
    tenant, (alice,) = a_tenant_with_users(database, "alice")
    with pytest.raises(IntegrityError), database.begin() as connection:
        add_licenses(connection, alice.id, tenant.id, [AssignedLicense(E5, (), NOW)])


def test_deleting_a_user_frees_its_seats(database: Database) -> None:
    tenant, (alice, bob) = a_tenant_with_users(database, "alice", "bob")
    with database.begin() as connection:
        save_subscribed_sku(connection, tenant.id, E3, 2)
        add_licenses(connection, alice.id, tenant.id, [AssignedLicense(E3, (), NOW)])
        add_licenses(connection, bob.id, tenant.id, [AssignedLicense(E3, (), NOW)])
    with database.begin() as connection:
        delete_user(connection, alice.id)
    assert consumed(database, tenant) == {"SPE_E3": (2, 1)}
    with database.connect() as connection:
        assert alice.id not in licenses_of(connection, [alice.id, bob.id])


def test_claim_seats_answers_only_the_skus_the_tenant_subscribes_to(database: Database) -> None:
    tenant, _ = a_tenant_with_users(database)
    with database.begin() as connection:
        save_subscribed_sku(connection, tenant.id, E3, 5)
        claimed = claim_seats(connection, tenant.id, [E3, E5])
        assert set(claimed) == {E3}
        assert claimed[E3].available_units == 5
        assert claim_seats(connection, tenant.id, []) == {}


def test_two_writers_cannot_both_take_the_last_seat(database: Database) -> None:
    writers = 4
    tenant, users = a_tenant_with_users(database, *(f"user{i}" for i in range(writers)))
    with database.begin() as connection:
        save_subscribed_sku(connection, tenant.id, E3, 1)
    start = threading.Barrier(writers)
    outcomes: list[str] = []

    def take_the_last_seat(user: User) -> None:
        start.wait()
        try:
            with database.begin() as connection:
                seats = claim_seats(connection, tenant.id, [E3])
                time.sleep(0.1)  # a window for the others to count the same free seat
                change = LicenseChange((AssignedLicense(E3),))
                held = assign_licenses((), change, seats, "US", NOW)
                add_licenses(connection, user.id, tenant.id, held)
            outcomes.append("assigned")
        except NoAvailableLicenses:
            outcomes.append("refused")

    threads = [threading.Thread(target=take_the_last_seat, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["assigned"] + ["refused"] * (writers - 1)
    assert consumed(database, tenant) == {"SPE_E3": (1, 1)}
