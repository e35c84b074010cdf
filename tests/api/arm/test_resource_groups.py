"""Resource groups over ARM, as `az group create|show|exists|update|list|delete` use them.

Every test runs on SQLite and PostgreSQL over the demo world: alice is a Fabrikam admin
agent whose AdminAgents group holds Owner on Contoso Production but lost it on Contoso
Dev-Test; bob owns both; carol reads rg-web in Production only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from cspadmin.domain.estate import SubscriptionState
from cspadmin.store.assignments import list_role_assignments
from cspadmin.store.estate import get_subscription, save_subscription
from tests.api.conftest import ARM, Api

CONTOSO = "contoso.onmicrosoft.com"
NORTHWIND = "northwindtraders.onmicrosoft.com"
PROD = "5b2e7c90-1d3f-4e6a-8c7b-000000000211"
DEVTEST = "5b2e7c90-1d3f-4e6a-8c7b-000000000212"
NORTHWIND_ANALYTICS = "5b2e7c90-1d3f-4e6a-8c7b-000000000222"
ALICE = ("alice@fabrikampartner.onmicrosoft.com", "Alice-pass-1")
BOB = ("bob@contoso.onmicrosoft.com", "Bob-pass-1")
CAROL = ("carol@contoso.onmicrosoft.com", "Carol-pass-1")
NANCY = ("nancy@northwindtraders.onmicrosoft.com", "Nancy-pass-1")
VERSION = "2024-11-01"


class Arm:
    """One signed-in ARM caller, sending requests the way az does."""

    def __init__(self, api: Api, who: tuple[str, str], tenant: str = CONTOSO) -> None:
        self.api = api
        self.name = who[0]
        self.token = api.token(who[0], who[1], tenant)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        version: str | None = VERSION,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        query = dict(params or {})
        if version is not None:
            query["api-version"] = version
        return self.api.client.request(
            method,
            path if path.startswith("https://") else ARM + path,
            params=query or None,
            json=body,
            headers={"Authorization": f"Bearer {self.token}", **(headers or {})},
        )


def group_path(subscription: str, name: str) -> str:
    return f"/subscriptions/{subscription}/resourcegroups/{name}"  # az's lower-case form


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


# -- create ------------------------------------------------------------------------------


def test_alice_creates_a_group_in_a_customer_subscription_through_admin_agents(
    demo_api: Api,
) -> None:
    alice = Arm(demo_api, ALICE)
    created = alice.call("PUT", group_path(PROD, "rg-alice"), {"location": "westeurope"})
    assert created.status_code == 201, created.text
    assert created.json() == {
        "id": f"/subscriptions/{PROD}/resourceGroups/rg-alice",
        "name": "rg-alice",
        "type": "Microsoft.Resources/resourceGroups",
        "location": "westeurope",
        "properties": {"provisioningState": "Succeeded"},
    }
    again = alice.call("PUT", group_path(PROD, "RG-ALICE"), {"location": "West Europe"})
    assert again.status_code == 200
    assert again.json()["name"] == "rg-alice"
    shown = alice.call("GET", group_path(PROD, "rg-alice"))
    assert shown.status_code == 200
    assert shown.json() == created.json()


def test_alice_is_refused_where_the_partner_lost_its_owner_grant(demo_api: Api) -> None:
    alice = Arm(demo_api, ALICE)
    refused = alice.call("PUT", group_path(DEVTEST, "rg-alice"), {"location": "northeurope"})
    assert refused.status_code == 403
    assert error_code(refused) == "AuthorizationFailed"
    message = refused.json()["error"]["message"]
    assert f"'{ALICE[0]}'" in message
    assert "'Microsoft.Resources/subscriptions/resourceGroups/write'" in message
    assert f"'/subscriptions/{DEVTEST}/resourceGroups/rg-alice'" in message
    bob = Arm(demo_api, BOB)
    assert bob.call("GET", group_path(DEVTEST, "rg-alice")).status_code == 404


def test_tags_and_managed_by_are_kept_and_a_put_replaces_them(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    body = {"location": "westeurope", "tags": {"env": "prod"}, "managedBy": "/subscriptions/x"}
    created = bob.call("PUT", group_path(PROD, "rg-tags"), body)
    assert created.json()["tags"] == {"env": "prod"}
    assert created.json()["managedBy"] == "/subscriptions/x"
    replaced = bob.call("PUT", group_path(PROD, "rg-tags"), {"location": "westeurope"})
    assert "tags" not in replaced.json()
    assert "managedBy" not in replaced.json()


def test_a_group_cannot_move_to_another_location(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    moved = bob.call("PUT", group_path(PROD, "rg-web"), {"location": "eastus"})
    assert moved.status_code == 409
    assert moved.json()["error"] == {
        "code": "InvalidResourceGroupLocation",
        "message": "Invalid resource group location 'eastus'. "
        "The Resource group already exists in location 'westeurope'.",
    }
    patched = bob.call("PATCH", group_path(PROD, "rg-web"), {"location": "eastus"})
    assert error_code(patched) == "InvalidResourceGroupLocation"


@pytest.mark.parametrize("name", ["bad name!", "ends-with-a-period.", "x" * 91])
def test_names_outside_arms_rule_are_invalid_resource_group(demo_api: Api, name: str) -> None:
    bob = Arm(demo_api, BOB)
    refused = bob.call("PUT", group_path(PROD, name), {"location": "westeurope"})
    assert refused.status_code == 400
    assert error_code(refused) == "InvalidResourceGroup"
    assert error_code(bob.call("GET", group_path(PROD, name))) == "InvalidResourceGroup"


def test_a_group_needs_a_known_location(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    nowhere = bob.call("PUT", group_path(PROD, "rg-x"), {"location": "atlantis"})
    assert nowhere.status_code == 400
    assert error_code(nowhere) == "LocationNotAvailableForResourceGroup"
    missing = bob.call("PUT", group_path(PROD, "rg-x"), {})
    assert (missing.status_code, error_code(missing)) == (400, "LocationRequired")


def test_writes_in_a_disabled_subscription_are_read_only_disabled_subscription(
    demo_api: Api,
) -> None:
    with demo_api.plane.database.begin() as connection:
        subscription = get_subscription(connection, PROD)
        assert subscription is not None
        disabled = replace(subscription, state=SubscriptionState.DISABLED)
        save_subscription(connection, disabled)
    bob = Arm(demo_api, BOB)
    refused = bob.call("PUT", group_path(PROD, "rg-new"), {"location": "westeurope"})
    assert (refused.status_code, error_code(refused)) == (409, "ReadOnlyDisabledSubscription")
    assert bob.call("GET", group_path(PROD, "rg-web")).status_code == 200


# -- read --------------------------------------------------------------------------------


def test_show_and_exists_answer_for_missing_groups_as_az_expects(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    missing = bob.call("GET", group_path(PROD, "rg-nope"))
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        "code": "ResourceGroupNotFound",
        "message": "Resource group 'rg-nope' could not be found.",
    }
    assert bob.call("HEAD", group_path(PROD, "rg-web")).status_code == 204
    assert bob.call("HEAD", group_path(PROD, "rg-nope")).status_code == 404


def test_subscriptions_that_name_nothing_or_are_elsewhere(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    unknown = bob.call("GET", group_path("11111111-2222-3333-4444-555555555555", "rg"))
    assert (unknown.status_code, error_code(unknown)) == (404, "SubscriptionNotFound")
    malformed = bob.call("GET", group_path("not-a-guid", "rg"))
    assert (malformed.status_code, error_code(malformed)) == (400, "InvalidSubscriptionId")
    elsewhere = bob.call("GET", group_path(NORTHWIND_ANALYTICS, "rg-analytics"))
    assert (elsewhere.status_code, error_code(elsewhere)) == (403, "AuthorizationFailed")


def test_the_api_version_is_required_and_older_ones_are_accepted(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    missing = bob.call("GET", group_path(PROD, "rg-web"), version=None)
    assert error_code(missing) == "MissingApiVersionParameter"
    assert error_code(bob.call("GET", group_path(PROD, "rg-web"), version="2099-01-01")) == (
        "InvalidApiVersionParameter"
    )
    for version in ("2022-12-01", "2021-04-01", "2019-10-01"):
        assert bob.call("GET", group_path(PROD, "rg-web"), version=version).status_code == 200


def test_patch_replaces_the_tags_it_is_given(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    patched = bob.call("PATCH", group_path(PROD, "rg-web"), {"tags": {"cost": "web"}})
    assert patched.status_code == 200
    assert patched.json()["tags"] == {"cost": "web"}
    assert patched.json()["location"] == "westeurope"
    untouched = bob.call("PATCH", group_path(PROD, "rg-web"), {})
    assert untouched.json()["tags"] == {"cost": "web"}


def test_list_filters_by_tag_and_top(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    bob.call("PATCH", group_path(PROD, "rg-web"), {"tags": {"team": "web"}})
    everything = bob.call("GET", f"/subscriptions/{PROD}/resourcegroups")
    assert [g["name"] for g in everything.json()["value"]] == ["rg-network", "rg-web"]
    tagged = bob.call(
        "GET",
        f"/subscriptions/{PROD}/resourcegroups",
        params={"$filter": "tagName eq 'team' and tagValue eq 'web'"},
    )
    assert [g["name"] for g in tagged.json()["value"]] == ["rg-web"]
    first = bob.call("GET", f"/subscriptions/{PROD}/resourcegroups", params={"$top": "1"})
    assert len(first.json()["value"]) == 1


def test_list_shows_a_group_scoped_reader_only_the_groups_it_reads(demo_api: Api) -> None:
    carol = Arm(demo_api, CAROL)
    listed = carol.call("GET", f"/subscriptions/{PROD}/resourcegroups")
    assert [g["name"] for g in listed.json()["value"]] == ["rg-web"]
    nothing = Arm(demo_api, CAROL).call("GET", f"/subscriptions/{PROD}/resourcegroups/rg-network")
    assert nothing.status_code == 403


# -- delete ------------------------------------------------------------------------------


def test_delete_answers_202_with_a_location_az_polls_to_200(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    deleted = bob.call("DELETE", group_path(PROD, "rg-web"))
    assert deleted.status_code == 202
    location = deleted.headers["location"]
    assert location.startswith(f"{ARM}/subscriptions/{PROD}/operationresults/")
    assert location.endswith(f"?api-version={VERSION}")
    assert deleted.headers["retry-after"] == "0"
    polled = bob.call("GET", location, version=None)
    assert (polled.status_code, polled.content) == (200, b"")
    assert bob.call("GET", group_path(PROD, "rg-web")).status_code == 404
    assert error_code(bob.call("DELETE", group_path(PROD, "rg-web"))) == "ResourceGroupNotFound"
    garbage = bob.call("GET", f"/subscriptions/{PROD}/operationresults/not-an-operation")
    assert garbage.status_code == 404


def test_delete_takes_the_resources_and_the_grants_inside_the_group(demo_api: Api) -> None:
    bob = Arm(demo_api, BOB)
    assert bob.call("DELETE", group_path(PROD, "rg-web")).status_code == 202
    with demo_api.plane.database.connect() as connection:
        inside = list_role_assignments(
            connection, scope_prefix=f"/subscriptions/{PROD}/resourceGroups/rg-web"
        )
    assert inside == []
    bob.call("PUT", group_path(PROD, "rg-web"), {"location": "westeurope"})
    carol = Arm(demo_api, CAROL)
    assert carol.call("GET", group_path(PROD, "rg-web")).status_code == 403
    listed = bob.call("GET", f"/subscriptions/{PROD}/resourceGroups/rg-web/resources")
    assert listed.json()["value"] == []


def test_a_partner_owner_of_one_group_deletes_it_and_can_still_poll(demo_api: Api) -> None:
    """Northwind re-granted AdminAgents Owner on rg-analytics only; deleting the group
    deletes that grant too, and az's poll must not need it."""
    alice = Arm(demo_api, ALICE, NORTHWIND)
    deleted = alice.call("DELETE", group_path(NORTHWIND_ANALYTICS, "rg-analytics"))
    assert deleted.status_code == 202
    assert alice.call("GET", deleted.headers["location"], version=None).status_code == 200
    gone = alice.call("GET", group_path(NORTHWIND_ANALYTICS, "rg-analytics"))
    assert error_code(gone) == "AuthorizationFailed"
    nancy = Arm(demo_api, NANCY, NORTHWIND)
    assert nancy.call("GET", group_path(NORTHWIND_ANALYTICS, "rg-analytics")).status_code == 404
