"""Timing the engine: one size per fresh process, so its peak RSS is its own.

Run by `authz_bench.py` as `python bench/authz_measure.py DATABASE_URL CHECKS_FILE`: loads
the engine from the store with `load_engine` (the figure a server pays at start), then
answers the checks one `decide` at a time, each timed with `perf_counter_ns`, and prints
one JSON object on its last line. Nothing here knows how the world was built; the checks
arrive as plain tuples.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import resource
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from cspadmin.authz.decision import Caller
from cspadmin.authz.engine import Engine
from cspadmin.store.database import Database
from cspadmin.store.snapshot import load_engine

# (object id, token tenant, home tenant, action, scope string, data action?, case)
CheckTuple = tuple[str, str, str, str, str, bool, str]


@dataclass(slots=True)
class Timing:
    """Latency and throughput of one run of checks."""

    checks: int
    allowed: int
    p50_ns: float
    p90_ns: float
    p99_ns: float
    max_ns: int
    mean_ns: float
    wall_s: float
    cpu_s: float
    """CPU time of the loop: well below `wall_s` means other processes took the cores."""
    load_average: float
    """The 1-minute load average when the loop ended."""
    checks_per_s: float
    outcomes: dict[str, int]
    by_case: dict[str, tuple[int, float, float, float]] = field(default_factory=dict)
    """case -> (checks, p50 ns, p99 ns, allowed fraction)."""
    by_work: dict[str, tuple[int, float, float]] = field(default_factory=dict)
    """Matching assignments in the decision -> (checks, p50 ns, p99 ns): latency at equal
    work, which is what should stay flat as the store grows. `stopped` is decisions made
    before the assignment search (unknown scope, wrong tenant, no delegated access, deny)."""


WORK_BUCKETS = ("stopped", "0", "1", "2-3", "4-7", "8+")
_SEARCHED = {"allowed", "roleLacksAction", "noRoleAssignment"}


def _work_bucket(outcome: str, matching: int) -> str:
    """Granting assignments when allowed, held ones when the role lacks the action."""
    if outcome not in _SEARCHED:
        return "stopped"
    if matching <= 1:
        return str(matching)
    return "2-3" if matching <= 3 else "4-7" if matching <= 7 else "8+"


def _quantile(sorted_ns: Sequence[int], q: float) -> float:
    return float(sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))])


def time_checks(engine: Engine, checks: Sequence[CheckTuple]) -> Timing:
    """Decide every check as an API handler would: a Caller from the token, the scope as
    sent. Each decision is timed on its own; the wall time of the whole loop (timer calls
    included) gives the throughput."""
    decide = engine.decide
    clock = time.perf_counter_ns
    durations = [0] * len(checks)
    outcomes: list[str] = [""] * len(checks)
    matching = [0] * len(checks)
    cpu_started = time.process_time()
    started = clock()
    for i, (oid, tenant, home, action, scope, data, _case) in enumerate(checks):
        t0 = clock()
        decision = decide(Caller(oid, tenant, home), action, scope, data=data)
        durations[i] = clock() - t0
        missing = decision.missing
        if missing is None:
            outcomes[i] = "allowed"
            matching[i] = len(decision.granted_by)
        else:
            outcomes[i] = missing.kind.value
            matching[i] = len(missing.held)
    wall = (clock() - started) / 1e9
    cpu = time.process_time() - cpu_started
    ordered = sorted(durations)
    by_case: dict[str, list[int]] = {}
    allowed_by_case: Counter[str] = Counter()
    for check, ns, outcome in zip(checks, durations, outcomes, strict=True):
        by_case.setdefault(check[6], []).append(ns)
        allowed_by_case[check[6]] += outcome == "allowed"
    cases = {}
    for case, values in sorted(by_case.items()):
        values.sort()
        cases[case] = (
            len(values),
            _quantile(values, 0.5),
            _quantile(values, 0.99),
            allowed_by_case[case] / len(values),
        )
    work: dict[str, list[int]] = {}
    for ns, outcome, n in zip(durations, outcomes, matching, strict=True):
        work.setdefault(_work_bucket(outcome, n), []).append(ns)
    by_work = {}
    for bucket in WORK_BUCKETS:
        values = sorted(work.get(bucket, ()))
        if values:
            by_work[bucket] = (len(values), _quantile(values, 0.5), _quantile(values, 0.99))
    counted = Counter(outcomes)
    return Timing(
        checks=len(checks),
        allowed=counted["allowed"],
        p50_ns=_quantile(ordered, 0.5),
        p90_ns=_quantile(ordered, 0.9),
        p99_ns=_quantile(ordered, 0.99),
        max_ns=ordered[-1],
        mean_ns=statistics.fmean(durations),
        wall_s=wall,
        cpu_s=cpu,
        load_average=os.getloadavg()[0],
        checks_per_s=len(checks) / wall,
        outcomes=dict(counted.most_common()),
        by_case=cases,
        by_work=by_work,
    )


def rss_mb() -> float:
    """Resident set right now, in MiB."""
    rss: int = psutil.Process().memory_info().rss
    return rss / 2**20


def peak_rss_mb() -> float:
    """Peak resident set of this process's own address space, in MiB.

    `VmHWM` from /proc/self/status where there is one. Not `ru_maxrss` on Linux: the
    kernel folds the high-water mark of the address space a process replaces at exec into
    it, and `subprocess` starts children with vfork, whose address space is the parent's,
    so a child's `ru_maxrss` starts at the parent's peak (the benchmark's parent holds the
    whole generated world). `ru_maxrss` (KiB on Linux) is the fallback elsewhere.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def measure(database_url: str, checks_path: Path) -> dict[str, object]:
    """Load the engine from the store, then time the checks; everything as one record."""
    checks: list[CheckTuple] = pickle.loads(checks_path.read_bytes())
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    database = Database(database_url)
    engine = load_engine(database)
    load_s = time.perf_counter() - started
    database.dispose()
    after = rss_mb()
    timing = time_checks(engine, checks)
    return {
        "assignments": len(engine.assignments),
        "load_s": load_s,
        "rss_before_load_mb": before,
        "rss_after_load_mb": after,
        "rss_after_checks_mb": rss_mb(),
        "peak_rss_mb": peak_rss_mb(),
        "timing": asdict(timing),
    }


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        print("usage: authz_measure.py DATABASE_URL CHECKS_FILE", file=sys.stderr)
        return 2
    record = measure(argv[0], Path(argv[1]))
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
