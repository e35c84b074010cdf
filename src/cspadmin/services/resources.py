"""Provisioning and removing resource groups and resources: the rules ARM enforces.

- A group's name follows ARM's rule (InvalidResourceGroup) and its location is fixed once
  it exists (InvalidResourceGroupLocation).
- A resource needs its group (ResourceGroupNotFound) and a child resource its parent
  (ParentResourceNotFound).
- Nothing is written in a subscription that is disabled (ReadOnlyDisabledSubscription).
- Deleting a group or a resource removes everything beneath it, role assignments scoped
  there included, from the store and, once committed, from the engine: a re-created group
  of the same name starts with no grants.

Whether the caller may do any of this is not decided here; the HTTP layer asks the engine
first. Locations are compared and stored normalized (`West Europe` is `westeurope`).

    NotFound (404)       SubscriptionNotFound, ResourceGroupNotFound, ResourceNotFound,
                         ParentResourceNotFound
    BadRequest (400)     InvalidResourceGroup
    Conflict (409)       InvalidResourceGroupLocation, ReadOnlyDisabledSubscription
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection

from cspadmin.domain.estate import Resource, ResourceGroup, SubscriptionState
from cspadmin.domain.scope import MAX_ID_LENGTH, Scope, ScopeKind
from cspadmin.errors import (
    BadRequest,
    Conflict,
    NotFound,
    ResourceGroupNotFound,
    ResourceNotFound,
    SubscriptionNotFound,
)
from cspadmin.services.control_plane import Change, ControlPlane
from cspadmin.store.assignments import delete_role_assignment, list_role_assignments
from cspadmin.store.estate import (
    ResourceGroupRecord,
    ResourceRecord,
    delete_resource,
    delete_resource_group,
    find_resource_groups,
    find_resources,
    get_resource,
    get_resource_group,
    get_subscription,
    put_resource,
    put_resource_group,
)
from cspadmin.store.journal import Fact

_GROUP_NAME_CHARACTER = re.compile(r"[-\w._()]")
_READ_ONLY_STATES = {SubscriptionState.DISABLED, SubscriptionState.DELETED}


class ParentResourceNotFound(NotFound):
    code = "ParentResourceNotFound"

    def __init__(self, parent: Scope) -> None:
        name = parent.id.rsplit("/", 1)[-1]
        super().__init__(
            "Can not perform requested operation on nested resource. "
            f"Parent resource '{name}' not found."
        )


class InvalidResourceGroup(BadRequest):
    code = "InvalidResourceGroup"


class InvalidRequestContent(BadRequest):
    code = "InvalidRequestContent"


MAX_KIND = 64


def check_kind(kind: str | None) -> None:
    if kind is not None and len(kind) > MAX_KIND:
        raise InvalidRequestContent(
            f"The request content was invalid: 'kind' is longer than {MAX_KIND} characters."
        )


def check_managed_by(managed_by: str | None) -> None:
    """managedBy names the resource that manages the group: at most a resource id long."""
    if managed_by is not None and len(managed_by) > MAX_ID_LENGTH:
        raise InvalidRequestContent(
            "The request content was invalid: 'managedBy' is longer than a resource id."
        )


class InvalidResourceGroupLocation(Conflict):
    code = "InvalidResourceGroupLocation"

    def __init__(self, given: str, existing: str) -> None:
        super().__init__(
            f"Invalid resource group location '{given}'. "
            f"The Resource group already exists in location '{existing}'."
        )


class ReadOnlyDisabledSubscription(Conflict):
    code = "ReadOnlyDisabledSubscription"

    def __init__(self, subscription_id: str) -> None:
        super().__init__(
            f"The subscription '{subscription_id}' is disabled and therefore marked as read "
            "only. You cannot perform any write actions on this subscription until it is "
            "re-enabled."
        )


@dataclass(frozen=True, slots=True)
class Removal:
    """What a delete took away: resources and the role assignments scoped inside."""

    resources: int
    role_assignments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """The body of a resource PUT; a missing location is the parent's or the group's."""

    location: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    kind: str | None = None
    sku: dict[str, Any] | None = None


def normalize_location(location: str) -> str:
    """ARM's location key: `West Europe` and `westeurope` are one region."""
    return location.replace(" ", "").lower()


