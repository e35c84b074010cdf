"""The rules for changing a GDAP relationship: what Graph accepts, and which change fits
which status. Pure: every function takes the time it acts at.

Refusals, each with the code the GDAP service answers with (rendered in Graph's envelope):

    CspadminError
    ├── InvalidGdapRequest       400  badRequest  a value Graph refuses
    ├── GdapStatusConflict       400  badRequest  the action does not fit the status
    └── DuplicateGdapName        409  conflict    the partner already uses the display name

(`domain.gdap_access` adds DuplicateAccessContainer, 409 conflict.)

Where Graph's documentation is silent this follows what a partner would expect:
a relationship is always for a named customer, which a PATCH cannot change (its id ends
with the customer's tenant id); role ids are compared without regard to case and
repeated ones count once; requests take effect at once (no `pending`).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import isodate

from cspadmin.domain.directory_roles import BY_TEMPLATE_ID, RoleTemplate
from cspadmin.domain.gdap import (
    AUTO_EXTEND,
    AUTO_EXTEND_VALUES,
    GRANTING,
    NO_AUTO_EXTEND,
    GdapRelationship,
    GdapStatus,
)
from cspadmin.errors import CspadminError

MAX_DISPLAY_NAME = 50
MAX_CUSTOMER_NAME = 256
MAX_DURATION_TEXT = 32
SHORTEST, LONGEST = timedelta(days=1), timedelta(days=730)
# Measured from a non-leap year, P2Y is the 730 days Graph documents as the maximum.
_DURATION_ORIGIN = datetime(2001, 1, 1, tzinfo=UTC)
_REQUESTS = uuid.UUID("8b0f4a6e-2d57-4c1a-a3e9-5f1c7d2b9e04")


class InvalidGdapRequest(CspadminError):
    code = "badRequest"
    status = 400


class GdapStatusConflict(CspadminError):
    code = "badRequest"
    status = 400

    def __init__(self, relationship: GdapRelationship, now: datetime, what: str) -> None:
        super().__init__(
            f"The delegated admin relationship '{relationship.id}' is "
            f"{relationship.status_at(now)}; {what}."
        )


class DuplicateGdapName(CspadminError):
    code = "conflict"
    status = 409

    def __init__(self, name: str) -> None:
        super().__init__(
            f"A delegated admin relationship named '{name}' already exists. The display "
            "name must be unique across all of the partner's relationships."
        )


# -- values ---------------------------------------------------------------------------


def checked_display_name(name: str) -> str:
    if not name.strip() or len(name) > MAX_DISPLAY_NAME:
        raise InvalidGdapRequest(
            f"The displayName must be 1 to {MAX_DISPLAY_NAME} characters long."
        )
    return name


class DurationOutOfBounds(ValueError):
    """A well-formed ISO-8601 duration outside a GDAP relationship's P1D..P2Y."""


def duration_span(text: str) -> timedelta:
    """How long a GDAP relationship of this ISO-8601 duration lasts, checked against
    Graph's bounds (P1D to P2Y inclusive). The one rule for both Graph's requests and
    world files, which word their refusals differently: so this raises
    `DurationOutOfBounds` outside the bounds and a plain ValueError when the text is no
    duration (or one past the calendar's range)."""
    try:
        span: timedelta = (_DURATION_ORIGIN + isodate.parse_duration(text)) - _DURATION_ORIGIN
    except (ValueError, TypeError, OverflowError) as e:
        raise ValueError(f"'{text}' is not an ISO-8601 duration") from e
    if not SHORTEST <= span <= LONGEST:
        raise DurationOutOfBounds(f"'{text}' is not between P1D and P2Y")
    return span


def checked_duration(text: str) -> str:
    """An ISO-8601 duration from P1D to P2Y inclusive, kept as the partner wrote it."""
    try:
        if len(text) > MAX_DURATION_TEXT:
            raise ValueError(text)
        duration_span(text)
    except DurationOutOfBounds:
        raise InvalidGdapRequest(
            f"The duration '{text}' is out of range: it must be between P1D and P2Y inclusive."
        ) from None
    except (ValueError, TypeError):
        raise InvalidGdapRequest(
            f"The duration '{text}' is not an ISO-8601 duration such as P730D."
        ) from None
    return text


def checked_customer_name(name: str | None) -> str:
    """The customer's display name as the partner gives it (optional)."""
    if name is not None and len(name) > MAX_CUSTOMER_NAME:
        raise InvalidGdapRequest(
            f"The customer displayName must be at most {MAX_CUSTOMER_NAME} characters long."
        )
    return name or ""


