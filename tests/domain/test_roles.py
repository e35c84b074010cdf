"""Role definitions: the built-in catalogue, wildcard matching, NotActions, DataActions and
the rules for custom roles (azure-wire.md 2.2-2.4)."""

from __future__ import annotations

import pytest

from cspadmin.domain.roles import (
    BUILT_IN,
    BUILTIN_BY_ID,
    BUILTIN_BY_NAME,
    CONTRIBUTOR,
    CUSTOM,
    OWNER,
    READER,
    USER_ACCESS_ADMINISTRATOR,
    Permission,
    RoleDefinition,
    action_matches,
    custom_role,
    role_definition_guid,
)
from cspadmin.errors import InvalidRoleDefinition, InvalidScope

SUB = "6a1f0c2e-8d4b-4e57-9c3a-2b1d0e9f8a7c"
SUB_ID = f"/subscriptions/{SUB}"
ROLE_ID = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
MG_A = "/providers/Microsoft.Management/managementGroups/a"
MG_B = "/providers/Microsoft.Management/managementGroups/b"

WRITE_ROLE_ASSIGNMENT = "Microsoft.Authorization/roleAssignments/write"
DELETE_ROLE_ASSIGNMENT = "Microsoft.Authorization/roleAssignments/delete"
READ_ROLE_ASSIGNMENT = "Microsoft.Authorization/roleAssignments/read"
CREATE_RESOURCE_GROUP = "Microsoft.Resources/subscriptions/resourceGroups/write"
BLOB_READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
BLOB_WRITE = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write"

EVERYTHING = Permission(actions=("*",))


def role_named(name: str) -> RoleDefinition:
    return BUILTIN_BY_NAME[name.lower()]


# -- the built-in catalogue ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "guid"),
    [
        ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
        ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
        ("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
        ("User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"),
        ("Role Based Access Control Administrator", "f58310d9-a9f6-439a-9e8d-f62e7b41a168"),
        ("Support Request Contributor", "cfd33db0-3dd1-45e3-aa9d-cdbdf3b6f24e"),
        ("Storage Blob Data Reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"),
        ("Storage Blob Data Contributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"),
    ],
)
def test_built_in_roles_carry_azures_exact_guids(name: str, guid: str) -> None:
    role = BUILTIN_BY_ID[guid]
    assert role.role_name == name
    assert role_named(name) is role
    assert role.role_type == BUILT_IN
    assert not role.is_custom


def test_the_privileged_built_ins_are_assignable_everywhere() -> None:
    for role in (OWNER, CONTRIBUTOR, READER, USER_ACCESS_ADMINISTRATOR):
        assert role.assignable_scopes == ("/",)
        assert role.assignable_at("/")
        assert role.assignable_at(f"{SUB_ID}/resourcegroups/rg")


def test_owner_is_star_with_no_not_actions_and_no_data_actions() -> None:
    assert OWNER.permissions == (Permission(actions=("*",)),)


def test_role_definition_guid_reads_a_full_id_or_a_bare_guid() -> None:
    full = f"{SUB_ID}/providers/Microsoft.Authorization/roleDefinitions/{OWNER.id.upper()}"
    assert role_definition_guid(full) == OWNER.id
    assert role_definition_guid(full + "/") == OWNER.id
    assert role_definition_guid(OWNER.id.upper()) == OWNER.id


# -- wildcard matching ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("*", "Microsoft.Compute/virtualMachines/write", True),
        ("*", "Anything.At/all", True),
        ("*/read", "Microsoft.Compute/virtualMachines/read", True),
        ("*/read", "Microsoft.Compute/virtualMachines/write", False),
        ("*/read", "Microsoft.Compute/virtualMachines/unread", False),
        ("Microsoft.Compute/*", "Microsoft.Compute/disks/delete", True),
        ("Microsoft.Compute/*", "Microsoft.ComputeSchedule/jobs/read", False),
        ("Microsoft.Compute/*", "Microsoft.Network/virtualNetworks/read", False),
        ("Microsoft.Network/*/read", "Microsoft.Network/virtualNetworks/read", True),
        ("Microsoft.Network/*/read", "Microsoft.Network/virtualNetworks/subnets/read", True),
        ("Microsoft.Network/*/read", "Microsoft.Network/virtualNetworks/write", False),
        ("Microsoft.Network/*/read", "Microsoft.Compute/disks/read", False),
        (
            "Microsoft.Compute/virtualMachines/*",
            "Microsoft.Compute/virtualMachines/extensions/write",
            True,
        ),
        ("Microsoft.Compute/virtualMachines/read", "Microsoft.Compute/virtualMachines/read", True),
        (
            "Microsoft.Compute/virtualMachines/read",
            "Microsoft.Compute/virtualMachines/write",
            False,
        ),
        ("Microsoft.Compute/virtualMachines/read", "MicrosoftXCompute/virtualMachines/read", False),
        ("Microsoft.Compute/*/read", "Microsoft.Compute/virtualMachines/read/extra", False),
    ],
)
def test_action_patterns_match_like_azure_wildcards(
    pattern: str, action: str, expected: bool
) -> None:
    assert action_matches(pattern, action) is expected


