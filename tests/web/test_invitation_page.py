"""The invitation page: the link a partner sends opens here. Only a signed-in customer
user sees who asks for what; only a Global Administrator accepts; an expired, used or
forged link changes nothing; accepting twice is harmless; no token or password is ever
written to the activity log or the logs."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from cspadmin.store.activity import list_events
from tests.api.conftest import ARM, Api
from tests.web.conftest import (
    ALICE,
    BOB,
    CAROL,
    CONTOSO,
    DAVE,
    PASSWORDS,
    WALTER,
    WENDY,
    WWI,
    Visitor,
    customers,
    invite,
    signed_in,
)

FABRIKAM = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60"
FORGED = "A" * 43


# -- before sign-in ---------------------------------------------------------------------


def test_a_visitor_who_is_not_signed_in_sees_only_the_sign_in_form(web: Api) -> None:
    genuine = Visitor(web, invite(web)).open()
    forged = Visitor(web, FORGED).open()

    assert genuine.status_code == forged.status_code == 200
    assert 'name="password"' in genuine.text
    assert "Fabrikam" not in genuine.text
    # The same page either way: the link's secret alone tells nothing.
    assert genuine.text.replace(genuine.url.path, "") == forged.text.replace(forged.url.path, "")


def test_signing_in_sets_a_signed_session_cookie_that_scripts_cannot_read(web: Api) -> None:
    token = invite(web)

    response = Visitor(web, token).sign_in(BOB)

    assert response.status_code == 303
    assert response.headers["location"] == f"/invitations/{token}"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("cspadmin_session=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/", "max-age=3600"} <= flags


@pytest.mark.parametrize(
    ("user", "password", "aadsts"),
    [
        (BOB, "not-bobs-password", "AADSTS50126"),
        ("nobody@contoso.onmicrosoft.com", "whatever-1", "AADSTS50034"),
        (DAVE, PASSWORDS[DAVE], "AADSTS50057"),
    ],
    ids=["wrong password", "unknown user", "disabled user"],
)
def test_a_refused_sign_in_shows_the_token_services_message_and_starts_no_session(
    web: Api, user: str, password: str, aadsts: str
) -> None:
    visitor = Visitor(web, invite(web))

    response = visitor.sign_in(user, password)

    assert response.status_code == 400
    assert aadsts in response.text
    assert "set-cookie" not in response.headers
    assert password not in response.text
    assert f'value="{user}"' in response.text  # the user name is kept for a retry
    assert "Fabrikam" not in visitor.open().text


# -- what a signed-in user sees ---------------------------------------------------------


def test_a_global_administrator_sees_who_asks_for_what_and_may_accept(web: Api) -> None:
    response = signed_in(web, invite(web), BOB).open()

    assert response.status_code == 200
    page = response.text
    assert "Bob Admin" in page and BOB in page
    assert "Contoso" in page
    assert "Fabrikam Partner" in page and "4821937" in page
    assert "with delegated administration privileges" in page
    assert "<strong>Global Administrator</strong> role" in page
    assert "<strong>Helpdesk Administrator</strong> role" in page
    assert "/accept" in page and ">Accept</button>" in page
    assert "would like to be your Cloud Solution Provider" in page  # no relationship yet


def test_an_invitation_without_dap_says_no_admin_privileges_are_asked(web: Api) -> None:
    page = signed_in(web, invite(web, dap=False), BOB).open().text

    assert "without administration privileges" in page
    assert "Global Administrator</strong> role" not in page


def test_a_user_who_is_not_a_global_administrator_is_refused_naming_the_role(
    web: Api,
) -> None:
    carol = signed_in(web, invite(web), CAROL)

    opened = carol.open()
    accepted = carol.accept()

    assert opened.status_code == accepted.status_code == 403
    assert "Fabrikam Partner" in opened.text  # she may read what is asked
    assert ">Accept</button>" not in opened.text
    for page in (opened.text, accepted.text):
        assert "Only a Global Administrator of &#39;Contoso&#39; can accept" in page
    assert CONTOSO not in customers(web)


# -- accepting --------------------------------------------------------------------------


def test_accepting_creates_the_reseller_relationship_with_dap(web: Api) -> None:
    assert CONTOSO not in customers(web)

    response = signed_in(web, invite(web), BOB).accept()

    assert response.status_code == 200
    assert "Invitation accepted" in response.text
    assert "holds delegated administration privileges" in response.text
    assert customers(web)[CONTOSO] is True


def test_accepting_dap_adds_it_to_an_existing_reseller_relationship(web: Api) -> None:
    assert customers(web)[WWI] is False
    walter = signed_in(web, invite(web), WALTER)

    opened = walter.open().text
    response = walter.accept()

    assert "already your Cloud Solution Provider, asks for more" in opened
    assert "accepting keeps that\n      relationship as it is" in opened

    assert response.status_code == 200
    assert customers(web)[WWI] is True


def test_accepting_without_dap_creates_a_relationship_without_it(web: Api) -> None:
    response = signed_in(web, invite(web, dap=False), BOB).accept()

    assert response.status_code == 200
    assert "holds no delegated administration privileges" in response.text
    assert customers(web)[CONTOSO] is False


def test_accepting_twice_is_harmless_and_says_it_was_already_accepted(web: Api) -> None:
    bob = signed_in(web, invite(web), BOB)
    bob.accept()
    web.clock.now += timedelta(minutes=5)

    again = bob.accept()
    reopened = bob.open()

    assert again.status_code == reopened.status_code == 200
    assert "Already accepted" in again.text and "changed nothing" in again.text
    assert "accepted this invitation on" in reopened.text
    assert ">Accept</button>" not in reopened.text
    assert customers(web)[CONTOSO] is True


# -- links that are refused and change nothing -------------------------------------------


def test_an_expired_link_is_refused_and_changes_nothing(web: Api) -> None:
    token = invite(web)
    web.clock.now += timedelta(days=91)
    bob = signed_in(web, token, BOB)

    opened = bob.open()
    accepted = bob.accept()

    assert opened.status_code == accepted.status_code == 400
    assert "expired" in opened.text and ">Accept</button>" not in opened.text
    assert "expired" in accepted.text
    assert CONTOSO not in customers(web)


def test_a_link_used_by_another_organization_is_refused(web: Api) -> None:
    token = invite(web)
    signed_in(web, token, BOB).accept()
    walter = signed_in(web, token, WALTER)

    opened = walter.open()
    accepted = walter.accept()

    assert opened.status_code == accepted.status_code == 400
    assert "already been used" in opened.text and "already been used" in accepted.text
    assert customers(web)[WWI] is False


def test_a_forged_link_is_not_found_once_signed_in(web: Api) -> None:
    invite(web)
    bob = signed_in(web, FORGED, BOB)

    opened = bob.open()
    accepted = bob.post("accept", csrf=_csrf_of_any_page(web, bob))

    assert opened.status_code == accepted.status_code == 404
    assert "This invitation link is not valid" in opened.text
    assert CONTOSO not in customers(web)


def test_the_partners_own_users_cannot_accept_its_invitation(web: Api) -> None:
    alice = signed_in(web, invite(web), ALICE)

    opened = alice.open()
    accepted = alice.accept()

    assert opened.status_code == accepted.status_code == 400
    assert "a partner cannot accept its own" in opened.text
    assert "A partner cannot accept its own relationship request." in accepted.text
    assert FABRIKAM not in customers(web)


# -- the session and its forms ----------------------------------------------------------


def test_accept_without_the_sessions_csrf_token_is_refused(web: Api) -> None:
    token = invite(web)
    bob = signed_in(web, token, BOB)
    carols_csrf = signed_in(web, token, CAROL).csrf()

    missing = bob.post("accept")
    wrong = bob.post("accept", csrf=carols_csrf)

    assert missing.status_code == wrong.status_code == 403
    assert "could not be verified" in wrong.text
    assert CONTOSO not in customers(web)


def test_a_post_from_another_site_is_refused_even_with_the_csrf_token(web: Api) -> None:
    bob = signed_in(web, invite(web), BOB)

    response = bob.post("accept", bob.csrf(), origin="https://evil.example")

    assert response.status_code == 403
    assert CONTOSO not in customers(web)


def test_accepting_without_a_session_asks_to_sign_in(web: Api) -> None:
    response = Visitor(web, invite(web)).post("accept", csrf="anything")

    assert response.status_code == 401
    assert 'name="password"' in response.text
    assert CONTOSO not in customers(web)


def test_a_session_ends_after_an_hour(web: Api) -> None:
    bob = signed_in(web, invite(web), BOB)
    web.clock.now += timedelta(minutes=61)

    assert 'name="password"' in bob.open().text


def test_a_tampered_session_cookie_counts_for_nothing(web: Api) -> None:
    bob = signed_in(web, invite(web), BOB)
    cookie = bob.client.cookies["cspadmin_session"]
    header, claims, signature = cookie.split(".")
    bob.client.cookies.set("cspadmin_session", f"{header}.{claims}.{signature[::-1]}", path="/")

    assert 'name="password"' in bob.open().text


def test_the_session_cookie_is_no_bearer_token_for_the_api(web: Api) -> None:
    alice = signed_in(web, invite(web), ALICE)
    cookie = alice.client.cookies["cspadmin_session"]

    response = web.client.get(f"{ARM}/v1/customers", headers={"Authorization": f"Bearer {cookie}"})

    assert response.status_code == 401


def test_signing_out_ends_the_session(web: Api) -> None:
    bob = signed_in(web, invite(web), BOB)

    response = bob.post("sign-out", bob.csrf())

    assert response.status_code == 303
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert 'name="password"' in bob.open().text


# -- what the pages refuse and the headers they carry ------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"csrf": "x"}', "application/json", 415),
        (b"csrf=" + b"x" * 9000, "application/x-www-form-urlencoded", 413),
        (b"username=a%00b&password=x", "application/x-www-form-urlencoded", 400),
        (b"username=%ff&password=x", "application/x-www-form-urlencoded", 400),
    ],
    ids=["json", "too large", "NUL", "not UTF-8"],
)
def test_a_body_that_is_not_a_small_form_is_refused_as_a_page(
    web: Api, content: bytes, content_type: str, status: int
) -> None:
    visitor = Visitor(web, invite(web))

    response = visitor.client.post(
        f"{visitor.path}/sign-in", content=content, headers={"Content-Type": content_type}
    )

    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")


def test_every_page_is_uncached_keeps_its_address_to_itself_and_runs_no_script(web: Api) -> None:
    response = Visitor(web, invite(web)).open()

    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "same-origin"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "<script" not in response.text


def test_the_stylesheet_and_unknown_pages(web: Api) -> None:
    css = web.client.get("/web/invitation.css")
    missing = web.client.get("/invitations/x/y/z")
    wrong_method = web.client.get(f"/invitations/{FORGED}/accept")

    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert wrong_method.status_code == 405


def test_whatever_a_forged_link_holds_is_escaped_in_the_page(web: Api) -> None:
    response = Visitor(web, '"><script>x').open()

    assert "<script" not in response.text
    assert 'action="/invitations/%22%3E%3Cscript%3Ex/sign-in"' in response.text


# -- secrets ----------------------------------------------------------------------------


def test_no_token_or_password_reaches_the_activity_log_or_the_logs(
    web: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = invite(web)
    bob = Visitor(web, token)
    bob.sign_in(BOB, "Wrong-pass-1")
    bob.sign_in(BOB)
    signed_in(web, token, WENDY).accept()
    bob.accept()
    bob.post("sign-out", bob.csrf())
    Visitor(web, token).post("accept", csrf="x", origin="https://evil.example")

    with web.plane.database.connect() as connection:
        events = list(reversed(list_events(connection)))
    page_events = [e for e in events if "/invitations/" in e.scope or "invitations" in e.operation]
    secrets = (token, "Wrong-pass-1", PASSWORDS[BOB], PASSWORDS[WENDY])
    for event in events:
        recorded = " ".join(
            str(v) for v in (event.scope, event.operation, event.caller, event.properties)
        )
        assert not any(secret in recorded for secret in secrets), event
    assert [(e.operation.rsplit("/", 2)[-2:], e.status_code) for e in page_events] == [
        (["(redacted)", "sign-in"], 400),
        (["(redacted)", "sign-in"], 303),
        (["(redacted)", "sign-in"], 303),
        (["accept", "action"], 403),
        (["accept", "action"], 200),
        (["(redacted)", "sign-out"], 303),
        (["accept", "action"], 403),
    ]
    accepted = page_events[4]
    assert accepted.caller == BOB and accepted.tenant_id == CONTOSO
    assert accepted.scope.startswith(f"/partners/{FABRIKAM}/invitations/")
    server_logs = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert not any(secret in r.getMessage() for r in server_logs for secret in secrets)


def test_an_unexpected_error_is_a_page_and_its_log_names_no_token(
    web: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = invite(web)
    bob = signed_in(web, token, BOB)

    def broken(*args: object) -> None:
        raise RuntimeError("the store went away")

    monkeypatch.setattr("cspadmin.services.partner_center.open_invitation", broken)

    response = bob.open()

    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "the store went away" not in response.text
    logged = [r for r in caplog.records if r.name == "cspadmin.web"]
    assert logged and all(token not in r.getMessage() for r in logged)


def _csrf_of_any_page(web: Api, visitor: Visitor) -> str:
    """A forged link's page has no forms; the session's CSRF token is the same everywhere."""
    genuine = Visitor(web, invite(web))
    genuine.client.cookies = visitor.client.cookies
    return genuine.csrf()
