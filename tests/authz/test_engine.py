"""The authorization engine, as behaviour: small worlds built inline, one rule per test.

The cast: a CSP partner (Fabrikam) with its AdminAgents and HelpdeskAgents groups and an
agent in AdminAgents; a customer (Contoso) with an admin, a subscription and resources; a
third tenant (Tailspin) that the partner does not serve.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cspadmin.authz.decision import Caller, Decision, MissingLinkKind
from cspadmin.authz.engine import Engine
from cspadmin.domain.assignments import EVERYONE, DenyAssignment, RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.directory_roles import GLOBAL_ADMINISTRATOR
from cspadmin.domain.relationships import (
    GdapRelationship,
    GdapStatus,
    RelationshipState,
    ResellerRelationship,
)
from cspadmin.domain.roles import (
    BUILTIN_BY_NAME,
    CONTRIBUTOR,
    OWNER,
    READER,
    Permission,
    custom_role,
)

PARTNER = "11111111-0000-4000-8000-000000000001"
CUSTOMER = "22222222-0000-4000-8000-000000000002"
TAILSPIN = "33333333-0000-4000-8000-000000000003"

ADMIN_AGENTS = "aaaaaaaa-0000-4000-8000-00000000000a"
HELPDESK_AGENTS = "aaaaaaaa-0000-4000-8000-00000000000b"
AGENT = "aaaaaaaa-0000-4000-8000-000000000001"
HELPDESK_AGENT = "aaaaaaaa-0000-4000-8000-000000000002"
CUSTOMER_ADMIN = "cccccccc-0000-4000-8000-000000000001"
CUSTOMER_DEV = "cccccccc-0000-4000-8000-000000000002"
CUSTOMER_APP = "cccccccc-0000-4000-8000-000000000003"
DEVELOPERS = "cccccccc-0000-4000-8000-0000000000d1"
ENGINEERING = "cccccccc-0000-4000-8000-0000000000d2"
TAILSPIN_ADMIN = "dddddddd-0000-4000-8000-000000000001"

SUB = "5b0e6c1a-0000-4000-8000-000000000001"
OTHER_SUB = "5b0e6c1a-0000-4000-8000-000000000002"
TAILSPIN_SUB = "5b0e6c1a-0000-4000-8000-000000000003"
SUB_ID = f"/subscriptions/{SUB}"
RG_ID = f"{SUB_ID}/resourceGroups/web"
OTHER_RG_ID = f"{SUB_ID}/resourceGroups/data"
VM_ID = f"{RG_ID}/providers/Microsoft.Compute/virtualMachines/vm1"
VM_EXTENSION_ID = f"{VM_ID}/extensions/monitor"
OTHER_VM_ID = f"{RG_ID}/providers/Microsoft.Compute/virtualMachines/vm2"
STORAGE_ID = f"{OTHER_RG_ID}/providers/Microsoft.Storage/storageAccounts/logs"
CONTAINER_ID = f"{STORAGE_ID}/blobServices/default/containers/audit"

READ_VM = "Microsoft.Compute/virtualMachines/read"
WRITE_VM = "Microsoft.Compute/virtualMachines/write"
WRITE_ROLE_ASSIGNMENT = "Microsoft.Authorization/roleAssignments/write"
BLOB_READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

AGENT_IN_CUSTOMER = Caller(AGENT, CUSTOMER, PARTNER)
HELPDESK_IN_CUSTOMER = Caller(HELPDESK_AGENT, CUSTOMER, PARTNER)
ADMIN = Caller.native(CUSTOMER_ADMIN, CUSTOMER)
DEV = Caller.native(CUSTOMER_DEV, CUSTOMER)
APP = Caller.native(CUSTOMER_APP, CUSTOMER)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def mg_id(name: str) -> str:
    return f"/providers/Microsoft.Management/managementGroups/{name}"


_names = iter(range(1, 1_000_000))


def grant(
    engine: Engine,
    role_id: str,
    principal: str,
    scope: str,
    *,
    tenant: str = CUSTOMER,
    principal_type: PrincipalType = PrincipalType.USER,
) -> RoleAssignment:
    assignment = RoleAssignment(
        name=f"0a55e000-0000-4000-8000-{next(_names):012x}",
        scope=scope,
        role_definition_id=role_id,
        principal_id=principal,
        principal_type=principal_type,
        tenant_id=tenant,
    )
    engine.add_assignment(assignment)
    return assignment


def owner_for_admin_agents(engine: Engine, scope: str = SUB_ID) -> RoleAssignment:
    """The CSP assignment: Owner to the partner's AdminAgents, a foreign group."""
    return grant(engine, OWNER.id, ADMIN_AGENTS, scope, principal_type=PrincipalType.FOREIGN_GROUP)


def reseller(
    *, dap: bool, state: RelationshipState = RelationshipState.ACTIVE
) -> ResellerRelationship:
    return ResellerRelationship(PARTNER, CUSTOMER, dap=dap, state=state)