def check_group_name(name: str) -> None:
    """ARM's rule: 1-90 letters, digits, `_ - . ( )`, not ending in a period."""
    bad = sorted({c for c in name if not _GROUP_NAME_CHARACTER.fullmatch(c)})
    if bad:
        raise InvalidResourceGroup(
            f"The provided resource group name '{name}' has these invalid characters: "
            f"'{''.join(bad)}'. The name can only be a letter, digit, '-', '.', '(', ')' or '_'."
        )
    if not 1 <= len(name) <= 90 or name.endswith("."):
        raise InvalidResourceGroup(
            f"The provided resource group name '{name}' is invalid: it must be 1 to 90 "
            "characters long and must not end in a period."
        )


# -- resource groups -------------------------------------------------------------------


def create_or_update_group(
    plane: ControlPlane,
    subscription_id: str,
    name: str,
    location: str,
    *,
    tags: dict[str, str] | None = None,
    managed_by: str | None = None,
) -> tuple[ResourceGroupRecord, bool]:
    """PUT semantics: tags and managedBy are replaced. True when the group is new."""
    check_group_name(name)
    check_managed_by(managed_by)
    with plane.change() as change:
        _writable_subscription(change.connection, subscription_id)
        existing = get_resource_group(change.connection, subscription_id, name)
        if existing is not None:
            _same_location(existing, location)
        group = ResourceGroup(
            subscription_id.lower(),
            existing.group.name if existing else name,
            normalize_location(location),
            dict(tags or {}),
        )
        created = existing.created_at if existing else plane.clock()
        record = ResourceGroupRecord(group, managed_by, created)
        put_resource_group(change.connection, record)
    return record, existing is None


def update_group(
    plane: ControlPlane,
    subscription_id: str,
    name: str,
    *,
    tags: dict[str, str] | None = None,
    managed_by: str | None = None,
    location: str | None = None,
) -> ResourceGroupRecord:
    """PATCH semantics: what is given replaces what was; the location cannot move."""
    check_group_name(name)
    check_managed_by(managed_by)
    with plane.change() as change:
        _writable_subscription(change.connection, subscription_id)
        existing = _group(change.connection, subscription_id, name)
        if location is not None:
            _same_location(existing, location)
        group = existing.group if tags is None else replace(existing.group, tags=dict(tags))
        record = ResourceGroupRecord(
            group, existing.managed_by if managed_by is None else managed_by, existing.created_at
        )
        put_resource_group(change.connection, record)
    return record


def find_group(plane: ControlPlane, subscription_id: str, name: str) -> ResourceGroupRecord:
    check_group_name(name)
    with plane.database.connect() as connection:
        return _group(connection, subscription_id, name)


def groups_of(plane: ControlPlane, subscription_id: str) -> list[ResourceGroupRecord]:
    with plane.database.connect() as connection:
        return find_resource_groups(connection, subscription_id)


def delete_group(
    plane: ControlPlane, subscription_id: str, name: str
) -> tuple[ResourceGroupRecord, Removal]:
    """Remove the group, its resources and the role assignments scoped inside it."""
    check_group_name(name)
    with plane.change() as change:
        _writable_subscription(change.connection, subscription_id)
        record = _group(change.connection, subscription_id, name)
        resources = len(find_resources(change.connection, subscription_id, under=record.id))
        delete_resource_group(change.connection, subscription_id, name)
        revoked = _revoke_under(change, record.id)
    return record, Removal(resources, revoked)


# -- resources -------------------------------------------------------------------------


def put_resource_at(
    plane: ControlPlane, scope: Scope, resource_type: str, spec: ResourceSpec
) -> tuple[ResourceRecord, bool]:
    """Create or replace the resource at `scope`. True when it is new."""
    check_kind(spec.kind)
    subscription_id, group_name = _resource_place(scope)
    with plane.change() as change:
        connection = change.connection
        _writable_subscription(connection, subscription_id)
        group = _group(connection, subscription_id, group_name)
        parent = _parent(connection, scope)
        existing = get_resource(connection, scope.key)
        location = spec.location or (
            existing.resource.location
            if existing
            else parent.resource.location
            if parent
            else group.group.location
        )
        now = plane.clock()
        resource = Resource(
            existing.resource.id if existing else _id_in(group, scope),
            resource_type,
            normalize_location(location),
            dict(spec.properties),
            dict(spec.tags),
        )
        record = ResourceRecord(
            resource, spec.kind, spec.sku, existing.created_at if existing else now, now
        )
        put_resource(connection, record)
    return record, existing is None


