"""The append-only activity log in the store."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Column, Connection, String, func, select

from cspadmin.domain.activity import ActivityEvent
from cspadmin.store import schema as t

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _fit(value: str | None, column: Column[str]) -> str | None:
    """What `column` can hold of `value`, on either backend: control characters
    percent-escaped (PostgreSQL stores no NUL), cut to the column's width (SQLite would
    keep more, PostgreSQL refuse the row)."""
    if value is None:
        return None
    text = _CONTROL.sub(lambda m: f"%{ord(m.group()):02X}", value)
    width = column.type.length if isinstance(column.type, String) else None
    return text[:width] if width else text


def append_event(connection: Connection, event: ActivityEvent) -> None:
    """Record one event. The request's own words (path, caller, correlation id) are fitted
    to their columns: a write is recorded whatever its URL or headers held."""
    log = t.activity_log.c
    connection.execute(
        t.activity_log.insert(),
        [
            {
                "event_id": event.event_id,
                "at": event.at,
                "tenant_id": event.tenant_id,
                "subscription_id": event.subscription_id,
                "caller_id": event.caller_id,
                "caller": _fit(event.caller, log.caller),
                "operation": _fit(event.operation, log.operation),
                "http_method": event.http_method,
                "scope": _fit(event.scope, log.scope),
                "status": event.status,
                "status_code": event.status_code,
                "correlation_id": _fit(event.correlation_id, log.correlation_id),
                "properties": event.properties,
            }
        ],
    )


def list_events(
    connection: Connection,
    *,
    tenant_id: str | None = None,
    subscription_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    scope_prefix: str | None = None,
    correlation_id: str | None = None,
    caller: str | None = None,
    status: str | None = None,
    limit: int = 1000,
) -> list[ActivityEvent]:
    """Newest first. `scope_prefix` keeps events at that scope and below; it, `caller`
    and `status` compare ignoring case, as ARM ids and names do."""
    log = t.activity_log.c
    query = select(t.activity_log).order_by(log.at.desc(), log.id.desc()).limit(limit)
    if scope_prefix is not None:
        prefix = scope_prefix.lower().rstrip("/")
        scope = func.lower(log.scope)
        query = query.where((scope == prefix) | scope.startswith(prefix + "/", autoescape=True))
    if correlation_id is not None:
        query = query.where(log.correlation_id == correlation_id)
    if caller is not None:
        query = query.where(func.lower(log.caller) == caller.lower())
    if status is not None:
        query = query.where(func.lower(log.status) == status.lower())
    if tenant_id is not None:
        query = query.where(log.tenant_id == tenant_id)
    if subscription_id is not None:
        query = query.where(log.subscription_id == subscription_id.lower())
    if since is not None:
        query = query.where(log.at >= since)
    if until is not None:
        query = query.where(log.at <= until)
    return [
        ActivityEvent(
            event_id=r.event_id,
            at=r.at,
            operation=r.operation,
            http_method=r.http_method,
            scope=r.scope,
            status=r.status,
            status_code=r.status_code,
            correlation_id=r.correlation_id,
            tenant_id=r.tenant_id,
            subscription_id=r.subscription_id,
            caller_id=r.caller_id,
            caller=r.caller,
            properties=dict(r.properties),
        )
        for r in connection.execute(query)
    ]
