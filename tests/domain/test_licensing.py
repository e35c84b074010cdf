"""Graph's assignLicense rule, and the SKU catalogue it works on (domain.licensing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cspadmin.domain.licensing import (
    AssignedLicense,
    ConflictingLicenseChange,
    InvalidDisabledPlan,
    LicenseAssignmentError,
    LicenseChange,
    LicenseNotHeld,
    NoAvailableLicenses,
    SubscribedSku,
    UnknownSku,
    UsageLocationRequired,
    assign_licenses,
    assigned_plans,
    catalogue,
    find_sku,
)

TENANT = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(days=30)
E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
P1 = "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"
E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06"
TEAMS1 = "57ff2da0-773e-42df-b2af-ffb7a2317929"
EXCHANGE_FOUNDATION = "113feb6c-3fe4-4440-bddc-54d774bf0318"  # applies to the company


def subscribed(**seats: tuple[int, int]) -> dict[str, SubscribedSku]:
    """The tenant's SKUs by part number: (prepaid, consumed)."""
    found = {}
    for part_number, (prepaid, consumed) in seats.items():
        sku = find_sku(part_number)
        assert sku is not None
        found[sku.id] = SubscribedSku(TENANT, sku, prepaid, consumed)
    return found


def assign(
    change: LicenseChange,
    held: tuple[AssignedLicense, ...] = (),
    skus: dict[str, SubscribedSku] | None = None,
    usage_location: str | None = "US",
) -> tuple[AssignedLicense, ...]:
    if skus is None:
        skus = subscribed(SPE_E3=(5, 0), AAD_PREMIUM=(1, 1))
    return assign_licenses(held, change, skus, usage_location, NOW)


def add(*sku_ids: str) -> LicenseChange:
    return LicenseChange(tuple(AssignedLicense(s) for s in sku_ids))


# -- the catalogue ---------------------------------------------------------------------------


def test_the_catalogue_holds_real_skus_by_id_and_part_number() -> None:
    expected = {
        "SPE_E3": E3,
        "ENTERPRISEPACK": "6fd2c87f-b296-42f0-b197-1e91e994b900",
        "SPB": "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46",
        "AAD_PREMIUM": P1,
        "SPE_E5": E5,
    }
    assert {s.part_number: s.id for s in catalogue()} == expected
    for part_number, sku_id in expected.items():
        assert find_sku(sku_id) == find_sku(part_number.lower()) == find_sku(f" {part_number} ")
    assert find_sku("NOT_A_SKU") is None


def test_every_sku_has_distinct_lower_case_service_plans() -> None:
    for sku in catalogue():
        ids = [p.id for p in sku.service_plans]
        assert ids and len(set(ids)) == len(ids)
        assert all(i == i.lower() for i in ids)


def test_a_subscribed_sku_has_graphs_id_and_counts_free_seats() -> None:
    sku = subscribed(SPE_E3=(25, 14))[E3]
    assert sku.id == f"{TENANT}_{E3}"
    assert sku.available_units == 11
    assert subscribed(SPE_E3=(2, 3))[E3].available_units == 0


# -- assigning -------------------------------------------------------------------------------


def test_a_new_license_takes_a_seat_and_is_stamped_now() -> None:
    result = assign(LicenseChange((AssignedLicense(E3, (TEAMS1,)),)))
    assert result == (AssignedLicense(E3, (TEAMS1,), NOW),)


def test_re_adding_a_held_sku_changes_its_disabled_plans_and_keeps_its_date() -> None:
    held = (AssignedLicense(P1, (), EARLIER),)
    # AAD_PREMIUM has no free seat, but the user already holds one
    result = assign(LicenseChange((AssignedLicense(P1, (EXCHANGE_FOUNDATION,)),)), held)
    assert result == (AssignedLicense(P1, (EXCHANGE_FOUNDATION,), EARLIER),)


def test_removing_a_held_license_frees_it_and_keeps_the_others() -> None:
    held = (AssignedLicense(E3, (), EARLIER), AssignedLicense(P1, (), EARLIER))
    assert assign(LicenseChange(remove=(P1,)), held) == (AssignedLicense(E3, (), EARLIER),)


