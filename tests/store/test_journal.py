"""The change journal: generations that count up in commit order, and what each touched.

Runs on SQLite and PostgreSQL. On PostgreSQL, concurrent writers are ordered by the
generation row's lock: a reader that sees generation g finds every generation up to g.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select

from cspadmin.store import schema as t
from cspadmin.store.database import Database
from cspadmin.store.journal import (
    EVERYTHING,
    Fact,
    GenerationReader,
    Touch,
    changes_between,
    current_generation,
    record,
)

AT = datetime(2025, 6, 1, tzinfo=UTC)
GRANT: Touch = (Fact.ROLE_ASSIGNMENT, "5f0e2d3a-0000-4000-8000-000000000001")
SUBSCRIPTION: Touch = (Fact.SUBSCRIPTION, "5b2e7c90-1d3f-4e6a-8c7b-000000000211")


def write(database: Database, *touched: Touch, keep: int = 10_000) -> int:
    with database.begin() as connection:
        return record(connection, touched, AT, keep)


def between(database: Database, after: int, upto: int, limit: int = 100) -> object:
    with database.connect() as connection:
        return changes_between(connection, after, upto, limit)


def test_a_new_store_is_at_generation_zero(database: Database) -> None:
    with database.connect() as connection:
        assert current_generation(connection) == 0


def test_each_write_takes_the_next_generation(database: Database) -> None:
    assert [write(database, GRANT), write(database, SUBSCRIPTION, GRANT)] == [1, 2]
    with database.connect() as connection:
        assert current_generation(connection) == 2


def test_a_rolled_back_write_leaves_neither_generation_nor_entries(database: Database) -> None:
    write(database, GRANT)
    with pytest.raises(RuntimeError), database.begin() as connection:
        record(connection, [SUBSCRIPTION], AT)
        raise RuntimeError("the write failed")
    with database.connect() as connection:
        assert current_generation(connection) == 1
    assert between(database, 0, 1) == {GRANT}


def test_a_write_that_touched_nothing_has_no_generation(database: Database) -> None:
    with pytest.raises(ValueError), database.begin() as connection:
        record(connection, [], AT)


def test_the_facts_touched_since_a_generation_each_come_once(database: Database) -> None:
    write(database, GRANT)
    write(database, SUBSCRIPTION, GRANT)
    write(database, SUBSCRIPTION)

    assert between(database, 0, 3) == {GRANT, SUBSCRIPTION}
    assert between(database, 2, 3) == {SUBSCRIPTION}
    assert between(database, 1, 2) == {GRANT, SUBSCRIPTION}


def test_more_entries_than_the_limit_ask_for_a_rebuild(database: Database) -> None:
    write(database, GRANT, SUBSCRIPTION)
    write(database, (Fact.ROLE_ASSIGNMENT, "another"))

    assert between(database, 0, 2, limit=2) is None
    assert between(database, 0, 1, limit=2) == {GRANT, SUBSCRIPTION}


def test_a_bulk_change_asks_for_a_rebuild(database: Database) -> None:
    write(database, GRANT)
    write(database, EVERYTHING)
    write(database, SUBSCRIPTION)

    assert between(database, 0, 3) is None
    assert between(database, 1, 2) is None
    assert between(database, 2, 3) == {SUBSCRIPTION}


def test_generations_the_journal_no_longer_keeps_ask_for_a_rebuild(database: Database) -> None:
    for _ in range(5):
        write(database, GRANT, keep=2)
    with database.connect() as connection:
        kept = sorted(connection.scalars(select(t.change_journal.c.generation)))
    assert kept == [4, 5]
    assert between(database, 2, 5) is None  # generation 3 is gone
    assert between(database, 3, 5) == {GRANT}


def test_a_kind_this_version_does_not_know_asks_for_a_rebuild(database: Database) -> None:
    write(database, GRANT)
    with database.begin() as connection:
        connection.execute(
            insert(t.change_journal).values(generation=2, kind="from_the_future", key="x", at=AT)
        )
        connection.execute(t.store_version.update().values(generation=2))
    assert between(database, 0, 2) is None
    assert between(database, 0, 1) == {GRANT}


def test_concurrent_writers_commit_their_generations_in_order(database: Database) -> None:
    writers, writes = 6, 15
    start = threading.Barrier(writers + 1)
    seen: list[tuple[int, int]] = []
    done = threading.Event()

    def writer(index: int) -> None:
        start.wait()
        for n in range(writes):
            write(database, (Fact.ROLE_ASSIGNMENT, f"{index}-{n}"))

    def reader() -> None:
        start.wait()
        while not done.is_set():
            with database.connect() as connection:
                generation = current_generation(connection)
                present = connection.scalar(
                    select(func.count(func.distinct(t.change_journal.c.generation))).where(
                        t.change_journal.c.generation <= generation
                    )
                )
            seen.append((generation, int(present or 0)))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    watcher = threading.Thread(target=reader)
    for thread in (*threads, watcher):
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    watcher.join()

    with database.connect() as connection:
        generations = sorted(set(connection.scalars(select(t.change_journal.c.generation))))
    assert generations == list(range(1, writers * writes + 1))
    assert seen, "the reader ran"
    assert all(present == generation for generation, present in seen)


def test_the_per_request_reader_sees_each_commit_and_survives_a_lost_connection(
    database: Database,
) -> None:
    reader = GenerationReader(database)
    assert reader() == 0

    write(database, GRANT)
    assert reader() == 1
    reader._connection.close()  # the server restarted, say
    write(database, SUBSCRIPTION)

    assert reader() == 2
