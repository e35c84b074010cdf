"""Auditing a partner's subscription-level admin privileges on its CSP subscriptions.

For every subscription a partner sold through CSP, its AdminAgents group should hold
Owner at the subscription as a foreign group, and the partner should hold delegated
access (DAP or GDAP) to the customer. The audit names the state of each subscription and
the customer-side command that brings a lost grant back.

Every test that takes `database` runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import uuid

import pytest

from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.directory import PrincipalType, Tenant
from cspadmin.domain.roles import OWNER
from cspadmin.services.audit import (
    PrivilegeStatus,
    SubscriptionAudit,
    audit_partner,
    classify,
    partner_tenants,
)
from cspadmin.services.world import demo_world_path, load_world
from cspadmin.store.assignments import create_role_assignment
from cspadmin.store.database import Database
from cspadmin.store.directory import get_tenant
from cspadmin.store.snapshot import load_engine

FABRIKAM = "fabrikam.onmicrosoft.com"
LITWARE = "litwarepartner.onmicrosoft.com"
CONTOSO = "contoso.onmicrosoft.com"
ADMIN_AGENTS = "a9e1d7c3-5b4f-4e2a-8d6c-0000000000a1"

OK_SUB = "5b2e7c90-1d3f-4e6a-8c7b-000000000011"
LOST_SUB = "5b2e7c90-1d3f-4e6a-8c7b-000000000012"
PARTIAL_SUB = "5b2e7c90-1d3f-4e6a-8c7b-000000000013"
CONTRIBUTOR_SUB = "5b2e7c90-1d3f-4e6a-8c7b-000000000014"
DIRECT_SUB = "5b2e7c90-1d3f-4e6a-8c7b-000000000015"
DORMANT_SUB = "5b2e7c90-1d3f-4e6a-8c7b-000000000021"
LITWARE_SUB = "5b2e7c90-1d3f-4e6a-8c7b-000000000016"

# Two partners. Fabrikam's AdminAgents holds alice and the automation account directly,
# oscar through Azure Operators, and nina through Night Shift inside Azure Operators:
# four agents and two nested groups. Harry is only a helpdesk agent.
WORLD = f"""\
tenants:
  - name: Fabrikam
    domain: {FABRIKAM}
    partner: {{partner_id: "1000001"}}
    groups:
      - {{name: AdminAgents, id: {ADMIN_AGENTS}}}
      - {{name: Azure Operators, groups: [AdminAgents]}}
      - {{name: Night Shift, groups: [Azure Operators]}}
    users:
      - {{upn: alice@{FABRIKAM}, groups: [AdminAgents]}}
      - {{upn: oscar@{FABRIKAM}, groups: [Azure Operators]}}
      - {{upn: nina@{FABRIKAM}, groups: [Night Shift]}}
      - {{upn: harry@{FABRIKAM}, groups: [HelpdeskAgents]}}
    service_principals:
      - {{app_id: 0b3e4f5a-1c2d-4e6f-8a9b-0c1d2e3f4a5b, groups: [AdminAgents]}}

  - name: Litware Partner
    domain: {LITWARE}
    partner: {{partner_id: "1000002"}}

  - name: Contoso
    domain: {CONTOSO}
    users:
      - {{upn: bob@{CONTOSO}}}
    subscriptions:
      - {{id: {OK_SUB}, name: Contoso Production, csp_partner: {FABRIKAM}}}
      - id: {LOST_SUB}
        name: Contoso Dev-Test
        csp_partner: {FABRIKAM}
        admin_privileges_lost: true
        role_assignments:
          - {{role: Owner, principal: bob@{CONTOSO}}}
      - id: {PARTIAL_SUB}
        name: Contoso Data
        csp_partner: {FABRIKAM}
        admin_privileges_lost: true
        resource_groups:
          - {{name: rg-data, location: westeurope}}
          - {{name: rg-other, location: westeurope}}
        role_assignments:
          - {{role: Owner, principal: {FABRIKAM}/AdminAgents, scope: /resourceGroups/rg-data}}
      - id: {CONTRIBUTOR_SUB}
        name: Contoso Contributor Only
        csp_partner: {FABRIKAM}
        admin_privileges_lost: true
        role_assignments:
          - {{role: Contributor, principal: {FABRIKAM}/AdminAgents}}
      - {{id: {DIRECT_SUB}, name: Contoso Direct}}  # bought without a CSP partner
      - {{id: {LITWARE_SUB}, name: Contoso via Litware, csp_partner: {LITWARE}}}

  - name: Wide World Importers
    domain: wideworldimporters.onmicrosoft.com
    subscriptions:
      - {{id: {DORMANT_SUB}, name: Wide World Logistics, csp_partner: {FABRIKAM}}}

