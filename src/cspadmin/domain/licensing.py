"""Licenses: the SKUs a tenant subscribes to, and Graph's rule for assigning them to users.

A tenant subscribes to SKUs (products such as Microsoft 365 E3) with a number of prepaid
seats; a user holds a license of a SKU, possibly with some of its service plans disabled;
a SKU's consumed units are the users holding it. The catalogue of SKUs this emulator
knows is `data/skus.json` (`data/README.md` says what in it was verified).

`assign_licenses` is Graph's `assignLicense` rule in one place. It is all-or-nothing:
the whole change is checked before any part of it counts, and the first problem is
raised as a `LicenseAssignmentError`, Graph's 400 `Request_BadRequest`:

    BadRequest
    └── LicenseAssignmentError
        ├── ConflictingLicenseChange  a SKU added twice, or added and removed at once
        ├── UnknownSku                a SKU the tenant does not subscribe to
        ├── InvalidDisabledPlan       a disabled plan that is not one of the SKU's plans
        ├── LicenseNotHeld            removing a license the user does not hold
        ├── UsageLocationRequired     adding a license to a user without a usage location
        └── NoAvailableLicenses       no free seat left for a license the user lacks

Message texts follow partner-center-wire.md §6 where it has them (usage location, seats);
the others are this emulator's wording of the same refusal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from importlib import resources

from cspadmin.errors import BadRequest

USER = "User"
ENABLED = "Enabled"


@dataclass(frozen=True, slots=True)
class ServicePlan:
    """One service of a SKU (Exchange Online, Teams, ...); `service` is what a user's
    `assignedPlans` call it."""

    id: str
    name: str
    service: str
    applies_to: str = USER


@dataclass(frozen=True, slots=True)
class Sku:
    """A product that can be licensed: Graph's skuId and skuPartNumber, and its plans."""

    id: str
    part_number: str
    display_name: str
    service_plans: tuple[ServicePlan, ...]
    applies_to: str = USER

    @property
    def plan_ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.service_plans)


@dataclass(frozen=True, slots=True)
class SubscribedSku:
    """A SKU a tenant has bought: its prepaid (enabled) seats and how many users hold it."""

    tenant_id: str
    sku: Sku
    prepaid_units: int
    consumed_units: int = 0

    @property
    def id(self) -> str:
        """Graph's id of a subscribedSku: `{tenantId}_{skuId}`."""
        return subscribed_sku_id(self.tenant_id, self.sku.id)

    @property
    def available_units(self) -> int:
        return max(self.prepaid_units - self.consumed_units, 0)


