"""Reading many rows by key in batches: `IN (...)` lists of at most `CHUNK` keys.

One query per key is slow and one query for all keys can exceed a backend's limit on
bound parameters (SQLite's is 32766, PostgreSQL's 65535), so lookups by many ids go a
few hundred keys at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
CHUNK = 500  # keys per IN (...) list, well inside every backend's parameter limit


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """`items` in order, in consecutive slices of at most `CHUNK`."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
