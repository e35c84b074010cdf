"""What the invitation page tells the signed-in user, and with which HTTP status.

The page answers with the status accepting would get right now, in the service's order
(`services.partner_center.accept_invitation`): 403 unless the user is a Global
Administrator of their own organization, then 400 for an expired or used link or the
partner's own organization, else 200. The rule itself is the domain's
(`Invitation.acceptance`); this module only puts it into words for a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cspadmin.domain.invitations import Acceptance
from cspadmin.errors import CspadminError
from cspadmin.services.partner_center import GlobalAdministratorRequired, InvitationView

_REFUSED = {
    Acceptance.EXPIRED: (
        "This invitation expired on {expired}, so it can no longer be accepted. "
        "Ask {partner} to send you a new link."
    ),
    Acceptance.USED: (
        "This invitation has already been used by another organization and cannot be "
        "accepted again. Ask {partner} to send you a new link."
    ),
    Acceptance.OWN_PARTNER: (
        "You are signed in to {partner} itself, and a partner cannot accept its own "
        "relationship request. Sign in with an account of the customer's organization."
    ),
}


@dataclass(frozen=True, slots=True)
class Verdict:
    status: int
    refusal: str | None = None
    """Why the user cannot accept, in words for a customer admin."""
    can_accept: bool = False
    accepted_at: datetime | None = None
    """When the user's organization accepted this invitation, if it has."""


def verdict(view: InvitationView) -> Verdict:
    if not view.caller_may_accept:
        return refused(GlobalAdministratorRequired(view.customer, "accept this invitation"))
    invitation = view.invitation
    outcome = invitation.acceptance(view.customer.id, view.now)
    if outcome is Acceptance.GRANT:
        return Verdict(200, can_accept=True)
    if outcome is Acceptance.ALREADY_ACCEPTED:
        return Verdict(200, accepted_at=invitation.accepted_at)
    text = _REFUSED[outcome].format(
        partner=view.partner.display_name, expired=long_date(invitation.expires_at)
    )
    return Verdict(400, refusal=text)


def refused(error: CspadminError) -> Verdict:
    """A service's refusal of the accept, as the page shows it."""
    return Verdict(error.status, refusal=error.message)


def long_date(at: datetime) -> str:
    return f"{at.day} {at:%B %Y}"
