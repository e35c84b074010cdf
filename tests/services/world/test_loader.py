"""Loading world files into the store: all or nothing, idempotent, and the demo world.

Every test that takes `database` runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Connection, func, select

from cspadmin.authz.decision import Caller
from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.directory import PrincipalType, Tenant, User
from cspadmin.domain.directory_roles import GLOBAL_ADMINISTRATOR
from cspadmin.domain.relationships import GdapStatus
from cspadmin.domain.roles import OWNER
from cspadmin.errors import WorldFileError
from cspadmin.services.credentials import verify_secret
from cspadmin.services.world.loader import demo_world_path, load_world
from cspadmin.store import schema as t
from cspadmin.store.assignments import create_role_assignment, get_role_assignment
from cspadmin.store.database import Database
from cspadmin.store.directory import (
    directory_roles_of,
    get_group,
    get_service_principal,
    get_tenant,
    get_user,
    list_tenants,
    save_tenant,
    save_user,
)
from cspadmin.store.estate import list_subscriptions
from cspadmin.store.relationships import list_gdap_relationships, list_reseller_relationships
from cspadmin.store.schema import metadata
from cspadmin.store.snapshot import load_engine
from tests.services.world.test_file import (
    BEYOND_THE_SPEC,
    PARTNER_ID,
    SPEC_EXAMPLE,
    SUBSCRIPTION_ID,
    as_json,
    line_of,
)

WRITE_RESOURCE_GROUP = "Microsoft.Resources/subscriptions/resourceGroups/write"
PARTNER_DOMAIN = "fabrikampartner.onmicrosoft.com"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

Dump = dict[str, list[tuple[Any, ...]]]


def dump(database: Database) -> Dump:
    """Every row of every table, in a stable order; not the change journal, where each
    load records that replicas must rebuild (store.journal), whatever it changed."""
    with database.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
            if table.name not in ("store_version", "change_journal")
        }


def row_counts(database: Database) -> dict[str, int]:
    return {name: len(rows) for name, rows in dump(database).items()}


def assignments_of(connection: Connection, principal_id: str) -> list[RoleAssignment]:
    names = connection.scalars(
        select(t.role_assignments.c.name).where(t.role_assignments.c.principal_id == principal_id)
    )
    return [a for a in (get_role_assignment(connection, n) for n in names) if a is not None]


def admin_agents_of(connection: Connection, domain: str = PARTNER_DOMAIN) -> str:
    tenant = get_tenant(connection, domain)
    assert tenant is not None and tenant.partner is not None
    return tenant.partner.admin_agents_id


def rejected(database: Database, text: str) -> WorldFileError:
    with pytest.raises(WorldFileError) as caught:
        load_world(database, text, now=NOW)
    return caught.value


# -- loading ---------------------------------------------------------------------------------


def test_the_spec_example_loads(database: Database) -> None:
    report = load_world(database, SPEC_EXAMPLE, now=NOW)
    counts = row_counts(database)
    assert counts["tenants"] == 2
    assert counts["users"] == 3
    assert counts["groups"] == 4  # the three agent groups and Azure Operators
    assert counts["service_principals"] == 1
    assert counts["subscriptions"] == 1
    assert counts["resource_groups"] == 1
    assert counts["resources"] == 1
    assert counts["role_assignments"] == 1  # bob's Owner; the partner's grant was lost
    assert counts["reseller_relationships"] == 1
    assert counts["gdap_relationships"] == 1
    assert report.counts["tenants"] == 2


def test_a_json_world_loads_like_its_yaml(database: Database) -> None:
    load_world(database, as_json(SPEC_EXAMPLE), now=NOW)
    from_json = dump(database)
    load_world(database, SPEC_EXAMPLE, now=NOW)
    assert dump(database) == from_json


def test_a_world_file_loads_from_a_path(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "world.yaml"
    path.write_text(SPEC_EXAMPLE, encoding="utf-8")
    load_world(database, path, now=NOW)
    load_world(database, str(path), now=NOW)
    assert row_counts(database)["tenants"] == 2


def test_loading_the_same_file_twice_changes_nothing(database: Database) -> None:
    load_world(database, SPEC_EXAMPLE, now=NOW)
    first = dump(database)
    load_world(database, SPEC_EXAMPLE, now=NOW + timedelta(days=3))
    assert dump(database) == first


def test_ids_given_in_the_file_are_kept(database: Database) -> None:
    load_world(database, SPEC_EXAMPLE, now=NOW)
    with database.connect() as connection:
        partner = get_tenant(connection, PARTNER_DOMAIN)
        assert partner is not None and partner.id == PARTNER_ID
        [subscription] = list_subscriptions(connection)
        assert subscription.id == SUBSCRIPTION_ID


def test_generated_ids_are_reported_and_are_the_stored_ones(database: Database) -> None:
    report = load_world(database, SPEC_EXAMPLE, now=NOW)
    ids = {g.path: g.id for g in report.generated}
    with database.connect() as connection:
        contoso = get_tenant(connection, "contoso.onmicrosoft.com")
        alice = get_user(connection, "alice@fabrikampartner.onmicrosoft.com")
        automation = get_service_principal(connection, "0b3e4f5a-1c2d-4e6f-8a9b-0c1d2e3f4a5b")
        assert contoso is not None and alice is not None and automation is not None
        assert ids["tenants[1].id"] == contoso.id
        assert ids["tenants[0].users[0].id"] == alice.id
        assert ids["tenants[0].service_principals[0].id"] == automation.id
    assert "tenants[0].id" not in ids


def test_the_report_summarizes_the_world_and_lists_generated_ids(database: Database) -> None:
    report = load_world(database, SPEC_EXAMPLE, now=NOW)
    first, *rest = report.summary_lines()
    assert first.startswith("2 tenants, 3 users, 4 groups, 1 service principal, 1 subscription")
    assert len(rest) == len(report.generated)
    contoso = next(g for g in report.generated if g.path == "tenants[1].id")
    assert f"tenant contoso.onmicrosoft.com: {contoso.id}  (tenants[1].id)" in rest


def test_generated_ids_are_the_same_in_every_store(database: Database, tmp_path: Path) -> None:
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    other.migrate()
    try:
        assert (
            load_world(database, SPEC_EXAMPLE).generated
            == load_world(other, SPEC_EXAMPLE).generated
        )
    finally:
        other.dispose()


def test_an_object_the_store_already_holds_keeps_its_id(database: Database) -> None:
    existing = "0a0a0a0a-0000-4000-8000-000000000003"
    with database.begin() as connection:
        save_tenant(connection, Tenant(existing, "Contoso", "contoso.onmicrosoft.com"))
    report = load_world(database, SPEC_EXAMPLE, now=NOW)
    with database.connect() as connection:
        contoso = get_tenant(connection, "contoso.onmicrosoft.com")
        assert contoso is not None and contoso.id == existing
        assert row_counts(database)["tenants"] == 2
    assert {g.path: g.id for g in report.generated}["tenants[1].id"] == existing


def test_a_given_id_the_store_holds_under_another_key_is_rejected_whole(
    database: Database,
) -> None:
    with database.begin() as connection:
        save_tenant(
            connection,
            Tenant("0a0a0a0a-0000-4000-8000-000000000004", "Fabrikam", PARTNER_DOMAIN),
        )
    before = dump(database)
    error = rejected(database, SPEC_EXAMPLE)
    assert error.path == "tenants[0].id"
    assert "0a0a0a0a-0000-4000-8000-000000000004" in error.message
    assert dump(database) == before


def test_passwords_and_secrets_are_stored_as_verifiable_hashes(database: Database) -> None:
    load_world(database, SPEC_EXAMPLE, now=NOW)
    with database.connect() as connection:
        bob = get_user(connection, "bob@contoso.onmicrosoft.com")
        automation = get_service_principal(connection, "0b3e4f5a-1c2d-4e6f-8a9b-0c1d2e3f4a5b")
    assert bob is not None and bob.password_hash is not None
    assert automation is not None and automation.secret_hash is not None
    assert "Bob-pass-1" not in bob.password_hash
    assert verify_secret(bob.password_hash, "Bob-pass-1")
    assert not verify_secret(bob.password_hash, "Bob-pass-2")
    assert verify_secret(automation.secret_hash, "sp-secret-1")


def test_a_changed_password_is_rehashed_on_reload(database: Database) -> None:
    load_world(database, SPEC_EXAMPLE, now=NOW)
    load_world(database, SPEC_EXAMPLE.replace("Bob-pass-1", "Bob-pass-2"), now=NOW)
    with database.connect() as connection:
        bob = get_user(connection, "bob@contoso.onmicrosoft.com")
    assert bob is not None and bob.password_hash is not None
    assert verify_secret(bob.password_hash, "Bob-pass-2")


def test_a_csp_subscription_gives_admin_agents_owner_as_a_foreign_group(
    database: Database,
) -> None:
    load_world(database, SPEC_EXAMPLE.replace("        admin_privileges_lost: true", ""), now=NOW)
    with database.connect() as connection:
        [grant] = assignments_of(connection, admin_agents_of(connection))
    assert grant.scope == f"/subscriptions/{SUBSCRIPTION_ID}"
    assert grant.role_definition_id == OWNER.id
    assert grant.principal_type is PrincipalType.FOREIGN_GROUP


def test_lost_admin_privileges_leave_no_admin_agents_owner_assignment(database: Database) -> None:
    load_world(database, SPEC_EXAMPLE, now=NOW)
    with database.connect() as connection:
        assert assignments_of(connection, admin_agents_of(connection)) == []
        [subscription] = list_subscriptions(connection)
    assert subscription.csp_partner_tenant_id == PARTNER_ID


def test_the_gdap_relationship_is_active_from_now_and_keeps_that_moment_on_reload(
    database: Database,
) -> None:
    load_world(database, SPEC_EXAMPLE, now=NOW)
    load_world(database, SPEC_EXAMPLE, now=NOW + timedelta(days=30))
    with database.connect() as connection:
        [gdap] = list_gdap_relationships(connection)
    assert gdap.status is GdapStatus.ACTIVE
    assert gdap.activated_at is not None
    assert gdap.activated_at.replace(tzinfo=UTC) == NOW
    assert [len(a.role_template_ids) for a in gdap.access_assignments] == [1]


def test_an_equivalent_assignment_already_in_the_store_counts_as_loaded(
    database: Database,
) -> None:
    load_world(database, SPEC_EXAMPLE, now=NOW)
    with database.begin() as connection:
        bob = get_user(connection, "bob@contoso.onmicrosoft.com")
        assert bob is not None
        [held] = assignments_of(connection, bob.id)
        connection.execute(t.role_assignments.delete())
        create_role_assignment(
            connection,
            RoleAssignment(
                "0f0f0f0f-0000-4000-8000-000000000001",
                held.scope,
                held.role_definition_id,
                held.principal_id,
                held.principal_type,
                held.tenant_id,
            ),
        )
    load_world(database, SPEC_EXAMPLE, now=NOW)
    with database.connect() as connection:
        assert [a.name for a in assignments_of(connection, bob.id)] == [
            "0f0f0f0f-0000-4000-8000-000000000001"
        ]


# -- nothing is loaded on error -----------------------------------------------------------


def test_an_unknown_key_is_rejected_with_its_path_and_nothing_is_written(
    database: Database,
) -> None:
    text = SPEC_EXAMPLE.replace("  - name: Contoso\n", "  - name: Contoso\n    colour: blue\n")
    error = rejected(database, text)
    assert error.path == "tenants[1].colour"
    assert error.line == line_of(text, "colour: blue")
    assert sum(row_counts(database).values()) == 0


def test_a_dangling_reference_is_rejected_with_its_path_and_nothing_is_written(
    database: Database,
) -> None:
    text = SPEC_EXAMPLE.replace(
        "        - group: Azure Operators", "        - group: Azure Operatives"
    )
    error = rejected(database, text)
    assert error.path == "relationships[1].gdap.access[0].group"
    assert error.line == line_of(text, "Azure Operatives")
    assert sum(row_counts(database).values()) == 0


def test_a_file_that_conflicts_with_the_store_is_rejected_whole(database: Database) -> None:
    with database.begin() as connection:
        save_tenant(
            connection, Tenant("0a0a0a0a-0000-4000-8000-000000000001", "Other", "other.com")
        )
        save_user(
            connection,
            User(
                "0a0a0a0a-0000-4000-8000-000000000002",
                "0a0a0a0a-0000-4000-8000-000000000001",
                "carol@contoso.onmicrosoft.com",
                "Carol elsewhere",
            ),
        )
    before = dump(database)
    error = rejected(database, SPEC_EXAMPLE)
    assert error.path == "tenants[1].users[1].upn"
    assert dump(database) == before


def test_an_assignment_name_taken_by_another_assignment_is_rejected_whole(
    database: Database,
) -> None:
    load_world(database, SPEC_EXAMPLE, now=NOW)
    taken = "0f0f0f0f-0000-4000-8000-000000000002"
    text = SPEC_EXAMPLE.replace(
        "          - role: Owner  ", f"          - name: {taken}\n            role: Owner  "
    )
    with database.begin() as connection:
        connection.execute(t.role_assignments.delete())
        bob = get_user(connection, "bob@contoso.onmicrosoft.com")
        assert bob is not None
        create_role_assignment(
            connection,
            RoleAssignment(
                taken,
                f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-web",
                OWNER.id,
                bob.id,
                PrincipalType.USER,
                bob.tenant_id,
            ),
        )
    before = dump(database)
    error = rejected(database, text.replace("Carol", "Caroline"))
    assert error.path == "tenants[1].subscriptions[0].role_assignments[0]"
    assert dump(database) == before


# -- the demo world --------------------------------------------------------------------------


def demo_keys() -> dict[str, Any]:
    keys: dict[str, Any] = yaml.safe_load(demo_world_path().read_text(encoding="utf-8"))
    return keys


def demo_subscriptions(*, lost: bool) -> list[str]:
    return [
        s["id"]
        for tenant in demo_keys()["tenants"]
        for s in tenant.get("subscriptions", ())
        if s.get("admin_privileges_lost", False) is lost
    ]


@pytest.fixture
def demo(database: Database) -> Database:
    load_world(database, demo_world_path(), now=NOW)
    return database


def test_the_demo_world_ships_in_the_package() -> None:
    assert demo_world_path().is_file()
    assert demo_world_path().parent.name == "worlds"


def test_the_demo_partner_has_its_agents_an_automation_account_and_a_nested_group(
    demo: Database,
) -> None:
    with demo.connect() as connection:
        partner = get_tenant(connection, PARTNER_DOMAIN)
        assert partner is not None and partner.partner is not None
        admin, helpdesk, sales = (get_group(connection, i) for i in partner.partner.group_ids())
        operators = get_group(connection, "a9e1d7c3-5b4f-4e2a-8d6c-000000000004")
        alice = get_user(connection, "alice@fabrikampartner.onmicrosoft.com")
        automation = get_service_principal(connection, "0b3e4f5a-1c2d-4e6f-8a9b-0c1d2e3f4a5b")
        assert alice is not None and automation is not None
        roles = directory_roles_of(connection, partner.id, [alice.id])
    assert partner.partner.partner_id == "4821937"
    assert admin is not None and helpdesk is not None and sales is not None
    assert operators is not None and operators.display_name == "Azure Operators"
    assert admin.members == {alice.id, automation.id, operators.id}
    assert len(helpdesk.members) == 1 and len(sales.members) == 1
    assert GLOBAL_ADMINISTRATOR.template_id in roles


def test_the_demo_has_five_customers_each_with_a_global_admin_and_an_ordinary_user(
    demo: Database,
) -> None:
    with demo.connect() as connection:
        customers = [x for x in list_tenants(connection) if x.partner is None]
        for customer in customers:
            users = connection.scalars(
                select(t.users.c.id).where(t.users.c.tenant_id == customer.id)
            ).all()
            admins = connection.scalars(
                select(t.directory_role_assignments.c.principal_id).where(
                    (t.directory_role_assignments.c.tenant_id == customer.id)
                    & (
                        t.directory_role_assignments.c.role_template_id
                        == GLOBAL_ADMINISTRATOR.template_id
                    )
                )
            ).all()
            assert len(admins) >= 1, customer.display_name
            assert set(users) - set(admins), customer.display_name
    assert len(customers) >= 5


def test_the_demo_has_a_dozen_csp_subscriptions_with_resources(demo: Database) -> None:
    with demo.connect() as connection:
        subscriptions = list_subscriptions(connection)
        groups = connection.scalar(select(func.count()).select_from(t.resource_groups))
        child_types = connection.scalars(
            select(t.resources.c.type).where(t.resources.c.type.like("%/%/%"))
        ).all()
    assert len(subscriptions) >= 12
    assert all(
        s.csp_partner_tenant_id == "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60" for s in subscriptions
    )
    assert (groups or 0) >= len(subscriptions)
    assert "Microsoft.Storage/storageAccounts/blobServices" in child_types


def test_in_the_demo_three_or_four_subscriptions_have_lost_the_admin_agents_grant(
    demo: Database,
) -> None:
    lost, kept = demo_subscriptions(lost=True), demo_subscriptions(lost=False)
    assert 3 <= len(lost) <= 4
    with demo.connect() as connection:
        grants = assignments_of(connection, admin_agents_of(connection))
    at_subscription = {g.scope.rsplit("/", 1)[-1] for g in grants if g.scope.count("/") == 2}
    assert at_subscription == set(kept)
    assert all(g.role_definition_id == OWNER.id for g in grants)
    assert all(g.principal_type is PrincipalType.FOREIGN_GROUP for g in grants)
    [partial] = [g for g in grants if g.scope.count("/") > 2]
    assert "/resourceGroups/" in partial.scope
    assert partial.scope.split("/")[2] in lost


def test_the_demo_has_a_reseller_without_dap_and_a_gdap_customer(demo: Database) -> None:
    with demo.connect() as connection:
        resellers = list_reseller_relationships(connection)
        [gdap] = list_gdap_relationships(connection)
        without_dap = {r.customer_tenant_id for r in resellers if not r.dap}
    no_delegated_access = without_dap - {gdap.customer_tenant_id}
    assert len(no_delegated_access) == 1
    assert sum(r.dap for r in resellers) >= 3
    assert gdap.status is GdapStatus.ACTIVE
    assert gdap.access_assignments


def test_in_the_demo_alice_can_create_resource_groups_only_where_privileges_hold(
    demo: Database,
) -> None:
    engine = load_engine(demo, clock=lambda: NOW)
    contoso = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"
    production = "5b2e7c90-1d3f-4e6a-8c7b-000000000211"  # grant in place
    dev_test = "5b2e7c90-1d3f-4e6a-8c7b-000000000212"  # grant lost
    assert production not in demo_subscriptions(lost=True)
    assert dev_test in demo_subscriptions(lost=True)
    with demo.connect() as connection:
        alice = get_user(connection, "alice@fabrikampartner.onmicrosoft.com")
    assert alice is not None
    caller = Caller(alice.id, contoso, PARTNER_ID)
    allowed = engine.decide(
        caller, WRITE_RESOURCE_GROUP, f"/subscriptions/{production}/resourceGroups/rg-new"
    )
    denied = engine.decide(
        caller, WRITE_RESOURCE_GROUP, f"/subscriptions/{dev_test}/resourceGroups/rg-new"
    )
    assert allowed.allowed, allowed.explain()
    assert not denied.allowed


def test_loading_the_demo_twice_changes_nothing(demo: Database) -> None:
    first = dump(demo)
    load_world(demo, demo_world_path(), now=NOW + timedelta(hours=1))
    assert dump(demo) == first


def test_custom_roles_and_management_groups_load(database: Database) -> None:
    load_world(database, BEYOND_THE_SPEC, now=NOW)
    first = dump(database)
    load_world(database, BEYOND_THE_SPEC, now=NOW)
    assert dump(database) == first
    assert len(first["management_groups"]) == 2
    assert len(first["role_definitions"]) == 1
    assert len(first["role_assignments"]) == 1


@pytest.mark.parametrize(
    ("customer", "subscription", "allowed"),
    [
        pytest.param("101", "212", False, id="Contoso Dev-Test: grant lost"),
        pytest.param("102", "222", False, id="Northwind Analytics: grant on one group only"),
        pytest.param("103", "231", True, id="Tailspin Games: through GDAP"),
        pytest.param("104", "241", False, id="Wide World Logistics: a reseller without DAP"),
        pytest.param("105", "251", True, id="Adventure Works Retail: through DAP"),
    ],
)
def test_in_the_demo_each_customer_shows_one_state_of_the_partners_privileges(
    demo: Database, customer: str, subscription: str, allowed: bool
) -> None:
    engine = load_engine(demo, clock=lambda: NOW)
    with demo.connect() as connection:
        alice = get_user(connection, "alice@fabrikampartner.onmicrosoft.com")
    assert alice is not None
    caller = Caller(alice.id, f"d3f1a6b2-0c4e-4a7d-9b8e-000000000{customer}", PARTNER_ID)
    scope = f"/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000{subscription}"
    assert engine.decide(caller, WRITE_RESOURCE_GROUP, scope).allowed is allowed


def test_in_the_demo_the_northwind_grant_reaches_only_its_resource_group(demo: Database) -> None:
    engine = load_engine(demo, clock=lambda: NOW)
    with demo.connect() as connection:
        alice = get_user(connection, "alice@fabrikampartner.onmicrosoft.com")
    assert alice is not None
    caller = Caller(alice.id, "d3f1a6b2-0c4e-4a7d-9b8e-000000000102", PARTNER_ID)
    subscription = "/subscriptions/5b2e7c90-1d3f-4e6a-8c7b-000000000222"
    lake = "/providers/Microsoft.Storage/storageAccounts/northwindlake01"
    write = "Microsoft.Storage/storageAccounts/write"
    assert engine.decide(caller, write, f"{subscription}/resourceGroups/rg-analytics{lake}")
    assert not engine.decide(caller, write, f"{subscription}/resourceGroups/rg-reports{lake}")
