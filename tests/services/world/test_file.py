"""World files (../shared/world-file.md): parsing, validation and located errors.

These tests need no store: a world file resolves to a `WorldPlan` on its own.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import yaml

from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.directory_roles import find_directory_role
from cspadmin.domain.roles import OWNER
from cspadmin.errors import WorldFileError
from cspadmin.services.world.file import parse_world
from cspadmin.services.world.plan import WorldPlan

SPEC_EXAMPLE = """\
tenants:
  - id: 6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60     # optional
    name: Fabrikam Partner
    domain: fabrikampartner.onmicrosoft.com        # unique; used to refer to the tenant
    partner:                                       # present = this tenant is a CSP partner:
      partner_id: "4821937"                        # AdminAgents, HelpdeskAgents, SalesAgents exist
    users:
      - upn: alice@fabrikampartner.onmicrosoft.com
        password: "Alice-pass-1"
        display_name: Alice Admin                  # optional
        directory_roles: [Global Administrator]    # Entra role names
        groups: [AdminAgents]                      # group display names in the same tenant
    groups:
      - name: Azure Operators                      # extra security groups; may nest
        members: [alice@fabrikampartner.onmicrosoft.com]
    service_principals:
      - app_id: 0b3e4f5a-1c2d-4e6f-8a9b-0c1d2e3f4a5b
        secret: "sp-secret-1"
        display_name: Fabrikam automation
        groups: [AdminAgents]

  - name: Contoso
    domain: contoso.onmicrosoft.com
    users:
      - upn: bob@contoso.onmicrosoft.com
        password: "Bob-pass-1"
        directory_roles: [Global Administrator]
      - upn: carol@contoso.onmicrosoft.com
        password: "Carol-pass-1"
    subscriptions:
      - id: 9d7e1f0a-2b3c-4d5e-8f6a-7b8c9d0e1f2a
        name: Contoso Azure plan
        csp_partner: fabrikampartner.onmicrosoft.com   # created by that partner: its AdminAgents
                                                        # get Owner (ForeignGroup) at creation...
        admin_privileges_lost: true                     # ...unless this says that grant was removed
        resource_groups:
          - name: rg-web
            location: westeurope
            resources:
              - type: Microsoft.Storage/storageAccounts
                name: contosoweb01
        role_assignments:
          - role: Owner                                 # built-in role name or GUID
            principal: bob@contoso.onmicrosoft.com      # UPN, group name, app id, or object id
            scope: /                                    # optional; relative to the subscription;
                                                        # "/" = the subscription itself

relationships:
  - partner: fabrikampartner.onmicrosoft.com
    customer: contoso.onmicrosoft.com
    dap: true                                           # reseller relationship with DAP
  - partner: fabrikampartner.onmicrosoft.com
    customer: contoso.onmicrosoft.com
    gdap:                                               # a granular relationship, active
      name: Contoso ops
      duration: P730D
      roles: [Helpdesk Administrator, Directory Readers]
      access:                                           # partner group -> subset of roles
        - group: Azure Operators
          roles: [Directory Readers]
