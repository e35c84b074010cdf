"""Partner Center use cases over the demo world: the partner-role rule, single-use
invitations, and acceptance that changes the store and the engine together."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cspadmin.authz.decision import Caller
from cspadmin.domain.relationships import (
    PartnerAction,
    PartnerCenterRole,
    may_perform,
)
from cspadmin.services import partner_center as pc
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.world import demo_world_path, load_world
from cspadmin.store.database import Database
from cspadmin.store.directory import get_user

FABRIKAM = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60"
WWI = "d3f1a6b2-0c4e-4a7d-9b8e-000000000104"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(database: Database) -> Iterator[tuple[ControlPlane, Clock]]:
    load_world(database, demo_world_path())
    clock = Clock()
    yield ControlPlane.open(database, clock=clock), clock


def caller(plane: ControlPlane, upn: str) -> Caller:
    with plane.database.connect() as connection:
        user = get_user(connection, upn)
    assert user is not None
    return Caller.native(user.id, user.tenant_id)


@pytest.mark.parametrize(
    ("role", "view", "request_", "administer"),
    [
        (PartnerCenterRole.GLOBAL_ADMIN, True, True, True),
        (PartnerCenterRole.ADMIN_AGENT, True, True, True),
        (PartnerCenterRole.SALES_AGENT, True, True, False),
        (PartnerCenterRole.HELPDESK_AGENT, True, False, False),
    ],
)
def test_partner_center_roles(
    role: PartnerCenterRole, view: bool, request_: bool, administer: bool
) -> None:
    assert may_perform(PartnerAction.VIEW_CUSTOMERS, {role}) is view
    assert may_perform(PartnerAction.REQUEST_RELATIONSHIP, {role}) is request_
    assert may_perform(PartnerAction.ADMINISTER_CUSTOMERS, {role}) is administer


def test_nobody_without_a_role_may_do_anything() -> None:
    assert not any(may_perform(action, set()) for action in PartnerAction)


def test_a_nested_admin_agent_may_request(world: tuple[ControlPlane, Clock]) -> None:
    plane, _ = world
    issued = pc.request_relationship(
        plane, caller(plane, "oscar@fabrikampartner.onmicrosoft.com"), True
    )
    assert issued.invitation.partner_tenant_id == FABRIKAM


def test_a_helpdesk_agent_may_not_request(world: tuple[ControlPlane, Clock]) -> None:
    plane, _ = world
    with pytest.raises(pc.PartnerRoleRequired):
        pc.request_relationship(plane, caller(plane, "harry@fabrikampartner.onmicrosoft.com"), True)


def test_acceptance_changes_store_and_engine_together(world: tuple[ControlPlane, Clock]) -> None:
    plane, clock = world
    issued = pc.request_relationship(
        plane, caller(plane, "sam@fabrikampartner.onmicrosoft.com"), True
    )
    assert not plane.engine.delegations.has_delegated_access(FABRIKAM, WWI)

    invitation, relationship = pc.accept_invitation(
        plane, caller(plane, "walter@wideworldimporters.onmicrosoft.com"), issued.token
    )

    assert relationship.grants_delegated_access
    assert invitation.accepted_at == clock.now
    assert plane.engine.delegations.has_delegated_access(FABRIKAM, WWI)
    plane.reload()
    assert plane.engine.delegations.has_delegated_access(FABRIKAM, WWI)


def test_an_expired_invitation_changes_nothing(world: tuple[ControlPlane, Clock]) -> None:
    plane, clock = world
    issued = pc.request_relationship(
        plane, caller(plane, "sam@fabrikampartner.onmicrosoft.com"), True
    )
    clock.now += timedelta(days=90)

    with pytest.raises(pc.InvitationRefused) as refused:
        pc.accept_invitation(
            plane, caller(plane, "walter@wideworldimporters.onmicrosoft.com"), issued.token
        )

    assert refused.value.code == "InvitationExpired"
    assert not plane.engine.delegations.has_delegated_access(FABRIKAM, WWI)


def test_a_link_without_dap_never_takes_dap_away(world: tuple[ControlPlane, Clock]) -> None:
    plane, _ = world
    issued = pc.request_relationship(
        plane, caller(plane, "sam@fabrikampartner.onmicrosoft.com"), False
    )
    contoso_admin = caller(plane, "bob@contoso.onmicrosoft.com")

    _, relationship = pc.accept_invitation(plane, contoso_admin, issued.token)

    assert relationship.dap is True


def test_the_email_carries_the_link(world: tuple[ControlPlane, Clock]) -> None:
    plane, _ = world
    issued = pc.request_relationship(
        plane, caller(plane, "sam@fabrikampartner.onmicrosoft.com"), True
    )
    link = f"https://127.0.0.1:8443/invitations/{issued.token}"

    email = pc.draft_email(issued.partner, link, True, issued.invitation.expires_at)

    assert link in email.body
    assert email.mailto.startswith("mailto:?subject=Fabrikam%20Partner")
    assert issued.token in email.mailto
