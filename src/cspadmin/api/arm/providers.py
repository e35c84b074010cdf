"""Resource providers (Microsoft.Resources, api-version 2024-11-01 and older).

    GET  /subscriptions/{s}/providers                  every provider, registered
    GET  /subscriptions/{s}/providers/{namespace}      one provider; 404 InvalidResourceNamespace
    POST /subscriptions/{s}/providers/{namespace}/register   a no-op: all are registered
    GET  /providers, /providers/{namespace}            the same, at tenant level

The catalogue is data (`providers.json`): namespaces, resource types, api-versions and
regions, plus every namespace and type the store holds resources of. It is also what
checks a resource request: `az resource` picks the first non-preview `apiVersions` entry
of the type, and a request with an api-version the type does not list is refused with
400 NoRegisteredProviderFound, as ARM does.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from cspadmin.api.activity import note_operation
from cspadmin.api.arm.common import ArmPrincipal, State, api_version, authorize, page
from cspadmin.api.auth import Principal
from cspadmin.api.state import AppState
from cspadmin.authz.decision import MissingLinkKind
from cspadmin.domain.scope import is_guid
from cspadmin.errors import AuthorizationFailed, BadRequest, NotFound, SubscriptionNotFound
from cspadmin.services.resources import normalize_location
from cspadmin.store.estate import stored_resource_types

router = APIRouter()
READ_PROVIDERS = "Microsoft.Resources/subscriptions/providers/read"


class InvalidResourceNamespace(NotFound):
    code = "InvalidResourceNamespace"

    def __init__(self, namespace: str) -> None:
        super().__init__(f"The resource namespace '{namespace}' is invalid.")


class NoRegisteredProviderFound(BadRequest):
    code = "NoRegisteredProviderFound"


class InvalidResourceType(BadRequest):
    code = "InvalidResourceType"


class LocationNotAvailable(BadRequest):
    code = "LocationNotAvailableForResourceType"


@dataclass(frozen=True, slots=True)
class ResourceTypeEntry:
    """One resource type of a provider: `resource_type` is below the namespace
    (`storageAccounts/blobServices`); `locations` None means every region."""

    namespace: str
    resource_type: str
    api_versions: tuple[str, ...]
    locations: tuple[str, ...] | None

    @property
    def full_type(self) -> str:
        return f"{self.namespace}/{self.resource_type}"


class Catalogue:
    """The providers this control plane offers, from `providers.json`."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.regions: dict[str, str] = dict(document["regions"])
        self.fallback = tuple(document["fallbackApiVersions"])
        sets: dict[str, list[str]] = document["apiVersionSets"]
        self.namespaces: dict[str, str] = {}
        self.types: dict[str, ResourceTypeEntry] = {}
        for provider in document["providers"]:
            namespace = provider["namespace"]
            self.namespaces[namespace.lower()] = namespace
            for item in provider["resourceTypes"]:
                versions = item["apiVersions"]
                versions = sets[versions] if isinstance(versions, str) else versions
                locations = item.get("locations")
                entry = ResourceTypeEntry(
                    namespace,
                    item["resourceType"],
                    stable_first(versions),
                    None if locations is None else tuple(locations),
                )
                self.types[entry.full_type.lower()] = entry

    def entry(self, full_type: str, stored: Collection[str] = ()) -> ResourceTypeEntry | None:
        """The type's entry; a type only the store knows borrows its parent's versions."""
        found = self.types.get(full_type.lower())
        if found is not None:
            return found
        if full_type.lower() not in {s.lower() for s in stored}:
            return None
        namespace, _, below = full_type.partition("/")
        parent = full_type.rsplit("/", 1)[0]
        versions = self.fallback
        while "/" in parent:
            hit = self.types.get(parent.lower())
            if hit is not None:
                versions = hit.api_versions
                break
            parent = parent.rsplit("/", 1)[0]
        namespace = self.namespaces.get(namespace.lower(), namespace)
        return ResourceTypeEntry(namespace, below, versions, None)

    def provider(self, namespace: str, stored: Collection[str]) -> list[ResourceTypeEntry] | None:
        """The provider's types, catalogue and store together; None when unknown."""
        prefix = namespace.lower() + "/"
        entries = [e for key, e in self.types.items() if key.startswith(prefix)]
        known = {e.full_type.lower() for e in entries}
        for full_type in stored:
            if full_type.lower().startswith(prefix) and full_type.lower() not in known:
                extra = self.entry(full_type, stored)
                if extra is not None:
                    entries.append(extra)
                    known.add(full_type.lower())
        return entries or None

    def region_names(self, entry: ResourceTypeEntry) -> list[str]:
        if entry.locations is None:
            return list(self.regions.values())
        return list(entry.locations)

    def is_region(self, location: str) -> bool:
        return normalize_location(location) in self.regions


