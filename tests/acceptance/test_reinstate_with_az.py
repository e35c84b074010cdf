"""Reinstating a partner's admin privileges with the real Azure CLI, as a partner would.

The customer side of the procedure (shared/DESIGN.md, step 4), verbatim: the customer's
Owner signs in to the customer tenant, selects the subscription and assigns Owner to the
partner's AdminAgents group as a ForeignGroup, at subscription, resource group and
resource scope. Around it: the partner looks the group's object id up in its own tenant
(step 3); the admin agent is refused before and allowed after; an ordinary customer user
is refused cleanly; the assignment lists; assigning twice is harmless; and the partner's
service principal signs in to the customer and works.

Stateful steps are fixtures, chained so that they happen in the procedure's order whatever
order the tests run in: `before` (the refusals) comes before `reinstated`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.acceptance.conftest import (
    AZ,
    AZ_MISSING,
    XDIST_GROUP,
    AcceptanceWorld,
    Az,
    AzResult,
    Server,
    owner_role_id,
)

pytestmark = [
    pytest.mark.acceptance,
    pytest.mark.xdist_group(XDIST_GROUP),
    pytest.mark.skipif(not AZ.exists(), reason=AZ_MISSING),
]


def explain(result: AzResult, server: Server) -> str:
    return f"{result}\n--- server stderr (last lines) ---\n{server.log_tail()}"


def assert_clean(result: AzResult, server: Server) -> None:
    """az rendered whatever happened as az does for a well-formed answer: no crash.
    (With --debug, az prints the traceback of every error it handles; not a crash.)"""
    if "--debug" not in result.args:
        assert "Traceback" not in result.stderr, explain(result, server)
    assert "unexpected error" not in result.stderr, explain(result, server)


def assert_ok(result: AzResult, server: Server) -> Any:
    assert result.rc == 0, explain(result, server)
    assert_clean(result, server)
    return result.json


def assert_authorization_failed(result: AzResult, server: Server, action: str) -> None:
    assert result.rc == 1, explain(result, server)
    assert "(AuthorizationFailed)" in result.stderr, explain(result, server)
    assert action.lower() in result.stderr.lower(), explain(result, server)
    assert_clean(result, server)


def scopes(world: AcceptanceWorld) -> dict[str, str]:
    subscription = f"/subscriptions/{world.az_subscription}"
    group = f"{subscription}/resourceGroups/{world.az_resource_group}"
    return {
        "subscription": subscription,
        "resource group": group,
        "resource": (
            f"{group}/providers/Microsoft.Storage/storageAccounts/{world.az_storage_account}"
        ),
    }


def assign_owner_to_admin_agents(az: Az, world: AcceptanceWorld, who: str, scope: str) -> AzResult:
    """The seed procedure's command, word for word."""
    return az(
        who,
        "role",
        "assignment",
        "create",
        "--role",
        "Owner",
        "--assignee-object-id",
        world.admin_agents_id,
        "--scope",
        scope,
        "--assignee-principal-type",
        "ForeignGroup",
    )


# --------------------------------------------------------------------------------------
# The procedure's steps, in order


@pytest.fixture(scope="module")
def signed_in(az: Az, server: Server, world: AcceptanceWorld) -> dict[str, AzResult]:
    """The customer's Owner, an ordinary customer user, and the partner's admin agent, each
    signed in to the customer tenant by domain with `az login -u … -p … --tenant …`."""
    server.require_password_sign_in()
    people = {"owner": world.owner, "ordinary": world.ordinary, "agent": world.agent}
    with ThreadPoolExecutor(len(people)) as pool:
        futures = {
            who: pool.submit(
                az, who, "login", "-u", p.name, "-p", p.secret, "--tenant", world.customer_domain
            )
            for who, p in people.items()
        }
        logins = {who: f.result() for who, f in futures.items()}
    for result in logins.values():
        accounts = assert_ok(result, server)
        assert world.az_subscription in {a["id"] for a in accounts}, explain(result, server)
    return logins


@pytest.fixture(scope="module")
def before(az: Az, world: AcceptanceWorld, signed_in: dict[str, AzResult]) -> dict[str, AzResult]:
    """What the agent and the ordinary user get while the grant is still lost."""
    sub = world.az_subscription
    return {
        "agent": az(
            "agent", "group", "create", "-n", "x", "-l", "westeurope", "--subscription", sub
        ),
        "ordinary": assign_owner_to_admin_agents(
            az, world, "ordinary", scopes(world)["subscription"]
        ),
    }


@pytest.fixture(scope="module")
def reinstated(
    az: Az, server: Server, world: AcceptanceWorld, before: dict[str, AzResult]
) -> dict[str, AzResult]:
    """The customer's Owner selects the subscription and assigns Owner to AdminAgents at
    each of the three scopes."""
    assert_ok(az("owner", "account", "set", "--subscription", world.az_subscription), server)
    return {
        label: assign_owner_to_admin_agents(az, world, "owner", scope)
        for label, scope in scopes(world).items()
    }


# --------------------------------------------------------------------------------------
# Partner side: the object id to hand to the customer


def test_partner_looks_up_the_admin_agents_object_id_in_its_own_tenant(
    az: Az, server: Server, world: AcceptanceWorld
) -> None:
    server.require_password_sign_in()
    who = "agent-in-partner-tenant"
    login = az(
        who,
        "login",
        "-u",
        world.agent.name,
        "-p",
        world.agent.secret,
        "--tenant",
        world.partner_domain,
        "--allow-no-subscriptions",
    )
    assert_ok(login, server)

    group = assert_ok(az(who, "ad", "group", "show", "--group", "AdminAgents"), server)

    assert group["id"] == world.admin_agents_id
    assert group["displayName"] == "AdminAgents"