def gdap(
    status: GdapStatus = GdapStatus.ACTIVE,
    activated_at: datetime | None = NOW - timedelta(days=10),
    duration: str = "P30D",
) -> GdapRelationship:
    return GdapRelationship(
        id="7d1c0f00-0000-4000-8000-000000000001-22222222-0000-4000-8000-000000000002",
        partner_tenant_id=PARTNER,
        customer_tenant_id=CUSTOMER,
        display_name="Fabrikam for Contoso",
        duration=duration,
        role_template_ids=(GLOBAL_ADMINISTRATOR.template_id,),
        status=status,
        activated_at=activated_at,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def engine(clock: FakeClock) -> Engine:
    """Directories and estate only: no role assignments, no relationships."""
    engine = Engine(clock=clock)
    for oid, tenant, kind in [
        (AGENT, PARTNER, PrincipalType.USER),
        (HELPDESK_AGENT, PARTNER, PrincipalType.USER),
        (ADMIN_AGENTS, PARTNER, PrincipalType.GROUP),
        (HELPDESK_AGENTS, PARTNER, PrincipalType.GROUP),
        (CUSTOMER_ADMIN, CUSTOMER, PrincipalType.USER),
        (CUSTOMER_DEV, CUSTOMER, PrincipalType.USER),
        (CUSTOMER_APP, CUSTOMER, PrincipalType.SERVICE_PRINCIPAL),
        (DEVELOPERS, CUSTOMER, PrincipalType.GROUP),
        (ENGINEERING, CUSTOMER, PrincipalType.GROUP),
        (TAILSPIN_ADMIN, TAILSPIN, PrincipalType.USER),
    ]:
        engine.add_principal(oid, tenant, kind)
    engine.add_member(ADMIN_AGENTS, AGENT)
    engine.add_member(HELPDESK_AGENTS, HELPDESK_AGENT)
    engine.add_member(DEVELOPERS, CUSTOMER_DEV)
    engine.add_member(ENGINEERING, DEVELOPERS)
    engine.add_subscription(SUB, CUSTOMER)
    engine.add_subscription(OTHER_SUB, CUSTOMER)
    engine.add_subscription(TAILSPIN_SUB, TAILSPIN)
    return engine


def missing_kind(decision: Decision) -> MissingLinkKind:
    assert not decision.allowed
    assert decision.missing is not None
    return decision.missing.kind


# -- inheritance down the tree ---------------------------------------------------------------


@pytest.mark.parametrize("scope", [SUB_ID, RG_ID, VM_ID, VM_EXTENSION_ID, CONTAINER_ID])
def test_an_assignment_at_a_subscription_reaches_everything_inside_it(
    engine: Engine, scope: str
) -> None:
    assignment = grant(engine, READER.id, CUSTOMER_ADMIN, SUB_ID)
    decision = engine.decide(ADMIN, READ_VM, scope)
    assert decision.allowed
    assert decision.granted_by == (assignment,)


def test_an_assignment_at_a_resource_group_reaches_its_resources_and_their_children(
    engine: Engine,
) -> None:
    grant(engine, READER.id, CUSTOMER_ADMIN, RG_ID)
    assert engine.is_allowed(ADMIN, READ_VM, RG_ID)
    assert engine.is_allowed(ADMIN, READ_VM, VM_ID)
    assert engine.is_allowed(ADMIN, READ_VM, VM_EXTENSION_ID)


def test_an_assignment_at_a_resource_group_reaches_neither_its_subscription_nor_its_siblings(
    engine: Engine,
) -> None:
    grant(engine, READER.id, CUSTOMER_ADMIN, RG_ID)
    assert not engine.is_allowed(ADMIN, READ_VM, SUB_ID)
    assert not engine.is_allowed(ADMIN, READ_VM, OTHER_RG_ID)
    assert not engine.is_allowed(ADMIN, READ_VM, f"{SUB_ID}/resourceGroups/web2")


def test_an_assignment_at_a_resource_reaches_its_nested_children_only(engine: Engine) -> None:
    grant(engine, READER.id, CUSTOMER_ADMIN, VM_ID)
    assert engine.is_allowed(ADMIN, READ_VM, VM_EXTENSION_ID)
    assert not engine.is_allowed(ADMIN, READ_VM, OTHER_VM_ID)
    assert not engine.is_allowed(ADMIN, READ_VM, RG_ID)


def test_an_assignment_at_a_nested_child_does_not_reach_its_parent_resource(
    engine: Engine,
) -> None:
    grant(engine, READER.id, CUSTOMER_ADMIN, CONTAINER_ID)
    assert engine.is_allowed(ADMIN, READ_VM, CONTAINER_ID)
    assert not engine.is_allowed(ADMIN, READ_VM, STORAGE_ID)


def test_scopes_match_whatever_their_casing(engine: Engine) -> None:
    grant(engine, READER.id, CUSTOMER_ADMIN, f"/subscriptions/{SUB}/resourceGroups/Web")
    assert engine.is_allowed(ADMIN, READ_VM, VM_ID.upper())
    assert engine.is_allowed(
        ADMIN, READ_VM, VM_ID.lower().replace("resourcegroups", "resourceGroups")
    )
    assert engine.is_allowed(ADMIN, READ_VM, RG_ID + "/")


def test_an_assignment_at_the_root_reaches_every_scope_of_its_tenant(engine: Engine) -> None:
    grant(engine, READER.id, CUSTOMER_ADMIN, "/")
    for scope in ("/", SUB_ID, f"/subscriptions/{OTHER_SUB}", CONTAINER_ID):
        assert engine.is_allowed(ADMIN, READ_VM, scope)


def test_an_assignment_at_the_root_of_one_tenant_does_not_reach_another(engine: Engine) -> None:
    grant(engine, READER.id, TAILSPIN_ADMIN, "/", tenant=TAILSPIN)
    tailspin = Caller.native(TAILSPIN_ADMIN, TAILSPIN)
    assert engine.is_allowed(tailspin, READ_VM, f"/subscriptions/{TAILSPIN_SUB}")
    assert missing_kind(engine.decide(tailspin, READ_VM, SUB_ID)) is MissingLinkKind.WRONG_TENANT


def test_an_assignment_at_a_management_group_reaches_the_subscriptions_under_it(
    engine: Engine,
) -> None:
    engine.add_management_group("contoso", CUSTOMER)
    engine.add_management_group("Contoso-Prod", CUSTOMER, parent="contoso")
    engine.add_subscription(SUB, CUSTOMER, management_group="Contoso-Prod")
    assignment = grant(engine, READER.id, CUSTOMER_ADMIN, mg_id("contoso"))
    decision = engine.decide(ADMIN, READ_VM, VM_ID)
    assert decision.granted_by == (assignment,)
    assert engine.is_allowed(ADMIN, READ_VM, mg_id("CONTOSO-PROD"))
    assert engine.is_allowed(ADMIN, READ_VM, mg_id("contoso"))
    assert not engine.is_allowed(ADMIN, READ_VM, f"/subscriptions/{OTHER_SUB}")


def test_an_assignment_at_a_child_management_group_does_not_reach_its_parent(
    engine: Engine,
) -> None:
    engine.add_management_group("contoso", CUSTOMER)
    engine.add_management_group("prod", CUSTOMER, parent="contoso")
    grant(engine, READER.id, CUSTOMER_ADMIN, mg_id("prod"))
    assert not engine.is_allowed(ADMIN, READ_VM, mg_id("contoso"))


def test_moving_a_subscription_out_of_its_management_group_takes_inherited_access_away(
    engine: Engine,
) -> None:
    engine.add_management_group("prod", CUSTOMER)
    engine.add_subscription(SUB, CUSTOMER, management_group="prod")
    grant(engine, READER.id, CUSTOMER_ADMIN, mg_id("prod"))
    assert engine.is_allowed(ADMIN, READ_VM, RG_ID)
    engine.add_subscription(SUB, CUSTOMER)
    assert not engine.is_allowed(ADMIN, READ_VM, RG_ID)


def test_a_cycle_of_management_groups_does_not_loop(engine: Engine) -> None:
    engine.add_management_group("a", CUSTOMER, parent="b")
    engine.add_management_group("b", CUSTOMER, parent="a")
    engine.add_subscription(SUB, CUSTOMER, management_group="a")
    grant(engine, READER.id, CUSTOMER_ADMIN, mg_id("b"))
    assert engine.is_allowed(ADMIN, READ_VM, VM_ID)


def test_moving_a_management_group_to_the_root_drops_its_old_parent(engine: Engine) -> None:
    engine.add_management_group("contoso", CUSTOMER)
    engine.add_management_group("prod", CUSTOMER, parent="contoso")
    engine.add_subscription(SUB, CUSTOMER, management_group="prod")
    grant(engine, READER.id, CUSTOMER_ADMIN, mg_id("contoso"))
    engine.add_management_group("prod", CUSTOMER, parent=None)
    assert not engine.is_allowed(ADMIN, READ_VM, SUB_ID)


# -- groups -----------------------------------------------------------------------------------


def test_a_role_held_by_a_group_reaches_members_of_its_nested_groups(engine: Engine) -> None:
    assignment = grant(
        engine, CONTRIBUTOR.id, ENGINEERING, RG_ID, principal_type=PrincipalType.GROUP
    )
    decision = engine.decide(DEV, WRITE_VM, VM_ID)
    assert decision.granted_by == (assignment,)
    assert not engine.is_allowed(ADMIN, WRITE_VM, VM_ID)


def test_groups_of_and_members_of_follow_nesting(engine: Engine) -> None:
    assert engine.groups_of(CUSTOMER_DEV) == {DEVELOPERS, ENGINEERING}
    assert engine.members_of(ENGINEERING) == {DEVELOPERS, CUSTOMER_DEV}


def test_cyclic_group_membership_does_not_loop(engine: Engine) -> None:
    engine.add_member(DEVELOPERS, ENGINEERING)  # ENGINEERING ⊂ DEVELOPERS ⊂ ENGINEERING
    grant(engine, READER.id, DEVELOPERS, SUB_ID, principal_type=PrincipalType.GROUP)
    assert engine.groups_of(CUSTOMER_DEV) == {DEVELOPERS, ENGINEERING}
    assert engine.is_allowed(DEV, READ_VM, VM_ID)
    assert engine.principals_with(READ_VM, VM_ID) == {CUSTOMER_DEV}


def test_roles_from_several_assignments_add_up(engine: Engine) -> None:
    reader = grant(engine, READER.id, CUSTOMER_DEV, SUB_ID)
    contributor = grant(
        engine, CONTRIBUTOR.id, DEVELOPERS, VM_ID, principal_type=PrincipalType.GROUP
    )
    assert set(engine.decide(DEV, READ_VM, VM_ID).granted_by) == {reader, contributor}
    assert engine.decide(DEV, WRITE_VM, VM_ID).granted_by == (contributor,)


def test_a_service_principal_is_a_caller_like_a_user(engine: Engine) -> None:
    grant(
        engine, CONTRIBUTOR.id, CUSTOMER_APP, RG_ID, principal_type=PrincipalType.SERVICE_PRINCIPAL
    )
    assert engine.is_allowed(APP, WRITE_VM, VM_ID)
    assert CUSTOMER_APP in engine.principals_with(WRITE_VM, VM_ID)


# -- foreign groups and delegated access ------------------------------------------------------


def test_foreign_group_counts_only_while_partner_has_delegated_access(engine: Engine) -> None:
    assignment = owner_for_admin_agents(engine)
    assert missing_kind(engine.decide(AGENT_IN_CUSTOMER, WRITE_VM, VM_ID)) is (
        MissingLinkKind.NO_DELEGATED_ACCESS
    )
    engine.delegations.set_reseller_relationship(reseller(dap=True))
    decision = engine.decide(AGENT_IN_CUSTOMER, WRITE_ROLE_ASSIGNMENT, VM_ID)
    assert decision.allowed
    assert decision.granted_by == (assignment,)


def test_a_reseller_relationship_without_dap_grants_no_delegated_access(engine: Engine) -> None:
    owner_for_admin_agents(engine)
    engine.delegations.set_reseller_relationship(reseller(dap=False))
    decision = engine.decide(AGENT_IN_CUSTOMER, READ_VM, SUB_ID)
    assert missing_kind(decision) is MissingLinkKind.NO_DELEGATED_ACCESS
    assert decision.missing is not None
    assert PARTNER in decision.missing.message


def test_a_terminated_reseller_relationship_grants_no_delegated_access(engine: Engine) -> None:
    owner_for_admin_agents(engine)
    engine.delegations.set_reseller_relationship(
        reseller(dap=True, state=RelationshipState.TERMINATED)
    )
    assert missing_kind(engine.decide(AGENT_IN_CUSTOMER, READ_VM, SUB_ID)) is (
        MissingLinkKind.NO_DELEGATED_ACCESS
    )


def test_an_active_gdap_relationship_counts_as_delegated_access(engine: Engine) -> None:
    owner_for_admin_agents(engine)
    engine.delegations.set_gdap_relationship(gdap())
    assert engine.is_allowed(AGENT_IN_CUSTOMER, WRITE_VM, VM_ID)


def test_an_expired_gdap_relationship_does_not_count(engine: Engine) -> None:
    owner_for_admin_agents(engine)
    engine.delegations.set_gdap_relationship(
        gdap(activated_at=NOW - timedelta(days=31), duration="P30D")
    )
    assert missing_kind(engine.decide(AGENT_IN_CUSTOMER, WRITE_VM, VM_ID)) is (
        MissingLinkKind.NO_DELEGATED_ACCESS
    )


def test_a_gdap_relationship_stops_counting_once_the_clock_passes_its_end(
    engine: Engine, clock: FakeClock
) -> None:
    owner_for_admin_agents(engine)
    engine.delegations.set_gdap_relationship(gdap(activated_at=NOW, duration="P30D"))
    clock.now = NOW + timedelta(days=30) - timedelta(seconds=1)
    assert engine.is_allowed(AGENT_IN_CUSTOMER, WRITE_VM, VM_ID)
    clock.now = NOW + timedelta(days=30)
    assert not engine.is_allowed(AGENT_IN_CUSTOMER, WRITE_VM, VM_ID)


@pytest.mark.parametrize(
    "status",
    [GdapStatus.CREATED, GdapStatus.APPROVAL_PENDING, GdapStatus.EXPIRED, GdapStatus.TERMINATED],
)
def test_a_gdap_relationship_that_is_not_active_does_not_count(
    engine: Engine, status: GdapStatus
) -> None:
    owner_for_admin_agents(engine)
    engine.delegations.set_gdap_relationship(gdap(status=status))
    assert not engine.is_allowed(AGENT_IN_CUSTOMER, WRITE_VM, VM_ID)


def test_a_partner_user_outside_admin_agents_gets_nothing_from_its_assignment(
    engine: Engine,
) -> None:
    owner_for_admin_agents(engine)
    engine.delegations.set_reseller_relationship(reseller(dap=True))
    decision = engine.decide(HELPDESK_IN_CUSTOMER, READ_VM, SUB_ID)
    assert missing_kind(decision) is MissingLinkKind.NO_ROLE_ASSIGNMENT


def test_helpdesk_agents_get_what_their_own_foreign_group_assignment_grants(
    engine: Engine,
) -> None:
    support = BUILTIN_BY_NAME["support request contributor"]
    grant(engine, support.id, HELPDESK_AGENTS, SUB_ID, principal_type=PrincipalType.FOREIGN_GROUP)
    engine.delegations.set_reseller_relationship(reseller(dap=True))
    assert engine.is_allowed(HELPDESK_IN_CUSTOMER, "Microsoft.Support/supportTickets/write", SUB_ID)
    assert missing_kind(engine.decide(HELPDESK_IN_CUSTOMER, WRITE_VM, SUB_ID)) is (
        MissingLinkKind.ROLE_LACKS_ACTION
    )


def test_a_partner_caller_brings_its_groups_but_not_its_own_object_id(engine: Engine) -> None:
    # Azure assigns partner principals in a customer tenant only as foreign groups.
    grant(engine, OWNER.id, AGENT, SUB_ID)
    engine.delegations.set_reseller_relationship(reseller(dap=True))
    assert missing_kind(engine.decide(AGENT_IN_CUSTOMER, READ_VM, SUB_ID)) is (
        MissingLinkKind.NO_ROLE_ASSIGNMENT
    )


def test_a_nested_group_inside_admin_agents_counts_too(engine: Engine) -> None:
    azure_managers = "aaaaaaaa-0000-4000-8000-00000000000c"
    engine.add_principal(azure_managers, PARTNER, PrincipalType.GROUP)
    engine.add_member(ADMIN_AGENTS, azure_managers)
    engine.remove_member(ADMIN_AGENTS, AGENT)
    engine.add_member(azure_managers, AGENT)
    owner_for_admin_agents(engine)
    engine.delegations.set_reseller_relationship(reseller(dap=True))
    assert engine.is_allowed(AGENT_IN_CUSTOMER, WRITE_VM, VM_ID)


def test_delegated_access_to_one_customer_opens_no_other_tenant(engine: Engine) -> None:
    grant(
        engine,
        OWNER.id,
        ADMIN_AGENTS,
        f"/subscriptions/{TAILSPIN_SUB}",
        tenant=TAILSPIN,
        principal_type=PrincipalType.FOREIGN_GROUP,
    )
    engine.delegations.set_reseller_relationship(reseller(dap=True))
    agent_in_tailspin = Caller(AGENT, TAILSPIN, PARTNER)
    assert missing_kind(
        engine.decide(agent_in_tailspin, READ_VM, f"/subscriptions/{TAILSPIN_SUB}")
    ) is (MissingLinkKind.NO_DELEGATED_ACCESS)


def test_a_partner_user_in_its_own_tenant_needs_no_relationship(engine: Engine) -> None:
    partner_sub = "5b0e6c1a-0000-4000-8000-000000000009"
    engine.add_subscription(partner_sub, PARTNER)
    grant(engine, OWNER.id, ADMIN_AGENTS, f"/subscriptions/{partner_sub}", tenant=PARTNER)
    assert engine.is_allowed(
        Caller.native(AGENT, PARTNER), WRITE_VM, f"/subscriptions/{partner_sub}"
    )


# -- deny assignments -------------------------------------------------------------------------


def deny(
    scope: str,
    principals: tuple[str, ...] = (EVERYONE,),
    *,
    actions: tuple[str, ...] = ("*",),
    excluded: tuple[str, ...] = (),
    to_children: bool = True,
    name: str = "deadbeef-0000-4000-8000-000000000001",
) -> DenyAssignment:
    return DenyAssignment(
        name=name,
        scope=scope,
        tenant_id=CUSTOMER,
        permissions=(Permission(actions=actions),),
        principal_ids=principals,
        exclude_principal_ids=excluded,
        applies_to_children=to_children,
        display_name="Locked by blueprint",
    )


def test_a_deny_for_everyone_beats_an_owner_grant(engine: Engine) -> None:
    grant(engine, OWNER.id, CUSTOMER_ADMIN, SUB_ID)
    blocker = deny(RG_ID)
    engine.add_deny(blocker)
    decision = engine.decide(ADMIN, WRITE_VM, VM_ID)
    assert missing_kind(decision) is MissingLinkKind.DENY_ASSIGNMENT
    assert decision.missing is not None
    assert decision.missing.deny_assignment == blocker
    assert "Locked by blueprint" in decision.missing.message
    assert engine.is_allowed(ADMIN, WRITE_VM, OTHER_RG_ID)


def test_a_deny_beats_a_foreign_group_grant_too(engine: Engine) -> None:
    owner_for_admin_agents(engine)
    engine.delegations.set_reseller_relationship(reseller(dap=True))
    engine.add_deny(deny(SUB_ID))
    assert missing_kind(engine.decide(AGENT_IN_CUSTOMER, READ_VM, VM_ID)) is (
        MissingLinkKind.DENY_ASSIGNMENT
    )


def test_a_deny_spares_its_excluded_principals_and_members_of_excluded_groups(
    engine: Engine,
) -> None:
    grant(engine, OWNER.id, CUSTOMER_ADMIN, SUB_ID)
    grant(engine, OWNER.id, CUSTOMER_DEV, SUB_ID)
    grant(engine, OWNER.id, CUSTOMER_APP, SUB_ID)
    engine.add_deny(deny(SUB_ID, excluded=(CUSTOMER_ADMIN, ENGINEERING)))
    assert engine.is_allowed(ADMIN, WRITE_VM, VM_ID)
    assert engine.is_allowed(DEV, WRITE_VM, VM_ID)
    assert not engine.is_allowed(APP, WRITE_VM, VM_ID)


def test_a_deny_naming_a_group_blocks_its_nested_members_only(engine: Engine) -> None:
    grant(engine, OWNER.id, CUSTOMER_ADMIN, SUB_ID)
    grant(engine, OWNER.id, CUSTOMER_DEV, SUB_ID)
    engine.add_deny(deny(SUB_ID, (ENGINEERING,)))
    assert not engine.is_allowed(DEV, WRITE_VM, VM_ID)
    assert engine.is_allowed(ADMIN, WRITE_VM, VM_ID)


def test_a_deny_that_does_not_apply_to_children_blocks_only_its_own_scope(
    engine: Engine,
) -> None:
    grant(engine, OWNER.id, CUSTOMER_ADMIN, SUB_ID)
    engine.add_deny(deny(RG_ID, to_children=False))
    assert not engine.is_allowed(ADMIN, WRITE_VM, RG_ID)
    assert engine.is_allowed(ADMIN, WRITE_VM, VM_ID)


def test_a_deny_blocks_only_the_actions_it_names(engine: Engine) -> None:
    grant(engine, OWNER.id, CUSTOMER_ADMIN, SUB_ID)
    engine.add_deny(deny(SUB_ID, actions=("*/write", "*/delete")))
    assert not engine.is_allowed(ADMIN, WRITE_VM, VM_ID)
    assert engine.is_allowed(ADMIN, READ_VM, VM_ID)


def test_a_deny_at_a_management_group_reaches_the_subscriptions_under_it(engine: Engine) -> None:
    engine.add_management_group("prod", CUSTOMER)
    engine.add_subscription(SUB, CUSTOMER, management_group="prod")
    grant(engine, OWNER.id, CUSTOMER_ADMIN, "/")
    engine.add_deny(deny(mg_id("prod")))
    assert not engine.is_allowed(ADMIN, WRITE_VM, VM_ID)
    assert engine.is_allowed(ADMIN, WRITE_VM, f"/subscriptions/{OTHER_SUB}")


def test_removing_a_deny_restores_access(engine: Engine) -> None:
    grant(engine, OWNER.id, CUSTOMER_ADMIN, SUB_ID)
    engine.add_deny(deny(SUB_ID))
    engine.remove_deny("deadbeef-0000-4000-8000-000000000001")
    assert engine.is_allowed(ADMIN, WRITE_VM, VM_ID)


# -- data actions -----------------------------------------------------------------------------


def test_data_actions_come_only_from_data_roles(engine: Engine) -> None:
    grant(engine, OWNER.id, CUSTOMER_ADMIN, SUB_ID)
    blob_reader = BUILTIN_BY_NAME["storage blob data reader"]
    grant(engine, blob_reader.id, CUSTOMER_DEV, STORAGE_ID)
    assert missing_kind(engine.decide(ADMIN, BLOB_READ, CONTAINER_ID, data=True)) is (
        MissingLinkKind.ROLE_LACKS_ACTION
    )
    assert engine.is_allowed(DEV, BLOB_READ, CONTAINER_ID, data=True)
    assert not engine.is_allowed(DEV, "Microsoft.Storage/storageAccounts/write", STORAGE_ID)


# -- the first missing link --------------------------------------------------------------------


def test_an_unknown_subscription_is_an_unknown_scope(engine: Engine) -> None:
    unknown = "/subscriptions/5b0e6c1a-0000-4000-8000-0000000000ff"
    decision = engine.decide(ADMIN, READ_VM, unknown)
    assert missing_kind(decision) is MissingLinkKind.UNKNOWN_SCOPE
    assert decision.scope == unknown


def test_an_unknown_management_group_is_an_unknown_scope(engine: Engine) -> None:
    assert missing_kind(engine.decide(ADMIN, READ_VM, mg_id("nowhere"))) is (
        MissingLinkKind.UNKNOWN_SCOPE
    )


def test_a_caller_of_one_tenant_asking_about_another_tenants_subscription_is_wrong_tenant(
    engine: Engine,
) -> None:
    grant(engine, OWNER.id, CUSTOMER_ADMIN, "/", tenant=TAILSPIN)
    decision = engine.decide(ADMIN, READ_VM, f"/subscriptions/{TAILSPIN_SUB}")
    assert missing_kind(decision) is MissingLinkKind.WRONG_TENANT
    assert decision.missing is not None
    assert TAILSPIN in decision.missing.message


def test_a_partner_without_delegated_access_is_told_so_before_anything_else(
    engine: Engine,
) -> None:
    engine.add_deny(deny(SUB_ID))
    assert missing_kind(engine.decide(AGENT_IN_CUSTOMER, READ_VM, SUB_ID)) is (
        MissingLinkKind.NO_DELEGATED_ACCESS
    )


def test_a_deny_is_reported_before_a_role_that_lacks_the_action(engine: Engine) -> None:
    grant(engine, READER.id, CUSTOMER_ADMIN, SUB_ID)
    engine.add_deny(deny(SUB_ID, actions=("*/write",)))
    assert missing_kind(engine.decide(ADMIN, WRITE_VM, SUB_ID)) is MissingLinkKind.DENY_ASSIGNMENT


def test_a_role_that_lacks_the_action_names_the_assignments_held(engine: Engine) -> None:
    reader = grant(engine, READER.id, CUSTOMER_ADMIN, SUB_ID)
    decision = engine.decide(ADMIN, WRITE_VM, VM_ID)
    assert missing_kind(decision) is MissingLinkKind.ROLE_LACKS_ACTION
    assert decision.missing is not None
    assert decision.missing.held == (reader,)
    assert "Reader" in decision.missing.message


def test_no_assignment_at_all_is_no_role_assignment(engine: Engine) -> None:
    grant(engine, OWNER.id, CUSTOMER_ADMIN, OTHER_RG_ID)
    assert missing_kind(engine.decide(ADMIN, READ_VM, VM_ID)) is MissingLinkKind.NO_ROLE_ASSIGNMENT


def test_a_decision_explains_itself(engine: Engine) -> None:
    grant(engine, READER.id, CUSTOMER_ADMIN, SUB_ID)
    allowed = engine.decide(ADMIN, READ_VM, VM_ID)
    assert bool(allowed)
    assert allowed.explain().startswith(f"Allowed: {READ_VM} at {VM_ID} is granted by role")
    assert READER.id in allowed.explain()
    denied = engine.decide(ADMIN, WRITE_VM, VM_ID)
    assert not denied
    assert denied.explain().startswith("Denied: the caller or its groups hold Reader")


# -- revocation takes effect on the very next call --------------------------------------------


def test_removing_an_assignment_revokes_on_the_next_call(engine: Engine) -> None:
    assignment = grant(engine, OWNER.id, CUSTOMER_ADMIN, SUB_ID)
    assert engine.is_allowed(ADMIN, WRITE_VM, VM_ID)
    assert engine.remove_assignment(assignment.name) == assignment
    assert not engine.is_allowed(ADMIN, WRITE_VM, VM_ID)
    assert ADMIN.object_id not in engine.principals_with(WRITE_VM, VM_ID)
    assert VM_ID not in engine.scopes_of(ADMIN, WRITE_VM)
    assert engine.remove_assignment(assignment.name) is None


def test_removing_a_member_revokes_on_the_next_call(engine: Engine) -> None:
    grant(engine, OWNER.id, ENGINEERING, SUB_ID, principal_type=PrincipalType.GROUP)
    assert engine.is_allowed(DEV, WRITE_VM, VM_ID)
    engine.remove_member(DEVELOPERS, CUSTOMER_DEV)
    assert not engine.is_allowed(DEV, WRITE_VM, VM_ID)
    assert engine.groups_of(CUSTOMER_DEV) == frozenset()


def test_removing_an_agent_from_admin_agents_revokes_on_the_next_call(engine: Engine) -> None:
    owner_for_admin_agents(engine)
    engine.delegations.set_reseller_relationship(reseller(dap=True))
    assert engine.is_allowed(AGENT_IN_CUSTOMER, WRITE_VM, VM_ID)
    engine.remove_member(ADMIN_AGENTS, AGENT)
    assert not engine.is_allowed(AGENT_IN_CUSTOMER, WRITE_VM, VM_ID)


def test_terminating_the_relationship_revokes_on_the_next_call(engine: Engine) -> None:
    owner_for_admin_agents(engine)
    engine.delegations.set_reseller_relationship(reseller(dap=True))
    assert engine.is_allowed(AGENT_IN_CUSTOMER, WRITE_VM, VM_ID)
    engine.delegations.set_reseller_relationship(
        reseller(dap=True, state=RelationshipState.TERMINATED)
    )
    assert missing_kind(engine.decide(AGENT_IN_CUSTOMER, WRITE_VM, VM_ID)) is (
        MissingLinkKind.NO_DELEGATED_ACCESS
    )
    assert AGENT not in engine.principals_with(WRITE_VM, VM_ID)
    assert VM_ID not in engine.scopes_of(AGENT_IN_CUSTOMER, WRITE_VM)


def test_removing_a_subscription_makes_its_scopes_unknown(engine: Engine) -> None:
    grant(engine, OWNER.id, CUSTOMER_ADMIN, SUB_ID)
    engine.remove_subscription(SUB)
    assert missing_kind(engine.decide(ADMIN, WRITE_VM, VM_ID)) is MissingLinkKind.UNKNOWN_SCOPE


def test_removing_a_custom_role_leaves_its_assignments_granting_nothing(engine: Engine) -> None:
    operator = custom_role(
        "0c0c0c0c-0000-4000-8000-000000000001",
        "VM operator",
        (Permission(actions=("Microsoft.Compute/virtualMachines/*",)),),
        (SUB_ID,),
    )
    engine.add_role(operator)
    grant(engine, operator.id, CUSTOMER_DEV, SUB_ID)
    assert engine.is_allowed(DEV, WRITE_VM, VM_ID)
    engine.remove_role(operator.id.upper())
    decision = engine.decide(DEV, WRITE_VM, VM_ID)
    assert missing_kind(decision) is MissingLinkKind.ROLE_LACKS_ACTION
    assert decision.missing is not None
    assert operator.id in decision.missing.message


def test_adding_an_assignment_under_an_existing_name_replaces_it(engine: Engine) -> None:
    first = grant(engine, OWNER.id, CUSTOMER_ADMIN, RG_ID)
    moved = RoleAssignment(
        name=first.name,
        scope=OTHER_RG_ID,
        role_definition_id=OWNER.id,
        principal_id=CUSTOMER_ADMIN,
        principal_type=PrincipalType.USER,
        tenant_id=CUSTOMER,
    )
    engine.add_assignment(moved)
    assert not engine.is_allowed(ADMIN, WRITE_VM, VM_ID)
    assert engine.is_allowed(ADMIN, WRITE_VM, STORAGE_ID)
    assert engine.assignments == {first.name: moved}


def test_bulk_loading_counts_and_replaces_like_single_adds(engine: Engine) -> None:
    first = grant(engine, OWNER.id, CUSTOMER_ADMIN, RG_ID)
    replacement = RoleAssignment(
        first.name, OTHER_RG_ID, READER.id, CUSTOMER_ADMIN, PrincipalType.USER, CUSTOMER
    )
    dev = RoleAssignment(
        "0b0b0b0b-0000-4000-8000-000000000001",
        SUB_ID,
        READER.id,
        CUSTOMER_DEV,
        PrincipalType.USER,
        CUSTOMER,
    )
    assert engine.add_assignments([replacement, dev]) == 2
    assert not engine.is_allowed(ADMIN, READ_VM, VM_ID)
    assert engine.is_allowed(ADMIN, READ_VM, STORAGE_ID)
    assert engine.is_allowed(DEV, READ_VM, VM_ID)


# -- who may, and where ------------------------------------------------------------------------


def test_principals_with_lists_the_users_and_service_principals_that_may_act(
    engine: Engine,
) -> None:
    grant(engine, OWNER.id, CUSTOMER_ADMIN, SUB_ID)
    grant(engine, CONTRIBUTOR.id, ENGINEERING, RG_ID, principal_type=PrincipalType.GROUP)
    grant(engine, READER.id, CUSTOMER_APP, VM_ID, principal_type=PrincipalType.SERVICE_PRINCIPAL)
    owner_for_admin_agents(engine)
    assert engine.principals_with(WRITE_VM, VM_ID) == {CUSTOMER_ADMIN, CUSTOMER_DEV}
    assert engine.principals_with(READ_VM, VM_ID) == {CUSTOMER_ADMIN, CUSTOMER_DEV, CUSTOMER_APP}
    assert engine.principals_with(WRITE_ROLE_ASSIGNMENT, VM_ID) == {CUSTOMER_ADMIN}
    engine.delegations.set_reseller_relationship(reseller(dap=True))
    assert engine.principals_with(WRITE_ROLE_ASSIGNMENT, VM_ID) == {CUSTOMER_ADMIN, AGENT}


def test_principals_with_leaves_out_whom_a_deny_blocks(engine: Engine) -> None:
    grant(engine, OWNER.id, CUSTOMER_ADMIN, SUB_ID)
    grant(engine, OWNER.id, CUSTOMER_DEV, SUB_ID)
    engine.add_deny(deny(SUB_ID, excluded=(CUSTOMER_ADMIN,)))
    assert engine.principals_with(WRITE_VM, VM_ID) == {CUSTOMER_ADMIN}


def test_principals_with_at_the_root_needs_to_know_the_tenant(engine: Engine) -> None:
    grant(engine, READER.id, CUSTOMER_ADMIN, "/")
    assert engine.principals_with(READ_VM, "/") == frozenset()
    assert engine.principals_with(READ_VM, "/", tenant_id=CUSTOMER) == {CUSTOMER_ADMIN}
    assert engine.principals_with(READ_VM, "/", tenant_id=TAILSPIN) == frozenset()


def test_principals_with_an_unknown_subscription_is_nobody(engine: Engine) -> None:
    grant(engine, READER.id, CUSTOMER_ADMIN, "/")
    unknown = "/subscriptions/5b0e6c1a-0000-4000-8000-0000000000ff"
    assert engine.principals_with(READ_VM, unknown, tenant_id=CUSTOMER) == frozenset()


def test_scopes_of_holds_everything_under_a_granting_assignment(engine: Engine) -> None:
    grant(engine, CONTRIBUTOR.id, DEVELOPERS, RG_ID, principal_type=PrincipalType.GROUP)
    held = engine.scopes_of(DEV, WRITE_VM)
    assert held.roots == {RG_ID.lower()}
    assert VM_ID in held
    assert VM_EXTENSION_ID.upper() in held
    assert RG_ID in held
    assert SUB_ID not in held
    assert OTHER_RG_ID not in held
    assert f"/subscriptions/{TAILSPIN_SUB}" not in held
    assert 42 not in held
    assert engine.scopes_of(DEV, WRITE_ROLE_ASSIGNMENT).roots == frozenset()


def test_scopes_of_cuts_out_what_denies_block(engine: Engine) -> None:
    grant(engine, OWNER.id, CUSTOMER_ADMIN, SUB_ID)
    engine.add_deny(deny(RG_ID, to_children=False))
    engine.add_deny(deny(OTHER_RG_ID, name="deadbeef-0000-4000-8000-000000000002"))
    held = engine.scopes_of(ADMIN, WRITE_VM)
    assert SUB_ID in held
    assert RG_ID not in held
    assert VM_ID in held
    assert OTHER_RG_ID not in held
    assert STORAGE_ID not in held


def test_scopes_of_a_partner_agent_follows_delegated_access(engine: Engine) -> None:
    owner_for_admin_agents(engine)
    assert VM_ID not in engine.scopes_of(AGENT_IN_CUSTOMER, WRITE_VM)
    engine.delegations.set_reseller_relationship(reseller(dap=True))
    held = engine.scopes_of(AGENT_IN_CUSTOMER, WRITE_VM)
    assert VM_ID in held
    assert f"/subscriptions/{OTHER_SUB}" not in held
