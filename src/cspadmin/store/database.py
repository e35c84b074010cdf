"""Opening the store: SQLite in a data directory by default, PostgreSQL by URL."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

DATABASE_URL_ENV = "CSPADMIN_DATABASE_URL"
DATA_DIR_ENV = "CSPADMIN_DATA_DIR"
_SQLITE_BEGIN = "cspadmin_sqlite_begin"


def default_data_dir() -> Path:
    """Where the embedded store lives: `CSPADMIN_DATA_DIR`, else the platform's data dir."""
    configured = os.environ.get(DATA_DIR_ENV)
    return Path(configured) if configured else Path(platformdirs.user_data_dir("cspadmin"))


def resolve_url(database_url: str | None = None, data_dir: Path | None = None) -> str:
    """The URL to open: the one given, else `CSPADMIN_DATABASE_URL`, else SQLite in the data dir."""
    url = database_url or os.environ.get(DATABASE_URL_ENV)
    if url:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    directory = data_dir or default_data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'cspadmin.db'}"


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """A migrated store. `begin()` yields a connection inside one transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        options: dict[str, Any] = {"future": True}
        if self.is_sqlite:
            options["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            options.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        self.engine: Engine = create_engine(url, **options)
        self._own_connections: list[Any] = []
        if self.is_sqlite:
            event.listen(self.engine, "connect", _tune_sqlite)
            # pysqlite's own transaction handling defers BEGIN; take it over so that a
            # transaction starts when we say, as on PostgreSQL.
            event.listen(self.engine, "connect", _disable_pysqlite_begin)
            event.listen(self.engine, "begin", _begin_immediate)

    @classmethod
    def open(cls, database_url: str | None = None, data_dir: Path | None = None) -> Database:
        """Open and migrate to the newest schema."""
        database = cls(resolve_url(database_url, data_dir))
        database.migrate()
        return database

    def migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", "cspadmin.store:migrations")
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for reading. On SQLite its transactions are DEFERRED, so an open
        read keeps WAL's promise: it never holds the write lock."""
        with self.engine.connect() as connection:
            if self.is_sqlite:
                connection.execution_options(**{_SQLITE_BEGIN: "DEFERRED"})
            yield connection

    def autocommit_connection(self) -> Any:
        """A DBAPI connection of its own, outside the pool, each statement committed by
        itself; `dispose` closes it. For the one small query every request runs, which a
        pool checkout and a transaction would cost several times over."""
        args, params = self.engine.dialect.create_connect_args(self.engine.url)
        if self.is_sqlite:
            params = {**params, "check_same_thread": False}
        connection = self.engine.dialect.connect(*args, **params)
        if self.is_sqlite:
            connection.isolation_level = None
        else:
            connection.autocommit = True
        self._own_connections.append(connection)
        return connection

    def dispose(self) -> None:
        for connection in self._own_connections:
            with contextlib.suppress(Exception):  # a broken connection may fail to close
                connection.close()
        self._own_connections.clear()
        self.engine.dispose()


def _disable_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front, so concurrent writers queue on
    # busy_timeout instead of failing to upgrade a read lock mid-transaction. Readers
    # (Database.connect) begin DEFERRED and never take it.
    mode = connection.get_execution_options().get(_SQLITE_BEGIN, "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")
