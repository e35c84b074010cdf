"""The running control plane: the store, the engine built from it, and the clock.

Every change goes to the store first and, once committed, to the engine, under one lock,
so a check never sees a grant the store does not hold, and a revoke is in force from the
very next request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection

from cspadmin.authz.engine import Engine
from cspadmin.store.database import Database
from cspadmin.store.snapshot import load_engine

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Change:
    connection: Connection
    pending: list[Callable[[Engine], None]] = field(default_factory=list)

    def then(self, apply: Callable[[Engine], None]) -> None:
        self.pending.append(apply)


@dataclass
class ControlPlane:
    database: Database
    engine: Engine
    clock: Clock = utcnow
    lock: threading.RLock = field(default_factory=threading.RLock)
    role_assignment_limit: int = 4000
    """Role assignments a subscription may hold (Azure's limit; configurable for tests)."""

    @classmethod
    def open(cls, database: Database, clock: Clock = utcnow) -> ControlPlane:
        return cls(database, load_engine(database, clock=clock), clock)

    @contextmanager
    def change(self) -> Iterator[Change]:
        """A write transaction. Engine updates registered with `then` run only once it has
        committed, still under the lock, so no reader sees one without the other."""
        with self.lock:
            with self.database.begin() as connection:
                change = Change(connection)
                yield change
            for apply in change.pending:
                apply(self.engine)

    def reload(self) -> None:
        """Rebuild the engine from the store (after a bulk change such as a world load)."""
        engine = load_engine(self.database, clock=self.clock)
        with self.lock:
            self.engine = engine