relationships:
  - {{partner: {FABRIKAM}, customer: {CONTOSO}, dap: true}}
  - {{partner: {FABRIKAM}, customer: wideworldimporters.onmicrosoft.com, dap: false}}
  - {{partner: {LITWARE}, customer: {CONTOSO}, dap: true}}
"""

FABRIKAM_AGENTS = 4  # alice, oscar, nina, the automation account; not the nested groups


def tenant(database: Database, domain: str) -> Tenant:
    with database.connect() as connection:
        found = get_tenant(connection, domain)
    assert found is not None
    return found


def audits(database: Database, domain: str = FABRIKAM) -> dict[str, SubscriptionAudit]:
    """The partner's audit, by subscription name, against a freshly loaded engine."""
    result = audit_partner(database, load_engine(database), tenant(database, domain))
    return {a.subscription.display_name: a for a in result}


def seed_command(subscription_id: str, admin_agents_id: str = ADMIN_AGENTS) -> str:
    return (
        f'az role assignment create --role "Owner" --assignee-object-id {admin_agents_id} '
        f'--scope "/subscriptions/{subscription_id}" --assignee-principal-type "ForeignGroup"'
    )


def owner_for_admin_agents(scope: str, tenant_id: str) -> RoleAssignment:
    return RoleAssignment(
        str(uuid.uuid4()),
        scope,
        OWNER.id,
        ADMIN_AGENTS,
        PrincipalType.FOREIGN_GROUP,
        tenant_id,
    )


@pytest.fixture
def world(database: Database) -> Database:
    load_world(database, WORLD)
    return database


# -- classify: the status from the grants found ----------------------------------------------

SUB = "5b2e7c90-1d3f-4e6a-8c7b-0000000000aa"
AT_SUBSCRIPTION = owner_for_admin_agents(f"/subscriptions/{SUB}", "customer")
AT_GROUP = owner_for_admin_agents(f"/subscriptions/{SUB}/resourceGroups/rg-web", "customer")
AT_RESOURCE = owner_for_admin_agents(
    f"/subscriptions/{SUB}/resourceGroups/rg-web/providers/Microsoft.Web/sites/web", "customer"
)


@pytest.mark.parametrize(
    ("grants", "delegated", "status"),
    [
        pytest.param((AT_SUBSCRIPTION,), True, PrivilegeStatus.OK, id="owner-at-sub"),
        pytest.param((AT_GROUP, AT_SUBSCRIPTION), True, PrivilegeStatus.OK, id="sub-and-rg"),
        pytest.param((), True, PrivilegeStatus.LOST, id="no-grant"),
        pytest.param((), False, PrivilegeStatus.LOST, id="no-grant-no-dap"),
        pytest.param((AT_GROUP,), True, PrivilegeStatus.PARTIAL, id="owner-at-rg-only"),
        pytest.param((AT_RESOURCE,), True, PrivilegeStatus.PARTIAL, id="owner-at-resource"),
        pytest.param((AT_GROUP,), False, PrivilegeStatus.PARTIAL, id="rg-only-no-dap"),
        pytest.param((AT_SUBSCRIPTION,), False, PrivilegeStatus.DORMANT, id="no-dap-or-gdap"),
    ],
)
def test_classify_names_the_state_of_the_subscription_level_grant(
    grants: tuple[RoleAssignment, ...], delegated: bool, status: PrivilegeStatus
) -> None:
    assert classify(SUB, grants, delegated) is status


