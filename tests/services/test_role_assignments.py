"""The role-assignment rules, called directly: who may be a ForeignGroup, what a list
returns, the subscription limit, and store-first writes.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from cspadmin.authz.decision import Caller
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.relationships import RelationshipState, ResellerRelationship
from cspadmin.errors import AuthorizationFailed, PrincipalNotFound, RoleAssignmentExists
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.role_assignment_queries import (
    AssignmentFilter,
    held_permissions,
    list_role_assignments,
)
from cspadmin.services.role_assignments import (
    SUBSCRIPTION_ROLE_ASSIGNMENT_LIMIT,
    AssignmentRequest,
    RoleAssignmentLimitExceeded,
    UnmatchedPrincipalType,
    assignment_limit,
    create_role_assignment,
    delete_role_assignment,
)
from cspadmin.services.role_definitions import UnsupportedFilter
from cspadmin.services.world import load_world
from cspadmin.store.database import Database
from cspadmin.store.directory import find_groups, get_service_principal, get_tenant, get_user
from cspadmin.store.relationships import save_reseller_relationship

PARTNER = "fabrikam.onmicrosoft.com"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
AGENTS = "a9e1d7c3-5b4f-4e2a-8d6c-0000000000a1"
APP = "0b3e4f5a-1c2d-4e6f-8a9b-0c1d2e3f4a5b"


def sub(n: int) -> str:
    return f"/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-0000000003{n:02d}"


# One partner and five customers: with DAP, reseller only (no DAP), GDAP only, no
# relationship at all, and a plain tenant whose group is nobody's partner group.
WORLD = f"""\
management_groups:
  - {{name: dap-root, tenant: dap.onmicrosoft.com}}
tenants:
  - name: Fabrikam
    domain: {PARTNER}
    partner: {{partner_id: "1000001"}}
    groups:
      - {{name: AdminAgents, id: {AGENTS}}}
    users:
      - {{upn: alice@{PARTNER}, password: "Alice-pass-1", groups: [AdminAgents]}}
  - name: Dap
    domain: dap.onmicrosoft.com
    users:
      - {{upn: dora@dap.onmicrosoft.com}}
      - {{upn: dan@dap.onmicrosoft.com}}
    groups:
      - {{name: Ops, members: [dan@dap.onmicrosoft.com]}}
      - {{name: Platform, members: [Ops]}}
    service_principals:
      - {{app_id: {APP}, display_name: Deployer}}
    subscriptions:
      - id: {sub(1)[15:]}
        name: Dap One
        management_group: dap-root
        resource_groups:
          - name: rg-one
            location: westeurope
            resources:
              - {{type: Microsoft.Storage/storageAccounts, name: dapone01}}
        role_assignments:
          - {{role: Owner, principal: dora@dap.onmicrosoft.com}}
          - {{role: Reader, principal: Platform, scope: /resourceGroups/rg-one}}
      - id: {sub(2)[15:]}
        name: Dap Two
        role_assignments:
          - {{role: Owner, principal: dora@dap.onmicrosoft.com}}
  - name: Reseller
    domain: reseller.onmicrosoft.com
    users: [{{upn: rita@reseller.onmicrosoft.com}}]
  - name: Gdap
    domain: gdap.onmicrosoft.com
    users: [{{upn: gus@gdap.onmicrosoft.com}}]
  - name: Lone
    domain: lone.onmicrosoft.com
    users: [{{upn: lou@lone.onmicrosoft.com}}]
  - name: Plain
    domain: plain.onmicrosoft.com
    groups: [{{name: Stuff}}]
relationships:
  - {{partner: {PARTNER}, customer: dap.onmicrosoft.com, dap: true}}
  - {{partner: {PARTNER}, customer: reseller.onmicrosoft.com, dap: false}}
  - partner: {PARTNER}
    customer: gdap.onmicrosoft.com
    dap: false
    gdap:
      name: Gdap ops
      duration: P730D
      roles: [Directory Readers]
      access: [{{group: AdminAgents, roles: [Directory Readers]}}]
