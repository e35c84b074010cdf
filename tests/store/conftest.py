"""Fixtures for the store's tests, on top of the shared `database` fixture.

`blank_url` hands out an empty, never-migrated database on the same backend as
`database`, so migration tests run on SQLite and PostgreSQL alike without disturbing the
per-worker schema the other tests share.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from cspadmin.store.database import Database
from tests.conftest import POSTGRES_URL


def postgres_url_for(schema: str) -> str:
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def blank_url(database: Database, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no tables, no Alembic version) on `database`'s backend."""
    if database.is_sqlite:
        directory = tmp_path / "blank"
        directory.mkdir()
        yield f"sqlite:///{directory / 'cspadmin.db'}"
        return
    schema = f"blank_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield postgres_url_for(schema)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def blank_database(blank_url: str) -> Iterator[Database]:
    """A `Database` over `blank_url`, not yet migrated."""
    database = Database(blank_url)
    yield database
    database.dispose()