# -- audit_partner -----------------------------------------------------------------------------


def test_the_audit_lists_only_the_partners_own_csp_subscriptions_by_customer(
    world: Database,
) -> None:
    assert list(audits(world)) == [
        "Contoso Contributor Only",
        "Contoso Data",
        "Contoso Dev-Test",
        "Contoso Production",
        "Wide World Logistics",
    ]
    assert list(audits(world, LITWARE)) == ["Contoso via Litware"]


def test_each_subscription_gets_the_status_its_grant_and_relationship_give(
    world: Database,
) -> None:
    found = audits(world)
    assert {name: a.status for name, a in found.items()} == {
        "Contoso Production": PrivilegeStatus.OK,
        "Contoso Dev-Test": PrivilegeStatus.LOST,
        "Contoso Data": PrivilegeStatus.PARTIAL,
        "Contoso Contributor Only": PrivilegeStatus.LOST,  # only Owner is the CSP grant
        "Wide World Logistics": PrivilegeStatus.DORMANT,
    }
    assert {name: a.delegated_access for name, a in found.items()} == {
        "Contoso Production": True,
        "Contoso Dev-Test": True,
        "Contoso Data": True,
        "Contoso Contributor Only": True,
        "Wide World Logistics": False,
    }


def test_owner_grants_are_the_admin_agents_owner_assignments_under_the_subscription(
    world: Database,
) -> None:
    found = audits(world)
    scopes = {name: [g.scope for g in a.owner_grants] for name, a in found.items()}
    assert scopes == {
        "Contoso Production": [f"/subscriptions/{OK_SUB}"],
        "Contoso Dev-Test": [],
        "Contoso Data": [f"/subscriptions/{PARTIAL_SUB}/resourceGroups/rg-data"],
        "Contoso Contributor Only": [],
        "Wide World Logistics": [f"/subscriptions/{DORMANT_SUB}"],
    }
    for a in found.values():
        assert all(g.principal_type is PrincipalType.FOREIGN_GROUP for g in a.owner_grants)


def test_agents_who_can_manage_are_the_users_and_service_principals_inside_admin_agents(
    world: Database,
) -> None:
    found = audits(world)
    assert {name: a.agents_who_can_manage for name, a in found.items()} == {
        "Contoso Production": FABRIKAM_AGENTS,
        "Contoso Dev-Test": 0,
        "Contoso Data": 0,  # Owner on one group does not let them create groups
        "Contoso Contributor Only": FABRIKAM_AGENTS,  # they can manage, just not grant
        "Wide World Logistics": 0,  # without delegated access the grant does not count
    }


def test_the_reinstate_command_is_the_seed_command_for_lost_and_partial_grants(
    world: Database,
) -> None:
    found = audits(world)
    assert {name: a.reinstate_command for name, a in found.items()} == {
        "Contoso Production": None,
        "Contoso Dev-Test": seed_command(LOST_SUB),
        "Contoso Data": seed_command(PARTIAL_SUB),
        "Contoso Contributor Only": seed_command(CONTRIBUTOR_SUB),
        "Wide World Logistics": None,  # the grant is there; the relationship is missing
    }


@pytest.mark.parametrize(
    ("name", "subscription_id"),
    [("Contoso Dev-Test", LOST_SUB), ("Contoso Data", PARTIAL_SUB)],
)
def test_adding_back_the_owner_grant_makes_the_subscription_ok(
    world: Database, name: str, subscription_id: str
) -> None:
    before = audits(world)[name]
    assert before.status in (PrivilegeStatus.LOST, PrivilegeStatus.PARTIAL)
    with world.begin() as connection:
        create_role_assignment(
            connection,
            owner_for_admin_agents(f"/subscriptions/{subscription_id}", before.customer.id),
        )

    after = audits(world)[name]

    assert after.status is PrivilegeStatus.OK
    assert after.reinstate_command is None
    assert after.agents_who_can_manage == FABRIKAM_AGENTS
    assert f"/subscriptions/{subscription_id}" in [g.scope for g in after.owner_grants]