def test_adding_and_removing_in_one_call_swaps_licenses() -> None:
    held = (AssignedLicense(P1, (), EARLIER),)
    result = assign(LicenseChange((AssignedLicense(E3),), (P1,)), held)
    assert result == (AssignedLicense(E3, (), NOW),)


def test_an_empty_change_changes_nothing() -> None:
    held = (AssignedLicense(E3, (), EARLIER),)
    assert assign(LicenseChange(), held, usage_location=None) == held


def test_no_free_seat_refuses_with_graphs_message() -> None:
    with pytest.raises(NoAvailableLicenses) as refused:
        assign(add(P1))
    assert refused.value.status == 400
    assert refused.value.code == "Request_BadRequest"
    assert refused.value.message == (
        f"Subscription with SKU {P1} does not have any available licenses."
    )


def test_a_user_without_usage_location_gets_no_license() -> None:
    with pytest.raises(UsageLocationRequired) as refused:
        assign(add(E3), usage_location=None)
    assert refused.value.message == (
        "License assignment cannot be done for user with invalid usage location."
    )


def test_removing_needs_no_usage_location() -> None:
    held = (AssignedLicense(E3, (), EARLIER),)
    assert assign(LicenseChange(remove=(E3,)), held, usage_location=None) == ()


def test_a_sku_the_tenant_does_not_subscribe_to_is_refused() -> None:
    for sku_id in (E5, "00000000-0000-4000-8000-000000000000"):
        with pytest.raises(UnknownSku) as refused:
            assign(add(sku_id))
        assert sku_id in refused.value.message


def test_disabled_plans_must_be_plans_of_the_sku() -> None:
    with pytest.raises(InvalidDisabledPlan):
        assign(LicenseChange((AssignedLicense(E3, (EXCHANGE_FOUNDATION,)),)))


def test_removing_a_license_the_user_does_not_hold_is_refused() -> None:
    with pytest.raises(LicenseNotHeld):
        assign(LicenseChange(remove=(E3,)))


def test_adding_and_removing_the_same_sku_is_refused() -> None:
    held = (AssignedLicense(E3, (), EARLIER),)
    with pytest.raises(ConflictingLicenseChange):
        assign(LicenseChange((AssignedLicense(E3),), (E3,)), held)


def test_adding_a_sku_twice_is_refused() -> None:
    with pytest.raises(ConflictingLicenseChange):
        assign(add(E3, E3))


@pytest.mark.parametrize(
    "change",
    [
        LicenseChange((AssignedLicense(E3), AssignedLicense(P1))),  # P1 has no seat
        LicenseChange((AssignedLicense(E3),), (P1,)),  # P1 is not held
        LicenseChange((AssignedLicense(E3), AssignedLicense(E5))),  # E5 not subscribed
    ],
)
def test_a_change_is_all_or_nothing(change: LicenseChange) -> None:
    held = (AssignedLicense("6fd2c87f-b296-42f0-b197-1e91e994b900", (), EARLIER),)
    skus = subscribed(SPE_E3=(5, 0), AAD_PREMIUM=(1, 1), ENTERPRISEPACK=(1, 1))
    with pytest.raises(LicenseAssignmentError):
        assign_licenses(held, change, skus, "US", NOW)


# -- what a user can use ---------------------------------------------------------------------


def test_assigned_plans_are_the_user_plans_not_disabled_each_once() -> None:
    licenses = (
        AssignedLicense(P1, (), EARLIER),
        AssignedLicense(E3, (TEAMS1,), NOW),
    )
    plans = assigned_plans(licenses)
    ids = [p.service_plan_id for p in plans]
    assert len(ids) == len(set(ids))
    assert TEAMS1 not in ids
    assert EXCHANGE_FOUNDATION not in ids  # a company plan is nobody's
    entra = next(p for p in plans if p.service_plan_id == "41781fb2-bc02-4b7c-bd55-b576c07bb09d")
    assert (entra.service, entra.assigned_at, entra.capability_status) == (
        "AADPremiumService",
        EARLIER,
        "Enabled",
    )
    exchange = next(p for p in plans if p.service_plan_id == "efb87545-963c-4e0d-99df-69c6916d9eb0")
    assert (exchange.service, exchange.assigned_at) == ("exchange", NOW)
