"""The activity log, as Azure Monitor serves it (Microsoft.Insights, api-version 2015-04-01).

    GET /subscriptions/{s}/providers/Microsoft.Insights/eventtypes/management/values
        ?api-version=2015-04-01
        &$filter=eventTimestamp ge '2024-05-01T00:00:00Z' and eventTimestamp le '…'
                 [and resourceGroupName eq 'rg' | resourceId eq '/subscriptions/…'
                  | resourceProvider eq 'Microsoft.Storage' | correlationId eq '…'
                  | caller eq 'alice@…' | status eq 'Failed']
        &$select=eventTimestamp,operationName,caller        (optional)

Answers `{"value": [EventData…]}`, newest first: one event per write (PUT, PATCH, POST,
DELETE) on ARM or Graph in that subscription, succeeded or failed, with who
(`caller`: UPN or app id; `claims`), what (`operationName.value` and
`authorization.action`: the action checked, e.g. `Microsoft.Storage/storageAccounts/write`),
where (`authorization.scope`, `resourceId`), when (`eventTimestamp`), the outcome
(`status.value` Succeeded or Failed, `subStatus.value` the HTTP status, e.g. Created,
Forbidden) and `correlationId` (the client's `x-ms-client-request-id`, also in
`httpRequest.clientRequestId`). Timestamps may be quoted or bare, as `az monitor
activity-log list` sends them; one without an offset is UTC; a missing upper bound is now.

The caller needs `Microsoft.Insights/eventtypes/values/read` (Reader and above hold it
through `*/read`) at the subscription, or at the group or resource the filter names.
"""

from __future__ import annotations

import http
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from cspadmin.api.arm.common import ArmPrincipal, State, api_version, page
from cspadmin.api.arm.odata import Clause, filter_clauses
from cspadmin.api.arm.providers import authorize_at, catalogue, subscription_scope
from cspadmin.domain.activity import ActivityEvent
from cspadmin.errors import BadRequest
from cspadmin.services.activity import EventQuery, resource_type_of, subscription_events

router = APIRouter()
READ_EVENTS = "Microsoft.Insights/eventtypes/values/read"
_VALUES = (
    "/subscriptions/{subscription_id}/providers/Microsoft.Insights/eventtypes/management/values"
)
_FIELDS = {
    "eventtimestamp",
    "resourcegroupname",
    "resourceid",
    "resourceuri",
    "resourceprovider",
    "correlationid",
    "caller",
    "status",
}
_TICKS_EPOCH = datetime(1, 1, 1, tzinfo=UTC)


def _versions() -> tuple[str, ...]:
    entry = catalogue().entry("Microsoft.Insights/eventtypes/values")
    assert entry is not None
    return entry.api_versions


Version = Annotated[str, Depends(api_version(*_versions()))]


class InvalidEventFilter(BadRequest):
    code = "BadRequest"


@router.get(_VALUES)
def list_events(
    subscription_id: str,
    state: State,
    principal: ArmPrincipal,
    _: Version,
    filter_: Annotated[str | None, Query(alias="$filter")] = None,
    select: Annotated[str | None, Query(alias="$select")] = None,
) -> dict[str, Any]:
    base = subscription_scope(subscription_id)
    query = _query(subscription_id, base, filter_, state.plane.clock())
    authorize_at(state, principal, READ_EVENTS, query.scope or base)
    events = subscription_events(state.plane, query)
    fields = [f.strip() for f in (select or "").split(",") if f.strip()]
    return page([_selected(event_json(e), fields) for e in events])