"""


class World:
    def __init__(self, plane: ControlPlane) -> None:
        self.plane = plane

    def tenant(self, domain: str) -> str:
        with self.plane.database.connect() as connection:
            found = get_tenant(connection, domain)
        assert found is not None
        return found.id

    def user(self, upn: str) -> str:
        with self.plane.database.connect() as connection:
            found = get_user(connection, upn)
        assert found is not None
        return found.id

    def group(self, domain: str, name: str) -> str:
        with self.plane.database.connect() as connection:
            [found] = find_groups(connection, self.tenant(domain), name)
        return found.id

    def caller(self, upn: str, domain: str | None = None) -> Caller:
        with self.plane.database.connect() as connection:
            found = get_user(connection, upn)
        assert found is not None
        return Caller(found.id, self.tenant(domain) if domain else found.tenant_id, found.tenant_id)


@pytest.fixture
def world(database: Database) -> Iterator[World]:
    load_world(database, WORLD)
    yield World(ControlPlane.open(database))


def owner_of(world: World, domain: str) -> Caller:
    """A caller of the customer tenant (the service trusts the API to have authorized it)."""
    tenant = world.tenant(domain)
    return Caller(str(uuid.uuid4()), tenant, tenant)


def assign(
    world: World,
    caller: Caller,
    scope: str,
    principal: str,
    principal_type: str | None = None,
    role: str = OWNER,
) -> PrincipalType:
    subscription = scope[:52] if scope.startswith("/subscriptions/") else ""
    request = AssignmentRequest(
        f"{subscription}/providers/Microsoft.Authorization/roleDefinitions/{role}",
        principal,
        principal_type,
    )
    written = create_role_assignment(world.plane, caller, scope, str(uuid.uuid4()), request)
    return written.stored.assignment.principal_type


# -- who may be a ForeignGroup ------------------------------------------------------------


@pytest.mark.parametrize(
    "customer", ["dap.onmicrosoft.com", "reseller.onmicrosoft.com", "gdap.onmicrosoft.com"]
)
def test_a_partner_group_is_a_foreign_group_wherever_its_partner_has_a_relationship(
    world: World, customer: str
) -> None:
    caller = owner_of(world, customer)
    scope = sub(1) if customer.startswith("dap") else "/"
    assert assign(world, caller, scope, AGENTS, "ForeignGroup") is PrincipalType.FOREIGN_GROUP


def test_without_any_relationship_a_partner_group_is_not_found(world: World) -> None:
    with pytest.raises(PrincipalNotFound) as raised:
        assign(world, owner_of(world, "lone.onmicrosoft.com"), "/", AGENTS, "ForeignGroup")
    assert world.tenant("lone.onmicrosoft.com") in raised.value.message


def test_a_terminated_reseller_relationship_no_longer_admits_the_foreign_group(
    world: World,
) -> None:
    ended = ResellerRelationship(
        world.tenant(PARTNER),
        world.tenant("reseller.onmicrosoft.com"),
        dap=False,
        state=RelationshipState.TERMINATED,
    )
    with world.plane.database.begin() as connection:
        save_reseller_relationship(connection, ended)
    with pytest.raises(PrincipalNotFound):
        assign(world, owner_of(world, "reseller.onmicrosoft.com"), "/", AGENTS, "ForeignGroup")


def test_only_a_partners_group_can_be_a_foreign_group(world: World) -> None:
    stuff = world.group("plain.onmicrosoft.com", "Stuff")
    with pytest.raises(PrincipalNotFound):
        assign(world, owner_of(world, "dap.onmicrosoft.com"), sub(1), stuff, "ForeignGroup")
    alice = world.user(f"alice@{PARTNER}")
    with pytest.raises(PrincipalNotFound):
        assign(world, owner_of(world, "dap.onmicrosoft.com"), sub(1), alice, "ForeignGroup")


def test_a_local_group_is_a_group_not_a_foreign_group(world: World) -> None:
    ops = world.group("dap.onmicrosoft.com", "Ops")
    with pytest.raises(UnmatchedPrincipalType):
        assign(world, owner_of(world, "dap.onmicrosoft.com"), sub(1), ops, "ForeignGroup")
    assert assign(world, owner_of(world, "dap.onmicrosoft.com"), sub(1), ops) is PrincipalType.GROUP


def test_a_service_principal_gets_its_type_from_the_directory(world: World) -> None:
    with world.plane.database.connect() as connection:
        deployer = get_service_principal(connection, APP)
    assert deployer is not None
    caller = owner_of(world, "dap.onmicrosoft.com")
    assert assign(world, caller, sub(2), deployer.id) is PrincipalType.SERVICE_PRINCIPAL


def test_a_foreign_group_assignment_counts_only_with_delegated_access(world: World) -> None:
    caller = owner_of(world, "reseller.onmicrosoft.com")
    assign(world, caller, "/", AGENTS, "ForeignGroup")
    alice = world.caller(f"alice@{PARTNER}", "reseller.onmicrosoft.com")
    decision = world.plane.engine.decide(alice, "Microsoft.Resources/subscriptions/read", "/")
    assert not decision.allowed


# -- store first, engine after ------------------------------------------------------------


def test_a_new_assignment_is_in_force_at_once_and_a_refused_one_never(world: World) -> None:
    caller = owner_of(world, "dap.onmicrosoft.com")
    alice = world.caller(f"alice@{PARTNER}", "dap.onmicrosoft.com")
    engine = world.plane.engine
    assert not engine.is_allowed(alice, "Microsoft.Authorization/roleAssignments/write", sub(2))
    assign(world, caller, sub(2), AGENTS, "ForeignGroup")
    assert engine.is_allowed(alice, "Microsoft.Authorization/roleAssignments/write", sub(2))
    before = dict(engine.assignments)
    with pytest.raises(RoleAssignmentExists):
        assign(world, caller, sub(2), AGENTS, "ForeignGroup")
    assert engine.assignments == before


def test_a_deleted_assignment_is_out_of_force_at_once(world: World) -> None:
    caller = owner_of(world, "dap.onmicrosoft.com")
    name = str(uuid.uuid4())
    request = AssignmentRequest(
        f"{sub(2)}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}",
        AGENTS,
        "ForeignGroup",
    )
    create_role_assignment(world.plane, caller, sub(2), name, request)
    assert delete_role_assignment(world.plane, caller, f"{sub(2)}/resourceGroups/x", name) is None
    deleted = delete_role_assignment(world.plane, caller, sub(2), name)
    assert deleted is not None and deleted.assignment.name == name
    alice = world.caller(f"alice@{PARTNER}", "dap.onmicrosoft.com")
    assert not world.plane.engine.is_allowed(
        alice, "Microsoft.Resources/subscriptions/read", sub(2)
    )


# -- the limit ------------------------------------------------------------------------------


def test_the_limit_is_azures_4000_unless_the_plane_says_otherwise(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert assignment_limit(world.plane) == SUBSCRIPTION_ROLE_ASSIGNMENT_LIMIT == 4000
    monkeypatch.setattr(world.plane, "role_assignment_limit", 3)
    assert assignment_limit(world.plane) == 3


def test_the_limit_counts_resource_group_and_resource_scopes_but_not_management_groups(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    caller = owner_of(world, "dap.onmicrosoft.com")
    dan = world.user("dan@dap.onmicrosoft.com")
    monkeypatch.setattr(world.plane, "role_assignment_limit", 3)
    account = f"{sub(1)}/resourceGroups/rg-one/providers/Microsoft.Storage/storageAccounts/dapone01"
    assign(world, caller, account, dan)  # the third in the subscription
    with pytest.raises(RoleAssignmentLimitExceeded):
        assign(world, caller, f"{sub(1)}/resourceGroups/rg-one", dan)
    group = "/providers/Microsoft.Management/managementGroups/dap-root"
    assign(world, caller, group, dan)
    assign(world, caller, sub(2), dan)  # another subscription has its own count


# -- lists ------------------------------------------------------------------------------------


def scopes(world: World, scope: str, query: str | None = None) -> set[tuple[str, str]]:
    caller = owner_of(world, "dap.onmicrosoft.com")
    found = list_role_assignments(world.plane, caller, scope, AssignmentFilter.parse(query))
    return {(s.assignment.scope, s.assignment.principal_id) for s in found}


def test_a_management_group_grant_is_inherited_by_the_subscriptions_under_it(
    world: World,
) -> None:
    caller = owner_of(world, "dap.onmicrosoft.com")
    group = "/providers/Microsoft.Management/managementGroups/dap-root"
    assign(world, caller, group, AGENTS, "ForeignGroup", role=READER)
    assert (group, AGENTS) in scopes(world, f"{sub(1)}/resourceGroups/rg-one", "atScope()")
    assert (group, AGENTS) not in scopes(world, sub(2), "atScope()")
    alice = world.caller(f"alice@{PARTNER}", "dap.onmicrosoft.com")
    assert world.plane.engine.is_allowed(alice, "Microsoft.Storage/storageAccounts/read", sub(1))


def test_assigned_to_follows_nested_groups_and_principal_id_does_not(world: World) -> None:
    dan = world.user("dan@dap.onmicrosoft.com")
    platform = world.group("dap.onmicrosoft.com", "Platform")
    rg = f"{sub(1)}/resourceGroups/rg-one"
    assert scopes(world, sub(1), f"assignedTo('{dan}')") == {(rg, platform)}
    assert scopes(world, sub(1), f"principalId eq '{dan}'") == set()
    assert scopes(world, sub(1), f"principalId eq '{platform}'") == {(rg, platform)}


def test_at_scope_reaches_up_and_no_filter_reaches_down_too(world: World) -> None:
    dora = world.user("dora@dap.onmicrosoft.com")
    platform = world.group("dap.onmicrosoft.com", "Platform")
    rg = f"{sub(1)}/resourceGroups/rg-one"
    assert scopes(world, rg, "atScope()") == {(sub(1), dora), (rg, platform)}
    assert scopes(world, sub(1), "atScope()") == {(sub(1), dora)}
    assert scopes(world, sub(1)) == {(sub(1), dora), (rg, platform)}


@pytest.mark.parametrize(
    "query",
    [
        "atScope() and principalId eq 'x'",
        "roleName eq 'Owner'",
        "principalId eq 'x' and assignedTo('y')",
    ],
)
def test_filters_azure_does_not_answer_are_refused(query: str) -> None:
    with pytest.raises(UnsupportedFilter):
        AssignmentFilter.parse(query)


# -- permissions ------------------------------------------------------------------------------


def test_permissions_outside_the_callers_reach_are_authorization_failed(world: World) -> None:
    alice = world.caller(f"alice@{PARTNER}", "reseller.onmicrosoft.com")
    with pytest.raises(AuthorizationFailed):
        held_permissions(world.plane, alice, "/", client=f"alice@{PARTNER}")
    dora = world.caller("dora@dap.onmicrosoft.com")
    with pytest.raises(AuthorizationFailed):
        held_permissions(world.plane, dora, sub(99), client="dora@dap.onmicrosoft.com")


def test_permissions_list_each_role_once(world: World) -> None:
    dan = world.caller("dan@dap.onmicrosoft.com")
    caller = owner_of(world, "dap.onmicrosoft.com")
    assign(world, caller, sub(1), dan.object_id, role=READER)
    rg = f"{sub(1)}/resourceGroups/rg-one"
    held = held_permissions(world.plane, dan, rg, client="dan@dap.onmicrosoft.com")
    assert [p.actions for p in held] == [("*/read",)]