def update_resource(
    plane: ControlPlane,
    scope: Scope,
    *,
    properties: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
    kind: str | None = None,
    sku: dict[str, Any] | None = None,
) -> ResourceRecord:
    """PATCH semantics: given properties are merged, given tags, kind and sku replace."""
    check_kind(kind)
    subscription_id, _ = _resource_place(scope)
    with plane.change() as change:
        _writable_subscription(change.connection, subscription_id)
        existing = _resource(change.connection, scope)
        resource = existing.resource
        if properties:
            resource = replace(resource, properties={**resource.properties, **properties})
        if tags is not None:
            resource = replace(resource, tags=dict(tags))
        record = replace(
            existing,
            resource=resource,
            kind=existing.kind if kind is None else kind,
            sku=existing.sku if sku is None else sku,
            changed_at=plane.clock(),
        )
        put_resource(change.connection, record)
    return record


def find_resource(plane: ControlPlane, scope: Scope) -> ResourceRecord:
    with plane.database.connect() as connection:
        return _resource(connection, scope)


def delete_resource_at(plane: ControlPlane, scope: Scope) -> Removal | None:
    """Remove the resource, its children and the role assignments scoped at or below it;
    None when there was no such resource (ARM answers 204)."""
    subscription_id, group_name = _resource_place(scope)
    with plane.change() as change:
        _writable_subscription(change.connection, subscription_id)
        _group(change.connection, subscription_id, group_name)
        existing = get_resource(change.connection, scope.key)
        if existing is None:
            return None
        removed = delete_resource(change.connection, existing.resource.id)
        revoked = _revoke_under(change, existing.resource.id)
    return Removal(removed, revoked)


def resources_in(
    plane: ControlPlane, subscription_id: str, group: str | None = None
) -> list[ResourceRecord]:
    """Every resource of the subscription, or of one group (which must exist)."""
    with plane.database.connect() as connection:
        if group is None:
            return find_resources(connection, subscription_id)
        check_group_name(group)
        record = _group(connection, subscription_id, group)
        return find_resources(connection, subscription_id, under=record.id)


# -- internals -------------------------------------------------------------------------


def _writable_subscription(connection: Connection, subscription_id: str) -> None:
    subscription = get_subscription(connection, subscription_id)
    if subscription is None:
        raise SubscriptionNotFound(subscription_id)
    if subscription.state in _READ_ONLY_STATES:
        raise ReadOnlyDisabledSubscription(subscription_id)


def _same_location(existing: ResourceGroupRecord, location: str) -> None:
    if normalize_location(location) != normalize_location(existing.group.location):
        raise InvalidResourceGroupLocation(location, existing.group.location)


def _group(connection: Connection, subscription_id: str, name: str) -> ResourceGroupRecord:
    record = get_resource_group(connection, subscription_id, name)
    if record is None:
        raise ResourceGroupNotFound(name)
    return record


def _resource(connection: Connection, scope: Scope) -> ResourceRecord:
    subscription_id, group_name = _resource_place(scope)
    _group(connection, subscription_id, group_name)
    record = get_resource(connection, scope.key)
    if record is None:
        raise ResourceNotFound(scope.id, scope.resource_group)
    return record


def _parent(connection: Connection, scope: Scope) -> ResourceRecord | None:
    parent = scope.parent
    if parent is None or parent.kind is not ScopeKind.RESOURCE:
        return None
    record = get_resource(connection, parent.key)
    if record is None:
        raise ParentResourceNotFound(parent)
    return record


def _resource_place(scope: Scope) -> tuple[str, str]:
    """(subscription, group) of a resource scope; anything else is a programming error."""
    placed = scope.subscription_id and scope.resource_group
    if scope.kind is not ScopeKind.RESOURCE or not placed:
        raise ValueError(f"{scope.id} is not a resource in a resource group")
    assert scope.subscription_id and scope.resource_group
    return scope.subscription_id, scope.resource_group


def _id_in(group: ResourceGroupRecord, scope: Scope) -> str:
    """The resource's id with the group's name as the group was created."""
    _, below = scope.id.split("/providers/", 1)
    return f"{group.id}/providers/{below}"


def _revoke_under(change: Change, scope_id: str) -> tuple[str, ...]:
    names = tuple(a.name for a in list_role_assignments(change.connection, scope_prefix=scope_id))
    for name in names:
        delete_role_assignment(change.connection, name)
        change.touched(Fact.ROLE_ASSIGNMENT, name)
    return names