def _query(subscription_id: str, base: str, text: str | None, now: datetime) -> EventQuery:
    if not text:
        raise InvalidEventFilter(
            "The $filter query parameter is required and must bound eventTimestamp, e.g. "
            "eventTimestamp ge '2024-05-01T00:00:00Z' and eventTimestamp le "
            "'2024-05-02T00:00:00Z'."
        )
    clauses = filter_clauses(text, _FIELDS, ("eq", "ge", "gt", "le", "lt"))
    since = until = None
    equal: dict[str, str] = {}
    for clause in clauses:
        key = clause.field.lower()
        if key == "eventtimestamp" and clause.op in ("ge", "gt"):
            since = _instant(clause)
        elif key == "eventtimestamp" and clause.op in ("le", "lt"):
            until = _instant(clause)
        elif clause.op == "eq" and key != "eventtimestamp":
            equal[key] = clause.value
        else:
            raise InvalidEventFilter(f"The $filter '{text}' is invalid: '{clause.field}'.")
    if since is None:
        raise InvalidEventFilter(f"The $filter '{text}' must include eventTimestamp ge '<start>'.")
    scope = None
    if "resourcegroupname" in equal:
        scope = f"{base}/resourceGroups/{equal['resourcegroupname']}"
    resource = equal.get("resourceid") or equal.get("resourceuri")
    if resource:
        scope = resource
    return EventQuery(
        subscription_id=subscription_id,
        since=since,
        until=until or now,
        scope=scope,
        resource_provider=equal.get("resourceprovider"),
        correlation_id=equal.get("correlationid"),
        caller=equal.get("caller"),
        status=equal.get("status"),
    )


def _instant(clause: Clause) -> datetime:
    try:
        at = datetime.fromisoformat(clause.value)
    except ValueError:
        raise InvalidEventFilter(
            f"The eventTimestamp '{clause.value}' is not an ISO 8601 date and time."
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def event_json(event: ActivityEvent) -> dict[str, Any]:
    """Azure Monitor's EventData for one recorded write."""
    resource_type = resource_type_of(event.scope) or event.operation.rsplit("/", 1)[0]
    provider = resource_type.split("/", 1)[0]
    phrase = _phrase(event.status_code)
    at = _timestamp(event.at)
    body: dict[str, Any] = {
        "authorization": {"action": event.operation, "scope": event.scope},
        "caller": event.caller,
        "channels": "Operation",
        "claims": _claims(event),
        "correlationId": event.correlation_id,
        "description": "",
        "eventDataId": event.event_id,
        "eventName": {"value": "EndRequest", "localizedValue": "End request"},
        "category": {"value": "Administrative", "localizedValue": "Administrative"},
        "eventTimestamp": at,
        "id": f"{event.scope.rstrip('/')}/events/{event.event_id}/ticks/{_ticks(event.at)}",
        "level": "Informational" if event.status == "Succeeded" else "Error",
        "operationId": event.event_id,
        "operationName": {"value": event.operation, "localizedValue": event.operation},
        "resourceProviderName": {"value": provider, "localizedValue": provider},
        "resourceType": {"value": resource_type, "localizedValue": resource_type},
        "resourceId": event.scope,
        "status": {"value": event.status, "localizedValue": event.status},
        "subStatus": {"value": phrase, "localizedValue": phrase},
        "submissionTimestamp": at,
        "subscriptionId": event.subscription_id,
        "tenantId": event.tenant_id,
        "httpRequest": {"clientRequestId": event.correlation_id, "method": event.http_method},
        "properties": {
            "statusCode": phrase,
            "eventCategory": "Administrative",
            "entity": event.scope,
            "message": event.operation,
            **event.properties,
        },
    }
    group = _group_of(event.scope)
    if group:
        body["resourceGroupName"] = group
    return body


def _selected(body: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    if not fields:
        return body
    wanted = {f.lower() for f in fields}
    return {k: v for k, v in body.items() if k.lower() in wanted}


def _claims(event: ActivityEvent) -> dict[str, str]:
    claims: dict[str, str] = {}
    if event.caller_id:
        claims["http://schemas.microsoft.com/identity/claims/objectidentifier"] = event.caller_id
    if event.tenant_id:
        claims["http://schemas.microsoft.com/identity/claims/tenantid"] = event.tenant_id
    if event.caller:
        claims["name"] = event.caller
    return claims


def _group_of(scope: str) -> str | None:
    parts = scope.split("/")
    if len(parts) > 4 and parts[3].lower() == "resourcegroups":
        return parts[4]
    return None


def _phrase(status_code: int) -> str:
    try:
        return http.HTTPStatus(status_code).phrase.replace(" ", "")
    except ValueError:
        return str(status_code)


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _ticks(at: datetime) -> int:
    """.NET ticks (100 ns since 0001-01-01), which Azure puts in event ids."""
    delta = at.astimezone(UTC) - _TICKS_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10
