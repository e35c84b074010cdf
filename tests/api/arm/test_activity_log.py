"""The activity log read endpoint, in Azure Monitor's EventData shape: every write on a
subscription, with who, what, where, when, the outcome and the client's correlation id.

Runs on SQLite and PostgreSQL over the demo world (see test_resource_groups).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.arm.test_resource_groups import (
    ALICE,
    BOB,
    CAROL,
    DEVTEST,
    PROD,
    Arm,
    error_code,
    group_path,
)
from tests.api.conftest import Api

VALUES = "/subscriptions/{}/providers/Microsoft.Insights/eventtypes/management/values"
LOG_VERSION = "2015-04-01"
CONTOSO_ID = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"


def window(api: Api, extra: str = "", minutes: int = 5) -> str:
    start = (api.clock.now - timedelta(minutes=minutes)).isoformat()
    end = (api.clock.now + timedelta(minutes=minutes)).isoformat()
    return f"eventTimestamp ge '{start}' and eventTimestamp le '{end}'{extra}"


def events(arm: Arm, subscription: str, text: str, **params: str) -> list[dict[str, Any]]:
    response = arm.call(
        "GET",
        VALUES.format(subscription),
        version=LOG_VERSION,
        params={"$filter": text, **params},
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["value"]
    return found


def test_a_write_shows_caller_operation_scope_status_and_correlation_id(demo_api: Api) -> None:
    alice = Arm(demo_api, ALICE)
    created = alice.call(
        "PUT",
        group_path(PROD, "rg-logged"),
        {"location": "westeurope"},
        headers={"x-ms-client-request-id": "4e3f2c1b-0000-4000-8000-00000000a11c"},
    )
    assert created.status_code == 201
    logged = events(Arm(demo_api, BOB), PROD, window(demo_api))
    [event] = [e for e in logged if e["correlationId"] == "4e3f2c1b-0000-4000-8000-00000000a11c"]
    scope = f"/subscriptions/{PROD}/resourceGroups/rg-logged"
    action = "Microsoft.Resources/subscriptions/resourceGroups/write"
    assert event["caller"] == ALICE[0]
    assert event["operationName"]["value"] == action
    assert event["authorization"] == {"action": action, "scope": scope}
    assert event["resourceId"] == scope
    assert event["resourceGroupName"] == "rg-logged"
    assert event["status"]["value"] == "Succeeded"
    assert event["subStatus"]["value"] == "Created"
    assert event["httpRequest"] == {
        "clientRequestId": "4e3f2c1b-0000-4000-8000-00000000a11c",
        "method": "PUT",
    }
    assert (event["subscriptionId"], event["tenantId"]) == (PROD, CONTOSO_ID)
    assert event["resourceProviderName"]["value"] == "Microsoft.Resources"
    assert event["level"] == "Informational"
    assert event["eventTimestamp"].endswith("Z")
    assert event["id"].startswith(f"{scope}/events/{event['eventDataId']}/ticks/")


def test_a_refused_write_is_logged_as_failed(demo_api: Api) -> None:
    alice = Arm(demo_api, ALICE)
    refused = alice.call("PUT", group_path(DEVTEST, "rg-alice"), {"location": "northeurope"})
    assert refused.status_code == 403
    [event] = events(Arm(demo_api, BOB), DEVTEST, window(demo_api, " and status eq 'Failed'"))
    assert event["caller"] == ALICE[0]
    assert (event["status"]["value"], event["subStatus"]["value"]) == ("Failed", "Forbidden")
    assert event["level"] == "Error"
    assert event["authorization"]["action"] == (
        "Microsoft.Resources/subscriptions/resourceGroups/write"
    )


def test_resource_writes_are_logged_under_the_resource_types_action(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    account = (
        f"/subscriptions/{PROD}/resourceGroups/rg-web/providers/Microsoft.Storage"
        "/storageAccounts/salogged"
    )
    bob.call("PUT", account, {"location": "westeurope"}, version="2024-01-01")
    bob.call("DELETE", account, version="2024-01-01")
    by_provider = events(
        bob, PROD, window(demo_api, " and resourceProvider eq 'Microsoft.Storage'")
    )
    assert [e["operationName"]["value"] for e in by_provider] == [
        "Microsoft.Storage/storageAccounts/delete",
        "Microsoft.Storage/storageAccounts/write",
    ]
    assert by_provider[0]["resourceType"]["value"] == "Microsoft.Storage/storageAccounts"
    by_resource = events(bob, PROD, window(demo_api, f" and resourceId eq '{account}'"))
    assert len(by_resource) == 2
    assert events(bob, PROD, window(demo_api, " and resourceGroupName eq 'rg-network'")) == []


def test_the_time_window_bounds_the_events(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    bob.call("PATCH", group_path(PROD, "rg-web"), {"tags": {"first": "1"}})
    first_at = demo_api.clock.now
    demo_api.clock.now = first_at + timedelta(hours=3)
    bob = Arm(demo_api, BOB)  # a fresh token at the new time
    bob.call("PATCH", group_path(PROD, "rg-web"), {"tags": {"second": "2"}})
    recent = events(bob, PROD, window(demo_api))
    assert len(recent) == 1
    both = events(bob, PROD, window(demo_api, minutes=4 * 60))
    assert len(both) == 2
    assert both[0]["eventTimestamp"] > both[1]["eventTimestamp"]  # newest first


def test_az_monitor_activity_log_list_sends_bare_timestamps_and_select(demo_api: Api) -> None:
    """az builds `eventTimestamp ge 2024-05-01T10:00:00 and …` (naive, UTC, unquoted)
    and joins `--select` with ' , '."""
    bob = Arm(demo_api, BOB)
    bob.call("PATCH", group_path(PROD, "rg-web"), {"tags": {}})
    naive = demo_api.clock.now.replace(tzinfo=None)
    text = (
        f"eventTimestamp ge {(naive - timedelta(minutes=5)).isoformat()} and "
        f"eventTimestamp le {(naive + timedelta(minutes=5)).isoformat()} and caller eq '{BOB[0]}'"
    )
    [event] = events(bob, PROD, text, **{"$select": "caller , operationName"})
    assert event == {
        "caller": BOB[0],
        "operationName": {
            "value": "Microsoft.Resources/subscriptions/resourceGroups/write",
            "localizedValue": "Microsoft.Resources/subscriptions/resourceGroups/write",
        },
    }


def test_reading_the_log_needs_read_access_where_it_looks(demo_api: Api) -> None:
    carol = Arm(demo_api, CAROL)  # Reader on rg-web only
    path = VALUES.format(PROD)
    everything = carol.call("GET", path, version=LOG_VERSION, params={"$filter": window(demo_api)})
    assert (everything.status_code, error_code(everything)) == (403, "AuthorizationFailed")
    assert "'Microsoft.Insights/eventtypes/values/read'" in everything.json()["error"]["message"]
    assert events(carol, PROD, window(demo_api, " and resourceGroupName eq 'rg-web'")) == []
    unbounded = carol.call("GET", path, version=LOG_VERSION)
    assert (unbounded.status_code, error_code(unbounded)) == (400, "BadRequest")
