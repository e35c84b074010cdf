"""GDAP in the domain: what Graph accepts, which change fits which status, and how a
relationship's status and end follow the clock with no background job."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cspadmin.domain.directory import PartnerProfile
from cspadmin.domain.gdap import (
    AccessAssignment,
    AccessAssignmentStatus,
    GdapRelationship,
    GdapStatus,
    access_assignment_id,
    etag,
)
from cspadmin.domain.gdap_access import (
    DuplicateAccessContainer,
    with_assignment,
    with_changed_assignment,
    without_assignment,
)
from cspadmin.domain.gdap_lifecycle import (
    DuplicateGdapName,
    GdapStatusConflict,
    InvalidGdapRequest,
    RelationshipChanges,
    RelationshipDraft,
    RequestAction,
    RequestStatus,
    approved,
    check_deletable,
    check_unique_name,
    checked_auto_extend,
    checked_display_name,
    checked_duration,
    checked_roles,
    locked,
    new_relationship,
    parse_action,
    requested,
    requests_of,
    terminated,
    updated,
)
from cspadmin.domain.relationships import delegated_directory_roles, has_delegated_access

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PARTNER, CUSTOMER = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60", "d3f1a6b2-0c4e-4a7d-9b8e-000000000104"
GROUP = "a9e1d7c3-5b4f-4e2a-8d6c-000000000002"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
EXCHANGE = "29232cdf-9323-42fd-ade2-1d097af3e4de"
DAY = timedelta(days=1)


def draft(**changes: object) -> RelationshipDraft:
    base = RelationshipDraft("Helpdesk for WWI", "P730D", CUSTOMER, (HELPDESK, READERS))
    return replace(base, **changes)  # type: ignore[arg-type]


def created(**changes: object) -> GdapRelationship:
    return new_relationship(f"rel-{CUSTOMER}", PARTNER, draft(**changes), NOW)


def active(duration: str = "P730D", auto_extend: str = "PT0S") -> GdapRelationship:
    relationship = locked(created(duration=duration, auto_extend_duration=auto_extend), NOW)
    return approved(relationship, "walter", NOW)


# -- values Graph accepts ---------------------------------------------------------------


@pytest.mark.parametrize("duration", ["P1D", "PT24H", "P30D", "P730D", "P2Y", "P1Y6M"])
def test_durations_from_one_day_to_two_years_are_accepted(duration: str) -> None:
    assert checked_duration(duration) == duration


@pytest.mark.parametrize(
    "duration",
    [
        "P0D",
        "PT23H",
        "P731D",
        "P2Y1D",
        "-P1D",
        "p90d",
        "30 days",
        "P",
        "",
        "P99999999Y",
        "P" + "0" * 40 + "1D",  # one day, in more characters than are kept
    ],
)
def test_other_durations_are_refused(duration: str) -> None:
    with pytest.raises(InvalidGdapRequest, match="duration"):
        checked_duration(duration)


@pytest.mark.parametrize("name", ["", "   ", "x" * 51])
def test_a_display_name_has_one_to_fifty_characters(name: str) -> None:
    assert checked_display_name("x" * 50) == "x" * 50
    with pytest.raises(InvalidGdapRequest, match="displayName"):
        checked_display_name(name)


def test_the_customer_name_a_partner_gives_has_at_most_256_characters() -> None:
    assert created(customer_display_name="W" * 256).customer_display_name == "W" * 256
    with pytest.raises(InvalidGdapRequest, match="customer displayName"):
        created(customer_display_name="W" * 257)


def test_roles_are_catalogue_template_ids_any_case_and_repeats_count_once() -> None:
    assert checked_roles([HELPDESK.upper(), f" {READERS} ", HELPDESK]) == (HELPDESK, READERS)


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ((), "at least one"),
        (("00000000-0000-0000-0000-000000000000",), "not the template id"),
        (("Helpdesk Administrator",), "not the template id"),
    ],
)
def test_roles_outside_the_catalogue_or_none_are_refused(
    roles: tuple[str, ...], message: str
) -> None:
    with pytest.raises(InvalidGdapRequest, match=message):
        checked_roles(roles)


@pytest.mark.parametrize(
    ("value", "roles", "expected"),
    [
        ("PT0S", (GLOBAL_ADMIN,), "PT0S"),
        ("P0D", (HELPDESK,), "P0D"),
        ("p180d", (HELPDESK,), "P180D"),
    ],
)
def test_auto_extend_values(value: str, roles: tuple[str, ...], expected: str) -> None:
    assert checked_auto_extend(value, roles) == expected


@pytest.mark.parametrize(
    ("value", "roles", "message"),
    [
        ("P90D", (HELPDESK,), "not supported"),
        ("P180D", (HELPDESK, GLOBAL_ADMIN), "Global Administrator"),
    ],
)
def test_auto_extend_refusals(value: str, roles: tuple[str, ...], message: str) -> None:
    with pytest.raises(InvalidGdapRequest, match=message):
        checked_auto_extend(value, roles)


def test_display_names_are_unique_per_partner_ignoring_case() -> None:
    existing = [created()]
    with pytest.raises(DuplicateGdapName):
        check_unique_name("HELPDESK FOR wwi", existing)
    check_unique_name("HELPDESK FOR wwi", existing, except_id=existing[0].id)
    check_unique_name("Another one", existing)


# -- the lifecycle ----------------------------------------------------------------------


def test_a_new_relationship_is_created_with_its_times_and_no_end_yet() -> None:
    relationship = created(auto_extend_duration="P180D")
    assert relationship.status_at(NOW) is GdapStatus.CREATED
    assert (relationship.created_at, relationship.modified_at) == (NOW, NOW)
    assert relationship.auto_extend_duration == "P180D"
    assert relationship.end_at_time(NOW) is None


def test_approval_activates_it_now_for_its_duration() -> None:
    relationship = active("P30D")
    assert relationship.activated_at == NOW
    assert relationship.approved_by == "walter"
    assert relationship.end_at_time(NOW) == NOW + 30 * DAY
    assert relationship.version == 3  # created, locked, approved


def test_a_created_relationship_changes_and_each_change_gets_a_new_version() -> None:
    relationship = created()
    changed = updated(
        relationship, RelationshipChanges(display_name="Renamed", role_ids=(EXCHANGE,)), NOW + DAY
    )
    assert (changed.display_name, changed.role_template_ids) == ("Renamed", (EXCHANGE,))
    assert changed.duration == relationship.duration
    assert (changed.version, changed.modified_at) == (2, NOW + DAY)
    assert changed.etag != relationship.etag


def test_a_patch_never_changes_the_relationships_customer() -> None:
    """The id ends with the customer's tenant id: another customer needs a new one."""
    relationship = created()
    for other in ("d3f1a6b2-0c4e-4a7d-9b8e-000000000101", "not-a-tenant"):
        with pytest.raises(InvalidGdapRequest, match="cannot be changed"):
            updated(relationship, RelationshipChanges(customer_tenant_id=other), NOW)
    same = updated(
        relationship,
        RelationshipChanges(customer_tenant_id=CUSTOMER.upper(), customer_display_name="WWI"),
        NOW,
    )
    assert (same.id, same.customer_tenant_id, same.customer_display_name) == (
        relationship.id,
        CUSTOMER,
        "WWI",
    )


