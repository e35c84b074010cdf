"""Alembic migrations: a blank database reaches head, and head is what schema.py declares."""

from __future__ import annotations

import warnings

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.exc import IntegrityError

from cspadmin.store.database import Database
from cspadmin.store.directory import get_tenant, save_tenant
from cspadmin.store.schema import metadata
from tests.store.examples import a_customer

EXPRESSION_INDEXES = {"uq_role_assignments_scope_role_principal", "uq_users_upn"}


def alembic_config(connection: Connection) -> Config:
    """The configuration `Database.migrate` uses, bound to `connection`."""
    config = Config()
    config.set_main_option("script_location", "cspadmin.store:migrations")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", "cspadmin.store:migrations")
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(database: Database) -> str | None:
    with database.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def table_names(database: Database) -> set[str]:
    with database.connect() as connection:
        return set(inspect(connection).get_table_names()) - {"alembic_version"}


def index_names(database: Database) -> set[str]:
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if database.is_sqlite
        else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    )
    with database.connect() as connection:
        return set(connection.exec_driver_sql(query).scalars())


def test_a_blank_database_has_no_revision(blank_database: Database) -> None:
    assert current_revision(blank_database) is None
    assert table_names(blank_database) == set()


def test_a_fresh_database_migrates_to_head(blank_database: Database) -> None:
    blank_database.migrate()
    assert current_revision(blank_database) == head_revision()
    assert table_names(blank_database) == set(metadata.tables)
    assert index_names(blank_database) >= EXPRESSION_INDEXES


def test_the_migrated_schema_is_exactly_what_schema_py_declares(database: Database) -> None:
    with database.connect() as connection, warnings.catch_warnings():
        # Neither backend reflects expression indexes; the uniqueness tests cover those.
        warnings.simplefilter("ignore")
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_migrating_again_is_a_no_op(database: Database) -> None:
    tenant = a_customer()
    with database.begin() as connection:
        save_tenant(connection, tenant)
    before = (current_revision(database), table_names(database), index_names(database))

    database.migrate()
    database.migrate()

    assert (current_revision(database), table_names(database), index_names(database)) == before
    with database.connect() as connection:
        assert get_tenant(connection, tenant.id) is not None


def test_open_migrates_a_fresh_database(blank_url: str) -> None:
    database = Database.open(blank_url)
    try:
        assert current_revision(database) == head_revision()
    finally:
        database.dispose()


def test_downgrade_to_base_drops_everything_and_upgrade_rebuilds_it(
    blank_database: Database,
) -> None:
    blank_database.migrate()
    with blank_database.begin() as connection:
        save_tenant(connection, a_customer())

    with blank_database.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert current_revision(blank_database) is None
    assert table_names(blank_database) == set()

    with blank_database.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    assert current_revision(blank_database) == head_revision()
    assert table_names(blank_database) == set(metadata.tables)
    assert index_names(blank_database) >= EXPRESSION_INDEXES
    with blank_database.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM tenants").scalar() == 0


def test_the_rebuilt_schema_still_enforces_case_insensitive_upns(
    blank_database: Database,
) -> None:
    blank_database.migrate()
    with blank_database.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
        command.upgrade(alembic_config(connection), "head")
    insert = (
        "INSERT INTO tenants (id, display_name, default_domain) VALUES ('t', 'T', 't.com');"
        "INSERT INTO users (id, tenant_id, user_principal_name, display_name, account_enabled)"
        " VALUES ('u1', 't', 'Alice@T.com', 'Alice', true)"
    )
    with blank_database.begin() as connection:
        for statement in insert.split(";"):
            connection.exec_driver_sql(statement)
    with pytest.raises(IntegrityError), blank_database.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO users (id, tenant_id, user_principal_name, display_name,"
            " account_enabled) VALUES ('u2', 't', 'alice@t.com', 'Alice', true)"
        )
