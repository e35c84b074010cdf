"""Tenants, users, groups, service principals and directory roles in the store."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.exc import IntegrityError

from cspadmin.domain.directory import DirectoryRoleAssignment, PartnerProfile, Tenant
from cspadmin.domain.directory_roles import (
    GLOBAL_ADMINISTRATOR,
    HELPDESK_ADMINISTRATOR,
    find_directory_role,
)
from cspadmin.store import schema as t
from cspadmin.store.database import Database
from cspadmin.store.directory import (
    add_members,
    directory_roles_of,
    find_groups,
    get_group,
    get_service_principal,
    get_tenant,
    get_user,
    list_tenants,
    list_users,
    object_kind,
    remove_member,
    save_directory_role_assignment,
    save_group,
    save_service_principal,
    save_tenant,
    save_user,
)
from tests.store.examples import (
    a_customer,
    a_group,
    a_partner,
    a_service_principal,
    a_user,
    new_id,
    row_count,
)


def saved(database: Database, *tenants: Tenant) -> None:
    with database.begin() as connection:
        for tenant in tenants:
            save_tenant(connection, tenant)


# -- tenants -------------------------------------------------------------------------------


def test_a_tenant_round_trips_with_its_domains_and_partner_profile(database: Database) -> None:
    partner = replace(a_partner(), domains=("fabrikam.com", "fabrikam.eu"))
    saved(database, partner)
    with database.connect() as connection:
        found = get_tenant(connection, partner.id)
    assert found is not None
    assert (found.id, found.display_name, found.default_domain) == (
        partner.id,
        partner.display_name,
        partner.default_domain,
    )
    assert found.partner == partner.partner
    assert found.is_partner
    assert set(found.all_domains()) == set(partner.all_domains())


def test_a_customer_tenant_has_no_partner_profile(database: Database) -> None:
    customer = a_customer()
    saved(database, customer)
    with database.connect() as connection:
        found = get_tenant(connection, customer.id)
    assert found is not None
    assert found.partner is None
    assert not found.is_partner


@pytest.mark.parametrize(
    "spelling",
    ["contoso.onmicrosoft.com", "CONTOSO.ONMICROSOFT.COM", "contoso.com", "Contoso.Com"],
)
def test_get_tenant_finds_a_tenant_by_any_of_its_domains_in_any_case(
    database: Database, spelling: str
) -> None:
    customer, other = a_customer("Contoso"), a_customer("Northwind")
    saved(database, customer, other)
    with database.connect() as connection:
        found = get_tenant(connection, spelling)
    assert found is not None
    assert found.id == customer.id


def test_get_tenant_finds_a_tenant_by_its_id_in_any_case(database: Database) -> None:
    customer = a_customer()
    saved(database, customer)
    with database.connect() as connection:
        assert get_tenant(connection, customer.id.upper()) == get_tenant(connection, customer.id)
        assert get_tenant(connection, customer.id) is not None


def test_get_tenant_answers_none_for_an_unknown_id_or_domain(database: Database) -> None:
    saved(database, a_customer())
    with database.connect() as connection:
        assert get_tenant(connection, new_id()) is None
        assert get_tenant(connection, "nowhere.example") is None


def test_list_tenants_returns_every_tenant_by_display_name(database: Database) -> None:
    saved(database, a_customer("Northwind"), a_partner("Fabrikam"), a_customer("Contoso"))
    with database.connect() as connection:
        names = [tenant.display_name for tenant in list_tenants(connection)]
    assert names == ["Contoso", "Fabrikam", "Northwind"]


def test_list_tenants_returns_each_tenant_as_get_tenant_does(database: Database) -> None:
    customer = a_customer()
    saved(database, customer)
    with database.connect() as connection:
        assert list_tenants(connection) == [get_tenant(connection, customer.id)]


def test_saving_a_tenant_again_updates_it_in_place(database: Database) -> None:
    customer = a_customer()
    saved(database, customer)
    profile = PartnerProfile("7654321", new_id(), new_id(), new_id())
    saved(database, replace(customer, display_name="Contoso Ltd", partner=profile))
    with database.connect() as connection:
        found = get_tenant(connection, customer.id)
    assert found is not None
    assert (found.display_name, found.partner) == ("Contoso Ltd", profile)
    assert row_count(database, t.tenants) == 1
    assert row_count(database, t.tenant_domains) == 2


# -- users ---------------------------------------------------------------------------------


def test_a_user_round_trips_by_id(database: Database) -> None:
    customer = a_customer()
    user = replace(a_user(customer), account_enabled=False, usage_location="DE")
    saved(database, customer)
    with database.begin() as connection:
        save_user(connection, user)
    with database.connect() as connection:
        assert get_user(connection, user.id) == user
        assert get_user(connection, user.id.upper()) == user


@pytest.mark.parametrize(
    "spelling", ["alice@contoso.onmicrosoft.com", "ALICE@Contoso.OnMicrosoft.com"]
)
def test_get_user_finds_a_user_by_upn_in_any_case(database: Database, spelling: str) -> None:
    customer = a_customer("Contoso")
    user = a_user(customer, "alice")
    saved(database, customer)
    with database.begin() as connection:
        save_user(connection, user)
        save_user(connection, a_user(customer, "bob"))
    with database.connect() as connection:
        assert get_user(connection, spelling) == user


def test_get_user_answers_none_for_an_unknown_id_or_upn(database: Database) -> None:
    with database.connect() as connection:
        assert get_user(connection, new_id()) is None
        assert get_user(connection, "nobody@contoso.com") is None


def test_a_user_without_password_or_location_round_trips(database: Database) -> None:
    customer = a_customer()
    user = replace(a_user(customer), password_hash=None, usage_location=None)
    saved(database, customer)
    with database.begin() as connection:
        save_user(connection, user)
    with database.connect() as connection:
        assert get_user(connection, user.id) == user


def test_list_users_returns_the_tenants_users_by_upn(database: Database) -> None:
    customer, other = a_customer("Contoso"), a_customer("Northwind")
    saved(database, customer, other)
    carol, alice, bob = (a_user(customer, n) for n in ("carol", "alice", "bob"))
    with database.begin() as connection:
        for user in (carol, alice, bob, a_user(other, "dave")):
            save_user(connection, user)
    with database.connect() as connection:
        assert list_users(connection, customer.id) == [alice, bob, carol]
        assert list_users(connection, new_id()) == []


@pytest.mark.parametrize("same_tenant", [True, False], ids=["same tenant", "another tenant"])
def test_a_upn_is_unique_ignoring_case(database: Database, same_tenant: bool) -> None:
    customer, other = a_customer(), a_customer("Northwind")
    saved(database, customer, other)
    alice = a_user(customer)
    with database.begin() as connection:
        save_user(connection, alice)
    twin = replace(
        a_user(customer if same_tenant else other),
        user_principal_name=alice.user_principal_name.upper(),
    )
    with pytest.raises(IntegrityError), database.begin() as connection:
        save_user(connection, twin)
    with database.connect() as connection:
        assert get_user(connection, twin.id) is None
    assert row_count(database, t.users) == 1


def test_a_user_may_change_the_case_of_its_own_upn(database: Database) -> None:
    customer = a_customer()
    alice = a_user(customer)
    saved(database, customer)
    renamed = replace(alice, user_principal_name=alice.user_principal_name.title())
    with database.begin() as connection:
        save_user(connection, alice)
        save_user(connection, renamed)
    with database.connect() as connection:
        assert get_user(connection, alice.id) == renamed
    assert row_count(database, t.users) == 1


# -- groups --------------------------------------------------------------------------------


def test_a_group_round_trips_with_its_members(database: Database) -> None:
    customer = a_customer()
    alice, bob = a_user(customer, "alice"), a_user(customer, "bob")
    inner = a_group(customer, "Inner", bob.id)
    group = a_group(customer, "Engineers", alice.id, inner.id)
    saved(database, customer)
    with database.begin() as connection:
        for user in (alice, bob):
            save_user(connection, user)
        save_group(connection, inner)
        save_group(connection, group)
    with database.connect() as connection:
        assert get_group(connection, group.id) == group
        assert get_group(connection, group.id.upper()) == group
        assert get_group(connection, inner.id) == inner
        assert get_group(connection, new_id()) is None


def test_find_groups_matches_the_display_name_in_any_case_within_one_tenant(
    database: Database,
) -> None:
    partner, other = a_partner(), a_partner("Litware")
    agents = a_group(partner, "AdminAgents")
    namesake = a_group(partner, "adminagents")
    elsewhere = a_group(other, "AdminAgents")
    saved(database, partner, other)
    with database.begin() as connection:
        for group in (agents, namesake, elsewhere, a_group(partner, "HelpdeskAgents")):
            save_group(connection, group)
    with database.connect() as connection:
        found = find_groups(connection, partner.id, "ADMINAGENTS")
        assert sorted(g.id for g in found) == sorted([agents.id, namesake.id])
        assert find_groups(connection, partner.id, "SalesAgents") == []


def test_members_can_be_added_and_removed(database: Database) -> None:
    customer = a_customer()
    alice, bob = a_user(customer, "alice"), a_user(customer, "bob")
    group = a_group(customer, "Engineers", alice.id)
    saved(database, customer)
    with database.begin() as connection:
        save_group(connection, group)
        add_members(connection, group.id, [bob.id, alice.id])
    with database.connect() as connection:
        assert get_group(connection, group.id) == replace(
            group, members=frozenset({alice.id, bob.id})
        )
    with database.begin() as connection:
        remove_member(connection, group.id, alice.id)
        remove_member(connection, group.id, new_id())
    with database.connect() as connection:
        assert get_group(connection, group.id) == replace(group, members=frozenset({bob.id}))


def test_saving_a_group_again_updates_it_without_duplicating_members(database: Database) -> None:
    customer = a_customer()
    alice = a_user(customer)
    group = a_group(customer, "Engineers", alice.id)
    saved(database, customer)
    renamed = replace(group, display_name="Platform", description="Runs the platform")
    with database.begin() as connection:
        save_group(connection, group)
        save_group(connection, group)
        save_group(connection, renamed)
    with database.connect() as connection:
        assert get_group(connection, group.id) == renamed
    assert (row_count(database, t.groups), row_count(database, t.group_members)) == (1, 1)


# -- service principals --------------------------------------------------------------------


def test_a_service_principal_round_trips_by_id_or_app_id_in_any_case(database: Database) -> None:
    customer = a_customer()
    sp = a_service_principal(customer)
    saved(database, customer)
    with database.begin() as connection:
        save_service_principal(connection, sp)
        save_service_principal(connection, a_service_principal(customer, "other"))
    with database.connect() as connection:
        for key in (sp.id, sp.id.upper(), sp.app_id, sp.app_id.upper()):
            assert get_service_principal(connection, key) == sp
        assert get_service_principal(connection, new_id()) is None


def test_saving_a_service_principal_again_updates_it(database: Database) -> None:
    customer = a_customer()
    sp = a_service_principal(customer)
    rotated = replace(sp, secret_hash="rotated", display_name="deployer-2")
    saved(database, customer)
    with database.begin() as connection:
        save_service_principal(connection, sp)
        save_service_principal(connection, rotated)
    with database.connect() as connection:
        assert get_service_principal(connection, sp.id) == rotated
    assert row_count(database, t.service_principals) == 1


def test_an_app_has_at_most_one_service_principal_per_tenant(database: Database) -> None:
    customer = a_customer()
    sp = a_service_principal(customer)
    saved(database, customer)
    with database.begin() as connection:
        save_service_principal(connection, sp)
    with pytest.raises(IntegrityError), database.begin() as connection:
        save_service_principal(connection, replace(sp, id=new_id()))


# -- directory roles -----------------------------------------------------------------------


def test_directory_roles_of_answers_the_roles_any_of_the_principals_holds(
    database: Database,
) -> None:
    customer, other = a_customer(), a_customer("Northwind")
    alice, bob, carol = new_id(), new_id(), new_id()
    user_admin = find_directory_role("User Administrator")
    assert user_admin is not None
    saved(database, customer, other)
    grants = [
        DirectoryRoleAssignment(customer.id, GLOBAL_ADMINISTRATOR.template_id, alice),
        DirectoryRoleAssignment(customer.id, HELPDESK_ADMINISTRATOR.template_id, bob),
        DirectoryRoleAssignment(other.id, user_admin.template_id, alice),
    ]
    with database.begin() as connection:
        for grant in grants:
            save_directory_role_assignment(connection, grant)
    with database.connect() as connection:
        assert directory_roles_of(connection, customer.id, [alice]) == {
            GLOBAL_ADMINISTRATOR.template_id
        }
        assert directory_roles_of(connection, customer.id, [alice, bob, carol]) == {
            GLOBAL_ADMINISTRATOR.template_id,
            HELPDESK_ADMINISTRATOR.template_id,
        }
        assert directory_roles_of(connection, other.id, [alice]) == {user_admin.template_id}
        assert directory_roles_of(connection, customer.id, [carol]) == set()
        assert directory_roles_of(connection, customer.id, []) == set()


def test_saving_a_directory_role_assignment_twice_keeps_one(database: Database) -> None:
    customer = a_customer()
    grant = DirectoryRoleAssignment(customer.id, GLOBAL_ADMINISTRATOR.template_id, new_id())
    saved(database, customer)
    with database.begin() as connection:
        save_directory_role_assignment(connection, grant)
        save_directory_role_assignment(connection, grant)
    assert row_count(database, t.directory_role_assignments) == 1


# -- object kinds --------------------------------------------------------------------------


def test_object_kind_tells_users_groups_and_service_principals_apart(
    database: Database,
) -> None:
    customer = a_customer()
    user, group, sp = a_user(customer), a_group(customer), a_service_principal(customer)
    saved(database, customer)
    with database.begin() as connection:
        save_user(connection, user)
        save_group(connection, group)
        save_service_principal(connection, sp)
    with database.connect() as connection:
        assert object_kind(connection, user.id) == ("User", customer.id)
        assert object_kind(connection, group.id.upper()) == ("Group", customer.id)
        assert object_kind(connection, sp.id) == ("ServicePrincipal", customer.id)
        assert object_kind(connection, sp.app_id) is None
        assert object_kind(connection, new_id()) is None
