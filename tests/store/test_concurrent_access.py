"""Readers and writers side by side: reads must not stall writes (WAL on SQLite)."""

from __future__ import annotations

from cspadmin.store.database import Database
from cspadmin.store.directory import get_tenant, list_tenants, save_tenant
from tests.store.examples import a_customer


def write_without_waiting(database: Database, tenant_id: str) -> None:
    """Commit one tenant from another connection, giving up after 200 ms of lock wait."""
    if database.is_sqlite:
        # Database.begin() would wait out the 30 s busy timeout; ask for a short one.
        raw = database.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA busy_timeout=200")
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute(
                "INSERT INTO tenants (id, display_name, default_domain) VALUES (?, ?, ?)",
                (tenant_id, "Written", f"{tenant_id}.example"),
            )
            cursor.execute("COMMIT")
        finally:
            raw.close()
        return
    with database.begin() as connection:
        connection.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
        connection.exec_driver_sql(
            "INSERT INTO tenants (id, display_name, default_domain) VALUES (%s, %s, %s)",
            (tenant_id, "Written", f"{tenant_id}.example"),
        )


def test_an_open_read_does_not_block_a_writer(
    database: Database,
) -> None:
    first = a_customer()
    with database.begin() as connection:
        save_tenant(connection, first)
    written = a_customer("Northwind")
    with database.connect() as reader:
        assert [t.id for t in list_tenants(reader)] == [first.id]
        write_without_waiting(database, written.id)
    with database.connect() as connection:
        assert get_tenant(connection, written.id) is not None