"""

PARTNER_ID = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60"
SUBSCRIPTION_ID = "9d7e1f0a-2b3c-4d5e-8f6a-7b8c9d0e1f2a"


def as_json(text: str) -> str:
    """The same world as JSON, indented with tabs as JSON allows and YAML does not."""
    return json.dumps(yaml.safe_load(text), indent="\t")


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """The 1-based line holding the `occurrence`-th `fragment`."""
    start = -1
    for _ in range(occurrence):
        start = text.index(fragment, start + 1)
    return text.count("\n", 0, start) + 1


def replaced(old: str, new: str) -> str:
    assert old in SPEC_EXAMPLE, old
    return SPEC_EXAMPLE.replace(old, new, 1)


def rejection(text: str) -> WorldFileError:
    with pytest.raises(WorldFileError) as caught:
        parse_world(text)
    return caught.value


def user(plan: WorldPlan, upn: str) -> str:
    return next(u.user.id for u in plan.users if u.user.user_principal_name == upn)


def group(plan: WorldPlan, tenant_id: str, name: str) -> str:
    return next(g.id for g in plan.groups if g.tenant_id == tenant_id and g.display_name == name)


# -- what a valid file becomes --------------------------------------------------------------


def test_the_spec_example_resolves_into_tenants_objects_estate_and_relationships() -> None:
    plan = parse_world(SPEC_EXAMPLE)
    assert [t.default_domain for t in plan.tenants] == [
        "fabrikampartner.onmicrosoft.com",
        "contoso.onmicrosoft.com",
    ]
    assert len(plan.users) == 3
    assert len(plan.service_principals) == 1
    assert [s.id for s in plan.subscriptions] == [SUBSCRIPTION_ID]
    assert plan.subscriptions[0].csp_partner_tenant_id == PARTNER_ID
    assert [(g.name, g.location) for g in plan.resource_groups] == [("rg-web", "westeurope")]
    assert [r.id for r in plan.resources] == [
        f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-web"
        "/providers/Microsoft.Storage/storageAccounts/contosoweb01"
    ]
    assert [r.dap for r in plan.reseller_relationships] == [True]
    assert [g.display_name for g in plan.gdap_relationships] == ["Contoso ops"]


def test_yaml_and_json_describe_the_same_world() -> None:
    from_yaml, from_json = parse_world(SPEC_EXAMPLE), parse_world(as_json(SPEC_EXAMPLE))
    assert [p.assignment for p in from_json.role_assignments] == [
        p.assignment for p in from_yaml.role_assignments
    ]
    assert replace(from_json, role_assignments=[]) == replace(from_yaml, role_assignments=[])


def test_a_partner_tenant_has_admin_helpdesk_and_sales_agent_groups() -> None:
    plan = parse_world(SPEC_EXAMPLE)
    partner = plan.tenants[0].partner
    assert partner is not None
    assert partner.partner_id == "4821937"
    names = {g.id: g.display_name for g in plan.groups}
    assert [names[i] for i in partner.group_ids()] == [
        "AdminAgents",
        "HelpdeskAgents",
        "SalesAgents",
    ]
    assert plan.tenants[1].partner is None


def test_users_and_service_principals_join_the_groups_they_name() -> None:
    plan = parse_world(SPEC_EXAMPLE)
    admin_agents = next(g for g in plan.groups if g.display_name == "AdminAgents")
    operators = next(g for g in plan.groups if g.display_name == "Azure Operators")
    alice = user(plan, "alice@fabrikampartner.onmicrosoft.com")
    automation = plan.service_principals[0].service_principal.id
    assert admin_agents.members == {alice, automation}
    assert operators.members == {alice}


def test_directory_roles_become_role_assignments_in_the_tenant() -> None:
    plan = parse_world(SPEC_EXAMPLE)
    global_admin = find_directory_role("Global Administrator")
    assert global_admin is not None
    holders = {r.principal_id for r in plan.directory_roles}
    assert holders == {
        user(plan, "alice@fabrikampartner.onmicrosoft.com"),
        user(plan, "bob@contoso.onmicrosoft.com"),
    }
    assert {r.role_template_id for r in plan.directory_roles} == {global_admin.template_id}


def test_a_csp_subscription_grants_admin_agents_owner_as_a_foreign_group() -> None:
    text = replaced("        admin_privileges_lost: true", "")
    plan = parse_world(text)
    admin_agents = group(plan, PARTNER_ID, "AdminAgents")
    grants = [
        p.assignment for p in plan.role_assignments if p.assignment.principal_id == admin_agents
    ]
    assert len(grants) == 1
    assert grants[0].scope == f"/subscriptions/{SUBSCRIPTION_ID}"
    assert grants[0].role_definition_id == OWNER.id
    assert grants[0].principal_type is PrincipalType.FOREIGN_GROUP
    assert grants[0].tenant_id == plan.tenants[1].id


def test_lost_admin_privileges_mean_no_admin_agents_owner_assignment() -> None:
    plan = parse_world(SPEC_EXAMPLE)
    admin_agents = group(plan, PARTNER_ID, "AdminAgents")
    assert all(p.assignment.principal_id != admin_agents for p in plan.role_assignments)
    assert plan.subscriptions[0].csp_partner_tenant_id == PARTNER_ID


def test_role_assignment_scopes_are_relative_to_the_subscription() -> None:
    text = replaced("            scope: /  ", "            scope: /resourceGroups/rg-web  ")
    [bob_owner] = parse_world(text).role_assignments
    assert bob_owner.assignment.scope == f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-web"
    assert bob_owner.assignment.principal_type is PrincipalType.USER


def test_a_partner_group_is_named_from_a_customer_as_domain_slash_group() -> None:
    text = replaced(
        "            principal: bob@contoso.onmicrosoft.com",
        "            principal: fabrikampartner.onmicrosoft.com/AdminAgents",
    )
    text = text.replace("            scope: /  ", "            scope: /resourceGroups/rg-web  ")
    plan = parse_world(text)
    [grant] = [p.assignment for p in plan.role_assignments]
    assert grant.principal_id == group(plan, PARTNER_ID, "AdminAgents")
    assert grant.principal_type is PrincipalType.FOREIGN_GROUP
    assert grant.scope.endswith("/resourceGroups/rg-web")


def test_a_group_may_name_another_group_among_its_members() -> None:
    text = replaced(
        "        members: [alice@fabrikampartner.onmicrosoft.com]",
        "        members: [alice@fabrikampartner.onmicrosoft.com]\n      - name: Outer\n"
        "        members: [Azure Operators]",
    )
    plan = parse_world(text)
    outer = next(g for g in plan.groups if g.display_name == "Outer")
    assert outer.members == {group(plan, PARTNER_ID, "Azure Operators")}


def test_child_resources_are_named_one_segment_per_type() -> None:
    text = replaced(
        "                name: contosoweb01\n",
        "                name: contosoweb01\n"
        "              - type: Microsoft.Storage/storageAccounts/blobServices\n"
        "                name: contosoweb01/default\n",
    )
    child = parse_world(text).resources[1]
    assert child.id.endswith("/storageAccounts/contosoweb01/blobServices/default")
    assert child.location == "westeurope"


def test_the_gdap_relationship_is_active_with_partner_groups_mapped_to_roles() -> None:
    plan = parse_world(SPEC_EXAMPLE)
    [gdap] = plan.gdap_relationships
    readers = find_directory_role("Directory Readers")
    assert readers is not None
    assert gdap.status.value == "active"
    assert gdap.duration == "P730D"
    assert len(gdap.role_template_ids) == 2
    [access] = gdap.access_assignments
    assert access.group_id == group(plan, PARTNER_ID, "Azure Operators")
    assert access.role_template_ids == (readers.template_id,)


# -- ids -------------------------------------------------------------------------------------


def test_ids_given_in_the_file_are_kept() -> None:
    plan = parse_world(SPEC_EXAMPLE)
    assert plan.tenants[0].id == PARTNER_ID
    assert plan.subscriptions[0].id == SUBSCRIPTION_ID
    paths = {g.path for g in plan.generated}
    assert "tenants[0].id" not in paths
    assert "tenants[1].subscriptions[0].id" not in paths


def test_ids_left_out_are_generated_deterministically_and_reported() -> None:
    first, second = parse_world(SPEC_EXAMPLE), parse_world(SPEC_EXAMPLE)
    assert first.generated == second.generated
    reported = {g.path: g.id for g in first.generated}
    assert reported["tenants[1].id"] == first.tenants[1].id
    assert reported["tenants[0].users[0].id"] == user(
        first, "alice@fabrikampartner.onmicrosoft.com"
    )
    assert reported["tenants[0].service_principals[0].id"] == (
        first.service_principals[0].service_principal.id
    )
    assert reported["tenants[1].subscriptions[0].role_assignments[0].name"] == (
        first.role_assignments[0].assignment.name
    )
    agent_groups = [g for g in first.generated if g.path == "tenants[0].partner"]
    assert [g.key for g in agent_groups] == [
        "fabrikampartner.onmicrosoft.com/AdminAgents",
        "fabrikampartner.onmicrosoft.com/HelpdeskAgents",
        "fabrikampartner.onmicrosoft.com/SalesAgents",
    ]


def test_generated_ids_depend_on_natural_keys_not_on_position() -> None:
    reordered = replaced(
        "      - upn: bob@contoso.onmicrosoft.com\n"
        '        password: "Bob-pass-1"\n'
        "        directory_roles: [Global Administrator]\n"
        "      - upn: carol@contoso.onmicrosoft.com\n"
        '        password: "Carol-pass-1"\n',
        "      - upn: carol@contoso.onmicrosoft.com\n"
        '        password: "Carol-pass-1"\n'
        "      - upn: bob@contoso.onmicrosoft.com\n"
        '        password: "Bob-pass-1"\n'
        "        directory_roles: [Global Administrator]\n",
    )
    original, moved = parse_world(SPEC_EXAMPLE), parse_world(reordered)
    for upn in ("bob@contoso.onmicrosoft.com", "carol@contoso.onmicrosoft.com"):
        assert user(original, upn) == user(moved, upn)


# -- errors name the key path and the line -------------------------------------------------


def test_an_unknown_key_names_its_path_and_line() -> None:
    text = replaced(
        "        display_name: Alice Admin ",
        "        colour: blue\n        display_name: Alice Admin ",
    )
    error = rejection(text)
    assert error.path == "tenants[0].users[0].colour"
    assert error.line == line_of(text, "colour: blue")
    assert "unknown key 'colour'" in error.message
    assert "upn" in error.message  # the keys allowed there


def test_an_unknown_key_in_json_names_its_path_and_line() -> None:
    data = yaml.safe_load(SPEC_EXAMPLE)
    data["tenants"][1]["subscriptions"][0]["resource_groups"][0]["colour"] = "blue"
    text = json.dumps(data, indent="\t")
    error = rejection(text)
    assert error.path == "tenants[1].subscriptions[0].resource_groups[0].colour"
    assert error.line == line_of(text, '"colour"')


def test_a_missing_key_names_the_mapping_that_lacks_it() -> None:
    text = replaced('        password: "Carol-pass-1"\n', "").replace(
        "      - upn: carol@contoso.onmicrosoft.com\n", "      - password: x\n"
    )
    error = rejection(text)
    assert error.path == "tenants[1].users[1].upn"
    assert error.line == line_of(text, "- password: x")
    assert "required" in error.message


def test_a_value_of_the_wrong_shape_names_its_path_and_line() -> None:
    text = replaced("      - id: 9d7e1f0a-2b3c-4d5e-8f6a-7b8c9d0e1f2a", "      - id: not-a-guid")
    error = rejection(text)
    assert error.path == "tenants[1].subscriptions[0].id"
    assert error.line == line_of(text, "not-a-guid")
    assert "not a GUID" in error.message


def test_a_duplicate_key_is_an_error_not_a_silent_overwrite() -> None:
    text = replaced("  - name: Contoso\n", "  - name: Contoso\n    name: Contoso Ltd\n")
    error = rejection(text)
    assert error.path == "tenants[1].name"
    assert error.line == line_of(text, "name: Contoso Ltd")


def test_broken_yaml_reports_its_line() -> None:
    text = replaced("  - name: Contoso\n", "  - name: [Contoso\n")
    error = rejection(text)
    assert "not valid YAML" in error.message
    assert error.line is not None


def test_broken_json_reports_its_line() -> None:
    text = as_json(SPEC_EXAMPLE).replace('"Contoso"', '"Contoso",,', 1)
    error = rejection(text)
    assert "not valid JSON" in error.message
    assert error.line == line_of(text, '"Contoso",,')


DANGLING = [
    pytest.param(
        "        groups: [AdminAgents]                      #",
        "        groups: [AdminAgnets]                      #",
        "tenants[0].users[0].groups[0]",
        "no group named 'AdminAgnets'",
        id="a user's group that does not exist in its tenant",
    ),
    pytest.param(
        "        members: [alice@fabrikampartner.onmicrosoft.com]",
        "        members: [mallory@fabrikampartner.onmicrosoft.com]",
        "tenants[0].groups[0].members[0]",
        "mallory@fabrikampartner.onmicrosoft.com",
        id="a group member that does not exist",
    ),
    pytest.param(
        "        csp_partner: fabrikampartner.onmicrosoft.com",
        "        csp_partner: contoso.onmicrosoft.com",
        "tenants[1].subscriptions[0].csp_partner",
        "not a partner tenant",
        id="a csp_partner that is not a partner tenant",
    ),
    pytest.param(
        "    customer: contoso.onmicrosoft.com\n    dap: true",
        "    customer: kontoso.onmicrosoft.com\n    dap: true",
        "relationships[0].customer",
        "no tenant in this file has the domain 'kontoso.onmicrosoft.com'",
        id="a relationship naming an unknown domain",
    ),
    pytest.param(
        "          - role: Owner ",
        "          - role: Overlord ",
        "tenants[1].subscriptions[0].role_assignments[0].role",
        "neither a built-in role",
        id="a role that is neither built in nor custom",
    ),
    pytest.param(
        "            principal: bob@contoso.onmicrosoft.com",
        "            principal: robert@contoso.onmicrosoft.com",
        "tenants[1].subscriptions[0].role_assignments[0].principal",
        "robert@contoso.onmicrosoft.com",
        id="a principal that cannot be resolved",
    ),
    pytest.param(
        "            principal: bob@contoso.onmicrosoft.com",
        "            principal: alice@fabrikampartner.onmicrosoft.com",
        "tenants[1].subscriptions[0].role_assignments[0].principal",
        "belongs to another tenant",
        id="a user of another tenant as principal",
    ),
    pytest.param(
        "            scope: /  ",
        "            scope: /resourceGroups/rg-missing  ",
        "tenants[1].subscriptions[0].role_assignments[0].scope",
        "no resource group 'rg-missing'",
        id="a scope naming an undeclared resource group",
    ),
    pytest.param(
        "          roles: [Directory Readers]",
        "          roles: [Directory Readers, User Administrator]",
        "relationships[1].gdap.access[0].roles[1]",
        "not one of this relationship's roles",
        id="gdap access roles not a subset of the relationship's",
    ),
    pytest.param(
        "      roles: [Helpdesk Administrator, Directory Readers]",
        "      roles: [Helpdesk Administrator, Directory Reader]",
        "relationships[1].gdap.roles[1]",
        "not an Entra role",
        id="an unknown Entra role name",
    ),
    pytest.param(
        "        directory_roles: [Global Administrator]    #",
        "        directory_roles: [Global Admin]    #",
        "tenants[0].users[0].directory_roles[0]",
        "not an Entra role",
        id="an unknown directory role",
    ),
    pytest.param(
        "        - group: Azure Operators",
        "        - group: Azure Operatives",
        "relationships[1].gdap.access[0].group",
        "no group 'Azure Operatives'",
        id="a gdap access group that is not a partner group",
    ),
    pytest.param(
        "      duration: P730D",
        "      duration: P3Y",
        "relationships[1].gdap.duration",
        "P1D to P2Y",
        id="a gdap duration beyond two years",
    ),
]


@pytest.mark.parametrize(("old", "new", "path", "message"), DANGLING)
def test_a_dangling_reference_names_its_path_and_line(
    old: str, new: str, path: str, message: str
) -> None:
    text = replaced(old, new)
    error = rejection(text)
    assert error.path == path
    assert error.line == line_of(text, new.split("\n")[0].strip())
    assert message in error.message
    assert str(error).startswith(f"{path} (line {error.line}): ")


def test_a_upn_outside_the_tenants_domain_is_rejected() -> None:
    text = replaced("      - upn: carol@contoso.onmicrosoft.com", "      - upn: carol@contoso.com")
    error = rejection(text)
    assert error.path == "tenants[1].users[1].upn"


def test_two_tenants_cannot_share_a_domain() -> None:
    text = replaced(
        "    domain: contoso.onmicrosoft.com", "    domain: FabrikamPartner.onmicrosoft.com"
    )
    error = rejection(text)
    assert error.path == "tenants[1].domain"
    assert "tenants[0]" in error.message


def test_lost_admin_privileges_need_a_csp_partner() -> None:
    text = replaced("        csp_partner: fabrikampartner.onmicrosoft.com", "")
    error = rejection(text)
    assert error.path == "tenants[1].subscriptions[0].admin_privileges_lost"


def test_an_empty_file_is_an_empty_world() -> None:
    assert parse_world("") == WorldPlan()


BEYOND_THE_SPEC = """\
management_groups:
  - name: mg-contoso
    tenant: contoso.onmicrosoft.com
  - name: mg-contoso-prod
    tenant: contoso.onmicrosoft.com
    parent: mg-contoso
