"""Graph's JSON for directory objects and collections (azure-wire.md §5, az-cli-notes §5).

Each object renders in full here; a response carries Graph's default property set of its
type unless `$select` names others. Objects in directoryObject collections (members,
getByIds) carry their `@odata.type`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import Request

from cspadmin.api.graph.odata import Queryable, next_link
from cspadmin.domain.directory import ServicePrincipal, User
from cspadmin.domain.licensing import AssignedLicense, assigned_plans
from cspadmin.services.directory.directory_roles import ActivatedRole
from cspadmin.services.directory.objects import DirectoryObject, PartnerReference
from cspadmin.services.directory.paging import Page
from cspadmin.store.directory_profiles import GroupProfile, UserProfile

Json = dict[str, Any]


def _when(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _nickname(display_name: str) -> str:
    return "".join(ch for ch in display_name if ch.isascii() and ch.isalnum())[:64] or "group"


def group_json(group: GroupProfile) -> Json:
    created = _when(group.created_at)
    return {
        "id": group.id,
        "deletedDateTime": None,
        "classification": None,
        "createdDateTime": created,
        "description": group.description or None,
        "displayName": group.display_name,
        "expirationDateTime": None,
        "groupTypes": [],
        "isAssignableToRole": None,
        "mail": None,
        "mailEnabled": False,
        "mailNickname": group.mail_nickname or _nickname(group.display_name),
        "membershipRule": None,
        "membershipRuleProcessingState": None,
        "onPremisesLastSyncDateTime": None,
        "onPremisesSecurityIdentifier": None,
        "onPremisesSyncEnabled": None,
        "preferredDataLocation": None,
        "preferredLanguage": None,
        "proxyAddresses": [],
        "renewedDateTime": created,
        "resourceBehaviorOptions": [],
        "resourceProvisioningOptions": [],
        "securityEnabled": True,
        "theme": None,
        "visibility": None,
        "onPremisesProvisioningErrors": [],
    }


GROUP_DEFAULT: tuple[str, ...] = tuple(group_json(GroupProfile("", "", "")))


def user_json(profile: UserProfile, licenses: Sequence[AssignedLicense] | None = None) -> Json:
    """Every user property this server knows; USER_DEFAULT is what Graph returns unasked.

    `assignedLicenses` and `assignedPlans` are there only when `licenses` is given: a
    caller that did not look them up gets no property rather than a wrong empty list.
    """
    user = profile.user
    domain = user.user_principal_name.rpartition("@")[2]
    body: Json = {
        "id": user.id,
        "businessPhones": [],
        "displayName": user.display_name,
        "givenName": profile.given_name,
        "jobTitle": None,
        "mail": None,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": None,
        "surname": profile.surname,
        "userPrincipalName": user.user_principal_name,
        "accountEnabled": user.account_enabled,
        "createdDateTime": _when(profile.created_at),
        "creationType": None,
        "deletedDateTime": None,
        "department": None,
        "companyName": None,
        "employeeId": None,
        "externalUserState": None,
        "identities": [
            {
                "signInType": "userPrincipalName",
                "issuer": domain,
                "issuerAssignedId": user.user_principal_name,
            }
        ],
        "imAddresses": [],
        "mailNickname": profile.mail_nickname or user.user_principal_name.partition("@")[0],
        "onPremisesImmutableId": None,
        "onPremisesSyncEnabled": None,
        "otherMails": [],
        "passwordPolicies": None,
        "passwordProfile": None,
        "proxyAddresses": [],
        "usageLocation": user.usage_location,
        "userType": "Member",
    }
    if licenses is not None:
        body["assignedLicenses"] = [
            {"disabledPlans": list(lic.disabled_plans), "skuId": lic.sku_id} for lic in licenses
        ]
        body["assignedPlans"] = [
            {
                "assignedDateTime": _when(plan.assigned_at),
                "capabilityStatus": plan.capability_status,
                "service": plan.service,
                "servicePlanId": plan.service_plan_id,
            }
            for plan in assigned_plans(licenses)
        ]
    return body


USER_DEFAULT: tuple[str, ...] = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)


def service_principal_json(sp: ServicePrincipal) -> Json:
    return {
        "id": sp.id,
        "deletedDateTime": None,
        "accountEnabled": True,
        "alternativeNames": [],
        "appDisplayName": sp.display_name,
        "appId": sp.app_id,
        "appOwnerOrganizationId": sp.tenant_id,
        "displayName": sp.display_name,
        "servicePrincipalNames": [sp.app_id],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMyOrg",
        "tags": [],
    }


def partner_reference_json(reference: PartnerReference) -> Json:
    return {
        "id": reference.id,
        "deletedDateTime": None,
        "description": reference.description or None,
        "displayName": reference.display_name,
        "externalPartnerTenantId": reference.partner_tenant_id,
        "objectType": reference.object_type,
    }


def directory_role_json(role: ActivatedRole) -> Json:
    return {
        "id": role.id,
        "deletedDateTime": None,
        "description": role.role.description,
        "displayName": role.role.display_name,
        "roleTemplateId": role.role.template_id,
    }


def directory_object_json(item: DirectoryObject, select: Sequence[str] | None) -> Json:
    """An object of a directoryObject collection, with its `@odata.type`."""
    if isinstance(item, UserProfile):
        kind, body, default = "user", user_json(item), USER_DEFAULT
    elif isinstance(item, GroupProfile):
        kind, body, default = "group", group_json(item), GROUP_DEFAULT
    elif isinstance(item, ServicePrincipal):
        kind, body = "servicePrincipal", service_principal_json(item)
        default = tuple(body)
    else:
        kind, body = "directoryObjectPartnerReference", partner_reference_json(item)
        default = tuple(body)
    chosen = [p for p in select if p in body] if select is not None else default
    return {"@odata.type": f"#microsoft.graph.{kind}", **{p: body[p] for p in chosen}}


def selected(body: Json, select: Sequence[str] | None, default: Sequence[str]) -> Json:
    return {p: body.get(p) for p in (select if select is not None else default)}


def context(request: Request, entity_set: str, select: Sequence[str] | None = None) -> str:
    """`@odata.context`: `…/v1.0/$metadata#groups`, `#groups(displayName,id)`, …"""
    chosen = f"({','.join(select)})" if select else ""
    return f"{request.base_url}v1.0/$metadata#{entity_set}{chosen}"


def entity(
    request: Request, entity_set: str, body: Json, select: Sequence[str] | None = None
) -> Json:
    return {"@odata.context": context(request, entity_set, select) + "/$entity", **body}


def collection(
    request: Request,
    entity_set: str,
    page: Page[Any],
    items: list[Json],
    select: Sequence[str] | None = None,
) -> Json:
    return page_of(request, context(request, entity_set, select), page, items)


def page_of(request: Request, odata_context: str, page: Page[Any], items: list[Json]) -> Json:
    """One page of a collection: its context, `@odata.count` when asked, the next link."""
    body: Json = {"@odata.context": odata_context}
    if page.total is not None:
        body["@odata.count"] = page.total
    if page.next_offset is not None:
        body["@odata.nextLink"] = next_link(request, page.next_offset)
    body["value"] = items
    return body


GROUPS = Queryable(
    "group",
    {"displayName": "display_name", "mailNickname": "mail_nickname", "id": "id"},
    ("displayName", "mailNickname"),
    GROUP_DEFAULT,
)
USERS = Queryable(
    "user",
    {
        "userPrincipalName": "user_principal_name",
        "displayName": "display_name",
        "mailNickname": "mail_nickname",
        "givenName": "given_name",
        "surname": "surname",
        "id": "id",
    },
    ("userPrincipalName", "displayName", "mailNickname", "givenName", "surname"),
    tuple(user_json(UserProfile(User("", "", "", "")), ())),
)
USER_LICENSE_PROPERTIES = frozenset({"assignedLicenses", "assignedPlans"})
"""User properties that need the user's licenses looked up."""
DIRECTORY_OBJECTS = Queryable(
    "directoryObject",
    {},
    (),
    tuple(
        dict.fromkeys(
            [
                *USERS.selectable,
                *GROUPS.selectable,
                *service_principal_json(ServicePrincipal("", "", "", "")),
                *partner_reference_json(PartnerReference("", "", "", "")),
            ]
        )
    ),
)
DIRECTORY_ROLES = Queryable(
    "directoryRole",
    {},
    (),
    ("id", "deletedDateTime", "description", "displayName", "roleTemplateId"),
)