@pytest.mark.parametrize(
    ("pattern", "action"),
    [
        ("microsoft.web/sites/restart/Action", "Microsoft.Web/sites/restart/action"),
        ("Microsoft.Authorization/*/Delete", "microsoft.authorization/roleassignments/delete"),
        ("*/READ", "Microsoft.Compute/virtualMachines/read"),
    ],
)
def test_action_matching_ignores_case(pattern: str, action: str) -> None:
    assert action_matches(pattern, action)
    assert action_matches(pattern.upper(), action.lower())


# -- Actions minus NotActions ---------------------------------------------------------------


def test_contributor_cannot_write_or_delete_role_assignments() -> None:
    assert not CONTRIBUTOR.allows(WRITE_ROLE_ASSIGNMENT)
    assert not CONTRIBUTOR.allows(DELETE_ROLE_ASSIGNMENT)
    assert not CONTRIBUTOR.allows(WRITE_ROLE_ASSIGNMENT.upper())


def test_contributor_can_create_resource_groups_and_read_role_assignments() -> None:
    assert CONTRIBUTOR.allows(CREATE_RESOURCE_GROUP)
    assert CONTRIBUTOR.allows(READ_ROLE_ASSIGNMENT)
    assert CONTRIBUTOR.allows("Microsoft.Compute/virtualMachines/write")


def test_contributor_cannot_cancel_the_subscription() -> None:
    assert not CONTRIBUTOR.allows("Microsoft.Subscription/cancel/action")


def test_owner_and_user_access_administrator_can_write_role_assignments() -> None:
    assert OWNER.allows(WRITE_ROLE_ASSIGNMENT)
    assert USER_ACCESS_ADMINISTRATOR.allows(WRITE_ROLE_ASSIGNMENT)
    assert not USER_ACCESS_ADMINISTRATOR.allows(CREATE_RESOURCE_GROUP)


def test_rbac_administrator_manages_assignments_but_not_definitions() -> None:
    rbac = role_named("Role Based Access Control Administrator")
    assert rbac.allows(WRITE_ROLE_ASSIGNMENT)
    assert rbac.allows(DELETE_ROLE_ASSIGNMENT)
    assert not rbac.allows("Microsoft.Authorization/roleDefinitions/write")


def test_reader_reads_everything_and_writes_nothing() -> None:
    assert READER.allows("Microsoft.Compute/virtualMachines/read")
    assert READER.allows(READ_ROLE_ASSIGNMENT)
    assert not READER.allows(CREATE_RESOURCE_GROUP)


def test_support_request_contributor_opens_tickets_but_cannot_assign_roles() -> None:
    support = role_named("Support Request Contributor")
    assert support.allows("Microsoft.Support/supportTickets/write")
    assert support.allows("Microsoft.Resources/subscriptions/resourceGroups/read")
    assert not support.allows(WRITE_ROLE_ASSIGNMENT)


def test_not_actions_subtract_within_one_permission_only() -> None:
    role = RoleDefinition(
        id=ROLE_ID,
        role_name="two permissions",
        permissions=(
            Permission(actions=("*",), not_actions=("Microsoft.Authorization/*/write",)),
            Permission(actions=(WRITE_ROLE_ASSIGNMENT,)),
        ),
    )
    assert role.allows(WRITE_ROLE_ASSIGNMENT)
    assert not role.allows("Microsoft.Authorization/roleDefinitions/write")


# -- DataActions are a list of their own ----------------------------------------------------


def test_owner_star_grants_no_data_action() -> None:
    assert not OWNER.allows(BLOB_READ, data=True)
    assert not CONTRIBUTOR.allows(BLOB_READ, data=True)


def test_storage_blob_data_reader_reads_blobs_but_writes_nothing() -> None:
    reader = role_named("Storage Blob Data Reader")
    assert reader.allows(BLOB_READ, data=True)
    assert not reader.allows(BLOB_WRITE, data=True)
    assert not reader.allows(BLOB_READ)  # a data action asked as control plane
    assert reader.allows("Microsoft.Storage/storageAccounts/blobServices/containers/read")
    assert not reader.allows("Microsoft.Storage/storageAccounts/write")
    assert not reader.allows("Microsoft.Storage/storageAccounts/blobServices/containers/write")


def test_storage_blob_data_contributor_writes_blobs() -> None:
    assert role_named("Storage Blob Data Contributor").allows(BLOB_WRITE, data=True)


def test_not_data_actions_subtract_from_data_actions() -> None:
    permission = Permission(data_actions=("Microsoft.Storage/*",), not_data_actions=("*/write",))
    assert permission.allows(BLOB_READ, data=True)
    assert not permission.allows(BLOB_WRITE, data=True)
    assert not permission.allows(BLOB_READ)


def test_allows_answers_the_same_whatever_the_casing_of_the_action() -> None:
    for action in (
        WRITE_ROLE_ASSIGNMENT,
        WRITE_ROLE_ASSIGNMENT.upper(),
        WRITE_ROLE_ASSIGNMENT.lower(),
    ):
        assert not CONTRIBUTOR.allows(action)
        assert OWNER.allows(action)


