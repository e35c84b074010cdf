"""A world file's licensing: the SKUs each tenant subscribes to and the licenses its users
hold (`licenses:` on a tenant and on a user).

Planning checks what the file alone can tell: known SKUs, each subscribed once, users
holding only their tenant's SKUs, a usage location on every licensed user (Graph's rule),
and no SKU held by more users than it has seats. Writing adds what the store lacks and
then checks the seats again against every license the store holds, since licenses
assigned through Graph since the last load count too.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Connection

from cspadmin.domain.licensing import AssignedLicense, Sku, catalogue, find_sku
from cspadmin.errors import WorldFileError
from cspadmin.services.world.plan import Directory, PlannedLicense, PlannedSku, Planner, WorldPlan
from cspadmin.services.world.schema import KeyPath, TenantKeys, format_path
from cspadmin.store.licensing import add_licenses, claim_seats, save_subscribed_sku


def plan_licenses(planner: Planner, tenants: list[tuple[int, TenantKeys]]) -> None:
    """The tenants' SKUs and their users' licenses, once every user has its id."""
    for i, keys in tenants:
        directory = planner.by_domain[keys.domain.lower()]
        seats = _subscribed(planner, directory, keys, ("tenants", i))
        holders = _licensed_users(planner, directory, keys, seats, ("tenants", i))
        for sku_id, held in holders.items():
            planned, path = seats[sku_id]
            if held > planned.seats:
                message = f"{held} users hold {_name(sku_id)} but it has {planned.seats} seats"
                raise planner.error((*path, "seats"), message)


def _subscribed(
    planner: Planner, directory: Directory, keys: TenantKeys, path: KeyPath
) -> dict[str, tuple[PlannedSku, KeyPath]]:
    seats: dict[str, tuple[PlannedSku, KeyPath]] = {}
    for j, entry in enumerate(keys.licenses):
        entry_path = (*path, "licenses", j)
        sku = _sku(planner, entry.sku, (*entry_path, "sku"))
        if sku.id in seats:
            other = format_path(seats[sku.id][1])
            raise planner.error((*entry_path, "sku"), f"this SKU is already at {other}")
        line = planner.locator.line((*entry_path, "seats"))
        planned = PlannedSku(
            directory.tenant.id, sku.id, entry.seats, format_path(entry_path), line
        )
        seats[sku.id] = (planned, entry_path)
        planner.plan.subscribed_skus.append(planned)
    return seats


def _licensed_users(
    planner: Planner,
    directory: Directory,
    keys: TenantKeys,
    seats: dict[str, tuple[PlannedSku, KeyPath]],
    path: KeyPath,
) -> Counter[str]:
    holders: Counter[str] = Counter()
    for j, user in enumerate(keys.users):
        user_path = (*path, "users", j)
        if user.licenses and user.usage_location is None:
            message = "a user who holds licenses needs a usage_location (Graph's rule)"
            raise planner.error((*user_path, "licenses"), message)
        held: set[str] = set()
        for k, name in enumerate(user.licenses):
            license_path = (*user_path, "licenses", k)
            sku = _sku(planner, name, license_path)
            if sku.id not in seats:
                domain = directory.tenant.default_domain
                message = f"tenant {domain} does not subscribe to {sku.part_number}"
                raise planner.error(license_path, message + f" (add it to {_at(path)}.licenses)")
            if sku.id in held:
                raise planner.error(license_path, "the user already holds this SKU")
            held.add(sku.id)
            user_id = directory.users[user.upn.lower()]
            planner.plan.user_licenses.append(PlannedLicense(user_id, directory.tenant.id, sku.id))
        holders.update(held)
    return holders


def _sku(planner: Planner, name: str, path: KeyPath) -> Sku:
    sku = find_sku(name)
    if sku is None:
        known = ", ".join(s.part_number for s in catalogue())
        raise planner.error(path, f"'{name}' is not a SKU this server knows ({known})")
    return sku


def write_licenses(connection: Connection, plan: WorldPlan, now: datetime) -> None:
    """Subscribe, license (a license the store holds is left as it is; a new one is
    assigned `now`), then check every planned SKU's seats against the store."""
    for sku in plan.subscribed_skus:
        save_subscribed_sku(connection, sku.tenant_id, sku.sku_id, sku.seats)
    for held in plan.user_licenses:
        license = AssignedLicense(held.sku_id, (), now)
        add_licenses(connection, held.user_id, held.tenant_id, [license])
    for sku in plan.subscribed_skus:
        counted = claim_seats(connection, sku.tenant_id, [sku.sku_id])[sku.sku_id]
        if counted.consumed_units > sku.seats:
            message = (
                f"the store holds {counted.consumed_units} licenses of "
                f"{counted.sku.part_number}, more than its {sku.seats} seats"
            )
            raise WorldFileError(f"{sku.path}.seats", message, sku.line)


def _name(sku_id: str) -> str:
    sku = find_sku(sku_id)
    return sku.part_number if sku else sku_id


def _at(path: KeyPath) -> str:
    return format_path(path)
