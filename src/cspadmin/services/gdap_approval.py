"""GDAP use cases, the customer's side: what a relationship's approval link shows, and
its Global Administrator approving or ending it. The partner's side (creating the
relationship, locking it for approval) is `services.gdap`'s.

Who may call: a Global Administrator of the relationship's customer tenant, signed in to
that tenant (a partner's delegated roles never count); anyone else signed in to it may
open the link and read why they cannot approve.

The customer's link is the admin center's (`APPROVAL_LINK`). Locally the relationship is
opened and approved as JSON at `/adminportal/granularAdminRelationships/{id}` (see
`api/graph/delegated_admin_approval.py`) and as a page at the link's fragment made a real
path (`LOCAL_APPROVAL_PATH`, see `web/gdap_approval.py`). The logic lives here, for both.

Refusals, besides those of `domain.gdap_lifecycle`, `GlobalAdministratorRequired` of
`services.partner_center` and `GdapNotFound` of `services.gdap` (rendered in Graph's
envelope):

    CspadminError
    └── NotTheCustomer        403  forbidden           the link opened in another tenant
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import Connection

from cspadmin.authz.decision import Caller
from cspadmin.domain.directory import Tenant
from cspadmin.domain.directory_roles import BY_TEMPLATE_ID, DirectoryRole
from cspadmin.domain.gdap import APPROVAL_WINDOW, GdapRelationship, GdapStatus
from cspadmin.domain.gdap_lifecycle import approved, terminated
from cspadmin.errors import CspadminError
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.directory.rules import is_own_global_admin
from cspadmin.services.gdap import GdapNotFound, publish
from cspadmin.services.partner_center import customer_global_admin
from cspadmin.store.directory import get_tenant
from cspadmin.store.relationships import get_gdap_relationship

APPROVAL_LINK = (
    "https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/"
    "granularAdminRelationships/{id}"
)
LOCAL_APPROVAL_PATH = APPROVAL_LINK.split("#", 1)[1]
"""`/partners/invitation/granularAdminRelationships/{id}`: the admin center page's fragment,
which never reaches a server, made a real path on this one (the local stand-in)."""
APPROVING = "approve this admin relationship request"
"""What a Global Administrator is needed for (`approve`), as the refusal says it."""


class NotTheCustomer(CspadminError):
    code = "forbidden"
    status = 403

    def __init__(self, relationship_id: str) -> None:
        super().__init__(
            f"The delegated admin relationship '{relationship_id}' is addressed to another "
            "organization. Sign in to the customer's own tenant to review it."
        )


def approval_link(relationship_id: str) -> str:
    """The link the partner sends the customer's Global administrator."""
    return APPROVAL_LINK.format(id=relationship_id)


def local_approval_path(relationship_id: str) -> str:
    """`LOCAL_APPROVAL_PATH` for one relationship, its id quoted as a path segment."""
    return LOCAL_APPROVAL_PATH.format(id=quote(relationship_id, safe=""))


def local_approval_link(authority: str, relationship_id: str) -> str:
    """The local stand-in for `approval_link`: the same page, served at `authority`."""
    return authority + local_approval_path(relationship_id)


@dataclass(frozen=True, slots=True)
class ApprovalView:
    """What the approval link shows the customer's signed-in user."""

    relationship: GdapRelationship
    partner: Tenant
    customer: Tenant
    caller_may_approve: bool
    """A Global Administrator of the customer, looking at a relationship pending approval."""
    link: str
    now: datetime
    caller_is_global_admin: bool
    """Whatever the relationship's status: a page says why a user cannot approve."""

    @property
    def requested_roles(self) -> tuple[tuple[str, DirectoryRole | None], ...]:
        """Each role the relationship asks for, with its catalogue entry (None for an id
        the catalogue does not know, which a stored relationship should never hold)."""
        return tuple(
            (role_id, BY_TEMPLATE_ID.get(role_id))
            for role_id in self.relationship.role_template_ids
        )

    @property
    def ends_if_approved_now(self) -> datetime | None:
        """endDateTime if the customer approved at `now` (approving activates it then)."""
        return replace(self.relationship, activated_at=self.now).end_at

    @property
    def approval_expires_at(self) -> datetime | None:
        """When a locked request expires unapproved (None before it is locked)."""
        locked_at = self.relationship.locked_at
        return None if locked_at is None else locked_at + APPROVAL_WINDOW


def open_approval(plane: ControlPlane, caller: Caller, relationship_id: str) -> ApprovalView:
    """Who asks for which roles, for how long, and whether the caller may approve."""
    with plane.database.connect() as connection:
        relationship = _addressed_to(connection, caller, relationship_id)
        partner = get_tenant(connection, relationship.partner_tenant_id)
        customer = get_tenant(connection, relationship.customer_tenant_id)
        assert partner is not None and customer is not None
        global_admin = is_own_global_admin(plane, connection, caller)
    now = plane.clock()
    pending = relationship.status_at(now) is GdapStatus.APPROVAL_PENDING
    link = approval_link(relationship.id)
    return ApprovalView(
        relationship, partner, customer, global_admin and pending, link, now, global_admin
    )


def approve(plane: ControlPlane, caller: Caller, relationship_id: str) -> ApprovalView:
    """The customer's Global Administrator approves: the relationship is active from now
    and ends after its duration; its access assignments can now be made."""
    _customer_change(
        plane,
        caller,
        relationship_id,
        APPROVING,
        lambda r, customer, now: approved(
            replace(r, customer_display_name=customer.display_name), caller.object_id, now
        ),
    )
    return open_approval(plane, caller, relationship_id)


def terminate_as_customer(
    plane: ControlPlane, caller: Caller, relationship_id: str
) -> ApprovalView:
    """The customer ends an active relationship; the partner's access ends at once."""
    _customer_change(
        plane,
        caller,
        relationship_id,
        "end this admin relationship",
        lambda r, _customer, now: terminated(r, now),
    )
    return open_approval(plane, caller, relationship_id)


def _customer_change(
    plane: ControlPlane,
    caller: Caller,
    relationship_id: str,
    what: str,
    change_to: Callable[[GdapRelationship, Tenant, datetime], GdapRelationship],
) -> GdapRelationship:
    now = plane.clock()
    with plane.change() as change:
        c = change.connection
        current = _addressed_to(c, caller, relationship_id, for_update=True)
        customer = customer_global_admin(plane, c, caller, what)
        relationship = change_to(current, customer, now)
        publish(change, relationship)
    return relationship


def _addressed_to(
    connection: Connection, caller: Caller, relationship_id: str, *, for_update: bool = False
) -> GdapRelationship:
    found = get_gdap_relationship(connection, relationship_id.lower(), for_update=for_update)
    if found is None:
        raise GdapNotFound("delegated admin relationship", relationship_id)
    if caller.is_foreign or found.customer_tenant_id != caller.tenant_id:
        raise NotTheCustomer(relationship_id)
    return found