def test_a_change_adding_global_administrator_to_an_auto_extending_relationship_is_refused() -> (
    None
):
    relationship = created(auto_extend_duration="P180D")
    with pytest.raises(InvalidGdapRequest, match="Global Administrator"):
        updated(relationship, RelationshipChanges(role_ids=(GLOBAL_ADMIN,)), NOW)


TRANSITIONS: dict[str, Callable[[GdapRelationship], object]] = {
    "update": lambda r: updated(r, RelationshipChanges(display_name="x"), NOW),
    "lock": lambda r: locked(r, NOW),
    "approve": lambda r: approved(r, "walter", NOW),
    "terminate": lambda r: terminated(r, NOW),
    "delete": lambda r: check_deletable(r, NOW),
}
ALLOWED = {
    GdapStatus.CREATED: {"update", "lock", "delete"},
    GdapStatus.APPROVAL_PENDING: {"approve"},
    GdapStatus.ACTIVE: {"terminate"},
    GdapStatus.TERMINATED: set(),
}


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_each_action_fits_only_its_statuses(status: GdapStatus, action: str) -> None:
    relationship = {
        GdapStatus.CREATED: created(),
        GdapStatus.APPROVAL_PENDING: locked(created(), NOW),
        GdapStatus.ACTIVE: active(),
        GdapStatus.TERMINATED: terminated(active(), NOW),
    }[status]
    if action in ALLOWED[status]:
        TRANSITIONS[action](relationship)
    else:
        with pytest.raises(GdapStatusConflict, match=str(status)):
            TRANSITIONS[action](relationship)


