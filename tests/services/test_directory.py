"""The directory-role rule: who may reset whose password, and the roles delegation gives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from cspadmin.domain.directory import PartnerProfile
from cspadmin.domain.directory_roles import RoleTemplate as R
from cspadmin.domain.relationships import (
    AccessAssignment,
    GdapRelationship,
    GdapStatus,
    RelationshipState,
    ResellerRelationship,
    delegated_directory_roles,
)
from cspadmin.services.directory.rules import (
    RoleHolding,
    may_manage_sensitive,
    may_reset_password,
    may_set_usage_location,
)

RESETTERS = (
    R.PASSWORD_ADMINISTRATOR,
    R.HELPDESK_ADMINISTRATOR,
    R.AUTHENTICATION_ADMINISTRATOR,
    R.USER_ADMINISTRATOR,
    R.PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
    R.GLOBAL_ADMINISTRATOR,
)

# partner-center-wire.md §7: target row → (Password, Helpdesk, Auth, User, Privileged
# Auth, Global Administrator) may reset it.
TABLE = {
    "Authentication Administrator": (R.AUTHENTICATION_ADMINISTRATOR, "..+.++"),
    "Directory Readers": (R.DIRECTORY_READERS, "++++++"),
    "Global Administrator": (R.GLOBAL_ADMINISTRATOR, "....++"),
    "Groups Administrator": (R.GROUPS_ADMINISTRATOR, "...+++"),
    "Guest Inviter": (R.GUEST_INVITER, "++++++"),
    "Helpdesk Administrator": (R.HELPDESK_ADMINISTRATOR, ".+.+++"),
    "Message Center Reader": (R.MESSAGE_CENTER_READER, ".+++++"),
    "Password Administrator": (R.PASSWORD_ADMINISTRATOR, "++++++"),
    "Privileged Authentication Administrator": (
        R.PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
        "....++",
    ),
    "Privileged Role Administrator": (R.PRIVILEGED_ROLE_ADMINISTRATOR, "....++"),
    "Reports Reader": (R.REPORTS_READER, ".+++++"),
    "User Administrator": (R.USER_ADMINISTRATOR, "...+++"),
    "User Experience Success Manager": (R.USER_EXPERIENCE_SUCCESS_MANAGER, ".+++++"),
    "Usage Summary Reports Reader": (R.USAGE_SUMMARY_REPORTS_READER, ".+++++"),
    "any other role (License Administrator)": (R.LICENSE_ADMINISTRATOR, "....++"),
}


def row(target: RoleHolding) -> str:
    return "".join("+" if may_reset_password({r}, target) else "." for r in RESETTERS)


@pytest.mark.parametrize("target", TABLE)
def test_who_may_reset_whose_password(target: str) -> None:
    role, expected = TABLE[target]
    assert row(RoleHolding(direct=frozenset({role}))) == expected


def test_every_resetter_resets_a_user_without_roles() -> None:
    assert row(RoleHolding()) == "++++++"


def test_a_role_held_through_a_group_leaves_only_the_top_two() -> None:
    assert row(RoleHolding(through_groups=frozenset({R.DIRECTORY_READERS}))) == "....++"


def test_one_resetter_role_must_cover_every_role_of_the_target() -> None:
    target = RoleHolding(direct=frozenset({R.HELPDESK_ADMINISTRATOR, R.GROUPS_ADMINISTRATOR}))
    assert not may_reset_password({R.HELPDESK_ADMINISTRATOR}, target)
    assert may_reset_password({R.HELPDESK_ADMINISTRATOR, R.USER_ADMINISTRATOR}, target)


def test_roles_that_reset_nothing_give_nothing() -> None:
    assert not may_reset_password({R.DIRECTORY_READERS, R.LICENSE_ADMINISTRATOR}, RoleHolding())


def test_sensitive_changes_need_a_user_manager_that_covers_the_target() -> None:
    plain = RoleHolding()
    global_admin = RoleHolding(direct=frozenset({R.GLOBAL_ADMINISTRATOR}))
    assert may_manage_sensitive({R.USER_ADMINISTRATOR}, plain)
    assert not may_manage_sensitive({R.USER_ADMINISTRATOR}, global_admin)
    assert may_manage_sensitive({R.GLOBAL_ADMINISTRATOR}, global_admin)
    assert not may_manage_sensitive({R.HELPDESK_ADMINISTRATOR}, plain)
    assert not may_manage_sensitive({R.PRIVILEGED_AUTHENTICATION_ADMINISTRATOR}, plain)


@pytest.mark.parametrize(
    ("role", "sets"),
    [
        (R.GLOBAL_ADMINISTRATOR, True),
        (R.USER_ADMINISTRATOR, True),
        (R.LICENSE_ADMINISTRATOR, True),
        (R.HELPDESK_ADMINISTRATOR, False),
        (R.GLOBAL_READER, False),
        (R.DIRECTORY_READERS, False),
    ],
)
def test_user_managers_and_license_administrators_set_usage_locations(
    role: str, sets: bool
) -> None:
    assert may_set_usage_location({role}) is sets
    assert not may_set_usage_location(set())


# -- delegation ------------------------------------------------------------------------------

PARTNER = PartnerProfile("4821937", "admin-agents", "helpdesk-agents", "sales-agents")
CUSTOMER = "customer"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def dap(state: RelationshipState = RelationshipState.ACTIVE) -> ResellerRelationship:
    return ResellerRelationship("partner", CUSTOMER, dap=True, state=state)


def gdap(activated: datetime = NOW - timedelta(days=1)) -> GdapRelationship:
    return GdapRelationship(
        "rel",
        "partner",
        CUSTOMER,
        "ops",
        "P30D",
        (R.USER_ADMINISTRATOR, R.DIRECTORY_READERS),
        GdapStatus.ACTIVE,
        activated,
        (AccessAssignment("operators", (R.DIRECTORY_READERS,)),),
    )


def roles(
    groups: set[str],
    reseller: Sequence[ResellerRelationship] = (),
    relationships: Sequence[GdapRelationship] = (),
) -> frozenset[str]:
    return delegated_directory_roles(PARTNER, CUSTOMER, groups, reseller, relationships, NOW)


def test_under_dap_admin_agents_are_global_and_helpdesk_agents_helpdesk_admins() -> None:
    assert roles({"admin-agents"}, [dap()]) == {R.GLOBAL_ADMINISTRATOR}
    assert roles({"helpdesk-agents"}, [dap()]) == {R.HELPDESK_ADMINISTRATOR}
    assert roles({"sales-agents"}, [dap()]) == set()


def test_dap_removed_or_terminated_gives_no_roles() -> None:
    without = ResellerRelationship("partner", CUSTOMER, dap=False)
    assert roles({"admin-agents"}, [without]) == set()
    assert roles({"admin-agents"}, [dap(RelationshipState.TERMINATED)]) == set()


def test_under_gdap_a_group_gets_its_access_assignments_roles() -> None:
    assert roles({"operators"}, relationships=[gdap()]) == {R.DIRECTORY_READERS}
    assert roles({"admin-agents"}, relationships=[gdap()]) == set()


def test_an_expired_gdap_relationship_gives_no_roles() -> None:
    assert roles({"operators"}, relationships=[gdap(NOW - timedelta(days=31))]) == set()


def test_another_customers_relationships_do_not_count() -> None:
    elsewhere = ResellerRelationship("partner", "other", dap=True)
    assert roles({"admin-agents"}, [elsewhere]) == set()
