"""Ownership offers: moving an existing subscription to another tenant over ARM, in the
two steps of Microsoft.Subscription's ownership transfer (2021-10-01). The move itself,
and what the subscription loses with it, is `services.subscription_move`'s.

1. offer: `PUT /providers/Microsoft.Subscription/aliases/{alias}` with
   `properties.subscriptionId` (an existing subscription) and
   `additionalProperties.subscriptionTenantId` / `subscriptionOwnerId` (the destination
   and the principal there who must accept). The alias is the source tenant's; the offer
   is `Pending` for seven days. Making it needs Owner on the subscription (both
   `Microsoft.Subscription/aliases/write` and `Microsoft.Authorization/roleAssignments/
   delete` there), since the transfer deletes every role assignment in it, held by a
   native principal of the subscription's tenant: a partner's agents, Owner there
   through delegated access, are refused (403 AuthorizationFailed), as Azure refuses a
   foreign or guest principal moving a subscription to another directory;
2. accept: `POST /providers/Microsoft.Subscription/subscriptions/{id}/acceptOwnership`
   by that owner, signed in to the destination tenant; the subscription moves and the
   owner becomes its only Owner (otherwise nobody could manage it).
Azure documents the offer fields for creating MCA subscriptions across tenants and the
`subscriptionId` field for aliasing an existing subscription; combining them to move an
existing subscription is this emulator's reading [unverified], as is the seven-day
expiry (taken from EA's cross-tenant creation requests). Deleting the alias withdraws
the offer. Azure documents that CSP subscriptions cannot change directory through the
portal; the issue asks for the transfer anyway (a CSP customer moving off CSP), so it is
allowed.

Refusals, besides `TransferRefused` (`services.subscription_move`: same tenant, unknown
tenant or owner, an owner outside the destination):

    CspadminError
    ├── OwnershipTransferNotFound       404  no offer awaits this caller
    └── OwnershipTransferExpired        400  the offer is older than seven days
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from cspadmin.authz.decision import Caller, MissingLinkKind
from cspadmin.domain.csp import (
    AcceptOwnership,
    InvalidParameter,
    OwnershipOffer,
    SubscriptionAlias,
    checked_display_name,
)
from cspadmin.domain.estate import Subscription
from cspadmin.domain.scope import is_guid
from cspadmin.errors import (
    AuthorizationFailed,
    BadRequest,
    NotFound,
    SubscriptionNotFound,
)
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.csp_subscriptions import ALIAS_WRITE, Cause, Initiator, record
from cspadmin.services.subscription_aliases import (
    AliasOutcome,
    AliasRequest,
    AliasTaken,
    answer,
    answer_existing,
    check_alias_name,
)
from cspadmin.services.subscription_move import (
    Transfer,
    TransferRefused,
    existing_subscription,
    move,
    owner_in,
)
from cspadmin.store.aliases import accept_offer, get_alias, latest_offer, save_alias
from cspadmin.store.directory import get_tenant, get_user
from cspadmin.store.estate import get_subscription

ASSIGNMENT_DELETE = "Microsoft.Authorization/roleAssignments/delete"
ACCEPT = "Microsoft.Subscription/subscriptions/acceptOwnership/action"
READ_SUBSCRIPTION = "Microsoft.Resources/subscriptions/read"
FOREIGN_OFFER = (
    "a foreign principal (delegated access from another tenant) cannot offer a "
    "subscription to another directory"
)


class OwnershipTransferNotFound(NotFound):
    code = "OwnershipTransferNotFound"

    def __init__(self, subscription_id: str) -> None:
        super().__init__(
            f"No ownership transfer of subscription '{subscription_id}' awaits the caller."
        )


class OwnershipTransferExpired(BadRequest):
    code = "OwnershipTransferExpired"

    def __init__(self, subscription_id: str) -> None:
        super().__init__(
            f"The ownership transfer of subscription '{subscription_id}' has expired: it "
            "was not accepted within seven days. Ask for a new one."
        )


@dataclass(frozen=True, slots=True)
class OfferStatus:
    alias: SubscriptionAlias
    offer: OwnershipOffer
    state: AcceptOwnership
    subscription: Subscription
    owner_name: str | None


# -- the offer: an alias of an existing subscription -----------------------------------


def alias_existing(
    plane: ControlPlane, initiator: Initiator, name: str, request: AliasRequest
) -> AliasOutcome:
    """PUT an alias with `subscriptionId`: name an existing subscription of the caller's
    tenant, and offer it to another tenant when the destination is given."""
    check_alias_name(name)
    caller = initiator.caller
    subscription_id = _existing_id(request)
    _authorize_offer(plane, initiator, subscription_id)
    now = plane.clock()
    try:
        with plane.change() as change:
            existing = get_alias(change.connection, caller.tenant_id, name)
            if existing is not None:
                return answer(change.connection, existing)
            subscription = existing_subscription(change.connection, subscription_id)
            offer = _offer(change.connection, request, subscription, now)
            alias = SubscriptionAlias(
                caller.tenant_id, name, subscription.id, now, caller.object_id, offer=offer
            )
            if not save_alias(change.connection, alias):
                raise AliasTaken()
            if offer is not None:
                scope = f"/subscriptions/{subscription.id}"
                record(
                    change.connection,
                    initiator,
                    now,
                    ALIAS_WRITE,
                    scope,
                    caller.tenant_id,
                    Cause(ALIAS_WRITE, alias.id),
                )
    except AliasTaken:
        return answer_existing(plane, caller.tenant_id, name)
    return AliasOutcome(alias, subscription, created=True)


def _existing_id(request: AliasRequest) -> str:
    text = request.subscription_id or ""
    if not is_guid(text):
        raise InvalidParameter(f"The subscription id '{text}' is not valid.")
    if request.display_name is not None or request.billing_scope is not None:
        raise InvalidParameter(
            "billingScope and displayName are not allowed with subscriptionId: an alias of "
            "an existing subscription does not change it."
        )
    return str(uuid.UUID(text))


def _authorize_offer(plane: ControlPlane, initiator: Initiator, subscription_id: str) -> None:
    """Owner rights at the subscription, held by a native principal of its tenant.

    A foreign caller (a partner's user or app working in the customer through delegated
    access) is refused whatever roles it holds there: under DAP a partner's AdminAgents
    are Owner of every CSP subscription, and Azure never lets a guest or foreign
    principal move a subscription out of its directory; otherwise a partner agent could
    offer the customer's subscription to its own tenant and accept it there."""
    caller, scope = initiator.caller, f"/subscriptions/{subscription_id}"
    for action in (ALIAS_WRITE, ASSIGNMENT_DELETE):
        decision = plane.engine.decide(caller, action, scope)
        missing = decision.missing
        if missing is not None and missing.kind is MissingLinkKind.UNKNOWN_SCOPE:
            raise SubscriptionNotFound(subscription_id)
        if caller.is_foreign:
            raise AuthorizationFailed(
                initiator.name, caller.object_id, action, scope, FOREIGN_OFFER
            )
        if not decision.allowed:
            assert missing is not None
            raise AuthorizationFailed(
                initiator.name, caller.object_id, action, scope, missing.message
            )


