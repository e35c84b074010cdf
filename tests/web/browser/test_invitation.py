"""The invitation link in a real browser (see this package's conftest): a Global
Administrator accepts, and anyone else is refused and signs out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.web.browser.conftest import Served, sign_in
from tests.web.conftest import BOB, CAROL, CONTOSO, PASSWORDS

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_global_administrator_signs_in_and_accepts_dap(served: Served, page: Page) -> None:
    assert CONTOSO not in served.customers()
    page.goto(served.invitation_link(dap=True))
    assert page.get_by_role("heading", name="Sign in to review a partner invitation").is_visible()
    # The stylesheet got past the page's content security policy.
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(245, 245, 245)"

    sign_in(page, BOB, "not-bobs-password")
    assert "AADSTS50126" in page.get_by_role("alert").inner_text()
    sign_in(page, BOB, PASSWORDS[BOB])

    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Fabrikam Partner would like to be your Cloud Solution Provider"
    assert "Bob Admin" in page.locator("header").inner_text()
    asked = page.locator("#asked").inner_text()
    assert asked == "A reseller relationship with delegated administration privileges"
    meaning = page.locator(".meaning").inner_text()
    assert "Global Administrator role" in meaning and "Helpdesk Administrator role" in meaning
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "cspadmin_session"]
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"

    page.get_by_role("button", name="Accept").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Invitation accepted"
    assert "Contoso accepted the invitation" in page.get_by_role("status").inner_text()
    assert served.customers()[CONTOSO] is True


def test_a_user_who_is_not_a_global_administrator_is_refused(served: Served, page: Page) -> None:
    response = page.goto(served.invitation_link(dap=True))
    assert response is not None and response.status == 200
    sign_in(page, CAROL, PASSWORDS[CAROL])

    refusal = page.get_by_role("alert").inner_text()
    assert "Only a Global Administrator of 'Contoso' can accept" in refusal
    assert page.get_by_role("button", name="Accept").count() == 0
    assert "Fabrikam Partner" in page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("button", name="Sign out").click()

    assert page.get_by_label("Password").is_visible()
    assert CONTOSO not in served.customers()