def stable_first(versions: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Newest first, every stable version before any preview: az takes the first stable."""
    ordered = sorted(set(versions), reverse=True)
    return tuple(
        [v for v in ordered if "preview" not in v.lower()]
        + [v for v in ordered if "preview" in v.lower()]
    )


@cache
def catalogue() -> Catalogue:
    text = resources.files("cspadmin.api.arm").joinpath("providers.json").read_text("utf-8")
    return Catalogue(json.loads(text))


def catalogue_versions(full_type: str) -> tuple[str, ...]:
    """A type's api-versions, from the provider catalogue (`providers.json`): what a
    route serving that type accepts, so the route and the catalogue cannot disagree."""
    entry = catalogue().entry(full_type)
    assert entry is not None, full_type
    return entry.api_versions


def resources_api_versions() -> tuple[str, ...]:
    """The api-versions of Microsoft.Resources (resource groups, lists, operations)."""
    return catalogue_versions("Microsoft.Resources/resourceGroups")


Version = Annotated[str, Depends(api_version(*resources_api_versions()))]


def check_resource_request(
    state: AppState, full_type: str, version: str, location: str | None = None
) -> ResourceTypeEntry:
    """The type's catalogue entry, if this api-version (and location) may address it."""
    book = catalogue()
    entry = book.entry(full_type) or _stored_entry(state, full_type, version)
    if version not in entry.api_versions:
        raise NoRegisteredProviderFound(
            f"No registered resource provider found for location '{location or 'global'}' and "
            f"API version '{version}' for type '{entry.resource_type}'. The supported "
            f"api-versions are '{', '.join(entry.api_versions)}'. The supported locations "
            f"are '{', '.join(normalize_location(r) for r in book.region_names(entry))}'."
        )
    if location and not _offered(book, entry, location):
        raise LocationNotAvailable(
            f"The provided location '{location}' is not available for resource type "
            f"'{entry.full_type}'. List of available regions for the resource type is "
            f"'{','.join(normalize_location(r) for r in book.region_names(entry))}'."
        )
    return entry


def _stored_entry(state: AppState, full_type: str, version: str) -> ResourceTypeEntry:
    """A type outside the catalogue, known because the store holds resources of it."""
    namespace, _, resource_type = full_type.partition("/")
    with state.plane.database.connect() as connection:
        stored = stored_resource_types(connection, namespace)
    entry = catalogue().entry(full_type, stored)
    if entry is not None:
        return entry
    if namespace.lower() not in catalogue().namespaces and not stored:
        raise NoRegisteredProviderFound(
            f"No registered resource provider found for API version '{version}' and "
            f"namespace '{namespace}'."
        )
    raise InvalidResourceType(
        f"The resource type '{resource_type}' could not be found in the namespace "
        f"'{namespace}' for api version '{version}'."
    )


def _offered(book: Catalogue, entry: ResourceTypeEntry, location: str) -> bool:
    wanted = normalize_location(location)
    if wanted == "global" or entry.locations == ():
        return True  # a non-regional type ignores the location it is given
    return any(normalize_location(r) == wanted for r in book.region_names(entry))


class InvalidSubscriptionId(BadRequest):
    code = "InvalidSubscriptionId"

    def __init__(self, subscription_id: str) -> None:
        super().__init__(
            f"The provided subscription identifier '{subscription_id}' is malformed or invalid."
        )


def subscription_scope(subscription_id: str) -> str:
    """`/subscriptions/{id}`, or 400 InvalidSubscriptionId when the id is not a GUID."""
    if not is_guid(subscription_id):
        raise InvalidSubscriptionId(subscription_id)
    return f"/subscriptions/{subscription_id}"


def authorize_at(state: AppState, principal: Principal, action: str, scope: str) -> None:
    """`authorize`, except that a subscription the control plane does not know is
    404 SubscriptionNotFound, as ARM answers for a subscription id that names nothing."""
    decision = state.plane.engine.decide(principal.caller, action, scope)
    if decision.allowed:
        return
    if decision.missing is not None and decision.missing.kind is MissingLinkKind.UNKNOWN_SCOPE:
        raise SubscriptionNotFound(scope.split("/")[2])
    authorize(state, principal, action, scope)


def require_tenant_access(state: AppState, principal: Principal, subscription_id: str) -> None:
    """The subscription must exist and belong to the caller's tenant (for a partner user,
    through delegated access). No role is needed: ARM lets anyone who works in a
    subscription discover its providers and poll its operations."""
    scope = subscription_scope(subscription_id)
    decision = state.plane.engine.decide(principal.caller, READ_PROVIDERS, scope)
    if decision.allowed or decision.missing is None:
        return
    kind = decision.missing.kind
    if kind is MissingLinkKind.UNKNOWN_SCOPE:
        raise SubscriptionNotFound(subscription_id)
    if kind in (MissingLinkKind.WRONG_TENANT, MissingLinkKind.NO_DELEGATED_ACCESS):
        raise AuthorizationFailed(
            principal.name,
            principal.caller.object_id,
            READ_PROVIDERS,
            scope,
            decision.missing.message,
        )


def provider_json(
    namespace: str, entries: list[ResourceTypeEntry], subscription_id: str | None
) -> dict[str, Any]:
    book = catalogue()
    canonical = entries[0].namespace if entries else namespace
    base = f"/subscriptions/{subscription_id}" if subscription_id else ""
    body: dict[str, Any] = {"id": f"{base}/providers/{canonical}", "namespace": canonical}
    if subscription_id:
        body["registrationState"] = "Registered"
        body["registrationPolicy"] = "RegistrationRequired"
    body["resourceTypes"] = [
        {
            "resourceType": e.resource_type,
            "locations": book.region_names(e),
            "apiVersions": list(e.api_versions),
        }
        for e in entries
    ]
    return body


def _provider(state: AppState, namespace: str) -> list[ResourceTypeEntry]:
    with state.plane.database.connect() as connection:
        stored = stored_resource_types(connection, namespace)
    entries = catalogue().provider(namespace, stored)
    if entries is None:
        raise InvalidResourceNamespace(namespace)
    return entries


def _all_providers(state: AppState) -> list[tuple[str, list[ResourceTypeEntry]]]:
    with state.plane.database.connect() as connection:
        stored = stored_resource_types(connection)
    book = catalogue()
    names = dict(book.namespaces)
    for full_type in stored:
        namespace = full_type.split("/", 1)[0]
        names.setdefault(namespace.lower(), namespace)
    found = []
    for name in sorted(names.values(), key=str.lower):
        entries = book.provider(name, stored)
        if entries:
            found.append((name, entries))
    return found


@router.get("/subscriptions/{subscription_id}/providers")
def list_providers(
    subscription_id: str, state: State, principal: ArmPrincipal, _: Version
) -> dict[str, Any]:
    require_tenant_access(state, principal, subscription_id)
    return page([provider_json(n, e, subscription_id) for n, e in _all_providers(state)])


@router.get("/subscriptions/{subscription_id}/providers/{namespace}")
def get_provider(
    subscription_id: str, namespace: str, state: State, principal: ArmPrincipal, _: Version
) -> dict[str, Any]:
    require_tenant_access(state, principal, subscription_id)
    return provider_json(namespace, _provider(state, namespace), subscription_id)


@router.post("/subscriptions/{subscription_id}/providers/{namespace}/register")
def register_provider(
    subscription_id: str,
    namespace: str,
    request: Request,
    state: State,
    principal: ArmPrincipal,
    _: Version,
) -> dict[str, Any]:
    """Every provider is registered already; registering again answers the provider."""
    scope = f"/subscriptions/{subscription_id}"
    note_operation(request, f"{namespace}/register/action", scope)
    require_tenant_access(state, principal, subscription_id)
    authorize(state, principal, f"{namespace}/register/action", scope)
    return provider_json(namespace, _provider(state, namespace), subscription_id)


@router.get("/providers")
def list_tenant_providers(state: State, principal: ArmPrincipal, _: Version) -> dict[str, Any]:
    return page([provider_json(n, e, None) for n, e in _all_providers(state)])


@router.get("/providers/{namespace}")
def get_tenant_provider(
    namespace: str, state: State, principal: ArmPrincipal, _: Version
) -> dict[str, Any]:
    return provider_json(namespace, _provider(state, namespace), None)
