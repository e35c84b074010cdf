"""Idempotent writes that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
    *,
    update: bool = True,
) -> None:
    """Insert rows; on a conflict over `key`, update the other columns (or leave the row)."""
    if not rows:
        return
    dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table)
    columns = [c for c in rows[0] if c not in key]
    if update and columns:
        statement = statement.on_conflict_do_update(
            index_elements=list(key),
            set_={c: statement.excluded[c] for c in columns},
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key))
    connection.execute(statement, list(rows))
