"""GDAP use cases over the demo world: who may do what, a relationship's whole life, and
the store and the engine changing together so access follows on the very next check.

Fabrikam Partner (alice: Global admin and Admin agent; harry: Helpdesk agent; sam: Sales
agent; oscar: in Azure Operators, nested in AdminAgents) and its customer Wide World
Importers (walter: Global Administrator; wendy: no role), which has no DAP.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cspadmin.authz.decision import Caller
from cspadmin.domain.gdap import GdapStatus
from cspadmin.domain.gdap_access import DuplicateAccessContainer
from cspadmin.domain.gdap_lifecycle import (
    DuplicateGdapName,
    GdapStatusConflict,
    InvalidGdapRequest,
    RelationshipChanges,
    RelationshipDraft,
)
from cspadmin.domain.relationships import GdapRelationship
from cspadmin.services import gdap, gdap_access, gdap_approval, tokens
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.directory.paging import Window
from cspadmin.services.partner_center import (
    GlobalAdministratorRequired,
    NotAPartner,
    PartnerRoleRequired,
)
from cspadmin.services.world import demo_world_path, load_world
from cspadmin.store.database import Database
from cspadmin.store.directory import get_user
from cspadmin.store.relationships import get_gdap_relationship
from cspadmin.store.snapshot import load_engine

FABRIKAM = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60"
WWI = "d3f1a6b2-0c4e-4a7d-9b8e-000000000104"
WWI_DOMAIN = "wideworldimporters.onmicrosoft.com"
HELPDESK_AGENTS = "a9e1d7c3-5b4f-4e2a-8d6c-000000000002"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
DAY = timedelta(days=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(database: Database) -> Iterator[tuple[ControlPlane, Clock]]:
    load_world(database, demo_world_path())
    clock = Clock()
    yield ControlPlane.open(database, clock=clock), clock


def who(plane: ControlPlane, name: str, domain: str = "fabrikampartner.onmicrosoft.com") -> Caller:
    with plane.database.connect() as connection:
        user = get_user(connection, f"{name}@{domain}")
    assert user is not None
    return Caller.native(user.id, user.tenant_id)


def customer(plane: ControlPlane, name: str) -> Caller:
    return who(plane, name, WWI_DOMAIN)


def draft(name: str = "WWI helpdesk", duration: str = "P30D") -> RelationshipDraft:
    return RelationshipDraft(name, duration, WWI, (HELPDESK, READERS))


def approved(plane: ControlPlane, duration: str = "P30D") -> GdapRelationship:
    """Created by alice, locked, approved by walter, HelpdeskAgents assigned Helpdesk."""
    alice = who(plane, "alice")
    relationship = gdap.create_relationship(plane, alice, draft(duration=duration))
    gdap.create_request(plane, alice, relationship.id, "lockForApproval")
    gdap_approval.approve(plane, customer(plane, "walter"), relationship.id)
    gdap_access.create_assignment(
        plane, alice, relationship.id, HELPDESK_AGENTS, "securityGroup", [HELPDESK]
    )
    return gdap.get_relationship(plane, alice, relationship.id)


def wwi_relationships(plane: ControlPlane) -> list[str]:
    """The ids of the partner's relationships with Wide World Importers (the demo world
    already holds one with Tailspin Toys)."""
    page = gdap.list_relationships(plane, who(plane, "alice"), None, Window())
    return [r.id for r in page.items if r.customer_tenant_id == WWI]


def harry_signs_in(plane: ControlPlane) -> tokens.Identity:
    return tokens.sign_in_user(
        plane.database,
        plane.engine,
        WWI_DOMAIN,
        "harry@fabrikampartner.onmicrosoft.com",
        "Harry-pass-1",
    )


def harrys_roles(plane: ControlPlane) -> frozenset[str]:
    harry = who(plane, "harry")
    groups = plane.engine.groups_of(harry.object_id)
    return plane.engine.delegations.delegated_directory_roles(FABRIKAM, WWI, groups)


# -- the whole life --------------------------------------------------------------------------


def test_an_approved_assignment_lets_the_group_in_and_termination_ends_it_at_once(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, clock = world
    with pytest.raises(tokens.NoAccessToTenant):
        harry_signs_in(plane)

    relationship = approved(plane)

    assert relationship.status_at(clock.now) is GdapStatus.EXPIRING  # 30 days: all notice
    assert relationship.activated_at == clock.now
    assert harry_signs_in(plane).tenant.id == WWI
    assert harrys_roles(plane) == {HELPDESK}

    clock.now += DAY
    gdap.create_request(plane, who(plane, "alice"), relationship.id, "terminate")

    with pytest.raises(tokens.NoAccessToTenant):
        harry_signs_in(plane)
    assert harrys_roles(plane) == frozenset()
    ended = gdap.get_relationship(plane, who(plane, "alice"), relationship.id)
    assert (ended.status, ended.terminated_at) == (GdapStatus.TERMINATED, clock.now)


def test_what_the_engine_learned_is_what_the_store_holds(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, clock = world
    relationship = approved(plane)
    rebuilt = load_engine(plane.database, clock=clock)
    harry = who(plane, "harry")
    assert rebuilt.delegations.delegated_groups(FABRIKAM, WWI) == {HELPDESK_AGENTS}
    assert rebuilt.delegations.delegated_directory_roles(
        FABRIKAM, WWI, rebuilt.groups_of(harry.object_id)
    ) == {HELPDESK}
    with plane.database.connect() as connection:
        assert get_gdap_relationship(connection, relationship.id) == relationship


def test_access_ends_when_the_clock_reaches_the_end_with_nothing_saved(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, clock = world
    relationship = approved(plane, "P30D")
    clock.now += 30 * DAY - timedelta(seconds=1)
    assert harrys_roles(plane) == {HELPDESK}
    clock.now += timedelta(seconds=1)
    assert harrys_roles(plane) == frozenset()
    with pytest.raises(tokens.NoAccessToTenant):
        harry_signs_in(plane)
    alice = who(plane, "alice")
    assert gdap.get_relationship(plane, alice, relationship.id).version == relationship.version


def test_an_auto_extending_relationship_outlives_its_duration(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, clock = world
    alice = who(plane, "alice")
    relationship = gdap.create_relationship(
        plane, alice, RelationshipDraft("Extends", "P10D", WWI, (HELPDESK,), "P180D")
    )
    gdap.create_request(plane, alice, relationship.id, "lockForApproval")
    gdap_approval.approve(plane, customer(plane, "walter"), relationship.id)
    gdap_access.create_assignment(
        plane, alice, relationship.id, HELPDESK_AGENTS, "securityGroup", [HELPDESK]
    )
    clock.now += 400 * DAY
    assert harrys_roles(plane) == {HELPDESK}


# -- who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error"),
    [("sam", PartnerRoleRequired), ("harry", PartnerRoleRequired), ("bob", NotAPartner)],
)
def test_the_partner_side_needs_a_global_admin_or_admin_agent(
    world: tuple[ControlPlane, Clock], name: str, error: type[Exception]
) -> None:
    plane, _ = world
    caller = who(plane, name, "contoso.onmicrosoft.com") if name == "bob" else who(plane, name)
    with pytest.raises(error):
        gdap.create_relationship(plane, caller, draft())
    with pytest.raises(error):
        gdap.list_relationships(plane, caller, None, Window())


def test_an_admin_agent_through_a_nested_group_may_administer(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, _ = world
    created = gdap.create_relationship(plane, who(plane, "oscar"), draft())
    assert wwi_relationships(plane) == [created.id]


def test_only_the_customers_own_global_administrator_approves(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, _ = world
    alice = who(plane, "alice")
    relationship = gdap.create_relationship(plane, alice, draft())
    gdap.create_request(plane, alice, relationship.id, "lockForApproval")

    with pytest.raises(GlobalAdministratorRequired, match="Global Administrator"):
        gdap_approval.approve(plane, customer(plane, "wendy"), relationship.id)
    with pytest.raises(gdap_approval.NotTheCustomer):
        gdap_approval.approve(plane, who(plane, "bob", "contoso.onmicrosoft.com"), relationship.id)
    with pytest.raises(gdap_approval.NotTheCustomer):
        gdap_approval.approve(plane, alice, relationship.id)

    still = gdap.get_relationship(plane, alice, relationship.id)
    assert (still.status, still.activated_at) == (GdapStatus.APPROVAL_PENDING, None)
    assert gdap_approval.open_approval(
        plane, customer(plane, "walter"), relationship.id
    ).caller_may_approve
    assert not gdap_approval.open_approval(
        plane, customer(plane, "wendy"), relationship.id
    ).caller_may_approve


def test_a_relationship_not_locked_or_waited_out_cannot_be_approved(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, clock = world
    alice, walter = who(plane, "alice"), customer(plane, "walter")
    relationship = gdap.create_relationship(plane, alice, draft())
    with pytest.raises(GdapStatusConflict, match="created"):
        gdap_approval.approve(plane, walter, relationship.id)
    gdap.create_request(plane, alice, relationship.id, "lockForApproval")
    clock.now += 90 * DAY
    with pytest.raises(GdapStatusConflict, match="expired"):
        gdap_approval.approve(plane, walter, relationship.id)


# -- changes the partner makes ---------------------------------------------------------------------


def test_an_update_needs_the_current_entity_tag_and_a_created_relationship(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, _ = world
    alice = who(plane, "alice")
    relationship = gdap.create_relationship(plane, alice, draft())
    rename = RelationshipChanges(display_name="Renamed")

    with pytest.raises(gdap.IfMatchRequired):
        gdap.update_relationship(plane, alice, relationship.id, None, rename)
    with pytest.raises(gdap.PreconditionFailed):
        gdap.update_relationship(plane, alice, relationship.id, 'W/"stale"', rename)
    renamed = gdap.update_relationship(plane, alice, relationship.id, relationship.etag, rename)
    with pytest.raises(gdap.PreconditionFailed):
        gdap.update_relationship(plane, alice, relationship.id, relationship.etag, rename)

    gdap.create_request(plane, alice, relationship.id, "lockForApproval")
    locked = gdap.get_relationship(plane, alice, relationship.id)
    with pytest.raises(GdapStatusConflict, match="approvalPending"):
        gdap.update_relationship(plane, alice, relationship.id, locked.etag, rename)
    assert renamed.display_name == "Renamed"


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (RelationshipDraft("wwi HELPDESK", "P30D", WWI, (HELPDESK,)), DuplicateGdapName),
        (RelationshipDraft("Other", "P30D", "not-a-guid", (HELPDESK,)), InvalidGdapRequest),
        (
            RelationshipDraft("Other", "P30D", "00000000-0000-4000-8000-000000000000", (HELPDESK,)),
            InvalidGdapRequest,
        ),
        (RelationshipDraft("Other", "P30D", FABRIKAM, (HELPDESK,)), InvalidGdapRequest),
        (RelationshipDraft("Other", "P3Y", WWI, (HELPDESK,)), InvalidGdapRequest),
    ],
    ids=["same name", "customer not a guid", "no such customer", "itself", "too long"],
)
def test_a_refused_create_changes_nothing(
    world: tuple[ControlPlane, Clock], bad: RelationshipDraft, error: type[Exception]
) -> None:
    plane, _ = world
    alice = who(plane, "alice")
    first = gdap.create_relationship(plane, alice, draft())
    with pytest.raises(error):
        gdap.create_relationship(plane, alice, bad)
    assert wwi_relationships(plane) == [first.id]


def test_only_a_created_relationship_is_deleted_and_then_it_is_gone(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, _ = world
    alice = who(plane, "alice")
    kept = approved(plane)
    with pytest.raises(GdapStatusConflict):
        gdap.delete_relationship(plane, alice, kept.id, kept.etag)

    deleted = gdap.create_relationship(plane, alice, draft("Short lived"))
    gdap.delete_relationship(plane, alice, deleted.id, "*")
    with pytest.raises(gdap.GdapNotFound):
        gdap.get_relationship(plane, alice, deleted.id)
    assert plane.engine.delegations.delegated_groups(FABRIKAM, WWI) == {HELPDESK_AGENTS}


# -- access assignments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("container", "kind", "roles", "error"),
    [
        ("a9e1d7c3-5b4f-4e2a-8d6c-000000000002", "securityGroup", [HELPDESK], None),
        ("a9e1d7c3-5b4f-4e2a-8d6c-000000000002", "user", [HELPDESK], InvalidGdapRequest),
        ("00000000-0000-4000-8000-000000000000", "securityGroup", [HELPDESK], InvalidGdapRequest),
        ("not a guid", "securityGroup", [HELPDESK], InvalidGdapRequest),
        ("a9e1d7c3-5b4f-4e2a-8d6c-000000000002", "securityGroup", [READERS], None),
        (
            "a9e1d7c3-5b4f-4e2a-8d6c-000000000002",
            "securityGroup",
            ["fe930be7-5e62-47db-91af-98c3a49a38b1"],
            InvalidGdapRequest,
        ),
    ],
    ids=["ok", "not a group type", "no such group", "not a guid", "another role", "role outside"],
)
def test_an_assignment_needs_a_partner_security_group_and_the_relationships_roles(
    world: tuple[ControlPlane, Clock],
    container: str,
    kind: str,
    roles: list[str],
    error: type[Exception] | None,
) -> None:
    plane, _ = world
    alice = who(plane, "alice")
    relationship = gdap.create_relationship(plane, alice, draft())
    gdap.create_request(plane, alice, relationship.id, "lockForApproval")
    gdap_approval.approve(plane, customer(plane, "walter"), relationship.id)
    if error is None:
        made = gdap_access.create_assignment(plane, alice, relationship.id, container, kind, roles)
        assert made.assignment.role_template_ids == tuple(roles)
        return
    with pytest.raises(error):
        gdap_access.create_assignment(plane, alice, relationship.id, container, kind, roles)
    assert gdap_access.list_assignments(plane, alice, relationship.id) == []


def test_a_customer_group_is_no_access_container(world: tuple[ControlPlane, Clock]) -> None:
    plane, _ = world
    relationship = approved(plane)
    walter = customer(plane, "walter")
    with pytest.raises(InvalidGdapRequest, match="not a security group in the partner tenant"):
        gdap_access.create_assignment(
            plane,
            who(plane, "alice"),
            relationship.id,
            walter.object_id,
            "securityGroup",
            [READERS],
        )


def test_assignments_change_in_place_and_their_removal_is_in_force_at_once(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, _ = world
    alice = who(plane, "alice")
    relationship = approved(plane)
    [assigned] = gdap_access.list_assignments(plane, alice, relationship.id)
    with pytest.raises(DuplicateAccessContainer):
        gdap_access.create_assignment(
            plane, alice, relationship.id, HELPDESK_AGENTS, "securityGroup", [READERS]
        )
    with pytest.raises(gdap.PreconditionFailed):
        gdap_access.update_assignment(
            plane, alice, relationship.id, assigned.id, relationship.etag, [READERS]
        )

    changed = gdap_access.update_assignment(
        plane, alice, relationship.id, assigned.id, assigned.etag, [READERS]
    )
    assert harrys_roles(plane) == {READERS}

    gdap_access.delete_assignment(plane, alice, relationship.id, changed.id, changed.etag)
    assert harrys_roles(plane) == frozenset()
    with pytest.raises(tokens.NoAccessToTenant):
        harry_signs_in(plane)
    with pytest.raises(gdap.GdapNotFound):
        gdap_access.get_assignment(plane, alice, relationship.id, changed.id)
