"""Shared fixtures: a migrated store on each backend.

`database` is parametrized over SQLite and PostgreSQL, so every test that takes it runs
on both. PostgreSQL comes from CSPADMIN_TEST_POSTGRES_URL; each pytest-xdist worker gets
a schema of its own, migrated once and emptied before every test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from cspadmin.store.database import Database
from cspadmin.store.schema import metadata

POSTGRES_URL = os.environ.get(
    "CSPADMIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash with minimal argon2 cost in tests: worlds load several times faster, and
    verification reads the cost from each hash, so sign-in behaves exactly the same."""
    monkeypatch.setattr(
        "cspadmin.services.credentials._HASHER",
        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file that each test copies, so migrations run once."""
    path = tmp_path_factory.mktemp("template") / "cspadmin.db"
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    schema = f"test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = _with_search_path(schema)
    database = Database(url)
    database.migrate()
    database.dispose()
    yield url
    with admin.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


def _with_search_path(schema: str) -> str:
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated store: SQLite in a temporary directory, or PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "cspadmin.db"
        shutil.copy(template, path)
        db = Database(f"sqlite:///{path}")
    else:
        db = Database(request.getfixturevalue("postgres_schema"))
        with db.begin() as connection:
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            connection.exec_driver_sql(f"TRUNCATE {names} CASCADE")
    yield db
    db.dispose()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Under `--dist loadgroup`, an `xdist_group` test carries its group in its node id:
    that is how pytest-xdist keeps a group on one worker. pytest 9.2 broke that for
    pytest-xdist 3.8 without a word (the acceptance servers then ran on both workers and
    shared port 443 by accident); should a pairing break it again, its tests fail saying so."""
    grouped = item.get_closest_marker("xdist_group") is not None
    if grouped and item.config.getoption("loadgroup", default=False) and "@" not in item.nodeid:
        pytest.fail(
            "pytest-xdist did not keep this xdist_group test with its group: this pytest "
            "and pytest-xdist do not work together (see the pin in pyproject.toml)",
            pytrace=False,
        )
