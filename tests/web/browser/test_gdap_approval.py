"""The GDAP approval link in a real browser (see this package's conftest): the partner
asks for roles over Graph, the customer's Global Administrator opens the local stand-in of
the admin center link that the approval view hands out, signs in and approves, and the
partner then reads the relationship as active."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cspadmin.domain.directory_roles import BY_TEMPLATE_ID
from tests.web.browser.conftest import Served, sign_in
from tests.web.conftest import (
    ALICE,
    BOB,
    CONTOSO,
    DIRECTORY_READERS,
    HELPDESK_ADMINISTRATOR,
    PASSWORDS,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
RELATIONSHIPS = "/v1.0/tenantRelationships/delegatedAdminRelationships"


def test_the_customers_global_administrator_signs_in_and_approves(
    served: Served, page: Page
) -> None:
    roles = (HELPDESK_ADMINISTRATOR, DIRECTORY_READERS)
    created = served.on_graph(
        ALICE,
        "POST",
        RELATIONSHIPS,
        {
            "displayName": "Contoso helpdesk",
            "duration": "P730D",
            "customer": {"tenantId": CONTOSO},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]},
        },
    )
    rid = created["id"]
    served.on_graph(ALICE, "POST", f"{RELATIONSHIPS}/{rid}/requests", {"action": "lockForApproval"})
    view = served.on_graph(BOB, "GET", f"/adminportal/granularAdminRelationships/{rid}")

    page.goto(view["localApprovalLink"])
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Sign in to review an admin relationship request"
    sign_in(page, BOB, PASSWORDS[BOB])

    assert heading.inner_text() == "Fabrikam Partner asks for admin roles in your organization"
    assert page.locator("#name").inner_text() == "Contoso helpdesk"
    assert page.locator("#duration").inner_text() == "730 days (P730D)"
    listed = page.locator("#roles li").all_inner_texts()
    assert listed == [
        f"{BY_TEMPLATE_ID[r].display_name}: {BY_TEMPLATE_ID[r].description}" for r in roles
    ]

    page.get_by_role("button", name="Approve").click()

    assert heading.inner_text() == "Admin relationship approved"
    assert "Contoso approved the admin relationship" in page.get_by_role("status").inner_text()
    relationship = served.on_graph(ALICE, "GET", f"{RELATIONSHIPS}/{rid}")
    assert relationship["status"] == "active"
    assert relationship["endDateTime"] is not None
