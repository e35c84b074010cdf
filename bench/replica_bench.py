"""Replica benchmark: what catching up with the store costs a request, and how soon a
revoke on one replica is in force on another.

A benchmark, not a test: it prints figures and never fails on them. `make bench-replicas`
runs it; `--quick` is a smoke run (10k assignments only, fewer repetitions).

On SQLite (a temporary file) and on PostgreSQL (a schema of its own, dropped afterwards;
`CSPADMIN_BENCH_POSTGRES_URL`, by default the tests' server; skipped if unreachable):

1. Idle catch-up: two control planes over one store, as two `cspadmin serve` replicas;
   `ControlPlane.catch_up()` on B when nothing changed, timed call by call. This is what
   every HTTP request pays before anything else (api.catch_up): one read of
   `store_version`.
2. Revoke latency at 10k and 100k role assignments (the deterministic world of
   bench/authz_world.py, written with bench/authz_store.py): A deletes one assignment in a
   `change()` that journals it, as the role-assignment service does; then B's next
   `catch_up()` reads the journal and re-reads that assignment. Timed over many revokes:
   A's write (journal included) and B's catch-up. Also B catching up after 100 revokes
   at once, and, for comparison, a full rebuild (`load_engine`, what a replica does at
   start, after a world load, or when too far behind).
3. Prints the last line, exactly:
   RESULT idle_sqlite_us=<x> idle_postgres_us=<x> revoke_sqlite_ms=<x> revoke_postgres_ms=<x>
   rebuild_sqlite_s=<x> rebuild_postgres_s=<x>
   (revoke and rebuild at the largest size; p50 for latencies; "nan" where skipped).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from authz_store import create_store, write_assignments, write_directory
from authz_world import SEED, World, build_world
from cspadmin.services.control_plane import ControlPlane
from cspadmin.store.assignments import delete_role_assignment
from cspadmin.store.database import Database
from cspadmin.store.journal import Fact
from cspadmin.store.snapshot import load_engine

POSTGRES_URL = os.environ.get(
    "CSPADMIN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
FULL_SIZES = (10_000, 100_000)
QUICK_SIZES = (10_000,)


def log(message: str) -> None:
    print(message, flush=True)


@dataclass(frozen=True)
class Timing:
    p50: float
    p99: float
    mean: float

    @classmethod
    def of(cls, seconds: list[float]) -> Timing:
        ordered = sorted(seconds)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return cls(statistics.median(ordered), p99, statistics.fmean(ordered))


@dataclass(frozen=True)
class SizeResult:
    assignments: int
    rebuild_s: float
    write: Timing
    catch_up: Timing
    after_hundred_ms: float


@dataclass(frozen=True)
class BackendResult:
    backend: str
    idle: Timing
    sizes: list[SizeResult]


# -- stores ----------------------------------------------------------------------------------


@contextmanager
def sqlite_store(directory: Path, name: str) -> Iterator[Database]:
    database = create_store(directory / f"{name}.db")
    try:
        yield database
    finally:
        database.dispose()


@contextmanager
def postgres_store(name: str) -> Iterator[Database]:
    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    database = Database(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")
    try:
        database.migrate()
        yield database
    finally:
        database.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def postgres_reachable() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


# -- measurements ----------------------------------------------------------------------------


def replicas(database: Database) -> tuple[ControlPlane, ControlPlane, Database]:
    """Two planes over one store, B with a connection pool of its own (another process)."""
    second = Database(database.url)
    return ControlPlane.open(database), ControlPlane.open(second), second


def time_idle(database: Database, calls: int) -> Timing:
    _a, b, second = replicas(database)
    try:
        for _ in range(200):  # warm the pool and the statement cache
            b.catch_up()
        samples = []
        for _ in range(calls):
            started = time.perf_counter()
            b.catch_up()
            samples.append(time.perf_counter() - started)
        return Timing.of(samples)
    finally:
        second.dispose()


def revoke(plane: ControlPlane, name: str) -> None:
    """What `role_assignments.delete_role_assignment` writes, without its lookups."""
    with plane.change() as change:
        delete_role_assignment(change.connection, name)
        change.touched(Fact.ROLE_ASSIGNMENT, name)


def time_revokes(
    database: Database, world: World, size: int, revokes: int
) -> tuple[Timing, Timing, float]:
    a, b, second = replicas(database)
    try:
        names = [
            x.name
            for x in random.Random(SEED + size).sample(world.assignments[:size], revokes + 100)
        ]
        writes, catch_ups = [], []
        for name in names[:revokes]:
            started = time.perf_counter()
            revoke(a, name)
            written = time.perf_counter()
            b.catch_up()
            done = time.perf_counter()
            assert name not in b.engine.assignments
            writes.append(written - started)
            catch_ups.append(done - written)
        for name in names[revokes:]:
            revoke(a, name)
        started = time.perf_counter()
        b.catch_up()
        after_hundred = time.perf_counter() - started
        assert all(name not in b.engine.assignments for name in names)
        return Timing.of(writes), Timing.of(catch_ups), after_hundred
    finally:
        second.dispose()


def time_rebuild(database: Database) -> float:
    started = time.perf_counter()
    engine = load_engine(database)
    elapsed = time.perf_counter() - started
    del engine
    return elapsed


def run_backend(
    backend: str,
    store: Callable[[str], AbstractContextManager[Database]],
    worlds: dict[int, World],
    idle_calls: int,
    revokes: int,
) -> BackendResult:
    log(f"\n{backend}")
    with store("idle") as database:
        write_directory(database, worlds[min(worlds)], progress=lambda _: None)
        idle = time_idle(database, idle_calls)
    log(
        f"  idle catch-up      p50 {idle.p50 * 1e6:.0f} µs   p99 {idle.p99 * 1e6:.0f} µs   "
        f"mean {idle.mean * 1e6:.0f} µs   ({idle_calls:,} calls, nothing changed)"
    )
    sizes = []
    for size, world in sorted(worlds.items()):
        with store(f"n{size}") as database:
            write_directory(database, world, progress=lambda _: None)
            write_assignments(database, world.assignments, 0, size, progress=lambda _: None)
            rebuild_s = time_rebuild(database)
            write, catch_up, after_hundred = time_revokes(database, world, size, revokes)
        result = SizeResult(size, rebuild_s, write, catch_up, after_hundred * 1e3)
        sizes.append(result)
        log(f"  {size:>7,} assignments")
        log(
            f"    revoke on A      p50 {write.p50 * 1e3:.2f} ms   p99 {write.p99 * 1e3:.2f} ms"
            "   (the write: delete, journal, commit, own refresh)"
        )
        log(
            f"    catch-up on B    p50 {catch_up.p50 * 1e3:.2f} ms   "
            f"p99 {catch_up.p99 * 1e3:.2f} ms   ({revokes} revokes, one at a time)"
        )
        log(f"    100 behind       {after_hundred * 1e3:.1f} ms   (B catching up 100 at once)")
        log(f"    full rebuild     {rebuild_s:.2f} s   (load_engine, for comparison)")
    return BackendResult(backend, idle, sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="10k assignments, fewer repetitions")
    args = parser.parse_args()
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    idle_calls, revokes = (1_000, 50) if args.quick else (5_000, 200)
    log("replica catch-up benchmark")
    started = time.perf_counter()
    worlds = {
        n: build_world(n, tenant_count=max(100, n // 100), progress=lambda _: None) for n in sizes
    }
    built = ", ".join(f"{n:,}" for n in sizes)
    log(f"  worlds built in {time.perf_counter() - started:.1f} s: {built} assignments")

    results: dict[str, BackendResult] = {}
    with tempfile.TemporaryDirectory(prefix="cspadmin-replica-bench-") as tmp:
        directory = Path(tmp)

        @contextmanager
        def sqlite(name: str) -> Iterator[Database]:
            with sqlite_store(directory, name) as database:
                yield database

        results["sqlite"] = run_backend("SQLite", sqlite, worlds, idle_calls, revokes)
    if postgres_reachable():
        results["postgres"] = run_backend("PostgreSQL", postgres_store, worlds, idle_calls, revokes)
    else:
        log(f"\nPostgreSQL: not reachable at {POSTGRES_URL}; skipped")

    def idle_us(backend: str) -> str:
        found = results.get(backend)
        return f"{found.idle.p50 * 1e6:.0f}" if found else "nan"

    def largest(backend: str, pick: Callable[[SizeResult], float], fmt: str) -> str:
        found = results.get(backend)
        return format(pick(found.sizes[-1]), fmt) if found else "nan"

    log(
        f"RESULT idle_sqlite_us={idle_us('sqlite')} idle_postgres_us={idle_us('postgres')} "
        f"revoke_sqlite_ms={largest('sqlite', lambda s: s.catch_up.p50 * 1e3, '.2f')} "
        f"revoke_postgres_ms={largest('postgres', lambda s: s.catch_up.p50 * 1e3, '.2f')} "
        f"rebuild_sqlite_s={largest('sqlite', lambda s: s.rebuild_s, '.2f')} "
        f"rebuild_postgres_s={largest('postgres', lambda s: s.rebuild_s, '.2f')}"
    )


if __name__ == "__main__":
    main()