def test_auditing_a_tenant_that_is_not_a_partner_raises_value_error(world: Database) -> None:
    with pytest.raises(ValueError, match=CONTOSO):
        audit_partner(world, load_engine(world), tenant(world, CONTOSO))


def test_partner_tenants_are_the_tenants_with_a_partner_profile(world: Database) -> None:
    assert sorted(t.default_domain for t in partner_tenants(world)) == [FABRIKAM, LITWARE]


GDAP_WORLD = f"""\
tenants:
  - name: Fabrikam
    domain: {FABRIKAM}
    partner: {{partner_id: "1000001"}}
    users:
      - {{upn: alice@{FABRIKAM}, groups: [AdminAgents]}}
      - {{upn: harry@{FABRIKAM}, groups: [HelpdeskAgents]}}
  - name: Contoso
    domain: {CONTOSO}
    subscriptions:
      - {{id: {OK_SUB}, name: Contoso Production, csp_partner: {FABRIKAM}}}
relationships:
  - partner: {FABRIKAM}
    customer: {CONTOSO}
    gdap:
      name: Helpdesk only
      duration: P730D
      roles: [Helpdesk Administrator]
      access:
        - {{group: HelpdeskAgents, roles: [Helpdesk Administrator]}}
"""


def test_an_agent_in_no_gdap_access_group_cannot_manage_the_subscription(
    database: Database,
) -> None:
    load_world(database, GDAP_WORLD)
    production = audits(database)["Contoso Production"]
    assert production.status is PrivilegeStatus.OK
    assert production.agents_who_can_manage == 0  # alice cannot get a token for Contoso


# -- the demo world ----------------------------------------------------------------------------

DEMO_PARTNER = "fabrikampartner.onmicrosoft.com"
DEMO_ADMIN_AGENTS = "a9e1d7c3-5b4f-4e2a-8d6c-000000000001"
DEMO_SUB = "5b2e7c90-1d3f-4e6a-8c7b-000000000{}"
DEMO_STATUSES = {  # from the table at the top of worlds/demo.yaml
    "Contoso Production": PrivilegeStatus.OK,
    "Contoso Dev-Test": PrivilegeStatus.LOST,
    "Contoso Data Platform": PrivilegeStatus.OK,
    "Northwind Web": PrivilegeStatus.OK,
    "Northwind Analytics": PrivilegeStatus.PARTIAL,  # Owner on rg-analytics only
    "Tailspin Games": PrivilegeStatus.OK,  # through GDAP, DAP removed
    "Tailspin Labs": PrivilegeStatus.LOST,
    "Wide World Logistics": PrivilegeStatus.DORMANT,  # a reseller without DAP
    "Wide World Archive": PrivilegeStatus.DORMANT,
    "Adventure Works Retail": PrivilegeStatus.OK,
    "Adventure Works Legacy": PrivilegeStatus.LOST,
    "Adventure Works Manufacturing": PrivilegeStatus.OK,
    "Litware Azure plan": PrivilegeStatus.OK,
}


def test_the_demo_audit_shows_what_the_demo_world_describes(database: Database) -> None:
    load_world(database, demo_world_path())
    found = audits(database, DEMO_PARTNER)

    assert {name: a.status for name, a in found.items()} == DEMO_STATUSES
    # alice and the automation account directly, oscar through Azure Operators
    assert {a.agents_who_can_manage for a in found.values() if a.status == "ok"} == {3}
    assert {a.agents_who_can_manage for a in found.values() if a.status != "ok"} == {0}
    assert sorted(a.reinstate_command for a in found.values() if a.reinstate_command) == [
        seed_command(DEMO_SUB.format(sub), DEMO_ADMIN_AGENTS)
        for sub in ("212", "222", "232", "252")
    ]
