"""World files' licensing: `licenses:` on tenants (SKUs with seats) and on users.

Planning checks the file on its own; loading (on SQLite and PostgreSQL) writes it
idempotently and checks the seats against the licenses the store already holds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cspadmin.authz.decision import Caller
from cspadmin.domain.directory_roles import RoleTemplate
from cspadmin.domain.licensing import AssignedLicense, LicenseChange
from cspadmin.errors import WorldFileError
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.directory import licenses
from cspadmin.services.directory.errors import InsufficientPrivileges
from cspadmin.services.world.file import parse_world
from cspadmin.services.world.loader import load_world
from cspadmin.store.database import Database
from cspadmin.store.directory import get_user
from cspadmin.store.licensing import add_licenses, licenses_of, subscribed_skus
from tests.services.world.test_file import line_of
from tests.services.world.test_loader import dump

E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
P1 = "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

WORLD = """\
tenants:
  - name: Contoso
    domain: contoso.onmicrosoft.com
    licenses:
      - sku: SPE_E3
        seats: 2
      - sku: 078d2b04-f1bd-4111-bbd4-b4b1b354cef4
        seats: 1
    users:
      - upn: bob@contoso.onmicrosoft.com
        usage_location: us
        licenses: [spe_e3, AAD_PREMIUM]
      - upn: carol@contoso.onmicrosoft.com
      - upn: dave@contoso.onmicrosoft.com
        usage_location: DE
        licenses: [SPE_E3]
