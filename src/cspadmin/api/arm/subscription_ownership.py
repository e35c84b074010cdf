"""Accepting a subscription offered by another tenant (Microsoft.Subscription,
api-version 2021-10-01): the step that moves it.

    POST /providers/Microsoft.Subscription/subscriptions/{id}/acceptOwnership
         {"properties": {"displayName": "…"}}     202, Location: the operation, Retry-After: 0
    GET  /providers/Microsoft.Subscription/subscriptions/{id}/acceptOwnershipStatus
    GET  /providers/Microsoft.Subscription/subscriptionOperations/{id}
         200 {"subscriptionLink": "/subscriptions/{id}"} once the subscription is the caller's

The move is done before the 202 is answered; the operation id is the subscription id, so
any replica answers the poll. The offer is made with an alias (`aliases`); the rules are
`services.ownership_offers` (and the move, `services.subscription_move`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response

from cspadmin.api.activity import note_operation
from cspadmin.api.arm.common import ArmPrincipal, State, api_version
from cspadmin.api.arm.providers import catalogue_versions
from cspadmin.api.bodies import invalid_content
from cspadmin.domain.csp import InvalidParameter
from cspadmin.errors import NotFound
from cspadmin.services.ownership_offers import (
    ACCEPT,
    accept_ownership,
    moved_to,
    offer_status,
)

router = APIRouter()
VERSIONS = catalogue_versions("Microsoft.Subscription/subscriptions")
VERSION = VERSIONS[0]
Version = Annotated[str, Depends(api_version(*VERSIONS))]
JsonBody = Annotated[Any, Body()]
_BASE = "/providers/Microsoft.Subscription"


class OperationNotFound(NotFound):
    code = "OperationNotFound"

    def __init__(self, operation_id: str) -> None:
        super().__init__(f"The operation '{operation_id}' could not be found.")


def _properties(body: Any) -> dict[str, Any]:
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        raise invalid_content("the 'properties' object is required")
    return props


@router.post(
    _BASE + "/subscriptions/{subscription_id}/acceptOwnership",
    status_code=202,
    response_class=Response,
    responses={202: {"description": "Accepted: poll the Location header"}},
)
def accept(
    subscription_id: str,
    request: Request,
    state: State,
    principal: ArmPrincipal,
    _: Version,
    body: JsonBody,
) -> Response:
    note_operation(request, ACCEPT, f"/subscriptions/{subscription_id}")
    props = _properties(body)
    name = props.get("displayName")
    if name is not None and not isinstance(name, str):
        raise InvalidParameter("displayName must be a string.")
    done = accept_ownership(
        state.plane, principal.caller, subscription_id, name, props.get("managementGroupId")
    )
    location = (
        f"{state.endpoints.authority}{_BASE}/subscriptionOperations/"
        f"{done.subscription.id}?api-version={VERSION}"
    )
    return Response(status_code=202, headers={"Location": location, "Retry-After": "0"})


@router.get(_BASE + "/subscriptions/{subscription_id}/acceptOwnershipStatus")
def status(
    subscription_id: str, state: State, principal: ArmPrincipal, _: Version
) -> dict[str, Any]:
    found = offer_status(state.plane, principal.caller, subscription_id)
    return {
        "subscriptionId": found.subscription.id,
        "acceptOwnershipState": found.state.value,
        "billingOwner": found.owner_name,
        "subscriptionTenantId": found.offer.tenant_id,
        "displayName": found.subscription.display_name,
        "tags": {},
    }


@router.get(_BASE + "/subscriptionOperations/{operation_id}")
def operation(
    operation_id: str, state: State, principal: ArmPrincipal, _: Version
) -> dict[str, Any]:
    """Finished once the subscription belongs to the caller's tenant."""
    if not moved_to(state.plane, principal.caller, operation_id):
        raise OperationNotFound(operation_id)
    return {"subscriptionLink": f"/subscriptions/{operation_id.lower()}"}