def test_termination_ends_it_at_once_and_shows_that_moment_as_its_end() -> None:
    ended = terminated(active(), NOW + 10 * DAY)
    assert ended.status_at(NOW + 10 * DAY) is GdapStatus.TERMINATED
    assert ended.end_at_time(NOW + 20 * DAY) == NOW + 10 * DAY
    assert not ended.is_active_at(NOW + 10 * DAY)


# -- status over time ---------------------------------------------------------------------

STATUS_OVER_TIME = [
    # (duration, auto-extend, days after approval, status)
    ("P730D", "PT0S", 0, GdapStatus.ACTIVE),
    ("P730D", "PT0S", 699, GdapStatus.ACTIVE),
    ("P730D", "PT0S", 700, GdapStatus.EXPIRING),
    ("P730D", "PT0S", 729, GdapStatus.EXPIRING),
    ("P730D", "PT0S", 730, GdapStatus.EXPIRED),
    ("P10D", "PT0S", 0, GdapStatus.EXPIRING),
    ("P10D", "P0D", 10, GdapStatus.EXPIRED),
    ("P10D", "P180D", 0, GdapStatus.ACTIVE),
    ("P10D", "P180D", 9, GdapStatus.ACTIVE),
    ("P10D", "P180D", 10, GdapStatus.ACTIVE),
    ("P10D", "P180D", 1000, GdapStatus.ACTIVE),
]


@pytest.mark.parametrize(("duration", "auto_extend", "days", "status"), STATUS_OVER_TIME)
def test_an_approved_relationships_status_follows_the_clock(
    duration: str, auto_extend: str, days: int, status: GdapStatus
) -> None:
    assert active(duration, auto_extend).status_at(NOW + days * DAY) is status


def test_auto_extension_moves_the_end_180_days_at_a_time() -> None:
    relationship = active("P10D", "P180D")
    assert relationship.end_at_time(NOW + 9 * DAY) == NOW + 10 * DAY
    assert relationship.end_at_time(NOW + 10 * DAY) == NOW + 190 * DAY
    assert relationship.end_at_time(NOW + 190 * DAY) == NOW + 370 * DAY


def test_a_locked_relationship_expires_after_ninety_days_unapproved() -> None:
    pending = locked(created(), NOW)
    assert pending.status_at(NOW + 89 * DAY) is GdapStatus.APPROVAL_PENDING
    assert pending.status_at(NOW + 90 * DAY) is GdapStatus.EXPIRED
    with pytest.raises(GdapStatusConflict, match="expired"):
        approved(pending, "walter", NOW + 90 * DAY)


@given(
    days=st.integers(1, 730),
    elapsed=st.timedeltas(timedelta(0), timedelta(days=3000)),
    auto_extend=st.sampled_from(["PT0S", "P0D", "P180D"]),
)
def test_status_and_end_agree_at_every_moment(
    days: int, elapsed: timedelta, auto_extend: str
) -> None:
    relationship = active(f"P{days}D", auto_extend)
    now = NOW + elapsed
    end = relationship.end_at_time(now)
    assert end is not None
    status = relationship.status_at(now)
    assert relationship.is_active_at(now) == (now < end)
    assert (status is GdapStatus.EXPIRING) == (
        auto_extend != "P180D" and end - 30 * DAY <= now < end
    )
    if auto_extend == "P180D":
        assert status is GdapStatus.ACTIVE
        assert timedelta(0) < end - now <= max(timedelta(days=180), NOW + days * DAY - now)
        assert (end - (NOW + days * DAY)) % timedelta(days=180) == timedelta(0)


# -- requests -------------------------------------------------------------------------------


def test_requests_are_read_off_the_relationship_and_succeed_at_once() -> None:
    pending = requested(created(), RequestAction.LOCK_FOR_APPROVAL, NOW)
    relationship = requested(approved(pending, "walter", NOW), RequestAction.TERMINATE, NOW + DAY)
    lock, terminate = requests_of(relationship)
    assert (lock.action, lock.status, lock.created_at) == (
        RequestAction.LOCK_FOR_APPROVAL,
        RequestStatus.SUCCEEDED,
        NOW,
    )
    assert (terminate.action, terminate.created_at) == (RequestAction.TERMINATE, NOW + DAY)
    assert requests_of(relationship) == requests_of(relationship)  # ids are stable
    assert requests_of(created()) == ()


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_the_indirect_reseller_actions_are_refused_to_a_direct_partner(action: str) -> None:
    with pytest.raises(InvalidGdapRequest, match="indirect reseller"):
        requested(locked(created(), NOW), parse_action(action), NOW)


