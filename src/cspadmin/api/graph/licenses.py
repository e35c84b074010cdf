"""Licensing: `subscribedSkus`, a user's `assignLicense` and `licenseDetails`
(partner-center-wire.md §6).

`subscribedSkus` and `licenseDetails` take `$select` and no other query option, as Graph
documents. assignLicense needs both `addLicenses` and `removeLicenses`, as Graph does (its
400 names the missing ones), with GUIDs in them; its answer is the user with Graph's
default properties, its `assignedLicenses` and its `assignedPlans`. The rule itself is
`domain.licensing.assign_licenses`; who may call it, `services.directory.rules`.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from cspadmin.api.activity import note_operation
from cspadmin.api.auth import GraphPrincipal
from cspadmin.api.graph import wire
from cspadmin.api.graph.odata import Queryable, bad_request, parse_select
from cspadmin.api.state import state_of
from cspadmin.domain.directory import Tenant
from cspadmin.domain.licensing import AssignedLicense, LicenseChange, SubscribedSku
from cspadmin.services.directory import licenses as service
from cspadmin.services.directory.errors import invalid_value
from cspadmin.services.directory.licenses import LicenseDetails

router = APIRouter()


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class AssignedLicenseBody(_Body):
    sku_id: str | None = None
    disabled_plans: list[str] | None = None

    def license(self) -> AssignedLicense:
        if self.sku_id is None:
            raise invalid_value("skuId", "AssignedLicense")
        return AssignedLicense(
            _guid(self.sku_id), tuple(_guid(p) for p in self.disabled_plans or ())
        )


class AssignLicenseBody(_Body):
    add_licenses: list[AssignedLicenseBody] | None = None
    remove_licenses: list[str] | None = None

    def change(self) -> LicenseChange:
        missing = [
            to_camel(name)
            for name in ("add_licenses", "remove_licenses")
            if getattr(self, name) is None
        ]
        if missing:
            raise bad_request(
                "One or more parameters of the operation 'assignLicense' are missing from the "
                f"request payload. The missing parameters are: {', '.join(missing)}."
            )
        assert self.add_licenses is not None and self.remove_licenses is not None
        return LicenseChange(
            tuple(entry.license() for entry in self.add_licenses),
            tuple(_guid(sku_id) for sku_id in self.remove_licenses),
        )


def _guid(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise bad_request(
            "Cannot convert a primitive value to the expected type 'Edm.Guid'. "
            "See the inner exception for more details."
        ) from None


def subscribed_sku_json(account: Tenant, sku: SubscribedSku) -> wire.Json:
    return {
        "accountName": account.display_name,
        "accountId": account.id,
        "appliesTo": sku.sku.applies_to,
        "capabilityStatus": "Enabled",
        "consumedUnits": sku.consumed_units,
        "id": sku.id,
        "prepaidUnits": {
            "enabled": sku.prepaid_units,
            "lockedOut": 0,
            "suspended": 0,
            "warning": 0,
        },
        "servicePlans": [
            {
                "servicePlanId": plan.id,
                "servicePlanName": plan.name,
                "provisioningStatus": "Success",
                "appliesTo": plan.applies_to,
            }
            for plan in sku.sku.service_plans
        ],
        "skuId": sku.sku.id,
        "skuPartNumber": sku.sku.part_number,
        "subscriptionIds": [subscription_id(sku)],
    }


_SUBSCRIPTIONS = uuid.UUID("5e0c3a8e-6a43-4c1f-9b7e-2a4f0d6c1b93")


def subscription_id(sku: SubscribedSku) -> str:
    """The commerce subscription behind a SKU: stable, as this server bills nothing."""
    return str(uuid.uuid5(_SUBSCRIPTIONS, sku.id))


def license_details_json(details: LicenseDetails) -> wire.Json:
    disabled = set(details.license.disabled_plans)
    return {
        "id": license_details_id(details.tenant_id, details.sku.id),
        "skuId": details.sku.id,
        "skuPartNumber": details.sku.part_number,
        "servicePlans": [
            {
                "servicePlanId": plan.id,
                "servicePlanName": plan.name,
                "provisioningStatus": "Disabled" if plan.id in disabled else "Success",
                "appliesTo": plan.applies_to,
            }
            for plan in details.sku.service_plans
        ],
    }


def license_details_id(tenant_id: str, sku_id: str) -> str:
    """Graph's licenseDetails id: the tenant's and the SKU's GUID bytes, base64url without
    padding (as the ids in Graph's documented example decode)."""
    raw = uuid.UUID(tenant_id).bytes_le + uuid.UUID(sku_id).bytes_le
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


SUBSCRIBED_SKUS = Queryable(
    "subscribedSku",
    {},
    (),
    (
        "accountName",
        "accountId",
        "appliesTo",
        "capabilityStatus",
        "consumedUnits",
        "id",
        "prepaidUnits",
        "servicePlans",
        "skuId",
        "skuPartNumber",
        "subscriptionIds",
    ),
)
LICENSE_DETAILS = Queryable(
    "licenseDetails", {}, (), ("id", "skuId", "skuPartNumber", "servicePlans")
)


def _select_only(request: Request, queryable: Queryable) -> tuple[str, ...] | None:
    """`$select`, and a 400 for any other query option."""
    select: str | None = None
    for name, value in request.query_params.items():
        option = name if name.startswith("$") else f"${name}"
        if option.lower() != "$select":
            raise bad_request(f"Query option '{option}' is not supported on this resource.")
        select = value
    return parse_select(select, queryable)


def _collection(
    request: Request, entity_set: str, items: list[wire.Json], select: Sequence[str] | None
) -> wire.Json:
    return {"@odata.context": wire.context(request, entity_set, select), "value": items}


@router.get("/subscribedSkus")
def list_subscribed_skus(request: Request, principal: GraphPrincipal) -> wire.Json:
    select = _select_only(request, SUBSCRIBED_SKUS)
    found = service.list_subscribed_skus(state_of(request).plane, principal.caller)
    items = [
        wire.selected(subscribed_sku_json(found.account, s), select, SUBSCRIBED_SKUS.selectable)
        for s in found.skus
    ]
    return _collection(request, "subscribedSkus", items, select)


@router.get("/subscribedSkus/{sku_key}")
def get_subscribed_sku(sku_key: str, request: Request, principal: GraphPrincipal) -> wire.Json:
    select = _select_only(request, SUBSCRIBED_SKUS)
    found = service.get_subscribed_sku(state_of(request).plane, principal.caller, sku_key)
    body = subscribed_sku_json(found.account, found.skus[0])
    return wire.entity(
        request, "subscribedSkus", wire.selected(body, select, SUBSCRIBED_SKUS.selectable), select
    )


@router.post("/users/{key}/assignLicense")
def assign_license(
    key: str, body: AssignLicenseBody, request: Request, principal: GraphPrincipal
) -> wire.Json:
    operation = "microsoft.directory/users/assignLicense"
    note_operation(request, operation, f"/users/{key}")
    change = body.change()
    result = service.assign_license(state_of(request).plane, principal.caller, key, change)
    note_operation(request, operation, f"/users/{result.profile.user.id}")
    shown = (*wire.USER_DEFAULT, "assignedLicenses", "assignedPlans")
    user = wire.selected(wire.user_json(result.profile, result.licenses), shown, shown)
    return wire.entity(request, "users", user)


@router.get("/users/{key}/licenseDetails")
def list_license_details(key: str, request: Request, principal: GraphPrincipal) -> wire.Json:
    select = _select_only(request, LICENSE_DETAILS)
    found = service.license_details(state_of(request).plane, principal.caller, key)
    items = [
        wire.selected(license_details_json(d), select, LICENSE_DETAILS.selectable)
        for d in found.details
    ]
    return _collection(request, f"users('{found.user_id}')/licenseDetails", items, select)
