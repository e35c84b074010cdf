"""Subscribed SKUs and users' licenses in the store.

A SKU's consumed units are counted from the licenses, never stored, so they cannot drift.
Deciding whether a seat is free and taking it must happen in one transaction that no
other writer of the same SKU can interleave with: `claim_seats` reads the counts under a
lock (a row lock on PostgreSQL; on SQLite every write transaction begins IMMEDIATE and so
already excludes other writers), and the counts it returns stay true until commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, func, select

from cspadmin.domain.licensing import AssignedLicense, SubscribedSku, find_sku
from cspadmin.store import schema as t
from cspadmin.store.batching import chunks
from cspadmin.store.upsert import upsert


def save_subscribed_sku(connection: Connection, tenant_id: str, sku_id: str, seats: int) -> None:
    """Subscribe the tenant to a SKU with `seats` prepaid units (or change its seats)."""
    upsert(
        connection,
        t.tenant_skus,
        [{"tenant_id": tenant_id, "sku_id": sku_id, "prepaid_units": seats}],
        ["tenant_id", "sku_id"],
    )


def subscribed_skus(connection: Connection, tenant_id: str) -> list[SubscribedSku]:
    """The tenant's SKUs with their consumption, in skuPartNumber order."""
    rows = connection.execute(select(t.tenant_skus).where(t.tenant_skus.c.tenant_id == tenant_id))
    found = _with_consumption(connection, tenant_id, list(rows))
    return sorted(found.values(), key=lambda s: s.sku.part_number)


def claim_seats(
    connection: Connection, tenant_id: str, sku_ids: Iterable[str]
) -> dict[str, SubscribedSku]:
    """The tenant's SKUs among `sku_ids`, by skuId, counted under a lock held until the
    transaction ends: no other `claim_seats` of these SKUs proceeds before then. Call it
    in a write transaction (`Database.begin()`); a read connection takes no lock."""
    wanted = sorted(set(sku_ids))
    if not wanted:
        return {}
    skus = t.tenant_skus.c
    query = (
        select(t.tenant_skus)
        .where((skus.tenant_id == tenant_id) & skus.sku_id.in_(wanted))
        .order_by(skus.sku_id)  # one lock order for every caller: no deadlocks
        .with_for_update()
    )
    rows = list(connection.execute(query))
    return _with_consumption(connection, tenant_id, rows)


def _with_consumption(
    connection: Connection, tenant_id: str, rows: Sequence[Row[Any]]
) -> dict[str, SubscribedSku]:
    if not rows:
        return {}
    lic = t.user_licenses.c
    query = (
        select(lic.sku_id, func.count())
        .where((lic.tenant_id == tenant_id) & lic.sku_id.in_([r.sku_id for r in rows]))
        .group_by(lic.sku_id)
    )
    counts: dict[str, int] = {sku_id: n for sku_id, n in connection.execute(query)}
    found: dict[str, SubscribedSku] = {}
    for row in rows:
        sku = find_sku(row.sku_id)
        if sku is not None:  # a SKU the catalogue no longer knows is not served
            found[row.sku_id] = SubscribedSku(
                tenant_id, sku, row.prepaid_units, counts.get(row.sku_id, 0)
            )
    return found


def licenses_of(
    connection: Connection, user_ids: Iterable[str]
) -> dict[str, tuple[AssignedLicense, ...]]:
    """The licenses each of `user_ids` holds, in the order they were assigned."""
    found: dict[str, list[AssignedLicense]] = {}
    ids = sorted({i.lower() for i in user_ids})
    lic = t.user_licenses.c
    for chunk in chunks(ids):
        query = (
            select(t.user_licenses)
            .where(lic.user_id.in_(chunk))
            .order_by(lic.user_id, lic.assigned_at, lic.sku_id)
        )
        for row in connection.execute(query):
            held = AssignedLicense(row.sku_id, tuple(row.disabled_plans), row.assigned_at)
            found.setdefault(row.user_id, []).append(held)
    return {user_id: tuple(held) for user_id, held in found.items()}


def replace_licenses(
    connection: Connection, user_id: str, tenant_id: str, licenses: Iterable[AssignedLicense]
) -> None:
    """Make `licenses` exactly what the user holds."""
    connection.execute(delete(t.user_licenses).where(t.user_licenses.c.user_id == user_id))
    add_licenses(connection, user_id, tenant_id, licenses, update=True)


def add_licenses(
    connection: Connection,
    user_id: str,
    tenant_id: str,
    licenses: Iterable[AssignedLicense],
    *,
    update: bool = False,
) -> None:
    """Give the user these licenses; one it already holds is left as it is unless
    `update`. Every license needs its `assigned_at`."""
    rows = [
        {
            "user_id": user_id,
            "sku_id": held.sku_id,
            "tenant_id": tenant_id,
            "disabled_plans": list(held.disabled_plans),
            "assigned_at": held.assigned_at,
        }
        for held in licenses
    ]
    upsert(connection, t.user_licenses, rows, ["user_id", "sku_id"], update=update)
