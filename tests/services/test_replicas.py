"""Two replicas over one store: what one acknowledges, the other enforces from its next
request on (`ControlPlane.catch_up`, which every HTTP request starts with).

Each test holds two control planes, `a` and `b`, over the demo world, each with its own
connection pool, as two `cspadmin serve` processes would. Runs on SQLite and PostgreSQL.
Fabrikam (alice: Global admin and AdminAgents) holds DAP in Contoso (bob: Global admin,
Owner of its subscriptions) and GDAP in Tailspin Toys; AdminAgents holds Owner on Contoso
Production as a foreign group, and lost it on Contoso Dev-Test.
"""

from __future__ import annotations

import random
import uuid
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import pytest
from sqlalchemy import func, select

from cspadmin.authz.decision import Caller, Decision, MissingLinkKind
from cspadmin.authz.engine import Engine
from cspadmin.domain.roles import Permission, custom_role
from cspadmin.errors import CspadminError
from cspadmin.services import (
    gdap,
    partner_center,
    resources,
    role_assignments,
    role_definitions,
    subscription_move,
)
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.directory import users
from cspadmin.services.role_assignments import AssignmentRequest
from cspadmin.services.tokens import delegated_into
from cspadmin.services.world import demo_world_path, load_world
from cspadmin.store import schema as t
from cspadmin.store.assignments import list_role_assignments
from cspadmin.store.database import Database
from cspadmin.store.directory import get_user
from cspadmin.store.journal import current_generation
from cspadmin.store.relationships import list_gdap_relationships
from cspadmin.store.snapshot import load_engine

FABRIKAM = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60"
ADMIN_AGENTS = "a9e1d7c3-5b4f-4e2a-8d6c-000000000001"
CONTOSO = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"
TAILSPIN = "d3f1a6b2-0c4e-4a7d-9b8e-000000000103"
WWI = "d3f1a6b2-0c4e-4a7d-9b8e-000000000104"
PRODUCTION = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000211"
DEV_TEST = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000212"
DATA_PLATFORM = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000213"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
WRITE_GROUP = "Microsoft.Resources/subscriptions/resourceGroups/write"
READ_GROUP = "Microsoft.Resources/subscriptions/resourceGroups/read"
WRITE_ASSIGNMENT = "Microsoft.Authorization/roleAssignments/write"
ALICE = "alice@fabrikampartner.onmicrosoft.com"
BOB = "bob@contoso.onmicrosoft.com"
CAROL = "carol@contoso.onmicrosoft.com"
WALTER = "walter@wideworldimporters.onmicrosoft.com"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Replicas:
    a: ControlPlane
    b: ControlPlane
    clock: Clock

    def user(self, upn: str) -> str:
        with self.a.database.connect() as connection:
            found = get_user(connection, upn)
        assert found is not None
        return found.id

    def native(self, upn: str) -> Caller:
        with self.a.database.connect() as connection:
            found = get_user(connection, upn)
        assert found is not None
        return Caller.native(found.id, found.tenant_id)

    def alice_in(self, tenant_id: str) -> Caller:
        return Caller(self.user(ALICE), tenant_id, FABRIKAM)

    def assignment(self, principal_id: str, scope: str) -> str:
        """The name of the one assignment of `principal_id` at exactly `scope`."""
        with self.a.database.connect() as connection:
            found = list_role_assignments(connection, principal_id=principal_id)
        [name] = [a.name for a in found if a.scope.lower() == scope.lower()]
        return name


def open_plane(database: Database, clock: Clock, **options: int) -> ControlPlane:
    return ControlPlane.open(database, clock=clock, **options)


@pytest.fixture
def replicas(database: Database) -> Iterator[Replicas]:
    load_world(database, demo_world_path())
    clock = Clock()
    second = Database(database.url)
    try:
        yield Replicas(open_plane(database, clock), open_plane(second, clock), clock)
    finally:
        second.dispose()


def role(guid: str) -> str:
    return f"/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def reinstate(plane: ControlPlane, bob: Caller, scope: str) -> str:
    """Bob gives AdminAgents Owner at `scope` again; the new assignment's name."""
    return grant(plane, bob, scope, AssignmentRequest(role(OWNER), ADMIN_AGENTS, "ForeignGroup"))


