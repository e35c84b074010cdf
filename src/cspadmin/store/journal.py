"""The change journal: which of the engine's facts each write touched, in commit order.

Every replica keeps its own authorization engine in memory, built from the store. So that
a replica learns of the others' writes, each write that touches a fact the engine is
built from also, in its own transaction,

- increments the store's generation (`store_version`, one row): on PostgreSQL the
  increment holds that row's lock until commit, so generations commit in order and a
  reader that sees generation g knows every write up to g has committed; SQLite
  serializes writers anyway;
- records each fact it touched as a (kind, key) row at that generation (`Fact` says
  which key each kind takes). A bulk change the journal cannot list (a world load,
  `ControlPlane.reload`) records `Fact.ALL`.

A replica whose engine reflects generation e catches up to g by re-reading from the store
each fact touched in (e, g] (`store.snapshot.refresh_engine`), or rebuilds when
`changes_between` says it must. Only the latest generations are kept (`KEEP_GENERATIONS`):
a replica further behind rebuilds.
"""

from __future__ import annotations

import contextlib
import enum
import threading
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from cspadmin.store import schema as t
from cspadmin.store.database import Database

KEEP_GENERATIONS = 10_000
"""Generations the journal keeps. A replica further behind than that rebuilds its engine."""


class Fact(enum.StrEnum):
    """A kind of fact the engine is built from, and what its key is."""

    ALL = "all"
    """Anything: the engine is rebuilt. Key: `EVERYTHING`'s."""
    PRINCIPAL = "principal"
    """A user, group or service principal: its tenant and kind, and the groups it is a
    direct member of. Key: object id. A membership change touches the member."""
    MANAGEMENT_GROUP = "management_group"
    """Its tenant and parent. Key: name."""
    SUBSCRIPTION = "subscription"
    """Its tenant and management group. Key: subscription id."""
    PARTNER = "partner"
    """A tenant's partner profile (its agent groups). Key: tenant id."""
    RESELLER_RELATIONSHIP = "reseller_relationship"
    """Key: `reseller_key(partner, customer)`."""
    GDAP_RELATIONSHIP = "gdap_relationship"
    """With its access assignments. Key: relationship id."""
    ROLE_DEFINITION = "role_definition"
    """A custom role. Key: its GUID."""
    ROLE_ASSIGNMENT = "role_assignment"
    """Key: assignment name."""
    DENY_ASSIGNMENT = "deny_assignment"
    """Key: deny assignment name."""


Touch = tuple[Fact, str]
EVERYTHING: Touch = (Fact.ALL, "*")


def reseller_key(partner_tenant_id: str, customer_tenant_id: str) -> str:
    return f"{partner_tenant_id}/{customer_tenant_id}"


def current_generation(connection: Connection) -> int:
    """The generation of the last committed write (0 before any): one primary-key read."""
    found = connection.scalar(select(t.store_version.c.generation).where(t.store_version.c.id == 1))
    return int(found or 0)


class GenerationReader:
    """`current_generation` as cheaply as the backend allows: every request asks it once.

    The reader keeps one connection of its own, outside the pool, in autocommit
    (`Database.autocommit_connection`), and reads under a lock: one statement (about
    0.15 ms on PostgreSQL, microseconds on SQLite) instead of a pool checkout with a
    transaction around it (three to five times that), and one connection per replica
    however many threads serve requests. A connection that fails is replaced and the read
    tried once more; a second failure propagates, so no decision is made on an engine that
    may be stale.
    """

    _QUERY = "SELECT generation FROM store_version WHERE id = 1"

    def __init__(self, database: Database) -> None:
        self._database = database
        self._errors = database.engine.dialect.loaded_dbapi.Error
        self._lock = threading.Lock()
        self._connection: Any = None

    def __call__(self) -> int:
        with self._lock:
            try:
                return self._read()
            except self._errors:
                with contextlib.suppress(Exception):
                    self._connection.close()
                self._connection = None
                return self._read()

    def _read(self) -> int:
        if self._connection is None:
            self._connection = self._database.autocommit_connection()
        cursor = self._connection.cursor()
        try:
            cursor.execute(self._QUERY)
            row = cursor.fetchone()
        finally:
            cursor.close()
        return int(row[0]) if row else 0


def record(
    connection: Connection,
    touched: Collection[Touch],
    at: datetime,
    keep: int = KEEP_GENERATIONS,
) -> int:
    """Journal `touched` at the next generation, in the caller's write transaction, and
    forget generations older than the latest `keep`. Returns the new generation.

    Called last in the transaction, so the generation's row lock (PostgreSQL) is held only
    from here to the commit.
    """
    if not touched:
        raise ValueError("a generation journals at least one touched fact")
    generation = _next_generation(connection)
    connection.execute(
        insert(t.change_journal),
        [{"generation": generation, "kind": k.value, "key": key, "at": at} for k, key in touched],
    )
    journal = t.change_journal.c
    connection.execute(delete(t.change_journal).where(journal.generation <= generation - keep))
    return generation


def _next_generation(connection: Connection) -> int:
    # An upsert rather than a plain UPDATE … RETURNING: it takes the same row lock, and
    # creates the row on the first write (a new store has none; tests TRUNCATE it).
    dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
    version = t.store_version
    statement = (
        dialect.insert(version)
        .values(id=1, generation=1)
        .on_conflict_do_update(
            index_elements=[version.c.id], set_={"generation": version.c.generation + 1}
        )
        .returning(version.c.generation)
    )
    return int(connection.execute(statement).scalar_one())


def changes_between(
    connection: Connection, after: int, upto: int, limit: int
) -> frozenset[Touch] | None:
    """Every fact touched by the writes in generations (after, upto]; None when the engine
    must be rebuilt instead: more than `limit` entries, a bulk change (`Fact.ALL`), a kind
    this version does not know, or generations the journal no longer holds."""
    journal = t.change_journal.c
    rows = connection.execute(
        select(journal.generation, journal.kind, journal.key)
        .where(journal.generation > after, journal.generation <= upto)
        .order_by(journal.generation)
        .limit(limit + 1)
    ).all()
    # Every generation has at least one entry, so a first one past `after + 1` means the
    # entries in between were pruned.
    if not rows or len(rows) > limit or rows[0].generation != after + 1:
        return None
    known = {kind.value: kind for kind in Fact}
    touched: set[Touch] = set()
    for _generation, kind, key in rows:
        fact = known.get(kind)
        if fact is None or fact is Fact.ALL:
            return None
        touched.add((fact, key))
    return frozenset(touched)