"""


def changed(old: str, new: str) -> str:
    assert old in WORLD, old
    return WORLD.replace(old, new, 1)


def rejection(text: str) -> WorldFileError:
    with pytest.raises(WorldFileError) as caught:
        parse_world(text)
    return caught.value


# -- planning --------------------------------------------------------------------------------


def test_skus_and_licenses_resolve_by_part_number_or_id() -> None:
    plan = parse_world(WORLD)
    assert [(s.sku_id, s.seats) for s in plan.subscribed_skus] == [(E3, 2), (P1, 1)]
    bob = next(u.user.id for u in plan.users if u.user.user_principal_name.startswith("bob"))
    assert [(lic.user_id, lic.sku_id) for lic in plan.user_licenses][:2] == [(bob, E3), (bob, P1)]
    assert len(plan.user_licenses) == 3


def test_an_unknown_sku_names_its_path_line_and_the_known_ones() -> None:
    text = changed("      - sku: SPE_E3\n", "      - sku: SPE_E9\n")
    error = rejection(text)
    assert (error.path, error.line) == ("tenants[0].licenses[0].sku", line_of(text, "SPE_E9"))
    assert "'SPE_E9' is not a SKU" in error.message
    assert "ENTERPRISEPACK" in error.message


def test_a_sku_is_subscribed_once_per_tenant() -> None:
    text = changed("      - sku: 078d2b04-f1bd-4111-bbd4-b4b1b354cef4\n", "      - sku: spe_e3\n")
    error = rejection(text)
    assert error.path == "tenants[0].licenses[1].sku"
    assert "tenants[0].licenses[0]" in error.message


def test_seats_are_a_whole_number_of_at_least_zero() -> None:
    for seats in ("many", "-1", "2.5", "true"):
        error = rejection(changed("        seats: 2\n", f"        seats: {seats}\n"))
        assert error.path == "tenants[0].licenses[0].seats", seats


def test_a_user_holds_only_skus_its_tenant_subscribes_to() -> None:
    text = changed("        licenses: [SPE_E3]\n", "        licenses: [SPE_E3, SPE_E5]\n")
    error = rejection(text)
    assert error.path == "tenants[0].users[2].licenses[1]"
    assert "does not subscribe to SPE_E5" in error.message


def test_a_user_holds_a_sku_once() -> None:
    error = rejection(
        changed("        licenses: [SPE_E3]\n", "        licenses: [SPE_E3, spe_e3]\n")
    )
    assert error.path == "tenants[0].users[2].licenses[1]"


def test_a_licensed_user_needs_a_usage_location() -> None:
    text = changed("        usage_location: DE\n", "")
    error = rejection(text)
    assert error.path == "tenants[0].users[2].licenses"
    assert "usage_location" in error.message


def test_no_sku_is_held_by_more_users_than_its_seats() -> None:
    text = changed("        seats: 2\n", "        seats: 1\n")
    error = rejection(text)
    assert (error.path, error.line) == ("tenants[0].licenses[0].seats", line_of(text, "seats: 1"))
    assert "2 users hold SPE_E3 but it has 1 seats" in error.message


# -- the roles that license, granted by the file -------------------------------------------

LICENSING_ROLES = changed(
    "      - upn: carol@contoso.onmicrosoft.com\n",
    "      - upn: carol@contoso.onmicrosoft.com\n"
    "        directory_roles: [License Administrator]\n"
    "      - upn: gina@contoso.onmicrosoft.com\n"
    "        directory_roles: [global reader, 9360FEB5-F418-4BAA-8175-E2A00BAC4301]\n",
)


def test_licensing_roles_are_granted_by_name_or_template_id() -> None:
    plan = parse_world(LICENSING_ROLES)
    upns = {u.user.id: u.user.user_principal_name for u in plan.users}
    held = {(upns[r.principal_id], r.role_template_id) for r in plan.directory_roles}
    assert held == {
        ("carol@contoso.onmicrosoft.com", RoleTemplate.LICENSE_ADMINISTRATOR),
        ("gina@contoso.onmicrosoft.com", RoleTemplate.GLOBAL_READER),
        ("gina@contoso.onmicrosoft.com", RoleTemplate.DIRECTORY_WRITERS),
    }


def test_licensing_roles_from_the_file_decide_who_licenses(database: Database) -> None:
    load_world(database, LICENSING_ROLES, now=NOW)
    plane = ControlPlane.open(database)
    with database.connect() as connection:
        found = [
            get_user(connection, f"{n}@contoso.onmicrosoft.com") for n in ("bob", "carol", "gina")
        ]
    assert all(found)
    as_bob, as_carol, as_gina = (Caller(u.id, u.tenant_id, u.tenant_id) for u in found if u)
    dave = "dave@contoso.onmicrosoft.com"
    with pytest.raises(InsufficientPrivileges):  # bob holds no role in this world
        licenses.list_subscribed_skus(plane, as_bob)

    freed = licenses.assign_license(plane, as_carol, dave, LicenseChange(remove=(E3,)))
    assert freed.licenses == ()
    # gina: Global Reader reads the SKUs, Directory Writers assigns licenses
    e3 = next(s for s in licenses.list_subscribed_skus(plane, as_gina).skus if s.sku.id == E3)
    assert e3.consumed_units == 1
    given = licenses.assign_license(plane, as_gina, dave, LicenseChange((AssignedLicense(E3),)))
    assert [lic.sku_id for lic in given.licenses] == [E3]


# -- loading ---------------------------------------------------------------------------------


def test_loading_subscribes_and_licenses_once(database: Database) -> None:
    load_world(database, WORLD, now=NOW)
    first = dump(database)
    load_world(database, WORLD, now=NOW + timedelta(days=1))
    assert dump(database) == first
    with database.connect() as connection:
        bob = get_user(connection, "bob@contoso.onmicrosoft.com")
        assert bob is not None and bob.usage_location == "US"
        skus = {s.sku.part_number: s for s in subscribed_skus(connection, bob.tenant_id)}
        held = licenses_of(connection, [bob.id])[bob.id]
    assert {k: (s.prepaid_units, s.consumed_units) for k, s in skus.items()} == {
        "SPE_E3": (2, 2),
        "AAD_PREMIUM": (1, 1),
    }
    assert {lic.sku_id for lic in held} == {E3, P1}
    assert all(lic.assigned_at == NOW and lic.disabled_plans == () for lic in held)


def test_seats_are_checked_against_licenses_the_store_holds(database: Database) -> None:
    load_world(database, WORLD, now=NOW)
    with database.begin() as connection:
        carol = get_user(connection, "carol@contoso.onmicrosoft.com")
        assert carol is not None
        add_licenses(connection, carol.id, carol.tenant_id, [AssignedLicense(P1, (), NOW)])
    before = dump(database)
    text = changed("        seats: 2\n", "        seats: 3\n").replace(
        "        seats: 1\n", "        seats: 0\n"
    )
    text = text.replace("licenses: [spe_e3, AAD_PREMIUM]", "licenses: [spe_e3]")

    with pytest.raises(WorldFileError) as caught:
        load_world(database, text, now=NOW)

    assert caught.value.path == "tenants[0].licenses[1].seats"
    assert caught.value.line == line_of(text, "seats: 0")
    assert "the store holds 2 licenses of AAD_PREMIUM" in caught.value.message
    assert dump(database) == before
