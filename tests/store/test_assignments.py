"""Role assignments and deny assignments in the store."""

from __future__ import annotations

from dataclasses import replace

from cspadmin.domain.assignments import EVERYONE, DenyAssignment, RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.roles import READER, Permission
from cspadmin.store.assignments import (
    count_role_assignments,
    create_role_assignment,
    delete_role_assignment,
    find_role_assignment,
    get_role_assignment,
    iter_role_assignments,
    list_deny_assignments,
    list_role_assignments,
    save_deny_assignment,
    save_role_assignments,
)
from cspadmin.store.database import Database
from tests.store.examples import a_customer, a_subscription, an_owner_assignment, new_id

CUSTOMER = a_customer()
SUBSCRIPTION = a_subscription(CUSTOMER)
SUB_SCOPE = f"/subscriptions/{SUBSCRIPTION.id}"
RG_SCOPE = f"{SUB_SCOPE}/resourceGroups/rg-app"


def assignments(count: int) -> list[RoleAssignment]:
    return [an_owner_assignment(SUBSCRIPTION, new_id()) for _ in range(count)]


# -- role assignments ----------------------------------------------------------------------


def test_a_fresh_store_holds_no_role_assignments(database: Database) -> None:
    with database.connect() as connection:
        assert count_role_assignments(connection) == 0
        assert list(iter_role_assignments(connection)) == []


def test_a_role_assignment_round_trips_by_name_in_any_case(database: Database) -> None:
    assignment = replace(
        an_owner_assignment(SUBSCRIPTION, new_id(), PrincipalType.FOREIGN_GROUP, RG_SCOPE),
        condition="@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]"
        " StringEquals 'logs'",
        description="Reinstated AdminAgents access",
    )
    with database.begin() as connection:
        create_role_assignment(connection, assignment)
    with database.connect() as connection:
        assert get_role_assignment(connection, assignment.name) == assignment
        assert get_role_assignment(connection, assignment.name.upper()) == assignment
        assert get_role_assignment(connection, new_id()) is None


def test_find_role_assignment_matches_scope_role_and_principal_in_any_case(
    database: Database,
) -> None:
    assignment = an_owner_assignment(SUBSCRIPTION, new_id())
    with database.begin() as connection:
        create_role_assignment(connection, assignment)
    with database.connect() as connection:
        found = find_role_assignment(
            connection,
            assignment.scope.upper(),
            assignment.role_definition_id.upper(),
            assignment.principal_id.upper(),
        )
        assert found == assignment
        assert find_role_assignment(connection, RG_SCOPE, READER.id, new_id()) is None


def test_delete_role_assignment_removes_it_once(database: Database) -> None:
    kept, doomed = assignments(2)
    with database.begin() as connection:
        save_role_assignments(connection, [kept, doomed])
    with database.begin() as connection:
        assert delete_role_assignment(connection, doomed.name.upper()) is True
    with database.begin() as connection:
        assert delete_role_assignment(connection, doomed.name) is False
    with database.connect() as connection:
        assert get_role_assignment(connection, doomed.name) is None
        assert get_role_assignment(connection, kept.name) == kept
        assert count_role_assignments(connection) == 1


def test_a_deleted_assignment_can_be_created_again(database: Database) -> None:
    assignment = an_owner_assignment(SUBSCRIPTION, new_id())
    with database.begin() as connection:
        create_role_assignment(connection, assignment)
        delete_role_assignment(connection, assignment.name)
        create_role_assignment(connection, replace(assignment, name=new_id()))
    with database.connect() as connection:
        assert count_role_assignments(connection) == 1


def test_iter_role_assignments_streams_every_assignment_across_batches(
    database: Database,
) -> None:
    saved = assignments(7)
    with database.begin() as connection:
        save_role_assignments(connection, saved)
    with database.connect() as connection:
        streamed = list(iter_role_assignments(connection, batch=3))
        assert count_role_assignments(connection) == 7
    assert sorted(streamed, key=lambda a: a.name) == sorted(saved, key=lambda a: a.name)


def test_save_role_assignments_is_idempotent_by_name(database: Database) -> None:
    saved = assignments(3)
    with database.begin() as connection:
        save_role_assignments(connection, saved)
        save_role_assignments(connection, saved)
    with database.begin() as connection:
        save_role_assignments(connection, [*saved, *assignments(1)])
        save_role_assignments(connection, [])
    with database.connect() as connection:
        assert count_role_assignments(connection) == 4


