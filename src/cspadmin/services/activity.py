"""Reading the activity log: what happened in a subscription, in a window of time.

The log itself is written by the HTTP layer (one event per write, whatever its outcome);
this is the query side. Events come newest first, at most `limit` of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cspadmin.domain.activity import ActivityEvent
from cspadmin.domain.scope import Scope, ScopeKind, parse_scope
from cspadmin.errors import InvalidScope
from cspadmin.services.control_plane import ControlPlane
from cspadmin.store.activity import list_events

RESOURCE_GROUP_TYPE = "Microsoft.Resources/subscriptions/resourceGroups"
SUBSCRIPTION_TYPE = "Microsoft.Resources/subscriptions"


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Which events: a subscription's, between `since` and `until` (inclusive), optionally
    only at `scope` and below, of one resource provider, correlation id, caller or status."""

    subscription_id: str
    since: datetime
    until: datetime
    scope: str | None = None
    resource_provider: str | None = None
    correlation_id: str | None = None
    caller: str | None = None
    status: str | None = None
    limit: int = 1000


def subscription_events(plane: ControlPlane, query: EventQuery) -> list[ActivityEvent]:
    with plane.database.connect() as connection:
        events = list_events(
            connection,
            subscription_id=query.subscription_id,
            since=query.since,
            until=query.until,
            scope_prefix=query.scope,
            correlation_id=query.correlation_id,
            caller=query.caller,
            status=query.status,
            limit=query.limit,
        )
    if query.resource_provider is None:
        return events
    wanted = query.resource_provider.lower()
    return [e for e in events if (resource_type_of(e.scope) or "").lower().startswith(wanted + "/")]


def resource_type_of(scope_id: str) -> str | None:
    """The ARM type of what an event's scope names; None for a path that is no scope."""
    try:
        scope: Scope = parse_scope(scope_id)
    except InvalidScope:
        return None
    if scope.kind is ScopeKind.RESOURCE:
        return scope.resource_type
    if scope.kind is ScopeKind.RESOURCE_GROUP:
        return RESOURCE_GROUP_TYPE
    if scope.kind is ScopeKind.SUBSCRIPTION:
        return SUBSCRIPTION_TYPE
    return None
