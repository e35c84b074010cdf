"""The append-only activity log in the store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from cspadmin.domain.activity import ActivityEvent
from cspadmin.store import schema as t


def append_event(connection: Connection, event: ActivityEvent) -> None:
    connection.execute(
        t.activity_log.insert(),
        [
            {
                "event_id": event.event_id,
                "at": event.at,
                "tenant_id": event.tenant_id,
                "subscription_id": event.subscription_id,
                "caller_id": event.caller_id,
                "caller": event.caller,
                "operation": event.operation,
                "http_method": event.http_method,
                "scope": event.scope,
                "status": event.status,
                "status_code": event.status_code,
                "correlation_id": event.correlation_id,
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
    limit: int = 1000,
) -> list[ActivityEvent]:
    log = t.activity_log.c
    query = select(t.activity_log).order_by(log.at.desc(), log.id.desc()).limit(limit)
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