def make_owner(plane: ControlPlane, bob: Caller, scope: str, principal_id: str) -> str:
    return grant(plane, bob, scope, AssignmentRequest(role(OWNER), principal_id))


def grant(plane: ControlPlane, bob: Caller, scope: str, request: AssignmentRequest) -> str:
    name = str(uuid.uuid4())
    role_assignments.create_role_assignment(plane, bob, scope, name, request)
    return name


# -- what one replica revokes, the other refuses at once -------------------------------------


def test_an_assignment_deleted_on_one_replica_is_denied_on_the_other_at_once(
    replicas: Replicas,
) -> None:
    alice = replicas.alice_in(CONTOSO)
    assert replicas.b.engine.is_allowed(alice, WRITE_GROUP, PRODUCTION)

    name = replicas.assignment(ADMIN_AGENTS, PRODUCTION)
    role_assignments.delete_role_assignment(replicas.a, replicas.native(BOB), PRODUCTION, name)
    replicas.b.catch_up()

    decision = replicas.b.engine.decide(alice, WRITE_GROUP, PRODUCTION)
    assert decision.missing is not None
    assert decision.missing.kind is MissingLinkKind.NO_ROLE_ASSIGNMENT
    assert replicas.b.generation == replicas.a.generation


def test_delegated_access_removed_on_one_replica_refuses_the_partner_on_the_other(
    replicas: Replicas,
) -> None:
    alice = replicas.alice_in(CONTOSO)
    assert delegated_into(replicas.b.engine, alice.object_id, FABRIKAM, CONTOSO)

    partner_center.remove_delegated_access(replicas.a, replicas.native(BOB), FABRIKAM)
    replicas.b.catch_up()

    assert not delegated_into(replicas.b.engine, alice.object_id, FABRIKAM, CONTOSO)
    decision = replicas.b.engine.decide(alice, WRITE_GROUP, PRODUCTION)
    assert decision.missing is not None
    assert decision.missing.kind is MissingLinkKind.NO_DELEGATED_ACCESS


def test_a_gdap_relationship_terminated_on_one_replica_ends_access_on_the_other(
    replicas: Replicas,
) -> None:
    alice = replicas.native(ALICE)
    harry = replicas.user("harry@fabrikampartner.onmicrosoft.com")
    assert replicas.b.engine.delegations.has_delegated_access(FABRIKAM, TAILSPIN)
    assert delegated_into(replicas.b.engine, harry, FABRIKAM, TAILSPIN)
    with replicas.a.database.connect() as connection:
        [relationship] = list_gdap_relationships(connection, FABRIKAM)

    gdap.create_request(replicas.a, alice, relationship.id, "terminate")
    replicas.b.catch_up()

    assert not replicas.b.engine.delegations.has_delegated_access(FABRIKAM, TAILSPIN)
    assert not delegated_into(replicas.b.engine, harry, FABRIKAM, TAILSPIN)


def test_an_assignment_created_on_one_replica_is_allowed_on_the_other(
    replicas: Replicas,
) -> None:
    alice = replicas.alice_in(CONTOSO)
    assert not replicas.b.engine.is_allowed(alice, WRITE_GROUP, DEV_TEST)

    reinstate(replicas.a, replicas.native(BOB), DEV_TEST)
    replicas.b.catch_up()

    assert replicas.b.engine.is_allowed(alice, WRITE_GROUP, DEV_TEST)


def test_a_replica_that_wrote_sees_its_own_write_without_catching_up(
    replicas: Replicas,
) -> None:
    alice, bob, carol = replicas.alice_in(CONTOSO), replicas.native(BOB), replicas.native(CAROL)
    name = reinstate(replicas.b, bob, DEV_TEST)  # b: generation n
    make_owner(replicas.a, bob, DATA_PLATFORM, carol.object_id)  # a: n + 1, b behind

    role_assignments.delete_role_assignment(replicas.b, bob, DEV_TEST, name)

    # b's own write at n + 2 brought in a's write at n + 1 on the way, from the journal
    assert replicas.b.generation == replicas.a.generation + 1
    assert not replicas.b.engine.is_allowed(alice, WRITE_GROUP, DEV_TEST)
    assert replicas.b.engine.is_allowed(carol, WRITE_GROUP, DATA_PLATFORM)


# -- writes from outside any running plane ---------------------------------------------------


