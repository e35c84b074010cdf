"""Reseller and GDAP relationships in the store: what is saved comes back the same, GDAP
assignments follow their relationship, and partner names are unique ignoring case."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from cspadmin.domain.directory import Tenant
from cspadmin.domain.directory_roles import GLOBAL_ADMINISTRATOR, HELPDESK_ADMINISTRATOR
from cspadmin.domain.gdap import AccessAssignmentStatus
from cspadmin.domain.gdap_lifecycle import DuplicateGdapName
from cspadmin.domain.relationships import (
    AccessAssignment,
    GdapStatus,
    RelationshipState,
    ResellerRelationship,
)
from cspadmin.store import schema as t
from cspadmin.store.database import Database
from cspadmin.store.directory import save_tenant
from cspadmin.store.relationships import (
    delete_gdap_relationship,
    get_gdap_relationship,
    get_reseller_relationship,
    list_gdap_relationships,
    list_reseller_relationships,
    save_gdap_relationship,
    save_reseller_relationship,
)
from tests.store.examples import (
    a_customer,
    a_gdap_relationship,
    a_partner,
    an_instant,
    new_id,
    row_count,
)


@pytest.fixture
def tenants(database: Database) -> tuple[Tenant, Tenant]:
    """A saved partner and a saved customer."""
    partner, customer = a_partner(), a_customer()
    with database.begin() as connection:
        save_tenant(connection, partner)
        save_tenant(connection, customer)
    return partner, customer


# -- reseller relationships ----------------------------------------------------------------


def test_reseller_relationships_round_trip_with_and_without_dap(
    database: Database, tenants: tuple[Tenant, Tenant]
) -> None:
    partner, customer = tenants
    other = a_customer("Northwind")
    with_dap = ResellerRelationship(partner.id, customer.id, dap=True)
    without = ResellerRelationship(partner.id, other.id, dap=False)
    with database.begin() as connection:
        save_tenant(connection, other)
        save_reseller_relationship(connection, with_dap)
        save_reseller_relationship(connection, without)
    with database.connect() as connection:
        found = list_reseller_relationships(connection)
    assert sorted(found, key=lambda r: r.customer_tenant_id) == sorted(
        [with_dap, without], key=lambda r: r.customer_tenant_id
    )


def test_saving_a_reseller_relationship_again_updates_dap_and_state(
    database: Database, tenants: tuple[Tenant, Tenant]
) -> None:
    partner, customer = tenants
    granted = ResellerRelationship(partner.id, customer.id, dap=True)
    removed = replace(granted, dap=False, state=RelationshipState.TERMINATED)
    with database.begin() as connection:
        save_reseller_relationship(connection, granted)
        save_reseller_relationship(connection, removed)
    with database.connect() as connection:
        assert list_reseller_relationships(connection) == [removed]
    assert not removed.grants_delegated_access


def test_a_reseller_relationship_is_found_by_its_pair_whatever_its_state(
    database: Database, tenants: tuple[Tenant, Tenant]
) -> None:
    partner, customer = tenants
    other = a_customer("Northwind")
    ended = ResellerRelationship(partner.id, customer.id, False, RelationshipState.TERMINATED)
    active = ResellerRelationship(partner.id, other.id, dap=True)
    with database.begin() as connection:
        save_tenant(connection, other)
        save_reseller_relationship(connection, ended)
        save_reseller_relationship(connection, active)
    with database.connect() as connection:
        assert get_reseller_relationship(connection, partner.id, customer.id) == ended
        assert get_reseller_relationship(connection, partner.id, other.id) == active
        assert get_reseller_relationship(connection, customer.id, partner.id) is None


# -- GDAP relationships --------------------------------------------------------------------


def test_a_gdap_relationship_round_trips_with_its_access_assignments_and_p2y_duration(
    database: Database, tenants: tuple[Tenant, Tenant]
) -> None:
    partner, customer = tenants
    assert partner.partner is not None
    relationship = replace(
        a_gdap_relationship(
            partner, customer, partner.partner.admin_agents_id, status=GdapStatus.APPROVAL_PENDING
        ),
        access_assignments=(
            AccessAssignment(partner.partner.admin_agents_id, (GLOBAL_ADMINISTRATOR.template_id,)),
            AccessAssignment(
                partner.partner.helpdesk_agents_id, (HELPDESK_ADMINISTRATOR.template_id,)
            ),
        ),
    )
    with database.begin() as connection:
        save_gdap_relationship(connection, relationship)
    with database.connect() as connection:
        [found] = list_gdap_relationships(connection)
    assert found.duration == "P2Y"
    assert found.activated_at is None
    assert sorted(found.access_assignments, key=lambda a: a.group_id) == sorted(
        relationship.access_assignments, key=lambda a: a.group_id
    )
    assert replace(found, access_assignments=relationship.access_assignments) == relationship


def test_a_gdap_relationship_without_access_assignments_round_trips(
    database: Database, tenants: tuple[Tenant, Tenant]
) -> None:
    partner, customer = tenants
    relationship = replace(
        a_gdap_relationship(partner, customer, new_id(), duration="P730D"),
        status=GdapStatus.CREATED,
        access_assignments=(),
    )
    with database.begin() as connection:
        save_gdap_relationship(connection, relationship)
    with database.connect() as connection:
        assert list_gdap_relationships(connection) == [relationship]


@pytest.mark.parametrize(
    "offset", [timedelta(0), timedelta(hours=2)], ids=["utc", "plus two hours"]
)
def test_the_activation_time_comes_back_as_the_same_aware_instant(
    database: Database,
    tenants: tuple[Tenant, Tenant],
    offset: timedelta,
) -> None:
    partner, customer = tenants
    activated = an_instant(2025, 1, 15).astimezone(timezone(offset))
    relationship = a_gdap_relationship(partner, customer, new_id(), activated_at=activated)
    with database.begin() as connection:
        save_gdap_relationship(connection, relationship)
    with database.connect() as connection:
        [found] = list_gdap_relationships(connection)
    assert found.activated_at is not None
    assert found.activated_at.tzinfo is not None
    assert found.activated_at == activated
    assert found.end_at == datetime(2027, 1, 15, 9, 30, tzinfo=UTC)
    assert found.is_active_at(datetime(2027, 1, 15, 9, 29, tzinfo=UTC))
    assert not found.is_active_at(datetime(2027, 1, 15, 9, 30, tzinfo=UTC))


def test_saving_a_gdap_relationship_again_updates_it_in_place(
    database: Database, tenants: tuple[Tenant, Tenant]
) -> None:
    partner, customer = tenants
    group = new_id()
    pending = a_gdap_relationship(partner, customer, group, status=GdapStatus.APPROVAL_PENDING)
    terminated = replace(
        pending,
        status=GdapStatus.TERMINATED,
        access_assignments=(AccessAssignment(group, pending.role_template_ids),),
    )
    with database.begin() as connection:
        save_gdap_relationship(connection, pending)
        save_gdap_relationship(connection, pending)
        save_gdap_relationship(connection, terminated)
    with database.connect() as connection:
        assert list_gdap_relationships(connection) == [terminated]
    assert (
        row_count(database, t.gdap_relationships),
        row_count(database, t.gdap_access_assignments),
    ) == (
        1,
        1,
    )


def test_the_lifecycle_facts_of_a_relationship_and_its_assignments_round_trip(
    database: Database, tenants: tuple[Tenant, Tenant]
) -> None:
    partner, customer = tenants
    at = an_instant()
    relationship = replace(
        a_gdap_relationship(partner, customer, new_id(), status=GdapStatus.TERMINATED),
        activated_at=at,
        auto_extend_duration="P180D",
        customer_display_name="Contoso Ltd",
        created_at=at - timedelta(days=2),
        modified_at=at + timedelta(days=3),
        locked_at=at - timedelta(days=1),
        approved_by=new_id(),
        terminated_at=at + timedelta(days=3),
        version=4,
        access_assignments=(
            AccessAssignment(
                new_id(),
                (HELPDESK_ADMINISTRATOR.template_id,),
                AccessAssignmentStatus.PENDING,
                created_at=at,
                modified_at=at + timedelta(hours=1),
                version=2,
            ),
        ),
    )
    with database.begin() as connection:
        save_gdap_relationship(connection, relationship)
    with database.connect() as connection:
        assert get_gdap_relationship(connection, relationship.id) == relationship
        assert get_gdap_relationship(connection, relationship.id, for_update=True) == relationship
        assert get_gdap_relationship(connection, "no-such-relationship") is None


def test_saving_makes_the_stored_assignments_match_and_deleting_removes_all(
    database: Database, tenants: tuple[Tenant, Tenant]
) -> None:
    partner, customer = tenants
    kept, dropped = new_id(), new_id()
    roles = (HELPDESK_ADMINISTRATOR.template_id,)
    relationship = replace(
        a_gdap_relationship(partner, customer, kept),
        access_assignments=(AccessAssignment(kept, roles), AccessAssignment(dropped, roles)),
    )
    with database.begin() as connection:
        save_gdap_relationship(connection, relationship)
        save_gdap_relationship(
            connection, replace(relationship, access_assignments=(AccessAssignment(kept, roles),))
        )
    with database.connect() as connection:
        [found] = list_gdap_relationships(connection)
    assert [a.group_id for a in found.access_assignments] == [kept]
    with database.begin() as connection:
        delete_gdap_relationship(connection, relationship.id)
    assert (
        row_count(database, t.gdap_relationships),
        row_count(database, t.gdap_access_assignments),
    ) == (0, 0)


def test_a_partners_relationship_names_are_unique_ignoring_case_in_the_database(
    database: Database, tenants: tuple[Tenant, Tenant]
) -> None:
    partner, customer = tenants
    other_partner = a_partner("Adatum")
    first = a_gdap_relationship(partner, customer, new_id())
    shouting = replace(
        a_gdap_relationship(partner, customer, new_id()), display_name=first.display_name.upper()
    )
    elsewhere = replace(
        a_gdap_relationship(other_partner, customer, new_id()), display_name=first.display_name
    )
    with database.begin() as connection:
        save_tenant(connection, other_partner)
        save_gdap_relationship(connection, first)
        save_gdap_relationship(connection, elsewhere)
    with pytest.raises(DuplicateGdapName), database.begin() as connection:
        save_gdap_relationship(connection, shouting)
    with database.connect() as connection:
        assert [r.id for r in list_gdap_relationships(connection, partner.id)] == [first.id]
        assert len(list_gdap_relationships(connection)) == 2
