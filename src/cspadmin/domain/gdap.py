"""GDAP: a partner's granular delegated admin relationship with one customer, over time.

The stored status says how far people have taken a relationship (the partner created and
locked it, the customer approved it, someone terminated it). What Graph reports at a
given moment is a function of that and the time (`GdapRelationship.status_at`), so no
background job has to run for a relationship to start expiring, expire or extend:

    created ──lockForApproval──▶ approvalPending ──customer's Global admin approves──▶ active
                                       │ 90 days unapproved                       │ last 30 days
                                       ▼                                          ▼
                                    expired            expired ◀──endDateTime── expiring

    active / expiring ──terminate──▶ terminated (at once)

`endDateTime` is `activatedDateTime + duration`. With `autoExtendDuration` P180D the
relationship never reaches `expiring`: each time the end comes it moves 180 days further,
as many times as it takes. Access assignments map a partner security group to some of
the relationship's roles; they grant anything only while their relationship is active.
"""

from __future__ import annotations

import base64
import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import isodate

NO_AUTO_EXTEND = "PT0S"
AUTO_EXTEND = "P180D"
AUTO_EXTEND_VALUES = (NO_AUTO_EXTEND, "P0D", AUTO_EXTEND)
"""What Graph accepts for autoExtendDuration; PT0S and P0D both mean never."""
AUTO_EXTEND_STEP = timedelta(days=180)
EXPIRING_NOTICE = timedelta(days=30)
"""How long before its end a relationship that does not extend itself shows `expiring`."""
APPROVAL_WINDOW = timedelta(days=90)
"""How long a locked relationship waits for the customer before it expires unapproved."""

_ASSIGNMENT_IDS = uuid.UUID("1f6a1c7e-3c1b-4d59-9b3e-6d0a2f4c8e51")


class GdapStatus(enum.StrEnum):
    """The lifecycle of a GDAP relationship, as Graph names its states."""

    CREATED = "created"
    APPROVAL_PENDING = "approvalPending"
    APPROVED = "approved"
    ACTIVATING = "activating"
    ACTIVE = "active"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    TERMINATION_REQUESTED = "terminationRequested"
    TERMINATING = "terminating"
    TERMINATED = "terminated"


GRANTING = frozenset({GdapStatus.ACTIVE, GdapStatus.EXPIRING})
"""The statuses in which a relationship's access assignments are in force."""


class AccessAssignmentStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DELETING = "deleting"
    DELETED = "deleted"
    ERROR = "error"


def access_assignment_id(relationship_id: str, group_id: str) -> str:
    """An access assignment's id. Graph holds one assignment per security group in a
    relationship, so the pair names it; deriving the id keeps world-file assignments'
    ids stable across reloads without storing them."""
    return str(uuid.uuid5(_ASSIGNMENT_IDS, f"{relationship_id}/{group_id.lower()}"))


def etag(object_id: str, version: int) -> str:
    """A weak entity tag in Graph's form (`W/"…"`), changing with every stored change."""
    raw = base64.b64encode(f'"{object_id}:{version}"'.encode()).decode()
    return f'W/"{raw}"'


@dataclass(frozen=True, slots=True)
class AccessAssignment:
    """A partner security group mapped to a subset of a GDAP relationship's roles."""

    group_id: str
    role_template_ids: tuple[str, ...]
    status: AccessAssignmentStatus = AccessAssignmentStatus.ACTIVE
    created_at: datetime | None = None
    modified_at: datetime | None = None
    version: int = 1

    @property
    def grants(self) -> bool:
        return self.status is AccessAssignmentStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class GdapRelationship:
    id: str
    partner_tenant_id: str
    customer_tenant_id: str
    display_name: str
    duration: str
    """ISO-8601, as Graph carries it (`P730D`); years and months count by the calendar."""
    role_template_ids: tuple[str, ...]
    status: GdapStatus = GdapStatus.CREATED
    """How far people have taken it; `status_at` is what it is at a given time."""
    activated_at: datetime | None = None
    access_assignments: tuple[AccessAssignment, ...] = ()
    auto_extend_duration: str = NO_AUTO_EXTEND
    customer_display_name: str = ""
    created_at: datetime | None = None
    modified_at: datetime | None = None
    locked_at: datetime | None = None
    """When the partner locked it for approval: the customer's 90 days start here."""
    approved_by: str | None = None
    """The object id of the customer's Global Administrator who approved it."""
    terminated_at: datetime | None = None
    version: int = 1

    @property
    def end_at(self) -> datetime | None:
        """activatedDateTime + duration, before any automatic extension."""
        if self.activated_at is None:
            return None
        end: datetime = self.activated_at + isodate.parse_duration(self.duration)
        return end

    @property
    def auto_extends(self) -> bool:
        return self.auto_extend_duration == AUTO_EXTEND

    @property
    def etag(self) -> str:
        return etag(self.id, self.version)

    def end_at_time(self, now: datetime) -> datetime | None:
        """endDateTime as Graph shows it at `now`: the termination time once terminated;
        otherwise the end, moved forward in 180-day steps past `now` if it auto-extends."""
        if self.status is GdapStatus.TERMINATED and self.terminated_at is not None:
            return self.terminated_at
        end = self.end_at
        if end is None or not self.auto_extends or now < end:
            return end
        steps = (now - end) // AUTO_EXTEND_STEP + 1
        extended: datetime = end + steps * AUTO_EXTEND_STEP
        return extended

    def status_at(self, now: datetime) -> GdapStatus:
        """The status Graph reports at `now`."""
        if self.status is GdapStatus.APPROVAL_PENDING:
            waited_out = self.locked_at is not None and now >= self.locked_at + APPROVAL_WINDOW
            return GdapStatus.EXPIRED if waited_out else GdapStatus.APPROVAL_PENDING
        if self.status not in GRANTING:
            return self.status
        end = self.end_at_time(now)
        if end is None:
            return GdapStatus.ACTIVE
        if now >= end:
            return GdapStatus.EXPIRED
        if not self.auto_extends and now >= end - EXPIRING_NOTICE:
            return GdapStatus.EXPIRING
        return GdapStatus.ACTIVE

    def is_active_at(self, now: datetime) -> bool:
        """Whether its access assignments are in force at `now`."""
        return self.status_at(now) in GRANTING

    def granting_assignments(self, now: datetime) -> tuple[AccessAssignment, ...]:
        """The access assignments in force at `now`: active ones, while it is active."""
        if not self.is_active_at(now):
            return ()
        return tuple(a for a in self.access_assignments if a.grants)

    def assignment(self, assignment_id: str) -> AccessAssignment | None:
        """The access assignment with this id, if the relationship holds it."""
        for a in self.access_assignments:
            if access_assignment_id(self.id, a.group_id) == assignment_id.lower():
                return a
        return None

    def assignment_of(self, group_id: str) -> AccessAssignment | None:
        for a in self.access_assignments:
            if a.group_id == group_id.lower():
                return a
        return None

    def assignment_status_at(
        self, assignment: AccessAssignment, now: datetime
    ) -> AccessAssignmentStatus:
        """An assignment of a relationship that has ended is gone with it."""
        if self.status_at(now) in (GdapStatus.EXPIRED, GdapStatus.TERMINATED):
            return AccessAssignmentStatus.DELETED
        return assignment.status