def test_a_subscription_moved_by_the_cli_is_seen_by_a_running_plane(
    replicas: Replicas,
) -> None:
    alice, bob = replicas.alice_in(CONTOSO), replicas.native(BOB)
    walter = replicas.native(WALTER)
    assert replicas.b.engine.is_allowed(alice, WRITE_GROUP, PRODUCTION)

    # What `cspadmin subscription transfer` does: a plane of its own, for one write.
    cli = Database(replicas.a.database.url)
    try:
        operator = ControlPlane.open(cli)
        subscription_move.transfer_subscription(
            operator, PRODUCTION.split("/")[-1], "wideworldimporters.onmicrosoft.com", owner=WALTER
        )
    finally:
        cli.dispose()
    replicas.b.catch_up()

    engine = replicas.b.engine
    decision = engine.decide(alice, WRITE_GROUP, PRODUCTION)
    assert decision.missing is not None
    assert decision.missing.kind is MissingLinkKind.WRONG_TENANT
    assert not engine.is_allowed(bob, READ_GROUP, PRODUCTION)
    assert engine.is_allowed(walter, WRITE_GROUP, PRODUCTION)


NEWCOMER_WORLD = """
tenants:
  - name: Replica Test
    domain: replicatest.onmicrosoft.com
    users:
      - upn: rita@replicatest.onmicrosoft.com
        password: "Rita-pass-1"
    subscriptions:
      - id: 5b2e7c90-1d3f-4e6a-8c7b-0000000009a1
        name: Replica Test One
        role_assignments:
          - role: Owner
            principal: rita@replicatest.onmicrosoft.com
"""


def test_a_world_loaded_by_another_process_rebuilds_every_running_plane(
    replicas: Replicas,
) -> None:
    before = replicas.b.engine
    loader = Database(replicas.a.database.url)
    try:
        load_world(loader, NEWCOMER_WORLD)
    finally:
        loader.dispose()
    replicas.b.catch_up()

    rita = replicas.native("rita@replicatest.onmicrosoft.com")
    scope = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-0000000009a1"
    assert replicas.b.engine is not before  # kind `all`: rebuilt, not refreshed
    assert replicas.b.engine.is_allowed(rita, WRITE_GROUP, scope)
    with replicas.b.database.connect() as connection:
        assert replicas.b.generation == current_generation(connection)


# -- catching up: in place, or rebuilt -------------------------------------------------------


def test_catching_up_with_nothing_new_changes_nothing(replicas: Replicas) -> None:
    engine, generation = replicas.b.engine, replicas.b.generation

    replicas.b.catch_up()

    assert (replicas.b.engine, replicas.b.generation) == (engine, generation)


def test_a_few_changes_are_applied_to_the_engine_in_place(replicas: Replicas) -> None:
    engine, bob, carol = replicas.b.engine, replicas.native(BOB), replicas.native(CAROL)
    name = reinstate(replicas.a, bob, DEV_TEST)
    role_assignments.delete_role_assignment(replicas.a, bob, DEV_TEST, name)
    make_owner(replicas.a, bob, DATA_PLATFORM, carol.object_id)

    replicas.b.catch_up()

    assert replicas.b.engine is engine
    assert replicas.b.generation == replicas.a.generation
    assert not engine.is_allowed(replicas.alice_in(CONTOSO), WRITE_GROUP, DEV_TEST)
    assert engine.is_allowed(carol, WRITE_GROUP, DATA_PLATFORM)


def test_more_changes_than_the_threshold_rebuild_the_engine(database: Database) -> None:
    load_world(database, demo_world_path())
    clock = Clock()
    a, b = open_plane(database, clock), open_plane(database, clock, rebuild_after=2)
    engine, replicas = b.engine, Replicas(a, b, clock)
    bob, carol = replicas.native(BOB), replicas.native(CAROL)
    reinstate(a, bob, DEV_TEST)
    make_owner(a, bob, DATA_PLATFORM, carol.object_id)
    production_grant = replicas.assignment(ADMIN_AGENTS, PRODUCTION)
    role_assignments.delete_role_assignment(a, bob, PRODUCTION, production_grant)

    b.catch_up()

    assert b.engine is not engine
    alice = replicas.alice_in(CONTOSO)
    assert b.engine.is_allowed(alice, WRITE_GROUP, DEV_TEST)
    assert not b.engine.is_allowed(alice, WRITE_GROUP, PRODUCTION)
    assert b.engine.is_allowed(carol, WRITE_GROUP, DATA_PLATFORM)