def checked_roles(role_ids: Iterable[str]) -> tuple[str, ...]:
    """At least one Entra role, each a template id from the catalogue; repeats count once."""
    roles: dict[str, None] = {}
    for given in role_ids:
        role_id = given.strip().lower()
        if role_id not in BY_TEMPLATE_ID:
            raise InvalidGdapRequest(
                f"The roleDefinitionId '{given}' is not the template id of a Microsoft "
                "Entra built-in role that a delegated admin relationship can grant."
            )
        roles[role_id] = None
    if not roles:
        raise InvalidGdapRequest("The accessDetails must name at least one unifiedRole.")
    return tuple(roles)


def checked_auto_extend(text: str, roles: Sequence[str]) -> str:
    """PT0S or P0D (never) or P180D; not P180D with Global Administrator among the roles,
    whose grant must end when the partner stops renewing it."""
    value = text.strip().upper()
    if value not in AUTO_EXTEND_VALUES:
        raise InvalidGdapRequest(
            f"The autoExtendDuration '{text}' is not supported. Supported values are "
            f"{', '.join(AUTO_EXTEND_VALUES)}."
        )
    if value == AUTO_EXTEND and RoleTemplate.GLOBAL_ADMINISTRATOR in roles:
        raise InvalidGdapRequest(
            "A relationship that includes the Global Administrator role cannot be "
            "automatically extended. Set autoExtendDuration to PT0S."
        )
    return value


def check_unique_name(
    name: str, relationships: Iterable[GdapRelationship], except_id: str | None = None
) -> None:
    """The name is unique, ignoring case, among all of the partner's relationships."""
    wanted = name.lower()
    for r in relationships:
        if r.display_name.lower() == wanted and r.id != except_id:
            raise DuplicateGdapName(name)


# -- the relationship -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RelationshipDraft:
    """What the partner asks for when it creates a relationship, as sent."""

    display_name: str
    duration: str
    customer_tenant_id: str
    role_ids: tuple[str, ...]
    auto_extend_duration: str = NO_AUTO_EXTEND
    customer_display_name: str | None = None


@dataclass(frozen=True, slots=True)
class RelationshipChanges:
    """A PATCH: only the properties sent are changed."""

    display_name: str | None = None
    duration: str | None = None
    customer_tenant_id: str | None = None
    customer_display_name: str | None = None
    role_ids: tuple[str, ...] | None = None
    auto_extend_duration: str | None = None


def new_relationship(
    relationship_id: str, partner_tenant_id: str, draft: RelationshipDraft, now: datetime
) -> GdapRelationship:
    """A checked relationship in `created` status, ready for the partner to lock."""
    roles = checked_roles(draft.role_ids)
    return GdapRelationship(
        id=relationship_id,
        partner_tenant_id=partner_tenant_id,
        customer_tenant_id=draft.customer_tenant_id,
        display_name=checked_display_name(draft.display_name),
        duration=checked_duration(draft.duration),
        role_template_ids=roles,
        auto_extend_duration=checked_auto_extend(draft.auto_extend_duration, roles),
        customer_display_name=checked_customer_name(draft.customer_display_name),
        created_at=now,
        modified_at=now,
    )


def updated(
    relationship: GdapRelationship, changes: RelationshipChanges, now: datetime
) -> GdapRelationship:
    """The partner's changes, allowed only while the relationship is `created`."""
    require_status(
        relationship, now, {GdapStatus.CREATED}, "only a created relationship can change"
    )
    r = relationship
    check_same_customer(r, changes.customer_tenant_id)
    roles = r.role_template_ids if changes.role_ids is None else checked_roles(changes.role_ids)
    auto_extend = changes.auto_extend_duration or r.auto_extend_duration
    return replace(
        r,
        display_name=_or(changes.display_name, checked_display_name, r.display_name),
        duration=_or(changes.duration, checked_duration, r.duration),
        customer_display_name=(
            checked_customer_name(changes.customer_display_name)
            if changes.customer_display_name is not None
            else r.customer_display_name
        ),
        role_template_ids=roles,
        auto_extend_duration=checked_auto_extend(auto_extend, roles),
        modified_at=now,
        version=r.version + 1,
    )


