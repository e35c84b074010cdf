"""Opening the store: which URL, where the SQLite file lives, and how SQLite is tuned."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from cspadmin.store.database import DATA_DIR_ENV, DATABASE_URL_ENV, Database, resolve_url
from cspadmin.store.directory import get_tenant, save_tenant
from tests.store.examples import a_customer


@pytest.fixture(autouse=True)
def no_store_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)


def test_resolve_url_honours_cspadmin_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "sqlite:////srv/cspadmin/store.db")
    assert resolve_url() == "sqlite:////srv/cspadmin/store.db"


def test_resolve_url_prefers_an_explicit_url_to_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "sqlite:////srv/from-env.db")
    assert resolve_url("sqlite:////srv/explicit.db") == "sqlite:////srv/explicit.db"


@pytest.mark.parametrize(
    "given",
    ["postgresql://cspadmin:pw@db:5432/cspadmin", "postgres://cspadmin:pw@db:5432/cspadmin"],
)
def test_resolve_url_rewrites_plain_postgresql_urls_to_the_psycopg_driver(
    given: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = "postgresql+psycopg://cspadmin:pw@db:5432/cspadmin"
    assert resolve_url(given) == expected
    monkeypatch.setenv(DATABASE_URL_ENV, given)
    assert resolve_url() == expected


def test_resolve_url_keeps_an_explicit_driver() -> None:
    url = "postgresql+psycopg://cspadmin@db/cspadmin"
    assert resolve_url(url) == url


def test_resolve_url_defaults_to_sqlite_in_the_data_dir_and_creates_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "not" / "yet" / "there"
    assert resolve_url(data_dir=data_dir) == f"sqlite:///{data_dir / 'cspadmin.db'}"
    assert data_dir.is_dir()


def test_resolve_url_takes_the_data_dir_from_cspadmin_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert resolve_url() == f"sqlite:///{tmp_path / 'cspadmin.db'}"


def test_open_without_a_url_creates_a_migrated_cspadmin_db_in_the_data_dir(
    tmp_path: Path,
) -> None:
    database = Database.open(database_url=None, data_dir=tmp_path)
    try:
        assert database.is_sqlite
        assert (tmp_path / "cspadmin.db").is_file()
        tenant = a_customer()
        with database.begin() as connection:
            save_tenant(connection, tenant)
        with database.connect() as connection:
            assert get_tenant(connection, tenant.id) is not None
    finally:
        database.dispose()


def test_the_embedded_sqlite_store_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(
    tmp_path: Path,
) -> None:
    database = Database.open(data_dir=tmp_path)
    try:
        with database.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    finally:
        database.dispose()
    # WAL is a property of the file, so it shows even to a connection that did not ask.
    raw = sa.create_engine(f"sqlite:///{tmp_path / 'cspadmin.db'}")
    with raw.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    raw.dispose()


def test_open_migrates_the_database_named_by_cspadmin_database_url(
    blank_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A plain postgresql:// URL proves the rewrite end to end: psycopg2 is not installed.
    url = blank_url.replace("postgresql+psycopg://", "postgresql://")
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    database = Database.open()
    try:
        assert database.url == blank_url
        tenant = a_customer()
        with database.begin() as connection:
            save_tenant(connection, tenant)
        with database.connect() as connection:
            assert get_tenant(connection, tenant.id) is not None
    finally:
        database.dispose()


def test_a_transaction_that_raises_leaves_nothing_behind(database: Database) -> None:
    tenant = a_customer()
    with pytest.raises(RuntimeError), database.begin() as connection:
        save_tenant(connection, tenant)
        raise RuntimeError("boom")
    with database.connect() as connection:
        assert get_tenant(connection, tenant.id) is None
