"""The GDAP approval page: the admin center link a partner sends the customer, served
locally at the link's fragment made a path. Only a signed-in user of the customer sees
what the partner asks for; only its Global Administrator approves, and only a request
pending approval; approving makes the relationship active, so the partner's people can
sign in to the customer; every post is in the activity log with its caller."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
import pytest

from cspadmin.domain.directory_roles import BY_TEMPLATE_ID
from cspadmin.store.activity import list_events
from tests.api.conftest import ARM, ENDPOINTS, GRAPH, Api
from tests.web.conftest import (
    ALICE,
    BOB,
    CAROL,
    CONTOSO,
    DIRECTORY_READERS,
    GDAP_APPROVALS,
    HARRY,
    HELPDESK_ADMINISTRATOR,
    PASSWORDS,
    USER_ADMINISTRATOR,
    WALTER,
    GdapPartner,
    Visitor,
    invite,
    sign_in_to,
    signed_in,
)

APPROVE = "microsoft.directory/delegatedAdminRelationships/approve/action"
UNKNOWN = "00000000-0000-4000-8000-000000000000-" + CONTOSO


@pytest.fixture
def partner(web: Api) -> GdapPartner:
    return GdapPartner(web)


def visit(web: Api, relationship_id: str, user: str | None = None) -> Visitor:
    """Someone with the relationship's link; signed in as `user` if given."""
    if user is None:
        return Visitor(web, relationship_id, GDAP_APPROVALS)
    return signed_in(web, relationship_id, user, GDAP_APPROVALS)


def approve(visitor: Visitor) -> httpx.Response:
    return visitor.post("approve", visitor.csrf())


