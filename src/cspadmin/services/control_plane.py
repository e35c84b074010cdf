"""The running control plane: the store, this replica's engine built from it, the clock.

Any number of replicas (`cspadmin serve` processes, or planes in one process) may share
one store; each keeps its own engine, and a revoke acknowledged by one is never followed
by an allow from another. That rests on the change journal (`store.journal`):

- A write (`change()`) records, in its own transaction, which of the engine's facts it
  touched (`Change.touched`) under the store's next generation number.
- The engine remembers the generation it reflects (`generation`). `catch_up()`, run at
  the start of every HTTP request before anything is decided (`api.catch_up`), reads the
  store's generation, one small query; when the engine is behind, it re-reads from the
  store every fact touched since (`store.snapshot.refresh_engine`), or rebuilds the
  engine when the journal holds a bulk change, more than `rebuild_after` entries, or no
  longer reaches back that far.
- A replica's own write goes through the same refresh once it has committed, still under
  the lock: from what it touched, or from the journal when another replica wrote since
  this engine's generation.

So the engine is never changed by what a write says it did, only by what the store holds
now: one path, whichever replica wrote.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection

from cspadmin.authz.engine import Engine
from cspadmin.store.database import Database
from cspadmin.store.journal import (
    EVERYTHING,
    KEEP_GENERATIONS,
    Fact,
    GenerationReader,
    Touch,
    changes_between,
    current_generation,
    record,
)
from cspadmin.store.snapshot import load_engine, refresh_engine

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Change:
    """One write transaction, and the engine's facts it touched."""

    connection: Connection
    touches: set[Touch] = field(default_factory=set)

    def touched(self, kind: Fact, key: str) -> None:
        """This change wrote the fact (kind, key): once committed, every replica re-reads
        it from the store (see `store.journal.Fact` for each kind's key)."""
        self.touches.add((kind, key))


@dataclass
class ControlPlane:
    database: Database
    engine: Engine
    clock: Clock = utcnow
    lock: threading.RLock = field(default_factory=threading.RLock)
    role_assignment_limit: int = 4000
    """Role assignments a subscription may hold (Azure's limit; configurable for tests)."""
    generation: int = 0
    """The store generation the engine reflects: every write journaled up to it is in."""
    rebuild_after: int = 10_000
    """Journal entries beyond which catching up rebuilds the engine instead."""
    journal_keep: int = KEEP_GENERATIONS
    """Generations this replica's writes leave in the journal."""
    _store_generation: GenerationReader = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._store_generation = GenerationReader(self.database)

    @classmethod
    def open(
        cls,
        database: Database,
        clock: Clock = utcnow,
        *,
        rebuild_after: int = 10_000,
        journal_keep: int = KEEP_GENERATIONS,
    ) -> ControlPlane:
        plane = cls(
            database,
            Engine(clock=clock),
            clock,
            rebuild_after=rebuild_after,
            journal_keep=journal_keep,
        )
        with plane.lock:
            plane._rebuild()
        return plane

    @contextmanager
    def change(self) -> Iterator[Change]:
        """A write transaction. What it touched is journaled with it and, once it has
        committed, refreshed in the engine, still under the lock, so no reader sees one
        without the other."""
        with self.lock:
            with self.database.begin() as connection:
                change = Change(connection)
                yield change
                touched = frozenset(change.touches)
                # Writes that touch none of the engine's facts (resource groups, licenses,
                # invitations…) leave the generation alone: no replica has to catch up.
                generation = (
                    record(connection, touched, self.clock(), self.journal_keep)
                    if touched
                    else None
                )
            if generation is not None:
                self._advance(generation, touched)

    def catch_up(self) -> None:
        """Bring the engine up to the store's generation: the other replicas' writes (and
        the CLI's, and world loads) are in force from here. One query when nothing changed."""
        target = self._store_generation()
        if target > self.generation:
            with self.lock:
                self._advance(target)

    def reload(self) -> None:
        """Rebuild the engine, here and on every replica, after the store was written
        behind the planes' backs (a bulk load in a test, say)."""
        with self.change() as change:
            change.touched(*EVERYTHING)

    # -- internals, under the lock -----------------------------------------------------------

    def _advance(self, target: int, own: Collection[Touch] | None = None) -> None:
        """Apply the writes in generations (generation, target]; `own` is what the write
        at `target` touched, when this replica made it."""
        if target <= self.generation:
            return  # another request caught up meanwhile
        with self.database.connect() as connection:
            touched: Collection[Touch] | None = own
            if own is None or target != self.generation + 1:
                touched = changes_between(connection, self.generation, target, self.rebuild_after)
            if touched is not None and self._refreshable(touched):
                refresh_engine(self.engine, connection, touched)
                self.generation = target
                return
        self._rebuild()

    def _refreshable(self, touched: Collection[Touch]) -> bool:
        return len(touched) <= self.rebuild_after and EVERYTHING not in touched

    def _rebuild(self) -> None:
        # The generation is read first: the engine loaded after it holds at least that.
        # The engine is replaced before the generation moves, so a request that sees the
        # new generation uses the new engine.
        with self.database.connect() as connection:
            generation = current_generation(connection)
        self.engine = load_engine(self.database, clock=self.clock)
        self.generation = generation