# -- custom roles ----------------------------------------------------------------------------


def test_a_custom_role_lower_cases_its_guid_and_parses_its_assignable_scopes() -> None:
    role = custom_role(
        ROLE_ID.upper(),
        "VM operator",
        (Permission(actions=("Microsoft.Compute/virtualMachines/*",)),),
        (f"/SUBSCRIPTIONS/{SUB.upper()}/resourcegroups/Ops/",),
        description="Restarts machines",
    )
    assert role.id == ROLE_ID
    assert role.role_type == CUSTOM
    assert role.is_custom
    assert role.assignable_scopes == (f"{SUB_ID}/resourceGroups/Ops",)
    assert role.description == "Restarts machines"
    assert role.allows("Microsoft.Compute/virtualMachines/restart/action")


def test_a_custom_role_id_must_be_a_guid() -> None:
    with pytest.raises(InvalidRoleDefinition, match="'vm-operator' is not a GUID"):
        custom_role("vm-operator", "VM operator", (EVERYTHING,), (SUB_ID,))


def test_a_custom_role_needs_a_name() -> None:
    with pytest.raises(InvalidRoleDefinition, match="name must not be empty"):
        custom_role(ROLE_ID, "   ", (EVERYTHING,), (SUB_ID,))


def test_a_custom_role_needs_an_assignable_scope() -> None:
    with pytest.raises(InvalidRoleDefinition, match="at least one assignable scope"):
        custom_role(ROLE_ID, "r", (EVERYTHING,), ())


def test_a_custom_role_with_a_malformed_assignable_scope_is_an_invalid_scope() -> None:
    with pytest.raises(InvalidScope):
        custom_role(ROLE_ID, "r", (EVERYTHING,), ("/subscriptions/not-a-guid",))


def test_a_custom_role_may_name_one_management_group_and_other_scopes() -> None:
    role = custom_role(ROLE_ID, "r", (EVERYTHING,), (MG_A, SUB_ID))
    assert role.assignable_scopes == (MG_A, SUB_ID)


def test_a_custom_role_may_not_name_two_management_groups() -> None:
    with pytest.raises(InvalidRoleDefinition, match="at most one management group"):
        custom_role(ROLE_ID, "r", (EVERYTHING,), (MG_A, MG_B))


@pytest.mark.parametrize(
    "permissions",
    [
        (),
        (Permission(),),
        (Permission(not_actions=("*",)),),
        (Permission(not_data_actions=("*",)),),
    ],
    ids=["no-permissions", "empty-permission", "only-not-actions", "only-not-data-actions"],
)
def test_a_custom_role_must_grant_something(permissions: tuple[Permission, ...]) -> None:
    with pytest.raises(InvalidRoleDefinition, match="must grant at least one action"):
        custom_role(ROLE_ID, "r", permissions, (SUB_ID,))


def test_a_custom_role_may_grant_only_data_actions() -> None:
    role = custom_role(ROLE_ID, "blob peeker", (Permission(data_actions=(BLOB_READ,)),), (SUB_ID,))
    assert role.allows(BLOB_READ, data=True)
    assert not role.allows(BLOB_READ)


def test_a_custom_role_may_not_be_assignable_at_the_root() -> None:
    with pytest.raises(InvalidRoleDefinition):
        custom_role(ROLE_ID, "r", (EVERYTHING,), ("/",))


def test_a_custom_role_id_is_the_canonical_hyphenated_guid() -> None:
    role = custom_role(ROLE_ID.replace("-", ""), "r", (EVERYTHING,), (SUB_ID,))
    assert role.id == ROLE_ID


def test_a_resource_group_named_management_groups_is_not_a_management_group() -> None:
    lookalike = f"{SUB_ID}/resourceGroups/managementGroups/providers/Microsoft.Compute/disks/d"
    role = custom_role(ROLE_ID, "r", (EVERYTHING,), (MG_A, lookalike))
    assert len(role.assignable_scopes) == 2


# -- where a role may be assigned -------------------------------------------------------------


def test_a_custom_role_is_assignable_at_its_scopes_and_below_only() -> None:
    role = custom_role(ROLE_ID, "r", (EVERYTHING,), (f"{SUB_ID}/resourceGroups/rg1",))
    assert role.assignable_at(f"{SUB_ID}/resourcegroups/rg1")
    assert role.assignable_at(f"{SUB_ID}/resourcegroups/rg1/providers/microsoft.compute/disks/d")
    assert not role.assignable_at(SUB_ID)
    assert not role.assignable_at("/")
    assert not role.assignable_at(f"{SUB_ID}/resourcegroups/rg10")
    assert not role.assignable_at(f"{SUB_ID}/resourcegroups/rg2")


def test_assignable_at_compares_against_lower_cased_keys() -> None:
    role = custom_role(ROLE_ID, "r", (EVERYTHING,), (f"/subscriptions/{SUB.upper()}",))
    assert role.assignable_at(SUB_ID)
    assert role.assignable_at(f"{SUB_ID}/resourcegroups/anything")