tenants:
  - name: Contoso
    domain: contoso.onmicrosoft.com
    users:
      - upn: bob@contoso.onmicrosoft.com
    custom_roles:
      - name: Storage Operator
        actions: [Microsoft.Storage/*/read]
    subscriptions:
      - name: Contoso Production
        management_group: mg-contoso-prod
        resource_groups:
          - name: rg-web
            location: westeurope
        role_assignments:
          - role: Storage Operator
            principal: bob@contoso.onmicrosoft.com
            scope: /resourceGroups/rg-web
"""


def test_custom_roles_are_assignable_in_the_tenants_subscriptions_by_name() -> None:
    plan = parse_world(BEYOND_THE_SPEC)
    [(tenant_id, role)] = plan.custom_roles
    [subscription] = plan.subscriptions
    [grant] = plan.role_assignments
    assert tenant_id == plan.tenants[0].id
    assert role.assignable_scopes == (f"/subscriptions/{subscription.id}",)
    assert grant.assignment.role_definition_id == role.id


def test_subscriptions_may_sit_under_declared_management_groups() -> None:
    plan = parse_world(BEYOND_THE_SPEC)
    assert [(g.name, g.parent) for g in plan.management_groups] == [
        ("mg-contoso", None),
        ("mg-contoso-prod", "mg-contoso"),
    ]
    assert plan.subscriptions[0].management_group == "mg-contoso-prod"


def test_an_undeclared_management_group_is_a_dangling_reference() -> None:
    text = BEYOND_THE_SPEC.replace("management_group: mg-contoso-prod", "management_group: mg-x")
    error = rejection(text)
    assert error.path == "tenants[0].subscriptions[0].management_group"
    assert error.line == line_of(text, "management_group: mg-x")