# --------------------------------------------------------------------------------------
# Before: the grant is lost


def test_admin_agent_cannot_create_a_resource_group_while_the_grant_is_lost(
    before: dict[str, AzResult], server: Server
) -> None:
    assert_authorization_failed(
        before["agent"], server, "Microsoft.Resources/subscriptions/resourcegroups/write"
    )


def test_ordinary_customer_user_is_refused_cleanly(
    before: dict[str, AzResult], server: Server
) -> None:
    assert_authorization_failed(
        before["ordinary"], server, "Microsoft.Authorization/roleAssignments/write"
    )


# --------------------------------------------------------------------------------------
# The reinstatement


@pytest.mark.parametrize("label", ["subscription", "resource group", "resource"])
def test_customer_owner_assigns_owner_to_admin_agents_as_a_foreign_group(
    label: str, reinstated: dict[str, AzResult], server: Server, world: AcceptanceWorld
) -> None:
    scope = scopes(world)[label]
    assignment = assert_ok(reinstated[label], server)

    assert assignment["principalId"] == world.admin_agents_id
    assert assignment["principalType"] == "ForeignGroup"
    assert assignment["scope"].lower() == scope.lower()
    assert assignment["roleDefinitionId"].lower() == owner_role_id(world.az_subscription)
    prefix = f"{scope}/providers/Microsoft.Authorization/roleAssignments/"
    assert assignment["id"].lower().startswith(prefix.lower())


def test_role_assignment_list_shows_the_new_assignment(
    az: Az, reinstated: dict[str, AzResult], server: Server, world: AcceptanceWorld
) -> None:
    created = assert_ok(reinstated["subscription"], server)
    scope = scopes(world)["subscription"]

    listed = assert_ok(az("owner", "role", "assignment", "list", "--scope", scope), server)

    mine = [a for a in listed if a["principalId"] == world.admin_agents_id]
    assert [a["id"] for a in mine] == [created["id"]], listed
    assert mine[0]["roleDefinitionName"] == "Owner"
    assert mine[0]["principalType"] == "ForeignGroup"
    assert mine[0]["scope"].lower() == scope.lower()


def test_inherited_list_at_the_resource_shows_all_three_grants(
    az: Az, reinstated: dict[str, AzResult], server: Server, world: AcceptanceWorld
) -> None:
    created = {assert_ok(r, server)["id"].lower() for r in reinstated.values()}
    resource = scopes(world)["resource"]

    listed = assert_ok(
        az("owner", "role", "assignment", "list", "--scope", resource, "--include-inherited"),
        server,
    )

    agents = {a["id"].lower() for a in listed if a["principalId"] == world.admin_agents_id}
    assert created <= agents, listed


def test_assigning_it_again_is_idempotent(
    az: Az, reinstated: dict[str, AzResult], server: Server, world: AcceptanceWorld
) -> None:
    first = assert_ok(reinstated["subscription"], server)

    again = assign_owner_to_admin_agents(az, world, "owner", scopes(world)["subscription"])

    existing = assert_ok(again, server)  # az turns ARM's 409 RoleAssignmentExists into rc 0
    assert existing["id"] == first["id"]


# --------------------------------------------------------------------------------------
# After: the partner manages the subscription again


def test_admin_agent_creates_a_resource_group_after_reinstatement(
    az: Az, reinstated: dict[str, AzResult], server: Server, world: AcceptanceWorld
) -> None:
    assert_ok(reinstated["subscription"], server)

    group = assert_ok(
        az(
            "agent",
            "group",
            "create",
            "-n",
            "x",
            "-l",
            "westeurope",
            "--subscription",
            world.az_subscription,
        ),
        server,
    )

    assert group["name"] == "x"
    assert group["location"] == "westeurope"
    assert group["id"].lower() == f"/subscriptions/{world.az_subscription}/resourcegroups/x"


@pytest.fixture(scope="module")
def partner_app_login(
    az: Az, server: Server, world: AcceptanceWorld, reinstated: dict[str, AzResult]
) -> Any:
    """The partner's service principal signs in to the customer tenant, after the grant."""
    assert_ok(reinstated["subscription"], server)
    app = world.partner_app
    login = az(
        "partner-app",
        "login",
        "--service-principal",
        "-u",
        app.name,
        "-p",
        app.secret,
        "--tenant",
        world.customer_domain,
    )
    return assert_ok(login, server)


def test_partner_service_principal_signs_in_to_the_customer_after_reinstatement(
    partner_app_login: Any, world: AcceptanceWorld
) -> None:
    mine = [a for a in partner_app_login if a["id"] == world.az_subscription]

    assert mine, partner_app_login
    assert mine[0]["tenantId"] == world.customer_tenant_id
    assert mine[0]["user"] == {"name": world.partner_app.name, "type": "servicePrincipal"}


def test_partner_service_principal_creates_a_resource_group_after_reinstatement(
    az: Az, partner_app_login: Any, server: Server, world: AcceptanceWorld
) -> None:
    group = assert_ok(
        az(
            "partner-app",
            "group",
            "create",
            "-n",
            "rg-from-partner-app",
            "-l",
            "westeurope",
            "--subscription",
            world.az_subscription,
        ),
        server,
    )

    assert group["name"] == "rg-from-partner-app"
    assert group["location"] == "westeurope"