def test_a_replica_behind_what_the_journal_keeps_rebuilds(database: Database) -> None:
    load_world(database, demo_world_path())
    clock = Clock()
    a, b = open_plane(database, clock, journal_keep=2), open_plane(database, clock)
    replicas = Replicas(a, b, clock)
    engine, bob, carol = b.engine, replicas.native(BOB), replicas.native(CAROL)
    name = reinstate(a, bob, DEV_TEST)
    make_owner(a, bob, DATA_PLATFORM, carol.object_id)
    role_assignments.delete_role_assignment(a, bob, DEV_TEST, name)
    with database.connect() as connection:
        kept = connection.scalar(select(func.count(func.distinct(t.change_journal.c.generation))))
    assert kept == 2  # b's next generation is gone

    b.catch_up()

    assert b.engine is not engine
    assert not b.engine.is_allowed(replicas.alice_in(CONTOSO), WRITE_GROUP, DEV_TEST)
    assert b.engine.is_allowed(carol, WRITE_GROUP, DATA_PLATFORM)
    assert b.generation == a.generation


def test_a_rebuilt_engine_frees_the_one_it_replaced(replicas: Replicas) -> None:
    replaced = weakref.ref(replicas.b.engine)

    replicas.a.reload()  # journals kind `all`
    replicas.b.catch_up()

    # freed at once, though `load_engine` froze it out of the garbage collector's reach
    assert replaced() is None


# -- interleaved writes on both replicas converge ---------------------------------------------

CALLERS = (ALICE, BOB, CAROL, "harry@fabrikampartner.onmicrosoft.com", WALTER)
ACTIONS = (WRITE_GROUP, READ_GROUP, WRITE_ASSIGNMENT, "Microsoft.Storage/storageAccounts/read")
SCOPES = (
    PRODUCTION,
    f"{PRODUCTION}/resourceGroups/rg-web",
    f"{PRODUCTION}/resourceGroups/rg-web/providers/Microsoft.Web/sites/contoso-web",
    DEV_TEST,
    f"{DEV_TEST}/resourceGroups/rg-dev",
    DATA_PLATFORM,
    f"{DATA_PLATFORM}/resourceGroups/rg-data",
    "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000231",
    "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000241",
)
CUSTOM_ROLE = "7e57c0de-0000-4000-8000-000000000001"
Answer = tuple[bool, MissingLinkKind | None, tuple[str, ...]]


def answer(decision: Decision) -> Answer:
    granted = tuple(sorted(a.name for a in decision.granted_by))
    return decision.allowed, decision.missing.kind if decision.missing else None, granted


def answers(replicas: Replicas, engine: Engine, made: list[str]) -> dict[tuple[str, ...], object]:
    """Every caller's answer, in each tenant it may act in, for every action and scope
    (the demo's people and the Contoso users made, deleted ones too); who may perform
    each action at each scope; and each caller's home tenant."""
    with replicas.a.database.connect() as connection:
        people = [get_user(connection, upn) for upn in CALLERS]
    homes = [(p.id, p.tenant_id) for p in people if p is not None]
    found: dict[tuple[str, ...], object] = {}
    for object_id, home in [*homes, *((oid, CONTOSO) for oid in made)]:
        found[("home", object_id)] = engine.home_tenant(object_id)
        for tenant in sorted({home, CONTOSO, TAILSPIN, WWI}):
            caller = Caller(object_id, tenant, home)
            for action in ACTIONS:
                for scope in SCOPES:
                    decision = engine.decide(caller, action, scope)
                    found[(object_id, tenant, action, scope)] = answer(decision)
    for action in ACTIONS:
        for scope in SCOPES:
            found[("who", action, scope)] = engine.principals_with(action, scope)
    return found


