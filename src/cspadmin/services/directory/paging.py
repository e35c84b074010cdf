"""Pages of a directory collection: the window asked for, and the page answered."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Window:
    """Which part of a collection to answer: `size` items from `offset`, and whether to
    count the whole collection."""

    offset: int = 0
    size: int = 100
    count: bool = False


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_offset: int | None = None
    total: int | None = None


def sliced(items: Sequence[T], window: Window) -> Page[T]:
    end = window.offset + window.size
    more = end if end < len(items) else None
    return Page(list(items[window.offset : end]), more, len(items) if window.count else None)


def paged(
    fetch: Callable[[int, int], list[T]], count: Callable[[], int], window: Window
) -> Page[T]:
    rows = fetch(window.offset, window.size + 1)
    more = window.offset + window.size if len(rows) > window.size else None
    return Page(rows[: window.size], more, count() if window.count else None)