@dataclass(frozen=True, slots=True)
class AssignedLicense:
    """A license a user holds: the SKU, the plans switched off, and since when."""

    sku_id: str
    disabled_plans: tuple[str, ...] = ()
    assigned_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LicenseChange:
    """One assignLicense call: licenses to add (or re-add with other disabled plans) and
    SKU ids to remove."""

    add: tuple[AssignedLicense, ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AssignedPlan:
    """A service plan a user can use through one of its licenses."""

    service_plan_id: str
    service: str
    assigned_at: datetime | None
    capability_status: str = ENABLED


class LicenseAssignmentError(BadRequest):
    code = "Request_BadRequest"


class ConflictingLicenseChange(LicenseAssignmentError):
    def __init__(self, sku_id: str, where: str) -> None:
        super().__init__(f"License {sku_id} is present {where}.")


class UnknownSku(LicenseAssignmentError):
    def __init__(self, sku_id: str) -> None:
        super().__init__(f"License {sku_id} does not correspond to a valid company License.")


class InvalidDisabledPlan(LicenseAssignmentError):
    def __init__(self, plan_id: str, sku_id: str) -> None:
        super().__init__(f"Service plan {plan_id} is not part of license {sku_id}.")


class LicenseNotHeld(LicenseAssignmentError):
    def __init__(self, sku_id: str) -> None:
        super().__init__(f"User does not have a corresponding license {sku_id}.")


class UsageLocationRequired(LicenseAssignmentError):
    def __init__(self) -> None:
        super().__init__("License assignment cannot be done for user with invalid usage location.")


class NoAvailableLicenses(LicenseAssignmentError):
    def __init__(self, sku_id: str) -> None:
        super().__init__(f"Subscription with SKU {sku_id} does not have any available licenses.")


def subscribed_sku_id(tenant_id: str, sku_id: str) -> str:
    return f"{tenant_id}_{sku_id}"


@cache
def catalogue() -> tuple[Sku, ...]:
    """Every SKU this emulator knows, from `data/skus.json`."""
    text = resources.files("cspadmin.domain").joinpath("data/skus.json").read_text()
    return tuple(_sku(entry) for entry in json.loads(text)["skus"])


def _sku(entry: Mapping[str, object]) -> Sku:
    plans = entry["servicePlans"]
    assert isinstance(plans, list)
    return Sku(
        id=str(entry["skuId"]).lower(),
        part_number=str(entry["skuPartNumber"]),
        display_name=str(entry["displayName"]),
        service_plans=tuple(
            ServicePlan(
                p["servicePlanId"].lower(),
                p["servicePlanName"],
                p["service"],
                p.get("appliesTo", USER),
            )
            for p in plans
        ),
    )


def find_sku(key: str) -> Sku | None:
    """A catalogued SKU by skuId or skuPartNumber, in any case."""
    wanted = key.strip().lower()
    for sku in catalogue():
        if wanted in (sku.id, sku.part_number.lower()):
            return sku
    return None


def assign_licenses(
    held: Iterable[AssignedLicense],
    change: LicenseChange,
    subscribed: Mapping[str, SubscribedSku],
    usage_location: str | None,
    now: datetime,
) -> tuple[AssignedLicense, ...]:
    """The licenses a user holds after `change`, or the first reason it is refused.

    `subscribed` holds the tenant's subscribed SKUs by skuId, with their consumption as it
    stands (this user's licenses included). Re-adding a held SKU replaces its disabled
    plans and takes no new seat; a new SKU takes one free seat.
    """
    current = {lic.sku_id: lic for lic in held}
    adding = _checked_additions(change, subscribed)
    for sku_id in dict.fromkeys(change.remove):
        if sku_id in adding:
            raise ConflictingLicenseChange(sku_id, "in both addLicenses and removeLicenses")
        if sku_id not in current:
            raise LicenseNotHeld(sku_id)
    if adding and not usage_location:
        raise UsageLocationRequired()
    for sku_id in adding:
        if sku_id not in current and subscribed[sku_id].available_units < 1:
            raise NoAvailableLicenses(sku_id)
    result = {k: v for k, v in current.items() if k not in change.remove}
    for sku_id, wanted in adding.items():
        before = current.get(sku_id)
        since = before.assigned_at if before is not None else now
        result[sku_id] = replace(wanted, assigned_at=since)
    return tuple(result.values())


def _checked_additions(
    change: LicenseChange, subscribed: Mapping[str, SubscribedSku]
) -> dict[str, AssignedLicense]:
    adding: dict[str, AssignedLicense] = {}
    for lic in change.add:
        if lic.sku_id in adding:
            raise ConflictingLicenseChange(lic.sku_id, "more than once in addLicenses")
        found = subscribed.get(lic.sku_id)
        if found is None or found.sku.applies_to != USER:
            raise UnknownSku(lic.sku_id)
        for plan_id in lic.disabled_plans:
            if plan_id not in found.sku.plan_ids:
                raise InvalidDisabledPlan(plan_id, lic.sku_id)
        adding[lic.sku_id] = AssignedLicense(lic.sku_id, tuple(dict.fromkeys(lic.disabled_plans)))
    return adding


def assigned_plans(licenses: Iterable[AssignedLicense]) -> list[AssignedPlan]:
    """The plans a user's licenses give it, each once: every user plan of each SKU that
    is not disabled in the license that brings it."""
    plans: dict[str, AssignedPlan] = {}
    for lic in licenses:
        sku = find_sku(lic.sku_id)
        if sku is None:
            continue
        for plan in sku.service_plans:
            if plan.applies_to == USER and plan.id not in lic.disabled_plans:
                plans.setdefault(plan.id, AssignedPlan(plan.id, plan.service, lic.assigned_at))
    return list(plans.values())