class Walk:
    """Random writes through the services, each on a random replica, which catches up
    first half of the time (as a request would; otherwise its own write catches it up).
    Refusals are part of the walk."""

    def __init__(self, replicas: Replicas, seed: int) -> None:
        self.replicas = replicas
        self.rng = random.Random(seed)
        self.made: list[str] = []
        """Contoso users the walk created (deleted ones stay listed)."""
        self.done: Counter[str] = Counter()
        """The writes done, by kind."""
        self.bob = replicas.native(BOB)

    def step(self) -> None:
        plane = self.rng.choice((self.replicas.a, self.replicas.b))
        if self.rng.random() < 0.5:
            plane.catch_up()
        write = self.rng.choice(self.WRITES)
        try:
            write(self, plane)
        except CspadminError:
            return
        self.done[write.__name__] += 1

    def assign(self, plane: ControlPlane) -> None:
        principal = self.rng.choice((ADMIN_AGENTS, self.replicas.user(CAROL), *self.made))
        request = AssignmentRequest(
            role(self.rng.choice((OWNER, READER, CONTRIBUTOR, CUSTOM_ROLE))),
            principal,
            "ForeignGroup" if self.rng.random() < 0.3 else None,
        )
        scope = self.rng.choice(SCOPES[:5])  # under Contoso Production and Dev-Test
        grant(plane, self.bob, scope, request)

    def unassign(self, plane: ControlPlane) -> None:
        with plane.database.connect() as connection:
            held = list_role_assignments(connection, tenant_id=CONTOSO)
        if held:
            chosen = self.rng.choice(held)
            role_assignments.delete_role_assignment(plane, self.bob, chosen.scope, chosen.name)

    def remove_dap(self, plane: ControlPlane) -> None:
        partner_center.remove_delegated_access(plane, self.bob, FABRIKAM)

    def grant_dap(self, plane: ControlPlane) -> None:
        issued = partner_center.request_relationship(plane, self.replicas.native(ALICE), True)
        partner_center.accept_invitation(plane, self.bob, issued.token)

    def save_role(self, plane: ControlPlane) -> None:
        action = self.rng.choice((WRITE_GROUP, READ_GROUP))
        scopes = (PRODUCTION, DEV_TEST)
        writer = custom_role(CUSTOM_ROLE, "Group writer", (Permission(actions=(action,)),), scopes)
        role_definitions.save_custom_role(plane, CONTOSO, writer)

    def delete_role(self, plane: ControlPlane) -> None:
        role_definitions.delete_custom_role(plane, CONTOSO, CUSTOM_ROLE)

    def create_user(self, plane: ControlPlane) -> None:
        n = len(self.made)
        upn = f"u{n}-{uuid.uuid4().hex[:6]}@contoso.onmicrosoft.com"
        new = users.NewUser(upn, "Newcomer", f"u{n}", "Newcomer-pass-1")
        self.made.append(users.create_user(plane, self.bob, new).user.id)

    def delete_user(self, plane: ControlPlane) -> None:
        if self.made:
            users.delete_user(plane, self.bob, self.rng.choice(self.made))

    def delete_group(self, plane: ControlPlane) -> None:
        resources.delete_group(plane, DATA_PLATFORM.split("/")[-1], "rg-data")

    def terminate_gdap(self, plane: ControlPlane) -> None:
        with plane.database.connect() as connection:
            [relationship] = list_gdap_relationships(connection, FABRIKAM)
        gdap.create_request(plane, self.replicas.native(ALICE), relationship.id, "terminate")

    def transfer(self, plane: ControlPlane) -> None:
        subscription = DATA_PLATFORM.split("/")[-1]
        subscription_move.transfer_subscription(plane, subscription, WWI, owner=WALTER)

    WRITES: ClassVar[tuple[Callable[[Walk, ControlPlane], None], ...]] = (
        assign,
        assign,
        assign,
        unassign,
        remove_dap,
        grant_dap,
        save_role,
        delete_role,
        create_user,
        delete_user,
        delete_group,
        terminate_gdap,
        transfer,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_interleaved_writes_on_two_replicas_converge_to_a_fresh_load(
    replicas: Replicas, seed: int
) -> None:
    walk = Walk(replicas, seed)
    for _ in range(60):
        walk.step()
    assert sum(walk.done.values()) >= 30 and len(walk.done) >= 8, walk.done
    replicas.a.catch_up()
    replicas.b.catch_up()

    fresh = load_engine(replicas.a.database, clock=replicas.clock)
    expected = answers(replicas, fresh, walk.made)
    assert answers(replicas, replicas.a.engine, walk.made) == expected
    assert answers(replicas, replicas.b.engine, walk.made) == expected