def _offer(
    connection: Connection, request: AliasRequest, subscription: Subscription, now: datetime
) -> OwnershipOffer | None:
    tenant_text, owner_text = request.subscription_tenant_id, request.subscription_owner_id
    if tenant_text is None and owner_text is None:
        return None
    if tenant_text is None or owner_text is None:
        raise InvalidParameter(
            "An ownership transfer names both subscriptionTenantId and subscriptionOwnerId."
        )
    tenant = get_tenant(connection, tenant_text) if is_guid(tenant_text) else None
    if tenant is None:
        raise TransferRefused(f"There is no tenant '{tenant_text}'.")
    if tenant.id == subscription.tenant_id:
        raise TransferRefused(
            f"Subscription '{subscription.id}' already belongs to tenant {tenant.id}."
        )
    owner_id, _ = owner_in(connection, owner_text, tenant.id)
    return OwnershipOffer(tenant.id, owner_id, now)


# -- acceptance --------------------------------------------------------------------------


def accept_ownership(
    plane: ControlPlane,
    caller: Caller,
    subscription_id: str,
    display_name: str | None,
    management_group_id: object = None,
) -> Transfer:
    """The offered owner, signed in to the destination tenant, takes the subscription
    (the middleware records the request in its activity log).

    A `management_group_id` (any value but None) is refused: the subscription always
    arrives at the root of the destination tenant's management-group tree."""
    if management_group_id is not None:
        raise InvalidParameter(
            "managementGroupId is not supported: the subscription arrives at the root of "
            "the tenant's management-group tree."
        )
    name = checked_display_name(display_name)
    key = str(uuid.UUID(subscription_id)) if is_guid(subscription_id) else None
    now = plane.clock()
    with plane.change() as change:
        alias = latest_offer(change.connection, key) if key else None
        offer = alias.offer if alias else None
        if alias is None or offer is None or not _is_offered_to(offer, caller):
            raise OwnershipTransferNotFound(subscription_id)
        state = offer.state_at(now)
        if state is AcceptOwnership.EXPIRED:
            raise OwnershipTransferExpired(subscription_id)
        subscription = existing_subscription(change.connection, alias.subscription_id)
        if state is AcceptOwnership.COMPLETED or not accept_offer(change.connection, alias, now):
            return Transfer(subscription, subscription.tenant_id, (), ())
        owner = owner_in(change.connection, offer.owner_id, offer.tenant_id)
        transfer = move(
            change,
            plane,
            subscription,
            offer.tenant_id,
            owner,
            name,
            caller.object_id,
        )
    return transfer


def _is_offered_to(offer: OwnershipOffer, caller: Caller) -> bool:
    return (
        not caller.is_foreign
        and caller.object_id == offer.owner_id
        and caller.tenant_id == offer.tenant_id
    )


def offer_status(plane: ControlPlane, caller: Caller, subscription_id: str) -> OfferStatus:
    """The latest offer of the subscription, for its owner-to-be or anyone who may read
    the subscription (on either side of the move)."""
    key = str(uuid.UUID(subscription_id)) if is_guid(subscription_id) else None
    with plane.database.connect() as connection:
        alias = latest_offer(connection, key) if key else None
        subscription = get_subscription(connection, key) if key else None
        owner = get_user(connection, alias.offer.owner_id) if alias and alias.offer else None
    if alias is None or alias.offer is None or subscription is None:
        raise OwnershipTransferNotFound(subscription_id)
    scope = f"/subscriptions/{subscription.id}"
    readable = plane.engine.is_allowed(caller, READ_SUBSCRIPTION, scope)
    if not (_is_offered_to(alias.offer, caller) or readable):
        raise OwnershipTransferNotFound(subscription_id)
    state = alias.offer.state_at(plane.clock())
    name = owner.user_principal_name if owner else None
    return OfferStatus(alias, alias.offer, state, subscription, name)


def moved_to(plane: ControlPlane, caller: Caller, subscription_id: str) -> bool:
    """Whether the subscription now belongs to the caller's tenant (a finished move)."""
    if caller.is_foreign or not is_guid(subscription_id):
        return False
    with plane.database.connect() as connection:
        found = get_subscription(connection, subscription_id)
    return found is not None and found.tenant_id == caller.tenant_id