def on(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def instant(text: object) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


# -- before sign-in ---------------------------------------------------------------------


def test_a_visitor_who_is_not_signed_in_sees_only_the_sign_in_form(
    web: Api, partner: GdapPartner
) -> None:
    genuine = visit(web, partner.pending()).open()
    unknown = visit(web, UNKNOWN).open()

    assert genuine.status_code == unknown.status_code == 200
    assert "Sign in to review an admin relationship request" in genuine.text
    assert 'name="password"' in genuine.text
    assert "Fabrikam" not in genuine.text and "Contoso helpdesk" not in genuine.text
    # Nothing is looked up before sign-in: the same page either way.
    assert genuine.text.replace(genuine.url.path, "") == unknown.text.replace(unknown.url.path, "")


def test_signing_in_leads_back_to_the_page_with_a_session_for_every_page(
    web: Api, partner: GdapPartner
) -> None:
    relationship_id = partner.pending()
    bob = visit(web, relationship_id)

    response = bob.sign_in(BOB)

    assert response.status_code == 303
    assert response.headers["location"] == f"{GDAP_APPROVALS}/{relationship_id}"
    flags = {part.strip().lower() for part in response.headers["set-cookie"].split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags
    # One sign-in serves the invitation pages too.
    invitation = Visitor(web, invite(web))
    invitation.client.cookies = bob.client.cookies
    assert "Bob Admin" in invitation.open().text


def test_a_refused_sign_in_shows_the_token_services_message_on_this_page(
    web: Api, partner: GdapPartner
) -> None:
    bob = visit(web, partner.pending())

    response = bob.sign_in(BOB, "not-bobs-password")

    assert response.status_code == 400
    assert "AADSTS50126" in response.text
    assert "Sign in to review an admin relationship request" in response.text
    assert "set-cookie" not in response.headers


# -- what a signed-in user sees ---------------------------------------------------------


def test_a_global_administrator_sees_what_is_asked_for_how_long_and_may_approve(
    web: Api, partner: GdapPartner
) -> None:
    relationship_id = partner.pending()

    response = visit(web, relationship_id, BOB).open()

    assert response.status_code == 200
    page = response.text
    assert "Fabrikam Partner" in page and "4821937" in page
    assert '<dd id="name">Contoso helpdesk</dd>' in page
    assert '<dd id="state">Waiting for your approval</dd>' in page
    assert '<dd id="duration">730 days (P730D)</dd>' in page
    assert "Ends, if approved now" in page
    assert f'<dd id="ends">{on(web.clock.now + timedelta(days=730))}</dd>' in page
    assert "No: it ends after its duration" in page
    assert f'<dd id="valid-until">{on(web.clock.now + timedelta(days=90))}</dd>' in page
    for role_id in (HELPDESK_ADMINISTRATOR, DIRECTORY_READERS):
        role = BY_TEMPLATE_ID[role_id]
        assert f"<strong>{role.display_name}</strong>: {role.description}" in page
    assert f'action="{GDAP_APPROVALS}/{relationship_id}/approve"' in page
    assert ">Approve</button>" in page


def test_an_auto_extended_relationship_says_so(web: Api, partner: GdapPartner) -> None:
    relationship_id = partner.pending(autoExtendDuration="P180D", duration="P1Y6M")

    page = visit(web, relationship_id, BOB).open().text

    assert "Yes: by 180 days each time it would end" in page
    assert "1 year 6 months (P1Y6M)" in page


def test_a_user_who_is_not_a_global_administrator_is_refused_naming_the_role(
    web: Api, partner: GdapPartner
) -> None:
    relationship_id = partner.pending()
    carol = visit(web, relationship_id, CAROL)

    opened = carol.open()
    approved = approve(carol)

    assert opened.status_code == approved.status_code == 403
    assert "Contoso helpdesk" in opened.text  # she may read what is asked
    assert ">Approve</button>" not in opened.text
    for page in (opened.text, approved.text):
        assert "Only a Global Administrator of &#39;Contoso&#39; can approve" in page
    assert partner.relationship(relationship_id)["status"] == "approvalPending"


@pytest.mark.parametrize("user", [WALTER, ALICE], ids=["another customer", "the partner"])
def test_a_user_of_another_organization_is_refused_and_sees_nothing_of_it(
    web: Api, partner: GdapPartner, user: str
) -> None:
    relationship_id = partner.pending()
    visitor = visit(web, relationship_id, user)

    opened = visitor.open()
    approved = visitor.post("approve", visitor.csrf())

    assert opened.status_code == approved.status_code == 403
    assert "addressed to another organization" in opened.text
    assert "Contoso helpdesk" not in opened.text and ">Approve</button>" not in opened.text
    assert ">Sign out</button>" in opened.text  # to sign in with the customer's account
    assert "Back to" not in opened.text  # the page itself would only refuse again
    assert partner.relationship(relationship_id)["status"] == "approvalPending"


def test_the_wrong_user_signs_out_and_the_right_one_approves(
    web: Api, partner: GdapPartner
) -> None:
    relationship_id = partner.pending()
    visitor = visit(web, relationship_id, WALTER)

    signed_out = visitor.post("sign-out", visitor.csrf())
    visitor.sign_in(BOB)

    assert signed_out.status_code == 303
    assert approve(visitor).status_code == 200


def test_an_unknown_relationship_is_not_found_once_signed_in(web: Api) -> None:
    bob = visit(web, UNKNOWN, BOB)

    opened = bob.open()
    approved = bob.post("approve", bob.csrf())
    control = bob.client.get(f"{GDAP_APPROVALS}/x%00y")

    assert opened.status_code == approved.status_code == 404
    assert "was not found" in opened.text
    assert control.status_code == 400 and control.headers["content-type"].startswith("text/html")


# -- relationships that are not waiting for approval -------------------------------------


def _created(web: Api, partner: GdapPartner) -> str:
    return partner.create()


def _active(web: Api, partner: GdapPartner) -> str:
    relationship_id = partner.pending()
    assert approve(visit(web, relationship_id, BOB)).status_code == 200
    return relationship_id


def _expired_request(web: Api, partner: GdapPartner) -> str:
    relationship_id = partner.pending()
    web.clock.now += timedelta(days=90)
    return relationship_id


def _terminated(web: Api, partner: GdapPartner) -> str:
    relationship_id = _active(web, partner)
    partner.request(relationship_id, "terminate")
    return relationship_id


@pytest.mark.parametrize(
    ("make", "status", "state", "says"),
    [
        (_created, 400, "Being prepared by the partner", "has not finished this request yet"),
        (_active, 200, "Active", "There is nothing more to do"),
        (_expired_request, 400, "Expired", "expired on {locked_end} without being approved"),
        (_terminated, 400, "Ended", "This relationship ended on {today}"),
    ],
    ids=["created", "already active", "expired request", "terminated"],
)
def test_a_relationship_not_waiting_for_approval_shows_its_state_and_no_button(
    web: Api,
    partner: GdapPartner,
    make: Callable[[Api, GdapPartner], str],
    status: int,
    state: str,
    says: str,
) -> None:
    locked_end = on(web.clock.now + timedelta(days=90))
    relationship_id = make(web, partner)
    before = partner.relationship(relationship_id)
    bob = visit(web, relationship_id, BOB)

    opened = bob.open()
    approved = bob.post("approve", bob.csrf())

    assert opened.status_code == status
    assert f'<dd id="state">{state}</dd>' in opened.text
    assert says.format(locked_end=locked_end, today=on(web.clock.now)) in opened.text
    assert ">Approve</button>" not in opened.text
    assert approved.status_code == 400  # approving is refused, and changes nothing
    assert ">Approve</button>" not in approved.text
    assert partner.relationship(relationship_id) == before


# -- approving --------------------------------------------------------------------------


def test_approving_makes_the_relationship_active_and_lets_the_partners_people_in(
    web: Api, partner: GdapPartner
) -> None:
    relationship_id = partner.pending()
    assert sign_in_to(web, HARRY, CONTOSO).status_code == 400
    approved_at = web.clock.now

    response = approve(visit(web, relationship_id, BOB))

    assert response.status_code == 200
    page = response.text
    assert "Admin relationship approved" in page
    assert "Contoso approved the admin relationship" in page
    assert f"until {on(approved_at + timedelta(days=730))}" in page
    relationship = partner.relationship(relationship_id)
    assert relationship["status"] == "active"
    assert instant(relationship["activatedDateTime"]) == approved_at
    assert instant(relationship["endDateTime"]) == approved_at + timedelta(days=730)

    assigned = partner.assign(relationship_id, (HELPDESK_ADMINISTRATOR,))

    assert assigned.status_code == 201, assigned.text
    assert sign_in_to(web, HARRY, CONTOSO).status_code == 200


def test_a_role_outside_the_approved_ones_cannot_be_assigned(
    web: Api, partner: GdapPartner
) -> None:
    relationship_id = _active(web, partner)

    response = partner.assign(relationship_id, (USER_ADMINISTRATOR,))

    assert response.status_code == 400


# -- the session and its forms ----------------------------------------------------------


def test_approve_without_the_sessions_csrf_token_is_refused(web: Api, partner: GdapPartner) -> None:
    relationship_id = partner.pending()
    bob = visit(web, relationship_id, BOB)
    carols_csrf = visit(web, relationship_id, CAROL).csrf()

    missing = bob.post("approve")
    wrong = bob.post("approve", csrf=carols_csrf)
    cross_site = bob.post("approve", bob.csrf(), origin="https://evil.example")

    assert missing.status_code == wrong.status_code == cross_site.status_code == 403
    assert "could not be verified" in wrong.text
    assert f'<a href="{GDAP_APPROVALS}/{relationship_id}">Back to the admin relationship' in (
        wrong.text
    )
    assert partner.relationship(relationship_id)["status"] == "approvalPending"


def test_approving_without_a_session_asks_to_sign_in_on_this_page(
    web: Api, partner: GdapPartner
) -> None:
    relationship_id = partner.pending()

    response = visit(web, relationship_id).post("approve", csrf="anything")

    assert response.status_code == 401
    assert "Sign in to review an admin relationship request" in response.text
    assert f'action="{GDAP_APPROVALS}/{relationship_id}/sign-in"' in response.text
    assert partner.relationship(relationship_id)["status"] == "approvalPending"


# -- the activity log, and the link the API hands out -----------------------------------


def test_every_post_is_in_the_activity_log_with_its_caller(web: Api, partner: GdapPartner) -> None:
    relationship_id = partner.pending()
    carol = visit(web, relationship_id, CAROL)
    approve(carol)
    bob = visit(web, relationship_id, BOB)
    approve(bob)

    with web.plane.database.connect() as connection:
        events = list(reversed(list_events(connection)))
    page_events = [
        (e.operation.rsplit("/", 1)[-1] if e.operation != APPROVE else APPROVE, e.caller)
        for e in events
        if GDAP_APPROVALS in e.operation or e.operation == APPROVE
    ]
    assert page_events == [
        ("sign-in", CAROL),
        (APPROVE, CAROL),
        ("sign-in", BOB),
        (APPROVE, BOB),
    ]
    refused, approved = [e for e in events if e.operation == APPROVE]
    assert (refused.status_code, refused.tenant_id) == (403, CONTOSO)
    assert (approved.status_code, approved.status, approved.tenant_id) == (
        200,
        "Succeeded",
        CONTOSO,
    )
    assert approved.scope == f"/tenantRelationships/delegatedAdminRelationships/{relationship_id}"
    assert not any(PASSWORDS[user] in str(e) for e in events for user in (BOB, CAROL))


def test_the_approval_view_hands_out_this_page_as_the_local_link(
    web: Api, partner: GdapPartner
) -> None:
    relationship_id = partner.pending()
    token = web.token(BOB, PASSWORDS[BOB], audience=ENDPOINTS.graph)

    view = web.client.get(
        f"{GRAPH}/adminportal/granularAdminRelationships/{relationship_id}",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert view.status_code == 200, view.text
    body = view.json()
    assert body["approvalLink"] == (
        "https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/"
        f"granularAdminRelationships/{relationship_id}"
    )
    local = body["localApprovalLink"]
    assert local == f"{ARM}{GDAP_APPROVALS}/{relationship_id}"
    bob = visit(web, relationship_id, BOB)
    assert ">Approve</button>" in bob.client.get(local).text
