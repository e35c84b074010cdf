"""Subscription aliases (Microsoft.Subscription, api-version 2021-10-01 and 2020-09-01).

    PUT    /providers/Microsoft.Subscription/aliases/{alias}   201 created, 200 existing
    GET    /providers/Microsoft.Subscription/aliases/{alias}   404 AliasNotFound
    DELETE /providers/Microsoft.Subscription/aliases/{alias}   200, or 204 when none
    GET    /providers/Microsoft.Subscription/aliases

A PUT with `billingScope` creates a CSP subscription (`services.csp_subscriptions`); one
with `subscriptionId` names an existing subscription and may offer it to another tenant
(`services.ownership_offers`). Creation is synchronous: the answer already says
`provisioningState: Succeeded`, which ends azure-core's poller on the first response.
Property names are matched ignoring case (Microsoft's MPA article sends `DisplayName`).
Partner Center's refusals of the caller are 403 AuthorizationFailed over the billing
scope (`billing.partner_refusals`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.responses import JSONResponse

from cspadmin.api.activity import ARM_CORRELATION, note_operation
from cspadmin.api.arm.billing import partner_refusals
from cspadmin.api.arm.common import ArmPrincipal, State, api_version, page
from cspadmin.api.arm.providers import catalogue_versions
from cspadmin.api.auth import initiator
from cspadmin.api.bodies import field, invalid_content
from cspadmin.domain.csp import ALIAS_PREFIX
from cspadmin.domain.scope import MAX_ID_LENGTH
from cspadmin.services import ownership_offers
from cspadmin.services.csp_subscriptions import ALIAS_WRITE
from cspadmin.services.subscription_aliases import (
    AliasOutcome,
    AliasRequest,
    alias_of,
    aliases_of,
    create_by_alias,
    remove_alias,
)

router = APIRouter()
VERSIONS = catalogue_versions("Microsoft.Subscription/aliases")
Version = Annotated[str, Depends(api_version(*VERSIONS))]
JsonBody = Annotated[Any, Body()]
ALIAS_DELETE = "Microsoft.Subscription/aliases/delete"
_ALIAS = ALIAS_PREFIX + "{name}"
_STRINGS = ("displayName", "billingScope", "workload", "resellerId", "subscriptionId")
_ADDITIONAL = ("managementGroupId", "subscriptionTenantId", "subscriptionOwnerId")


def alias_json(outcome: AliasOutcome, now: datetime) -> dict[str, Any]:
    alias, subscription = outcome.alias, outcome.subscription
    properties: dict[str, Any] = {
        "subscriptionId": subscription.id,
        "displayName": subscription.display_name,
        "provisioningState": "Succeeded",
        "billingScope": alias.billing_scope,
        "workload": alias.workload.value if alias.workload else None,
        "resellerId": alias.reseller_id,
        "managementGroupId": None,
        "createdTime": alias.created_at.isoformat().replace("+00:00", "Z"),
        "tags": {},
    }
    if alias.offer is not None:
        properties["acceptOwnershipUrl"] = (
            f"/providers/Microsoft.Subscription/subscriptions/{subscription.id}/acceptOwnership"
        )
        properties["acceptOwnershipState"] = alias.offer.state_at(now).value
        properties["subscriptionOwnerId"] = alias.offer.owner_id
    return {
        "id": alias.id,
        "name": alias.name,
        "type": "Microsoft.Subscription/aliases",
        "properties": properties,
    }


def alias_request(body: Any) -> AliasRequest:
    """The `properties` of a PUT; InvalidRequestContent when they are not an alias."""
    props = field(body, "properties")
    if not isinstance(props, dict):
        raise invalid_content("the 'properties' object is required")
    extra = field(props, "additionalProperties")
    if extra is not None and not isinstance(extra, dict):
        raise invalid_content("'properties.additionalProperties' must be an object")
    values: dict[str, str | None] = {}
    for source, names in ((props, _STRINGS), (extra or {}, _ADDITIONAL)):
        for name in names:
            value = field(source, name)
            if value is not None and not isinstance(value, str):
                raise invalid_content(f"'{name}' must be a string")
            values[name] = value
    return AliasRequest(
        display_name=values["displayName"],
        billing_scope=values["billingScope"],
        workload=values["workload"],
        reseller_id=values["resellerId"],
        subscription_id=values["subscriptionId"],
        subscription_tenant_id=values["subscriptionTenantId"],
        subscription_owner_id=values["subscriptionOwnerId"],
        management_group_id=values["managementGroupId"],
    )


@router.put(_ALIAS)
def put_alias(
    name: str,
    request: Request,
    state: State,
    principal: ArmPrincipal,
    _: Version,
    body: JsonBody,
) -> JSONResponse:
    note_operation(request, ALIAS_WRITE, ALIAS_PREFIX + name)
    wanted = alias_request(body)
    who = initiator(request, principal, ARM_CORRELATION)
    if wanted.subscription_id is not None:
        outcome = ownership_offers.alias_existing(state.plane, who, name, wanted)
    else:
        scope = wanted.billing_scope or ""
        scope = scope if 0 < len(scope) <= MAX_ID_LENGTH else ALIAS_PREFIX + name
        with partner_refusals(principal, ALIAS_WRITE, scope):
            outcome = create_by_alias(state.plane, who, name, wanted)
    status = 201 if outcome.created else 200
    return JSONResponse(alias_json(outcome, state.plane.clock()), status_code=status)


@router.get(_ALIAS)
def get_alias(name: str, state: State, principal: ArmPrincipal, _: Version) -> Any:
    return alias_json(alias_of(state.plane, principal.caller, name), state.plane.clock())


@router.get(ALIAS_PREFIX.rstrip("/"))
def list_aliases(state: State, principal: ArmPrincipal, _: Version) -> Any:
    now = state.plane.clock()
    return page([alias_json(o, now) for o in aliases_of(state.plane, principal.caller)])


@router.delete(
    _ALIAS,
    response_class=Response,
    responses={200: {"description": "Deleted"}, 204: {"description": "No such alias"}},
)
def delete_alias(
    name: str, request: Request, state: State, principal: ArmPrincipal, _: Version
) -> Response:
    note_operation(request, ALIAS_DELETE, ALIAS_PREFIX + name)
    with partner_refusals(principal, ALIAS_DELETE, ALIAS_PREFIX + name):
        removed = remove_alias(state.plane, principal.caller, name)
    return Response(status_code=200 if removed else 204)