def check_same_customer(relationship: GdapRelationship, tenant_id: str | None) -> None:
    """A PATCH may repeat the customer's tenant id but never change it: the relationship
    is addressed to that customer (its id ends with the customer's tenant id, the
    approval link goes to its Global Administrator). Another customer needs a new
    relationship."""
    if tenant_id is None or _same_tenant(tenant_id, relationship.customer_tenant_id):
        return
    raise InvalidGdapRequest(
        f"The customer of the delegated admin relationship '{relationship.id}' cannot be "
        f"changed: it is tenant {relationship.customer_tenant_id}. Create a new relationship "
        "for another customer."
    )


def _same_tenant(given: str, tenant_id: str) -> bool:
    try:
        return str(uuid.UUID(given)) == tenant_id
    except ValueError:
        return False


def _or(value: str | None, check: Callable[[str], str], current: str) -> str:
    return current if value is None else check(value)


def locked(relationship: GdapRelationship, now: datetime) -> GdapRelationship:
    """lockForApproval: the relationship is final and waits for the customer."""
    require_status(
        relationship, now, {GdapStatus.CREATED}, "only a created relationship can be locked"
    )
    return replace(_touched(relationship, now), status=GdapStatus.APPROVAL_PENDING, locked_at=now)


def approved(relationship: GdapRelationship, approver_id: str, now: datetime) -> GdapRelationship:
    """The customer's Global Administrator approves: active from now, for its duration."""
    require_status(
        relationship,
        now,
        {GdapStatus.APPROVAL_PENDING},
        "only a relationship pending approval can be approved",
    )
    return replace(
        _touched(relationship, now),
        status=GdapStatus.ACTIVE,
        activated_at=now,
        approved_by=approver_id,
    )


def terminated(relationship: GdapRelationship, now: datetime) -> GdapRelationship:
    """Either side ends an active relationship; its access ends at once."""
    require_status(relationship, now, GRANTING, "only an active relationship can be terminated")
    return replace(_touched(relationship, now), status=GdapStatus.TERMINATED, terminated_at=now)


def check_deletable(relationship: GdapRelationship, now: datetime) -> None:
    require_status(
        relationship, now, {GdapStatus.CREATED}, "only a created relationship can be deleted"
    )


def require_status(
    relationship: GdapRelationship, now: datetime, allowed: Iterable[GdapStatus], what: str
) -> None:
    """Refuse (`GdapStatusConflict`, saying `what`) unless the status at `now` is allowed."""
    if relationship.status_at(now) not in set(allowed):
        raise GdapStatusConflict(relationship, now, what)


def _touched(relationship: GdapRelationship, now: datetime) -> GdapRelationship:
    return replace(relationship, modified_at=now, version=relationship.version + 1)


# -- requests: the partner's actions on a relationship ----------------------------------


class RequestAction(enum.StrEnum):
    LOCK_FOR_APPROVAL = "lockForApproval"
    APPROVE = "approve"
    REJECT = "reject"
    TERMINATE = "terminate"


class RequestStatus(enum.StrEnum):
    CREATED = "created"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RelationshipRequest:
    """A delegatedAdminRelationshipRequest. Each action happens at most once in a
    relationship's life and takes effect at once here, so a request is read off the
    relationship's own facts (when it was locked, when terminated) rather than stored."""

    id: str
    action: RequestAction
    status: RequestStatus
    created_at: datetime
    modified_at: datetime


def request_id(relationship_id: str, action: RequestAction) -> str:
    return str(uuid.uuid5(_REQUESTS, f"{relationship_id}/{action.value}"))


def requests_of(relationship: GdapRelationship) -> tuple[RelationshipRequest, ...]:
    done = (
        (RequestAction.LOCK_FOR_APPROVAL, relationship.locked_at),
        (RequestAction.TERMINATE, relationship.terminated_at),
    )
    return tuple(
        RelationshipRequest(
            request_id(relationship.id, action), action, RequestStatus.SUCCEEDED, at, at
        )
        for action, at in done
        if at is not None
    )


def parse_action(text: str) -> RequestAction:
    try:
        return RequestAction(text)
    except ValueError:
        raise InvalidGdapRequest(
            f"The action '{text}' is not valid. A partner sends lockForApproval or terminate."
        ) from None


def requested(
    relationship: GdapRelationship, action: RequestAction, now: datetime
) -> GdapRelationship:
    """The relationship once the partner's request has taken effect."""
    if action is RequestAction.LOCK_FOR_APPROVAL:
        return locked(relationship, now)
    if action is RequestAction.TERMINATE:
        return terminated(relationship, now)
    raise InvalidGdapRequest(
        f"The action '{action}' is taken by an indirect reseller on a relationship its "
        "provider created; a customer approves through the approval link instead."
    )
