"""Who may read SKUs and assign licenses (services.directory.rules), and the licensing use
cases over the demo world, beneath the HTTP layer."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest

from cspadmin.authz.decision import Caller
from cspadmin.domain.directory import User
from cspadmin.domain.directory_roles import RoleTemplate as R
from cspadmin.domain.licensing import AssignedLicense, LicenseChange, NoAvailableLicenses
from cspadmin.domain.relationships import ResellerRelationship
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.directory import licenses
from cspadmin.services.directory.errors import InsufficientPrivileges
from cspadmin.services.directory.rules import may_assign_licenses, may_read_subscribed_skus
from cspadmin.services.world import demo_world_path, load_world
from cspadmin.store.database import Database
from cspadmin.store.directory import get_user, save_user
from cspadmin.store.journal import Fact, reseller_key
from cspadmin.store.relationships import save_reseller_relationship

CONTOSO_ID = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"
PARTNER_ID = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60"
E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
P1 = "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"


@pytest.mark.parametrize(
    ("role", "reads", "assigns"),
    [
        (R.GLOBAL_ADMINISTRATOR, True, True),
        (R.USER_ADMINISTRATOR, True, True),
        (R.LICENSE_ADMINISTRATOR, True, True),
        (R.DIRECTORY_WRITERS, True, True),
        (R.GLOBAL_READER, True, False),
        (R.DIRECTORY_READERS, True, False),
        (R.HELPDESK_ADMINISTRATOR, False, False),
        (R.PASSWORD_ADMINISTRATOR, False, False),
        (R.PRIVILEGED_AUTHENTICATION_ADMINISTRATOR, False, False),
    ],
)
def test_who_reads_skus_and_who_assigns_licenses(role: str, reads: bool, assigns: bool) -> None:
    assert may_read_subscribed_skus({role}) is reads
    assert may_assign_licenses({role}) is assigns


def test_no_role_reads_or_assigns_nothing() -> None:
    assert not may_read_subscribed_skus(set())
    assert not may_assign_licenses(set())


@pytest.fixture
def plane(database: Database) -> Iterator[ControlPlane]:
    load_world(database, demo_world_path())
    yield ControlPlane.open(database)


def user_caller(plane: ControlPlane, upn: str, tenant_id: str | None = None) -> Caller:
    with plane.database.connect() as connection:
        user = get_user(connection, upn)
    assert user is not None
    return Caller(user.id, tenant_id or user.tenant_id, user.tenant_id)


def test_a_partner_agent_without_dap_holds_no_licensing_role(plane: ControlPlane) -> None:
    alice = user_caller(plane, "alice@fabrikampartner.onmicrosoft.com", CONTOSO_ID)
    assert licenses.list_subscribed_skus(plane, alice).account.id == CONTOSO_ID
    withdrawn = ResellerRelationship(PARTNER_ID, CONTOSO_ID, dap=False)
    with plane.change() as change:
        save_reseller_relationship(change.connection, withdrawn)
        change.touched(Fact.RESELLER_RELATIONSHIP, reseller_key(PARTNER_ID, CONTOSO_ID))

    with pytest.raises(InsufficientPrivileges):
        licenses.list_subscribed_skus(plane, alice)
    with pytest.raises(InsufficientPrivileges):
        add = LicenseChange((AssignedLicense(E3),))
        licenses.assign_license(plane, alice, "bob@contoso.onmicrosoft.com", add)


def test_two_replicas_cannot_both_give_away_the_last_seat(
    plane: ControlPlane, database: Database
) -> None:
    # AAD_PREMIUM in Contoso: 2 seats, bob holds one. Two users race for the other through
    # two control planes, as two replicas over one store would.
    racers = ["erin@contoso.onmicrosoft.com", "frank@contoso.onmicrosoft.com"]
    with database.begin() as connection:
        for upn in racers:
            save_user(connection, User(str(uuid.uuid4()), CONTOSO_ID, upn, upn, None, True, "US"))
    bob = user_caller(plane, "bob@contoso.onmicrosoft.com")
    replicas = [ControlPlane.open(database), ControlPlane.open(database)]
    start = threading.Barrier(len(racers))
    outcomes: list[str] = []

    def race(replica: ControlPlane, upn: str) -> None:
        start.wait()
        try:
            licenses.assign_license(replica, bob, upn, LicenseChange((AssignedLicense(P1),)))
            outcomes.append("assigned")
        except NoAvailableLicenses:
            outcomes.append("refused")

    threads = [
        threading.Thread(target=race, args=pair) for pair in zip(replicas, racers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["assigned", "refused"]
    counted = {s.sku.part_number: s for s in licenses.list_subscribed_skus(plane, bob).skus}
    assert (counted["AAD_PREMIUM"].prepaid_units, counted["AAD_PREMIUM"].consumed_units) == (2, 2)