def test_list_role_assignments_filters_by_tenant_principal_and_scope_subtree(
    database: Database,
) -> None:
    alice, bob = new_id(), new_id()
    other_sub = a_subscription(a_customer("Northwind"))
    at_sub = an_owner_assignment(SUBSCRIPTION, alice)
    at_rg = replace(an_owner_assignment(SUBSCRIPTION, alice), scope=RG_SCOPE)
    bobs = replace(an_owner_assignment(SUBSCRIPTION, bob), scope=RG_SCOPE)
    elsewhere = an_owner_assignment(other_sub, alice)
    with database.begin() as connection:
        save_role_assignments(connection, [at_sub, at_rg, bobs, elsewhere])
    with database.connect() as connection:
        by_tenant = list_role_assignments(connection, tenant_id=CUSTOMER.id)
        by_principal = list_role_assignments(connection, principal_id=alice.upper())
        under_rg = list_role_assignments(connection, scope_prefix=RG_SCOPE.upper())
        under_sub = list_role_assignments(connection, scope_prefix=SUB_SCOPE + "/")
        alices_rg = list_role_assignments(connection, principal_id=alice, scope_prefix=RG_SCOPE)
        everything = list_role_assignments(connection, scope_prefix="/")
    assert {a.name for a in by_tenant} == {at_sub.name, at_rg.name, bobs.name}
    assert {a.name for a in by_principal} == {at_sub.name, at_rg.name, elsewhere.name}
    assert {a.name for a in under_rg} == {at_rg.name, bobs.name}
    assert {a.name for a in under_sub} == {at_sub.name, at_rg.name, bobs.name}
    assert alices_rg == [at_rg]
    assert len(everything) == 4


def test_list_role_assignments_scope_prefix_matches_whole_segments_literally(
    database: Database,
) -> None:
    wildcard_rg = f"{SUB_SCOPE}/resourceGroups/rg_%"
    inside = replace(an_owner_assignment(SUBSCRIPTION, new_id()), scope=wildcard_rg)
    sibling = replace(
        an_owner_assignment(SUBSCRIPTION, new_id()), scope=f"{SUB_SCOPE}/resourceGroups/rgX%2"
    )
    longer = replace(an_owner_assignment(SUBSCRIPTION, new_id()), scope=f"{wildcard_rg}-2")
    with database.begin() as connection:
        save_role_assignments(connection, [inside, sibling, longer])
    with database.connect() as connection:
        found = list_role_assignments(connection, scope_prefix=wildcard_rg)
    assert found == [inside]


# -- deny assignments ----------------------------------------------------------------------


def test_deny_assignments_round_trip(database: Database) -> None:
    everyone_but_break_glass = DenyAssignment(
        name=new_id(),
        scope=RG_SCOPE,
        tenant_id=CUSTOMER.id,
        permissions=(
            Permission(actions=("*/delete",), not_actions=("Microsoft.Insights/*/delete",)),
            Permission(data_actions=("Microsoft.Storage/*/delete",)),
        ),
        principal_ids=(EVERYONE,),
        exclude_principal_ids=(new_id(),),
        applies_to_children=False,
        display_name="Managed application lock",
    )
    minimal = DenyAssignment(
        new_id(), SUB_SCOPE, CUSTOMER.id, (Permission(("*",)),), (new_id(), new_id())
    )
    with database.begin() as connection:
        save_deny_assignment(connection, everyone_but_break_glass)
        save_deny_assignment(connection, minimal)
    with database.connect() as connection:
        found = list_deny_assignments(connection)
    assert sorted(found, key=lambda d: d.name) == sorted(
        [everyone_but_break_glass, minimal], key=lambda d: d.name
    )


def test_saving_a_deny_assignment_again_updates_it(database: Database) -> None:
    deny = DenyAssignment(new_id(), SUB_SCOPE, CUSTOMER.id, (Permission(("*",)),), (EVERYONE,))
    narrowed = replace(deny, permissions=(Permission(("*/write",)),), display_name="narrowed")
    with database.begin() as connection:
        save_deny_assignment(connection, deny)
        save_deny_assignment(connection, narrowed)
    with database.connect() as connection:
        assert list_deny_assignments(connection) == [narrowed]
