"""`refresh_engine`: told which facts changed, an engine agrees with a fresh `load_engine`.

Each test changes the store behind a loaded engine (the demo world) the way some writer
could, refreshes just the touched facts, and compares the engine with one loaded from
scratch: homes and memberships, roles, assignments, delegated access, and the decisions
for every caller, action and scope. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, delete, select

from cspadmin.authz.decision import Caller
from cspadmin.authz.engine import Engine
from cspadmin.domain.assignments import EVERYONE, DenyAssignment, RoleAssignment
from cspadmin.domain.directory import PrincipalType, User
from cspadmin.domain.estate import ManagementGroup
from cspadmin.domain.relationships import RelationshipState, ResellerRelationship
from cspadmin.domain.roles import OWNER, Permission, custom_role
from cspadmin.services.world import demo_world_path, load_world
from cspadmin.store import schema as t
from cspadmin.store.assignments import (
    create_role_assignment,
    delete_role_assignment,
    save_deny_assignment,
)
from cspadmin.store.custom_roles import delete_role_definition, save_role_definition
from cspadmin.store.database import Database
from cspadmin.store.directory import add_members, delete_user, get_tenant, save_tenant, save_user
from cspadmin.store.estate import get_subscription, save_management_group, save_subscription
from cspadmin.store.journal import Fact, Touch, reseller_key
from cspadmin.store.relationships import (
    delete_gdap_relationship,
    list_gdap_relationships,
    save_reseller_relationship,
)
from cspadmin.store.snapshot import load_engine, refresh_engine

NOW = datetime(2025, 6, 1, tzinfo=UTC)
FABRIKAM = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60"
ADMIN_AGENTS = "a9e1d7c3-5b4f-4e2a-8d6c-000000000001"
AZURE_OPERATORS = "a9e1d7c3-5b4f-4e2a-8d6c-000000000004"
CONTOSO = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"
TAILSPIN = "d3f1a6b2-0c4e-4a7d-9b8e-000000000103"
PRODUCTION = "5b2e7c90-1d3f-4e6a-8c7b-000000000211"
DEV_TEST = "5b2e7c90-1d3f-4e6a-8c7b-000000000212"
CUSTOM = "7e57c0de-0000-4000-8000-000000000002"
ACTIONS = (
    "Microsoft.Resources/subscriptions/resourceGroups/write",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Authorization/roleAssignments/write",
)
NEWCOMER = "0e3a5d1c-0000-4000-8000-0000000000aa"
NAME = "1a2b3c4d-0000-4000-8000-000000000001"


def clock() -> datetime:
    return NOW


@pytest.fixture
def demo(database: Database) -> Iterator[Database]:
    load_world(database, demo_world_path(), now=NOW)
    yield database


def engine_of(database: Database) -> Engine:
    return load_engine(database, clock=clock)


def view(engine: Engine, connection: Connection, extra: tuple[str, ...] = ()) -> dict[str, object]:
    """What the engine answers about everything in the store (and `extra` ids)."""
    objects = [
        *((row.id, row.tenant_id) for row in connection.execute(select(t.users))),
        *((row.id, row.tenant_id) for row in connection.execute(select(t.service_principals))),
    ]
    groups = list(connection.scalars(select(t.groups.c.id)))
    subscriptions = list(connection.scalars(select(t.subscriptions.c.id)))
    tenants = list(connection.scalars(select(t.tenants.c.id)))
    everyone = sorted({*(o for o, _ in objects), *groups, *extra})
    decisions = {}
    for object_id, home in [*objects, *((e, CONTOSO) for e in extra)]:
        for tenant in sorted({home, CONTOSO, TAILSPIN}):
            caller = Caller(object_id, tenant, home)
            for action in ACTIONS:
                for subscription in subscriptions:
                    decision = engine.decide(caller, action, f"/subscriptions/{subscription}")
                    kind = decision.missing.kind if decision.missing else None
                    decisions[(object_id, tenant, action, subscription)] = (decision.allowed, kind)
    return {
        "homes": {o: engine.home_tenant(o) for o in everyone},
        "groups": {o: engine.groups_of(o) for o in everyone},
        "members": {g: engine.members_of(g) for g in groups},
        "roles": dict(engine.roles),
        "assignments": dict(engine.assignments),
        "delegated": {
            (p, c): (
                engine.delegations.has_delegated_access(p, c),
                engine.delegations.delegated_groups(p, c),
            )
            for p in tenants
            for c in tenants
        },
        "decisions": decisions,
    }


def refreshed(
    database: Database, engine: Engine, touched: list[Touch], extra: tuple[str, ...] = ()
) -> None:
    """Refresh `touched` in `engine` and check it against a fresh load."""
    with database.connect() as connection:
        refresh_engine(engine, connection, touched)
        assert view(engine, connection, extra) == view(engine_of(database), connection, extra)


def test_a_new_user_in_a_partner_group_and_a_deleted_one(demo: Database) -> None:
    engine = engine_of(demo)
    with demo.begin() as connection:
        save_user(connection, User(NEWCOMER, FABRIKAM, "nick@fabrikampartner.onmicrosoft.com", "N"))
        add_members(connection, ADMIN_AGENTS, [NEWCOMER])
        delete_user(connection, alice := user_id(demo, "alice@"))
    assert NEWCOMER not in engine.callers_in(ADMIN_AGENTS)

    refreshed(demo, engine, [(Fact.PRINCIPAL, NEWCOMER), (Fact.PRINCIPAL, alice)], (alice,))
    assert NEWCOMER in engine.callers_in(ADMIN_AGENTS)
    assert engine.home_tenant(alice) is None


def test_a_deleted_group_takes_its_memberships_with_it(demo: Database) -> None:
    engine = engine_of(demo)
    with demo.begin() as connection:
        connection.execute(delete(t.groups).where(t.groups.c.id == AZURE_OPERATORS))
    refreshed(demo, engine, [(Fact.PRINCIPAL, AZURE_OPERATORS)], (AZURE_OPERATORS,))


def test_a_subscription_placed_under_a_management_group_inherits_its_grants(
    demo: Database,
) -> None:
    engine = engine_of(demo)
    root = "/providers/Microsoft.Management/managementGroups/Contoso-Root"
    grant = RoleAssignment(NAME, root, OWNER.id, ADMIN_AGENTS, PrincipalType.FOREIGN_GROUP, CONTOSO)
    with demo.begin() as connection:
        save_management_group(connection, ManagementGroup("Contoso-Root", CONTOSO))
        save_management_group(connection, ManagementGroup("Contoso-Dev", CONTOSO, "Contoso-Root"))
        subscription = get_subscription(connection, DEV_TEST)
        assert subscription is not None
        save_subscription(connection, replace(subscription, management_group="Contoso-Dev"))
        create_role_assignment(connection, grant)
    touched: list[Touch] = [
        (Fact.MANAGEMENT_GROUP, "Contoso-Root"),
        (Fact.MANAGEMENT_GROUP, "Contoso-Dev"),
        (Fact.SUBSCRIPTION, DEV_TEST),
        (Fact.ROLE_ASSIGNMENT, grant.name),
    ]
    refreshed(demo, engine, touched)
    agents = Caller(next(iter(engine.callers_in(ADMIN_AGENTS))), CONTOSO, FABRIKAM)
    assert engine.is_allowed(agents, ACTIONS[0], f"/subscriptions/{DEV_TEST}")

    with demo.begin() as connection:
        groups = t.management_groups
        connection.execute(delete(groups).where(groups.c.name == "Contoso-Root"))
    refreshed(demo, engine, [(Fact.MANAGEMENT_GROUP, "Contoso-Root")])


def test_a_tenant_that_stops_being_a_partner_loses_its_dap_groups(demo: Database) -> None:
    engine = engine_of(demo)
    with demo.begin() as connection:
        fabrikam = get_tenant(connection, FABRIKAM)
        assert fabrikam is not None
        save_tenant(connection, replace(fabrikam, partner=None))
    refreshed(demo, engine, [(Fact.PARTNER, FABRIKAM)])
    assert engine.delegations.delegated_groups(FABRIKAM, CONTOSO) == frozenset()


@pytest.mark.parametrize("how", ["dap removed", "row deleted"])
def test_a_reseller_relationship_changed_or_gone(demo: Database, how: str) -> None:
    engine = engine_of(demo)
    with demo.begin() as connection:
        if how == "dap removed":
            save_reseller_relationship(
                connection, ResellerRelationship(FABRIKAM, CONTOSO, False, RelationshipState.ACTIVE)
            )
        else:
            rr = t.reseller_relationships.c
            connection.execute(
                delete(t.reseller_relationships).where(
                    rr.partner_tenant_id == FABRIKAM, rr.customer_tenant_id == CONTOSO
                )
            )
    refreshed(demo, engine, [(Fact.RESELLER_RELATIONSHIP, reseller_key(FABRIKAM, CONTOSO))])
    assert not engine.delegations.has_delegated_access(FABRIKAM, CONTOSO)


def test_a_deleted_gdap_relationship(demo: Database) -> None:
    engine = engine_of(demo)
    with demo.begin() as connection:
        [gdap] = list_gdap_relationships(connection, FABRIKAM)
        delete_gdap_relationship(connection, gdap.id)
    refreshed(demo, engine, [(Fact.GDAP_RELATIONSHIP, gdap.id)])
    assert not engine.delegations.has_delegated_access(FABRIKAM, TAILSPIN)


def test_a_custom_role_created_assigned_and_deleted(demo: Database) -> None:
    engine = engine_of(demo)
    scope = f"/subscriptions/{PRODUCTION}"
    role = custom_role(CUSTOM, "Group writer", (Permission(actions=(ACTIONS[0],)),), (scope,))
    carol = user_id(demo, "carol@")
    grant = RoleAssignment(NAME, scope, CUSTOM, carol, PrincipalType.USER, CONTOSO)
    with demo.begin() as connection:
        save_role_definition(connection, CONTOSO, role)
        create_role_assignment(connection, grant)
    refreshed(demo, engine, [(Fact.ROLE_DEFINITION, CUSTOM), (Fact.ROLE_ASSIGNMENT, NAME)])
    assert engine.is_allowed(Caller.native(carol, CONTOSO), ACTIONS[0], scope)

    with demo.begin() as connection:
        delete_role_assignment(connection, NAME)
        delete_role_definition(connection, CUSTOM)
    # touched as written: a name in another case is the same assignment
    refreshed(demo, engine, [(Fact.ROLE_DEFINITION, CUSTOM), (Fact.ROLE_ASSIGNMENT, NAME.upper())])
    assert CUSTOM not in engine.roles


def test_a_built_in_role_is_never_taken_out(demo: Database) -> None:
    engine = engine_of(demo)
    refreshed(demo, engine, [(Fact.ROLE_DEFINITION, OWNER.id)])
    assert OWNER.id in engine.roles


def test_a_deny_assignment_added_then_removed(demo: Database) -> None:
    engine = engine_of(demo)
    deny = DenyAssignment(
        NAME,
        f"/subscriptions/{PRODUCTION}",
        CONTOSO,
        (Permission(actions=("*/write",)),),
        (EVERYONE,),
        display_name="Locked",
    )
    with demo.begin() as connection:
        save_deny_assignment(connection, deny)
    refreshed(demo, engine, [(Fact.DENY_ASSIGNMENT, NAME)])
    bob = Caller.native(user_id(demo, "bob@"), CONTOSO)
    assert not engine.is_allowed(bob, ACTIONS[0], f"/subscriptions/{PRODUCTION}")

    with demo.begin() as connection:
        connection.execute(delete(t.deny_assignments).where(t.deny_assignments.c.name == NAME))
    refreshed(demo, engine, [(Fact.DENY_ASSIGNMENT, NAME)])
    assert engine.is_allowed(bob, ACTIONS[0], f"/subscriptions/{PRODUCTION}")


def user_id(database: Database, upn_prefix: str) -> str:
    with database.connect() as connection:
        found = connection.scalar(
            select(t.users.c.id).where(t.users.c.user_principal_name.like(f"{upn_prefix}%"))
        )
    assert found is not None
    return str(found)
