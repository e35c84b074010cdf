"""What the GDAP approval page tells the signed-in user, and with which HTTP status.

In the order `services.gdap_approval.approve` checks: a user who is no Global Administrator of the
customer is refused naming the role (403), whatever the relationship's status; then a
relationship pending approval may be approved (200); one already approved and in force
says so (200: the link has done its job, and there is nothing to do); any other status
(not yet locked by the partner, expired, terminated) cannot be approved (400, as
approving would answer). Which statuses allow what is the service's and the domain's;
this module only puts it into words for a page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import isodate

from cspadmin.domain.directory_roles import DirectoryRole
from cspadmin.domain.gdap import GRANTING, GdapStatus
from cspadmin.errors import CspadminError
from cspadmin.services.gdap_approval import APPROVING, ApprovalView
from cspadmin.services.partner_center import GlobalAdministratorRequired
from cspadmin.web.outcomes import long_date

STATUS_LABELS = {
    GdapStatus.CREATED: "Being prepared by the partner",
    GdapStatus.APPROVAL_PENDING: "Waiting for your approval",
    GdapStatus.ACTIVE: "Active",
    GdapStatus.EXPIRING: "Active, ending soon",
    GdapStatus.EXPIRED: "Expired",
    GdapStatus.TERMINATED: "Ended",
}
_UNITS = (("years", "year"), ("months", "month"), ("days", "day"), ("hours", "hour"))


@dataclass(frozen=True, slots=True)
class Verdict:
    status: int
    can_approve: bool = False
    done: str | None = None
    """The relationship is approved and in force: what that means, and that it suffices."""
    refusal: str | None = None
    """Why the user cannot approve, in words for a customer admin."""


def verdict(view: ApprovalView) -> Verdict:
    if not view.caller_is_global_admin:
        return Verdict(403, refusal=GlobalAdministratorRequired(view.customer, APPROVING).message)
    if view.caller_may_approve:
        return Verdict(200, can_approve=True)
    r, now = view.relationship, view.now
    status = r.status_at(now)
    partner = view.partner.display_name
    if status in GRANTING:
        end = r.end_at_time(now)
        until = f" until {long_date(end)}" if end is not None else ""
        approved_on = long_date(r.activated_at) if r.activated_at else "an earlier date"
        return Verdict(
            200,
            done=(
                f"{view.customer.display_name} approved this relationship on {approved_on}; "
                f"it is in force{until}. There is nothing more to do."
            ),
        )
    return Verdict(400, refusal=_why_not(view, status, partner))


def refused(view: ApprovalView, error: CspadminError) -> Verdict:
    """The page for `view` once approving was refused with `error`: its status is the
    refusal's, whatever the page would otherwise say."""
    return replace(verdict(view), status=error.status, can_approve=False)


def _why_not(view: ApprovalView, status: GdapStatus, partner: str) -> str:
    r = view.relationship
    if status is GdapStatus.CREATED:
        return (
            f"{partner} has not finished this request yet, so it cannot be approved. Ask "
            f"{partner} to send the link again once it has locked the request for approval."
        )
    if status is GdapStatus.EXPIRED and r.activated_at is None:
        expired = view.approval_expires_at
        on = f" on {long_date(expired)}" if expired is not None else ""
        return (
            f"This request expired{on} without being approved, so it can no longer be "
            f"approved. Ask {partner} to send you a new one."
        )
    if status in (GdapStatus.EXPIRED, GdapStatus.TERMINATED):
        end = r.end_at_time(view.now)
        on = f" on {long_date(end)}" if end is not None else ""
        return (
            f"This relationship ended{on}, and {partner} no longer holds these roles. "
            f"Ask {partner} to send you a new request if it still needs them."
        )
    return f"This admin relationship is {status}, so it cannot be approved."


def status_label(view: ApprovalView) -> str:
    status = view.relationship.status_at(view.now)
    return STATUS_LABELS.get(status, str(status))


def end_fact(view: ApprovalView) -> tuple[str, datetime] | None:
    """The end date the page shows, with its label: when it would end if approved now,
    when it ends, or when it ended."""
    r, now = view.relationship, view.now
    status = r.status_at(now)
    if status is GdapStatus.APPROVAL_PENDING:
        end = view.ends_if_approved_now
        return None if end is None else ("Ends, if approved now", end)
    end = r.end_at_time(now)
    if end is None:
        return None
    return ("Ends on", end) if status in GRANTING else ("Ended on", end)


def roles(view: ApprovalView) -> list[DirectoryRole]:
    """The requested Entra roles with their names and descriptions, in the request's order."""
    return [role or DirectoryRole(role_id, role_id, "") for role_id, role in view.requested_roles]


def duration_words(duration: str) -> str:
    """An ISO-8601 duration in words (`P730D` is "730 days"); as written if unreadable."""
    try:
        parsed = isodate.parse_duration(duration, as_timedelta_if_possible=False)
    except (isodate.ISO8601Error, ValueError):
        return duration
    if parsed.years % 1 or parsed.months % 1:
        return duration
    span = parsed.tdelta
    amounts = {
        "years": int(parsed.years),
        "months": int(parsed.months),
        "days": span.days,
        "hours": span.seconds // 3600,
    }
    words = [
        f"{amounts[unit]} {unit if amounts[unit] != 1 else one}"
        for unit, one in _UNITS
        if amounts[unit]
    ]
    return " ".join(words) or duration
