"""CSP subscriptions over the demo world: buying the Azure plan, creating subscriptions
by alias with the partner's AdminAgents as Owner (a ForeignGroup) from the very next
check, who may do it and for whom, and what a move to another tenant takes away.

Runs on SQLite and PostgreSQL. Fabrikam (alice: Global admin and AdminAgents; sam:
SalesAgents; harry: HelpdeskAgents) resells to Contoso with DAP and to Wide World
Importers without it; Tailwind Partner resells to nobody.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import func, select

from cspadmin.authz.decision import Caller, MissingLinkKind
from cspadmin.domain.assignments import DenyAssignment, RoleAssignment
from cspadmin.domain.commerce import AZURE_PLAN_CATALOG_ITEM, LineItem
from cspadmin.domain.csp import AcceptOwnership, InvalidBillingScope, billing_account_name
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.roles import OWNER, Permission, custom_role
from cspadmin.errors import AuthorizationFailed
from cspadmin.services import (
    azure_plans,
    csp_subscriptions,
    ownership_offers,
    subscription_aliases,
    subscription_move,
)
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.csp_subscriptions import Initiator
from cspadmin.services.partner_center import PartnerRoleRequired
from cspadmin.services.subscription_aliases import AliasRequest
from cspadmin.services.world import demo_world_path, load_world
from cspadmin.store import schema as t
from cspadmin.store.assignments import (
    get_role_assignment,
    list_role_assignments,
    save_deny_assignment,
    save_role_assignments,
)
from cspadmin.store.custom_roles import (
    ReleasedRoles,
    list_tenant_custom_roles,
    save_role_definition,
)
from cspadmin.store.database import Database
from cspadmin.store.directory import get_user
from cspadmin.store.estate import find_resources, get_subscription
from tests.csp_fixtures import GINA, TAILWIND, load_tailwind

FABRIKAM = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60"
ADMIN_AGENTS = "a9e1d7c3-5b4f-4e2a-8d6c-000000000001"
CONTOSO = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"
WWI = "d3f1a6b2-0c4e-4a7d-9b8e-000000000104"
CONTOSO_PRODUCTION = "5b2e7c90-1d3f-4e6a-8c7b-000000000211"
CONTOSO_DEV_TEST = "5b2e7c90-1d3f-4e6a-8c7b-000000000212"
ALICE = "alice@fabrikampartner.onmicrosoft.com"
SAM = "sam@fabrikampartner.onmicrosoft.com"
HARRY = "harry@fabrikampartner.onmicrosoft.com"
BOB = "bob@contoso.onmicrosoft.com"
CAROL = "carol@contoso.onmicrosoft.com"
WALTER = "walter@wideworldimporters.onmicrosoft.com"
WRITE_GROUP = "Microsoft.Resources/subscriptions/resourceGroups/write"
PLAN = [LineItem(0, AZURE_PLAN_CATALOG_ITEM)]
T = TypeVar("T")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(database: Database, tmp_path: Path) -> Iterator[tuple[ControlPlane, Clock]]:
    load_world(database, demo_world_path())
    load_tailwind(database, tmp_path)
    clock = Clock()
    yield ControlPlane.open(database, clock=clock), clock


def new_role_id(n: int) -> str:
    return f"7e0c5a1b-0000-4000-8000-{n:012d}"


def who(plane: ControlPlane, upn: str) -> Initiator:
    with plane.database.connect() as connection:
        user = get_user(connection, upn)
    assert user is not None
    return Initiator(Caller.native(user.id, user.tenant_id), upn, "corr-" + upn.split("@")[0])


def in_customer(plane: ControlPlane, upn: str, customer: str) -> Caller:
    """The partner user working in a customer tenant (a token for that tenant)."""
    caller = who(plane, upn).caller
    return Caller(caller.object_id, customer, caller.home_tenant_id)


def scope_of(customer: str, partner: str = FABRIKAM) -> str:
    account = billing_account_name(partner)
    return f"/providers/Microsoft.Billing/billingAccounts/{account}/customers/{customer}"


def create(
    plane: ControlPlane, name: str, customer: str = CONTOSO, upn: str = ALICE
) -> subscription_aliases.AliasOutcome:
    request = AliasRequest(display_name=f"{name} subscription", billing_scope=scope_of(customer))
    return subscription_aliases.create_by_alias(plane, who(plane, upn), name, request)


def counts(plane: ControlPlane) -> tuple[int, ...]:
    with plane.database.connect() as connection:
        return tuple(
            connection.scalar(select(func.count()).select_from(table)) or 0
            for table in (
                t.subscriptions,
                t.role_assignments,
                t.azure_plans,
                t.orders,
                t.subscription_aliases,
            )
        )


# -- the Azure plan ----------------------------------------------------------------------


def test_an_azure_plan_order_creates_the_plan_and_its_first_subscription(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, _ = world
    bought = azure_plans.place_order(plane, who(plane, ALICE), CONTOSO, PLAN)

    assert bought.plan.customer_tenant_id == CONTOSO
    assert bought.order.plan_id == bought.plan.id
    first = bought.first_subscription
    assert (first.tenant_id, first.csp_partner_tenant_id) == (CONTOSO, FABRIKAM)
    assert first.display_name == "Microsoft Azure"
    alice = who(plane, ALICE).caller
    assert [p.id for p in azure_plans.customer_plans(plane, alice, CONTOSO)] == [bought.plan.id]
    plan, under = azure_plans.entitlements(plane, alice, CONTOSO, bought.plan.id)
    assert plan == bought.plan
    assert first.id in {s.id for s in under}
    assert all(s.csp_partner_tenant_id == FABRIKAM for s in under)


def test_a_cart_checks_out_once(world: tuple[ControlPlane, Clock]) -> None:
    plane, _ = world
    alice = who(plane, ALICE)
    named = [LineItem(0, AZURE_PLAN_CATALOG_ITEM, friendly_name="Contoso Azure")]
    cart = azure_plans.create_cart(plane, alice, CONTOSO, named)

    bought = azure_plans.check_out(plane, alice, CONTOSO, cart.id)
    assert bought.first_subscription.display_name == "Contoso Azure"
    with pytest.raises(azure_plans.CartAlreadyCheckedOut):
        azure_plans.check_out(plane, alice, CONTOSO, cart.id)


def test_a_customer_has_one_azure_plan_per_partner(world: tuple[ControlPlane, Clock]) -> None:
    plane, _ = world
    first = azure_plans.place_order(plane, who(plane, ALICE), CONTOSO, PLAN)
    before = counts(plane)

    with pytest.raises(azure_plans.AzurePlanExists) as refused:
        azure_plans.place_order(plane, who(plane, ALICE), CONTOSO, PLAN)
    assert refused.value.plan.id == first.plan.id
    assert counts(plane) == before


@pytest.mark.parametrize(
    "item",
    [
        LineItem(0, "CFQ7TTC0LH18:0001:CFQ7TTC0K59J"),  # not the Azure plan
        LineItem(0, AZURE_PLAN_CATALOG_ITEM, quantity=2),
        LineItem(0, AZURE_PLAN_CATALOG_ITEM, billing_cycle="monthly"),
        LineItem(0, AZURE_PLAN_CATALOG_ITEM, friendly_name="x" * 65),
    ],
)
def test_only_one_azure_plan_is_sold(world: tuple[ControlPlane, Clock], item: LineItem) -> None:
    plane, _ = world
    before = counts(plane)
    with pytest.raises(azure_plans.InvalidLineItems):
        azure_plans.place_order(plane, who(plane, ALICE), CONTOSO, [item])
    assert counts(plane) == before


@pytest.mark.parametrize("upn", [SAM, HARRY])
def test_sales_and_helpdesk_agents_may_not_buy(world: tuple[ControlPlane, Clock], upn: str) -> None:
    plane, _ = world
    with pytest.raises(PartnerRoleRequired):
        azure_plans.place_order(plane, who(plane, upn), CONTOSO, PLAN)


def test_a_partner_sells_only_to_its_customers(world: tuple[ControlPlane, Clock]) -> None:
    plane, _ = world
    before = counts(plane)
    with pytest.raises(csp_subscriptions.NoCommerceRelationship):
        azure_plans.place_order(plane, who(plane, GINA[0]), CONTOSO, PLAN)
    assert counts(plane) == before


# -- creation by alias ---------------------------------------------------------------


def test_an_alias_creates_a_subscription_the_partners_admin_agents_own_at_once(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, _ = world
    azure_plans.place_order(plane, who(plane, ALICE), CONTOSO, PLAN)

    made = create(plane, "contoso-analytics")

    subscription = made.subscription
    assert made.created
    assert (subscription.tenant_id, subscription.csp_partner_tenant_id) == (CONTOSO, FABRIKAM)
    with plane.database.connect() as connection:
        [grant] = list_role_assignments(
            connection, scope_prefix=f"/subscriptions/{subscription.id}"
        )
    assert (grant.role_definition_id, grant.principal_id) == (OWNER.id, ADMIN_AGENTS)
    assert grant.principal_type is PrincipalType.FOREIGN_GROUP
    scope = f"/subscriptions/{subscription.id}/resourceGroups/rg-new"
    assert plane.engine.is_allowed(in_customer(plane, ALICE, CONTOSO), WRITE_GROUP, scope)
    assert not plane.engine.is_allowed(who(plane, BOB).caller, WRITE_GROUP, scope)


def test_putting_an_alias_again_answers_the_same_subscription(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, _ = world
    azure_plans.place_order(plane, who(plane, ALICE), CONTOSO, PLAN)
    first = create(plane, "contoso-web")
    before = counts(plane)

    again = create(plane, "CONTOSO-WEB")

    assert (again.created, again.subscription.id) == (False, first.subscription.id)
    assert counts(plane) == before


def test_an_alias_needs_the_customers_azure_plan(world: tuple[ControlPlane, Clock]) -> None:
    plane, _ = world
    before = counts(plane)
    with pytest.raises(subscription_aliases.AzurePlanRequired):
        create(plane, "too-early")
    assert counts(plane) == before


@pytest.mark.parametrize("upn", [SAM, HARRY])
def test_sales_and_helpdesk_agents_may_not_create_subscriptions(
    world: tuple[ControlPlane, Clock], upn: str
) -> None:
    plane, _ = world
    azure_plans.place_order(plane, who(plane, ALICE), CONTOSO, PLAN)
    before = counts(plane)
    with pytest.raises(PartnerRoleRequired):
        create(plane, "by-agent", upn=upn)
    assert counts(plane) == before


def test_a_partner_creates_subscriptions_only_under_its_own_billing_account(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, _ = world
    azure_plans.place_order(plane, who(plane, ALICE), CONTOSO, PLAN)
    gina = who(plane, GINA[0])
    before = counts(plane)

    with pytest.raises(subscription_aliases.ForeignBillingAccount):
        request = AliasRequest(display_name="Borrowed", billing_scope=scope_of(CONTOSO))
        subscription_aliases.create_by_alias(plane, gina, "borrowed", request)
    with pytest.raises(csp_subscriptions.NoCommerceRelationship):
        own = AliasRequest(display_name="Own", billing_scope=scope_of(CONTOSO, TAILWIND))
        subscription_aliases.create_by_alias(plane, gina, "own", own)
    assert counts(plane) == before


def test_without_dap_the_subscription_is_created_but_its_owner_grant_lies_dormant(
    world: tuple[ControlPlane, Clock],
) -> None:
    """Wide World Importers holds a reseller relationship without DAP: that is enough to
    sell and create (the commercial relationship counts), and AdminAgents get Owner, but
    partner users cannot act there until DAP or GDAP grants delegated access."""
    plane, _ = world
    azure_plans.place_order(plane, who(plane, ALICE), WWI, PLAN)

    made = create(plane, "wwi-new", customer=WWI)

    assert made.subscription.tenant_id == WWI
    scope = f"/subscriptions/{made.subscription.id}"
    decision = plane.engine.decide(in_customer(plane, ALICE, WWI), WRITE_GROUP, scope)
    assert decision.missing is not None
    assert decision.missing.kind is MissingLinkKind.NO_DELEGATED_ACCESS


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (AliasRequest(billing_scope="x"), subscription_aliases.MissingParameter),
        (AliasRequest(display_name="  "), subscription_aliases.MissingParameter),
        (AliasRequest(display_name="A"), subscription_aliases.MissingParameter),
        (AliasRequest(display_name="A", billing_scope="/billingAccounts/x"), InvalidBillingScope),
        (
            AliasRequest(display_name="A\u0000", billing_scope="x"),
            subscription_aliases.InvalidParameter,
        ),
        (
            AliasRequest(display_name="A" * 65, billing_scope="x"),
            subscription_aliases.InvalidParameter,
        ),
    ],
)
def test_a_bad_alias_request_changes_nothing(
    world: tuple[ControlPlane, Clock], request_: AliasRequest, error: type[Exception]
) -> None:
    plane, _ = world
    before = counts(plane)
    with pytest.raises(error):
        subscription_aliases.create_by_alias(plane, who(plane, ALICE), "bad", request_)
    assert counts(plane) == before


# -- leaving the tenant --------------------------------------------------------------


def test_a_transfer_deletes_every_role_and_deny_assignment_below_the_subscription(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, _ = world
    subscription = f"/subscriptions/{CONTOSO_PRODUCTION}"
    deny = DenyAssignment(
        "0f0e0d0c-0000-4000-8000-00000000dead",
        subscription + "/resourceGroups/rg-web",
        CONTOSO,
        (Permission(("*/delete",)),),
        ("00000000-0000-0000-0000-000000000000",),
    )
    with plane.database.begin() as connection:
        save_deny_assignment(connection, deny)
        resources_before = len(find_resources(connection, CONTOSO_PRODUCTION))
    plane.reload()
    alice = in_customer(plane, ALICE, CONTOSO)
    assert plane.engine.is_allowed(alice, WRITE_GROUP, subscription)

    moved = subscription_move.transfer_subscription(
        plane, CONTOSO_PRODUCTION, "wideworldimporters.onmicrosoft.com", owner=WALTER
    )

    assert len(moved.role_assignments) >= 3  # bob, carol on rg-web, AdminAgents
    assert moved.deny_assignments == (deny.name,)
    with plane.database.connect() as connection:
        left = list_role_assignments(connection, scope_prefix=subscription)
        stored = get_subscription(connection, CONTOSO_PRODUCTION)
        assert len(find_resources(connection, CONTOSO_PRODUCTION)) == resources_before
    assert [(a.principal_id, a.tenant_id) for a in left] == [
        (who(plane, WALTER).caller.object_id, WWI)
    ]
    assert stored is not None
    assert (stored.tenant_id, stored.csp_partner_tenant_id) == (WWI, None)
    decision = plane.engine.decide(alice, WRITE_GROUP, subscription)
    assert decision.missing is not None and decision.missing.kind is MissingLinkKind.WRONG_TENANT
    assert not plane.engine.is_allowed(who(plane, BOB).caller, WRITE_GROUP, subscription)
    assert plane.engine.is_allowed(who(plane, WALTER).caller, WRITE_GROUP, subscription)


def test_a_transfer_takes_the_subscription_out_of_the_old_tenants_custom_roles(
    world: tuple[ControlPlane, Clock],
) -> None:
    """Azure deletes the old directory's custom roles assignable at the subscription;
    one also assignable elsewhere keeps its other scopes (and its assignments there)."""
    plane, _ = world
    production = f"/subscriptions/{CONTOSO_PRODUCTION}"
    dev_test = f"/subscriptions/{CONTOSO_DEV_TEST}"
    reads = (Permission(("Microsoft.Resources/subscriptions/resourceGroups/read",)),)
    only_here = custom_role(
        new_role_id(1), "Web reader", reads, (f"{production}/resourceGroups/rg-web",)
    )
    both = custom_role(new_role_id(2), "Group reader", reads, (production.upper(), dev_test))
    elsewhere = custom_role(new_role_id(3), "Dev reader", reads, (dev_test,))
    carol = who(plane, CAROL).caller.object_id
    kept_grant = RoleAssignment(
        new_role_id(4), dev_test, both.id, carol, PrincipalType.USER, CONTOSO
    )
    with plane.database.begin() as connection:
        for role in (only_here, both, elsewhere):
            save_role_definition(connection, CONTOSO, role)
        save_role_assignments(connection, [kept_grant])
    plane.reload()

    moved = subscription_move.transfer_subscription(
        plane, CONTOSO_PRODUCTION, "wideworldimporters.onmicrosoft.com"
    )

    narrowed = replace(both, assignable_scopes=(dev_test,))
    assert moved.custom_roles == ReleasedRoles((narrowed,), (only_here.id,))
    with plane.database.connect() as connection:
        stored = {r.id: r for r in list_tenant_custom_roles(connection, CONTOSO)}
        assert get_role_assignment(connection, kept_grant.name) == kept_grant
    assert stored == {both.id: narrowed, elsewhere.id: elsewhere}
    assert only_here.id not in plane.engine.roles
    assert plane.engine.roles[both.id].assignable_scopes == (dev_test,)
    read_groups = "Microsoft.Resources/subscriptions/resourceGroups/read"
    assert plane.engine.is_allowed(Caller.native(carol, CONTOSO), read_groups, dev_test)


def test_a_subscription_does_not_move_to_its_own_tenant(world: tuple[ControlPlane, Clock]) -> None:
    plane, _ = world
    with pytest.raises(subscription_move.TransferRefused):
        subscription_move.transfer_subscription(plane, CONTOSO_PRODUCTION, CONTOSO)


def test_an_offered_subscription_moves_when_its_owner_accepts(
    world: tuple[ControlPlane, Clock],
) -> None:
    plane, clock = world
    offer = AliasRequest(
        subscription_id=CONTOSO_PRODUCTION,
        subscription_tenant_id=WWI,
        subscription_owner_id=WALTER,
    )
    offered = ownership_offers.alias_existing(plane, who(plane, BOB), "to-wwi", offer)
    assert offered.alias.offer is not None
    assert offered.alias.offer.state_at(clock.now) is AcceptOwnership.PENDING

    with pytest.raises(ownership_offers.OwnershipTransferNotFound):
        ownership_offers.accept_ownership(plane, who(plane, BOB).caller, CONTOSO_PRODUCTION, "X")
    moved = ownership_offers.accept_ownership(
        plane, who(plane, WALTER).caller, CONTOSO_PRODUCTION, "WWI Production"
    )

    assert (moved.subscription.tenant_id, moved.subscription.display_name) == (
        WWI,
        "WWI Production",
    )
    status = ownership_offers.offer_status(plane, who(plane, WALTER).caller, CONTOSO_PRODUCTION)
    assert status.state is AcceptOwnership.COMPLETED


def test_only_an_owner_may_offer_a_subscription(world: tuple[ControlPlane, Clock]) -> None:
    plane, _ = world
    offer = AliasRequest(
        subscription_id=CONTOSO_PRODUCTION, subscription_tenant_id=WWI, subscription_owner_id=WALTER
    )
    with pytest.raises(AuthorizationFailed):
        ownership_offers.alias_existing(plane, who(plane, CAROL), "mine-now", offer)


def test_an_offer_expires_after_seven_days(world: tuple[ControlPlane, Clock]) -> None:
    plane, clock = world
    offer = AliasRequest(
        subscription_id=CONTOSO_PRODUCTION, subscription_tenant_id=WWI, subscription_owner_id=WALTER
    )
    ownership_offers.alias_existing(plane, who(plane, BOB), "slow", offer)
    clock.now += timedelta(days=7)

    with pytest.raises(ownership_offers.OwnershipTransferExpired):
        ownership_offers.accept_ownership(plane, who(plane, WALTER).caller, CONTOSO_PRODUCTION, "X")
    with plane.database.connect() as connection:
        stored = get_subscription(connection, CONTOSO_PRODUCTION)
    assert stored is not None and stored.tenant_id == CONTOSO


# -- two replicas at once --------------------------------------------------------------


def race(
    planes: list[ControlPlane], attempt: Callable[[ControlPlane], T], rounds: int
) -> list[T | Exception]:
    """`rounds` calls of `attempt`, alternating over `planes`, released together."""
    start = threading.Barrier(rounds)

    def one(index: int) -> T | Exception:
        start.wait(timeout=60)
        try:
            return attempt(planes[index % len(planes)])
        except Exception as error:  # what each contender saw is the result
            return error

    with ThreadPoolExecutor(max_workers=rounds) as pool:
        return list(pool.map(one, range(rounds)))


@pytest.fixture
def replicas(world: tuple[ControlPlane, Clock]) -> Iterator[list[ControlPlane]]:
    plane, clock = world
    second = Database(plane.database.url)
    try:
        yield [plane, ControlPlane.open(second, clock=clock)]
    finally:
        second.dispose()


def test_concurrent_orders_on_two_replicas_buy_one_plan(replicas: list[ControlPlane]) -> None:
    plane = replicas[0]
    before = counts(plane)
    outcomes = race(replicas, lambda p: azure_plans.place_order(p, who(p, ALICE), CONTOSO, PLAN), 8)

    bought = [o for o in outcomes if isinstance(o, azure_plans.Purchase)]
    refused = [o for o in outcomes if isinstance(o, azure_plans.AzurePlanExists)]
    assert (len(bought), len(refused)) == (1, 7), outcomes
    assert {r.plan.id for r in refused} == {bought[0].plan.id}
    assert counts(plane) == (before[0] + 1, before[1] + 1, 1, 1, before[4])


def test_concurrent_puts_of_one_alias_on_two_replicas_create_one_subscription(
    replicas: list[ControlPlane],
) -> None:
    plane = replicas[0]
    azure_plans.place_order(plane, who(plane, ALICE), CONTOSO, PLAN)
    before = counts(plane)

    outcomes = race(replicas, lambda p: create(p, "raced"), 8)

    made = [o for o in outcomes if isinstance(o, subscription_aliases.AliasOutcome)]
    assert len(made) == 8, outcomes
    assert sum(o.created for o in made) == 1
    assert len({o.subscription.id for o in made}) == 1
    assert counts(plane) == (before[0] + 1, before[1] + 1, *before[2:4], before[4] + 1)