def test_an_unknown_action_is_refused() -> None:
    with pytest.raises(InvalidGdapRequest, match="lockForApproval or terminate"):
        parse_action("unlock")


# -- access assignments ------------------------------------------------------------------------


def test_an_assignment_grants_a_subset_of_the_roles_of_an_active_relationship() -> None:
    relationship = with_assignment(active(), GROUP, [HELPDESK], NOW)
    [assignment] = relationship.access_assignments
    assert (assignment.group_id, assignment.role_template_ids) == (GROUP, (HELPDESK,))
    assert assignment.status is AccessAssignmentStatus.ACTIVE
    assert relationship.assignment(access_assignment_id(relationship.id, GROUP)) == assignment


@pytest.mark.parametrize(
    ("relationship", "roles", "error"),
    [
        (created(), [HELPDESK], GdapStatusConflict),
        (locked(created(), NOW), [HELPDESK], GdapStatusConflict),
        (active(), [EXCHANGE], InvalidGdapRequest),
        (active(), [HELPDESK, GLOBAL_ADMIN], InvalidGdapRequest),
        (active(), [], InvalidGdapRequest),
    ],
    ids=["created", "pending", "role outside", "one role outside", "no role"],
)
def test_assignments_are_refused_outside_an_active_relationship_or_its_roles(
    relationship: GdapRelationship, roles: list[str], error: type[Exception]
) -> None:
    with pytest.raises(error):
        with_assignment(relationship, GROUP, roles, NOW)


def test_one_assignment_per_group_changed_in_place_then_removed() -> None:
    relationship = with_assignment(active(), GROUP, [HELPDESK], NOW)
    with pytest.raises(DuplicateAccessContainer):
        with_assignment(relationship, GROUP, [READERS], NOW)
    changed = with_changed_assignment(relationship, GROUP, [READERS], NOW + DAY)
    [assignment] = changed.access_assignments
    assert (assignment.role_template_ids, assignment.version) == ((READERS,), 2)
    assert without_assignment(changed, GROUP, NOW).access_assignments == ()


def test_an_assignment_change_moves_its_own_entity_tag_not_the_relationships() -> None:
    """Graph's assignments are entities of their own, with their own tag in If-Match; the
    relationship's tag covers only its own properties, which no assignment changes."""
    relationship = with_assignment(active(), GROUP, [HELPDESK], NOW)
    changed = with_changed_assignment(relationship, GROUP, [READERS], NOW + DAY)
    removed = without_assignment(changed, GROUP, NOW + DAY)
    assert changed.etag == relationship.etag == removed.etag == active().etag
    tag = access_assignment_id(relationship.id, GROUP)
    [before], [after] = relationship.access_assignments, changed.access_assignments
    assert etag(tag, after.version) != etag(tag, before.version)


# -- what the authorization rule sees ---------------------------------------------------------

PROFILE = PartnerProfile("4821937", "agents", GROUP, "sales")


@pytest.mark.parametrize(
    ("relationship", "at", "roles"),
    [
        (with_assignment(active("P30D"), GROUP, [HELPDESK], NOW), NOW + 29 * DAY, {HELPDESK}),
        (with_assignment(active("P30D"), GROUP, [HELPDESK], NOW), NOW + 30 * DAY, set()),
        (terminated(with_assignment(active(), GROUP, [HELPDESK], NOW), NOW), NOW, set()),
        (
            replace(
                active(),
                access_assignments=(
                    AccessAssignment(GROUP, (HELPDESK,), AccessAssignmentStatus.PENDING),
                ),
            ),
            NOW,
            set(),
        ),
    ],
    ids=["active", "expired", "terminated", "assignment pending"],
)
def test_only_active_assignments_of_active_relationships_grant_roles(
    relationship: GdapRelationship, at: datetime, roles: set[str]
) -> None:
    granted = delegated_directory_roles(PROFILE, CUSTOMER, {GROUP}, (), (relationship,), at)
    assert granted == roles
    assert has_delegated_access(PARTNER, CUSTOMER, (), (relationship,), at) == (
        relationship.is_active_at(at)
    )
