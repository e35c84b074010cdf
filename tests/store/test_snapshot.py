"""`load_engine`: the authorization engine sees exactly the facts in the store."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from cspadmin.authz.decision import Caller, MissingLinkKind
from cspadmin.authz.engine import Clock
from cspadmin.domain.assignments import DenyAssignment, RoleAssignment
from cspadmin.domain.directory import Group, PrincipalType, Tenant, User
from cspadmin.domain.estate import Subscription
from cspadmin.domain.relationships import GdapStatus, RelationshipState, ResellerRelationship
from cspadmin.domain.roles import READER, Permission, custom_role
from cspadmin.store import schema as t
from cspadmin.store.assignments import (
    create_role_assignment,
    delete_role_assignment,
    save_deny_assignment,
)
from cspadmin.store.custom_roles import save_role_definition
from cspadmin.store.database import Database
from cspadmin.store.directory import save_group, save_tenant, save_user
from cspadmin.store.estate import save_subscription
from cspadmin.store.relationships import save_gdap_relationship, save_reseller_relationship
from cspadmin.store.snapshot import load_engine
from tests.store.examples import (
    a_customer,
    a_gdap_relationship,
    a_group,
    a_partner,
    a_subscription,
    a_user,
    an_instant,
    an_owner_assignment,
    new_id,
)

WRITE_RESOURCE_GROUP = "Microsoft.Resources/subscriptions/resourceGroups/write"


@dataclass(frozen=True)
class World:
    """A partner whose AdminAgents include `agent`, and a customer whose `engineers`
    group holds `alice`, with one subscription."""

    partner: Tenant
    agent: User
    admin_agents: Group
    customer: Tenant
    alice: User
    engineers: Group
    subscription: Subscription

    @property
    def resource_group(self) -> str:
        return f"/subscriptions/{self.subscription.id}/resourceGroups/rg-app"

    def alice_caller(self) -> Caller:
        return Caller.native(self.alice.id, self.customer.id)

    def agent_caller(self) -> Caller:
        return Caller(self.agent.id, self.customer.id, self.partner.id)

    def foreign_owner(self) -> RoleAssignment:
        return an_owner_assignment(
            self.subscription, self.admin_agents.id, PrincipalType.FOREIGN_GROUP
        )


@pytest.fixture
def world(database: Database) -> World:
    partner, customer = a_partner(), a_customer()
    assert partner.partner is not None
    agent, alice = a_user(partner, "agent"), a_user(customer, "alice")
    admin_agents = Group(
        partner.partner.admin_agents_id, partner.id, "AdminAgents", members=frozenset({agent.id})
    )
    engineers = a_group(customer, "Engineers", alice.id)
    subscription = replace(a_subscription(customer), csp_partner_tenant_id=partner.id)
    with database.begin() as connection:
        for tenant in (partner, customer):
            save_tenant(connection, tenant)
        for user in (agent, alice):
            save_user(connection, user)
        for group in (admin_agents, engineers):
            save_group(connection, group)
        save_subscription(connection, subscription)
    return World(partner, agent, admin_agents, customer, alice, engineers, subscription)


def fixed_clock(at: datetime) -> Clock:
    return lambda: at


def test_a_group_member_with_owner_at_the_subscription_can_write_a_resource_group(
    database: Database, world: World
) -> None:
    owner = an_owner_assignment(world.subscription, world.engineers.id)
    with database.begin() as connection:
        create_role_assignment(connection, owner)

    decision = load_engine(database).decide(
        world.alice_caller(), WRITE_RESOURCE_GROUP, world.resource_group
    )

    assert decision.allowed
    assert decision.granted_by == (owner,)


def test_after_the_assignment_is_deleted_a_reloaded_engine_denies(
    database: Database, world: World
) -> None:
    owner = an_owner_assignment(world.subscription, world.engineers.id)
    with database.begin() as connection:
        create_role_assignment(connection, owner)
    before = load_engine(database)
    with database.begin() as connection:
        assert delete_role_assignment(connection, owner.name)

    decision = load_engine(database).decide(
        world.alice_caller(), WRITE_RESOURCE_GROUP, world.resource_group
    )

    assert not decision.allowed
    assert decision.missing is not None
    assert decision.missing.kind is MissingLinkKind.NO_ROLE_ASSIGNMENT
    assert before.is_allowed(world.alice_caller(), WRITE_RESOURCE_GROUP, world.resource_group)


def test_nested_group_membership_is_loaded(database: Database, world: World) -> None:
    platform = a_group(world.customer, "Platform", world.engineers.id)
    with database.begin() as connection:
        save_group(connection, platform)
        create_role_assignment(connection, an_owner_assignment(world.subscription, platform.id))
    engine = load_engine(database)
    assert engine.is_allowed(world.alice_caller(), WRITE_RESOURCE_GROUP, world.resource_group)


def test_a_partner_agent_acts_through_admin_agents_while_dap_holds(
    database: Database, world: World
) -> None:
    dap = ResellerRelationship(world.partner.id, world.customer.id, dap=True)
    with database.begin() as connection:
        save_reseller_relationship(connection, dap)
        create_role_assignment(connection, world.foreign_owner())
    assert load_engine(database).is_allowed(
        world.agent_caller(), WRITE_RESOURCE_GROUP, world.resource_group
    )

    with database.begin() as connection:
        save_reseller_relationship(connection, replace(dap, state=RelationshipState.TERMINATED))
    decision = load_engine(database).decide(
        world.agent_caller(), WRITE_RESOURCE_GROUP, world.resource_group
    )
    assert decision.missing is not None
    assert decision.missing.kind is MissingLinkKind.NO_DELEGATED_ACCESS


def test_a_partner_agent_acts_through_an_active_gdap_relationship_until_it_expires(
    database: Database, world: World
) -> None:
    gdap = a_gdap_relationship(
        world.partner,
        world.customer,
        world.admin_agents.id,
        status=GdapStatus.ACTIVE,
        activated_at=an_instant(2025, 1, 15),
    )
    with database.begin() as connection:
        save_gdap_relationship(connection, gdap)
        create_role_assignment(connection, world.foreign_owner())

    during = load_engine(database, clock=fixed_clock(datetime(2026, 6, 1, tzinfo=UTC)))
    after = load_engine(database, clock=fixed_clock(datetime(2027, 6, 1, tzinfo=UTC)))

    caller = world.agent_caller()
    assert during.is_allowed(caller, WRITE_RESOURCE_GROUP, world.resource_group)
    assert not after.is_allowed(caller, WRITE_RESOURCE_GROUP, world.resource_group)


def test_custom_roles_are_loaded(database: Database, world: World) -> None:
    restarter = custom_role(
        new_id(),
        "Restarter",
        (Permission(actions=("Microsoft.Compute/virtualMachines/restart/action",)),),
        (f"/subscriptions/{world.subscription.id}",),
    )
    vm = f"{world.resource_group}/providers/Microsoft.Compute/virtualMachines/vm1"
    with database.begin() as connection:
        save_role_definition(connection, world.customer.id, restarter)
        create_role_assignment(
            connection,
            replace(
                an_owner_assignment(world.subscription, world.engineers.id),
                role_definition_id=restarter.id,
            ),
        )
    engine = load_engine(database)
    assert engine.is_allowed(
        world.alice_caller(), "Microsoft.Compute/virtualMachines/restart/action", vm
    )
    assert not engine.is_allowed(
        world.alice_caller(), "Microsoft.Compute/virtualMachines/delete", vm
    )


def test_deny_assignments_are_loaded(database: Database, world: World) -> None:
    deny = DenyAssignment(
        new_id(),
        world.resource_group,
        world.customer.id,
        (Permission(actions=("*/write",)),),
        (world.engineers.id,),
        display_name="Locked by the platform team",
    )
    with database.begin() as connection:
        create_role_assignment(connection, an_owner_assignment(world.subscription, world.alice.id))
        save_deny_assignment(connection, deny)
    decision = load_engine(database).decide(
        world.alice_caller(), WRITE_RESOURCE_GROUP, world.resource_group
    )
    assert decision.missing is not None
    assert decision.missing.kind is MissingLinkKind.DENY_ASSIGNMENT
    assert decision.missing.deny_assignment == deny


def test_management_group_placement_is_loaded(database: Database, world: World) -> None:
    with database.begin() as connection:
        # The store has no writer for management groups yet; the engine still reads them.
        connection.execute(
            insert(t.management_groups),
            {"name": "contoso-prod", "tenant_id": world.customer.id, "parent": None},
        )
        save_subscription(connection, replace(world.subscription, management_group="contoso-prod"))
        create_role_assignment(
            connection,
            replace(
                an_owner_assignment(world.subscription, world.engineers.id),
                scope="/providers/Microsoft.Management/managementGroups/contoso-prod",
                role_definition_id=READER.id,
            ),
        )
    engine = load_engine(database)
    assert engine.is_allowed(
        world.alice_caller(),
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        world.resource_group,
    )


def test_load_engine_reports_how_many_assignments_it_loaded(
    database: Database, world: World
) -> None:
    with database.begin() as connection:
        for _ in range(3):
            create_role_assignment(connection, an_owner_assignment(world.subscription, new_id()))
    reported: list[int] = []
    engine = load_engine(database, progress=reported.append)
    assert reported[-1] == 3
    assert len(engine.assignments) == 3
