"""One role assignment per (scope, role, principal), ignoring case — held by the database.

Azure answers 409 RoleAssignmentExists when the same principal already holds the same
role at the same scope under another name. The unique index over lower(...) is the
single place that rule lives, so it must hold for raw SQL and for concurrent writers.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.roles import CONTRIBUTOR, OWNER
from cspadmin.errors import RoleAssignmentExists
from cspadmin.store.assignments import (
    count_role_assignments,
    create_role_assignment,
    get_role_assignment,
)
from cspadmin.store.database import Database
from tests.store.examples import new_id

SUBSCRIPTION = "/subscriptions/6f1c2b9e-3a4d-4e5f-8a7b-9c0d1e2f3a4b"
RESOURCE_GROUP = f"{SUBSCRIPTION}/resourceGroups/rg-app"
ADMIN_AGENTS = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
TENANT = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"

INSERT = text(
    "INSERT INTO role_assignments"
    " (name, tenant_id, scope, role_definition_id, principal_id, principal_type)"
    " VALUES (:name, :tenant, :scope, :role, :principal, 'ForeignGroup')"
)


def owner_for_admin_agents(scope: str = SUBSCRIPTION) -> RoleAssignment:
    return RoleAssignment(
        name=new_id(),
        scope=scope,
        role_definition_id=OWNER.id,
        principal_id=ADMIN_AGENTS,
        principal_type=PrincipalType.FOREIGN_GROUP,
        tenant_id=TENANT,
    )


def raw_row(scope: str, role: str, principal: str) -> dict[str, str]:
    return {
        "name": new_id(),
        "tenant": TENANT,
        "scope": scope,
        "role": role,
        "principal": principal,
    }


SHOUTED = {
    "scope": (SUBSCRIPTION.upper(), OWNER.id, ADMIN_AGENTS),
    "role": (SUBSCRIPTION, OWNER.id.upper(), ADMIN_AGENTS),
    "principal": (SUBSCRIPTION, OWNER.id, ADMIN_AGENTS.upper()),
    "all three": (SUBSCRIPTION.upper(), OWNER.id.upper(), ADMIN_AGENTS.upper()),
}


@pytest.mark.parametrize("shouted", list(SHOUTED), ids=list(SHOUTED))
def test_raw_inserts_differing_only_in_case_violate_the_unique_index(
    database: Database, shouted: str
) -> None:
    with database.begin() as connection:
        connection.execute(INSERT, raw_row(SUBSCRIPTION, OWNER.id, ADMIN_AGENTS))
    with pytest.raises(IntegrityError), database.begin() as connection:
        connection.execute(INSERT, raw_row(*SHOUTED[shouted]))
    with database.connect() as connection:
        assert count_role_assignments(connection) == 1


def test_raw_inserts_with_another_scope_role_or_principal_are_accepted(
    database: Database,
) -> None:
    rows = [
        raw_row(SUBSCRIPTION, OWNER.id, ADMIN_AGENTS),
        raw_row(RESOURCE_GROUP, OWNER.id, ADMIN_AGENTS),
        raw_row(SUBSCRIPTION, CONTRIBUTOR.id, ADMIN_AGENTS),
        raw_row(SUBSCRIPTION, OWNER.id, new_id()),
    ]
    with database.begin() as connection:
        for row in rows:
            connection.execute(INSERT, row)
    with database.connect() as connection:
        assert count_role_assignments(connection) == 4


@pytest.mark.parametrize("shouted", list(SHOUTED), ids=list(SHOUTED))
def test_create_role_assignment_raises_role_assignment_exists_with_the_existing_id(
    database: Database, shouted: str
) -> None:
    first = owner_for_admin_agents()
    with database.begin() as connection:
        create_role_assignment(connection, first)
    scope, role, principal = SHOUTED[shouted]
    again = replace(
        owner_for_admin_agents(), scope=scope, role_definition_id=role, principal_id=principal
    )

    with pytest.raises(RoleAssignmentExists) as raised, database.begin() as connection:
        create_role_assignment(connection, again)

    assert raised.value.existing_id == first.id
    assert first.id in raised.value.message
    assert (raised.value.code, raised.value.status) == ("RoleAssignmentExists", 409)
    with database.connect() as connection:
        assert count_role_assignments(connection) == 1
        assert get_role_assignment(connection, again.name) is None


def test_another_principal_role_or_scope_is_a_separate_assignment(database: Database) -> None:
    base = owner_for_admin_agents()
    others = [
        replace(base, name=new_id(), principal_id=new_id()),
        replace(base, name=new_id(), role_definition_id=CONTRIBUTOR.id),
        replace(base, name=new_id(), scope=RESOURCE_GROUP),
    ]
    with database.begin() as connection:
        for assignment in [base, *others]:
            create_role_assignment(connection, assignment)
    with database.connect() as connection:
        assert count_role_assignments(connection) == 4


def test_a_conflict_leaves_the_surrounding_transaction_usable(database: Database) -> None:
    first = owner_for_admin_agents()
    later = owner_for_admin_agents(RESOURCE_GROUP)
    with database.begin() as connection:
        create_role_assignment(connection, first)
        with pytest.raises(RoleAssignmentExists):
            create_role_assignment(connection, owner_for_admin_agents())
        create_role_assignment(connection, later)
    with database.connect() as connection:
        assert get_role_assignment(connection, first.name) == first
        assert get_role_assignment(connection, later.name) == later
        assert count_role_assignments(connection) == 2


def race(database: Database, contenders: list[RoleAssignment]) -> list[BaseException | None]:
    """Each contender creates its assignment in its own transaction, all released at once."""
    start = threading.Barrier(len(contenders))

    def attempt(assignment: RoleAssignment) -> BaseException | None:
        start.wait(timeout=30)
        try:
            with database.begin() as connection:
                create_role_assignment(connection, assignment)
        except Exception as error:
            return error
        return None

    with ThreadPoolExecutor(max_workers=len(contenders)) as pool:
        return list(pool.map(attempt, contenders))


def assert_exactly_one_winner(
    database: Database, contenders: list[RoleAssignment], outcomes: list[BaseException | None]
) -> None:
    winners = [c for c, outcome in zip(contenders, outcomes, strict=True) if outcome is None]
    assert len(winners) == 1, outcomes
    losers = [o for o in outcomes if o is not None]
    assert all(isinstance(o, RoleAssignmentExists) for o in losers), losers
    assert {o.existing_id for o in losers if isinstance(o, RoleAssignmentExists)} == {winners[0].id}
    with database.connect() as connection:
        assert count_role_assignments(connection) == 1
        assert get_role_assignment(connection, winners[0].name) == winners[0]


def test_concurrent_creates_of_the_same_assignment_let_exactly_one_through(
    database: Database,
) -> None:
    contenders = [owner_for_admin_agents() for _ in range(32)]
    outcomes = race(database, contenders)
    assert_exactly_one_winner(database, contenders, outcomes)


def test_concurrent_creates_differing_only_in_case_let_exactly_one_through(
    database: Database,
) -> None:
    contenders = [
        replace(
            owner_for_admin_agents(),
            scope=SUBSCRIPTION.upper() if i % 2 else SUBSCRIPTION,
            principal_id=ADMIN_AGENTS.upper() if i % 3 else ADMIN_AGENTS,
        )
        for i in range(24)
    ]
    outcomes = race(database, contenders)
    assert_exactly_one_winner(database, contenders, outcomes)
