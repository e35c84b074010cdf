"""ARM scopes: parse, validate and canonicalize resource ids.

A scope is any ARM resource id that role assignments can live at: the root `/`, a
management group, a subscription, a resource group, a resource (nested child types
included), or an extension resource such as a role assignment. Azure compares ids
case-insensitively, so every scope carries a lower-cased `key` for equality and hashing,
while `id` keeps the caller's casing of names with the well-known segments canonicalized.
"""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache

from cspadmin.errors import InvalidScope

_RESOURCE_GROUP_NAME = re.compile(r"^[-\w._()]{1,90}$")
_NAMESPACE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$")
_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_MANAGEMENT_GROUP = re.compile(r"^[-\w.()]{1,90}$")
_FORBIDDEN_IN_NAME = set("<>%&\\?#")
MAX_ID_LENGTH = 1024
"""The longest resource id the store holds (and far past any Azure name limit)."""
_GUID_TEXT = re.compile(
    r"[0-9a-fA-F]{8}(-?)[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1[0-9a-fA-F]{12}"
)


class ScopeKind(enum.Enum):
    ROOT = "root"
    MANAGEMENT_GROUP = "managementGroup"
    SUBSCRIPTION = "subscription"
    RESOURCE_GROUP = "resourceGroup"
    RESOURCE = "resource"


@dataclass(frozen=True, slots=True, eq=False)
class Scope:
    """A canonical ARM scope. Equal to another scope when their ids match ignoring case."""

    id: str
    kind: ScopeKind
    parent: Scope | None
    subscription_id: str | None = None
    resource_group: str | None = None
    management_group: str | None = None
    resource_type: str | None = None
    """For resources: the full type, e.g. `Microsoft.Storage/storageAccounts/blobServices`."""

    @property
    def key(self) -> str:
        return self.id.lower()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Scope):
            return self.key == other.key
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return f"Scope({self.id!r})"

    def ancestors(self) -> tuple[Scope, ...]:
        """This scope and every scope above it, nearest first, ending at the root."""
        chain: list[Scope] = []
        node: Scope | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return tuple(chain)

    def is_within(self, other: Scope) -> bool:
        """True when `other` is this scope or one of its ancestors."""
        return any(a.key == other.key for a in self.ancestors())

    def child(self, *segments: str) -> Scope:
        return parse_scope(self.id.rstrip("/") + "/" + "/".join(segments))


ROOT = Scope(id="/", kind=ScopeKind.ROOT, parent=None)


def parse_scope(resource_id: str) -> Scope:
    """Parse an ARM resource id into a canonical `Scope`, or raise `InvalidScope`."""
    if not isinstance(resource_id, str):
        raise InvalidScope(repr(resource_id), "a scope must be a string")
    return _parse_cached(resource_id)


def scope_key(resource_id: str) -> str:
    """The case-insensitive key of a resource id, after validating it."""
    return parse_scope(resource_id).key


def is_guid(text: str) -> bool:
    """A GUID in 8-4-4-4-12 or 32-hex form: what ARM accepts in an id."""
    return _GUID_TEXT.fullmatch(text) is not None


@lru_cache(maxsize=65536)
def _parse_cached(resource_id: str) -> Scope:
    return _Parser(resource_id).parse()


class _Parser:
    """Walks the segments of one resource id; each method consumes one level."""

    def __init__(self, resource_id: str) -> None:
        self.raw = resource_id
        text = resource_id.strip()
        if not text.startswith("/"):
            self.fail("it must start with '/'")
        if len(text) > MAX_ID_LENGTH:
            self.fail(f"it is longer than {MAX_ID_LENGTH} characters")
        if text != "/" and text.endswith("/"):
            text = text[:-1]
        self.segments = [] if text == "/" else text[1:].split("/")
        if any(s == "" for s in self.segments):
            self.fail("it contains an empty segment ('//')")
        for seg in self.segments:
            if any(c in _FORBIDDEN_IN_NAME or (not c.isprintable() and c != " ") for c in seg):
                self.fail(f"the segment '{seg}' contains a character ARM does not allow")
        self.pos = 0

    def fail(self, reason: str) -> None:
        raise InvalidScope(self.raw, reason)

    def take(self, what: str) -> str:
        if self.pos >= len(self.segments):
            self.fail(f"{what} is missing")
        seg = self.segments[self.pos]
        self.pos += 1
        return seg

    def done(self) -> bool:
        return self.pos >= len(self.segments)

    def peek_lower(self) -> str:
        return self.segments[self.pos].lower()

    def parse(self) -> Scope:
        if self.done():
            return ROOT
        head = self.peek_lower()
        if head == "subscriptions":
            return self.subscription()
        if head == "providers":
            if (
                len(self.segments) >= 3
                and self.segments[1].lower() == "microsoft.management"
                and self.segments[2].lower() == "managementgroups"
            ):
                return self.management_group()
            return self.extensions(ROOT)
        self.fail(
            f"'{self.segments[0]}' is not a known top-level segment "
            "(expected 'subscriptions' or 'providers')"
        )
        raise AssertionError  # unreachable: fail() raises

    def management_group(self) -> Scope:
        self.pos = 3
        name = self.take("the management group name")
        if not _MANAGEMENT_GROUP.match(name):
            self.fail(f"'{name}' is not a valid management group name")
        scope = Scope(
            id=f"/providers/Microsoft.Management/managementGroups/{name}",
            kind=ScopeKind.MANAGEMENT_GROUP,
            parent=ROOT,
            management_group=name,
        )
        return self.extensions(scope)

    def subscription(self) -> Scope:
        self.pos = 1
        sub = self.take("the subscription id")
        if not is_guid(sub):
            self.fail(f"the subscription id '{sub}' is not a GUID")
        sub = str(uuid.UUID(sub))
        scope = Scope(
            id=f"/subscriptions/{sub}",
            kind=ScopeKind.SUBSCRIPTION,
            parent=ROOT,
            subscription_id=sub,
        )
        if self.done():
            return scope
        if self.peek_lower() == "resourcegroups":
            self.pos += 1
            return self.resource_group(scope)
        return self.extensions(scope)

    def resource_group(self, sub: Scope) -> Scope:
        name = self.take("the resource group name")
        if not _RESOURCE_GROUP_NAME.match(name) or name.endswith("."):
            self.fail(
                f"'{name}' is not a valid resource group name (1-90 letters, digits, "
                "'_', '-', '.', '(' or ')', not ending in '.')"
            )
        scope = Scope(
            id=f"{sub.id}/resourceGroups/{name}",
            kind=ScopeKind.RESOURCE_GROUP,
            parent=sub,
            subscription_id=sub.subscription_id,
            resource_group=name,
        )
        return self.extensions(scope)

    def extensions(self, parent: Scope) -> Scope:
        """`/providers/{namespace}/{type}/{name}[/{type}/{name}…]`, repeatedly."""
        scope = parent
        while not self.done():
            keyword = self.take("'providers'")
            if keyword.lower() != "providers":
                self.fail(f"expected 'providers' but found '{keyword}'")
            namespace = self.take("the resource provider namespace")
            if not _NAMESPACE.match(namespace):
                self.fail(f"'{namespace}' is not a resource provider namespace")
            scope = self.resource_chain(scope, namespace)
        return scope

    def resource_chain(self, parent: Scope, namespace: str) -> Scope:
        scope = parent
        full_type = namespace
        first = True
        while first or (not self.done() and self.peek_lower() != "providers"):
            rtype = self.take(f"the resource type after '{full_type}'")
            if not _TYPE.match(rtype):
                self.fail(f"'{rtype}' is not a resource type name")
            name = self.take(f"the name of the '{rtype}' resource")
            full_type = f"{full_type}/{rtype}"
            prefix = f"/providers/{namespace}" if first else ""
            base = "" if scope.kind is ScopeKind.ROOT else scope.id
            scope = Scope(
                id=f"{base}{prefix}/{rtype}/{name}",
                kind=ScopeKind.RESOURCE,
                parent=scope,
                subscription_id=parent.subscription_id,
                resource_group=parent.resource_group,
                management_group=parent.management_group,
                resource_type=full_type,
            )
            first = False
        return scope


_GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_SEGMENT = r"[^/<>%&\\?#\t\n\r\x0b\x0c\x1c-\x1f]+"
_TYPE_AND_NAME = rf"/(?!providers/)[a-z][a-z0-9]*/{_SEGMENT}"
_COMMON_SHAPE = re.compile(
    rf"/subscriptions/({_GUID})"
    r"(?:/resourcegroups/([-\w.()]{1,90}))?"
    rf"((?:/providers/[a-z][a-z0-9]*(?:\.[a-z0-9]+)+(?:{_TYPE_AND_NAME})+)*)"
)


def key_chain(resource_id: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(subscription id, management group, keys of the scope and its ancestors below the root).

    The hot path of every authorization check: the common subscription-rooted shapes are
    validated by one regular expression over the lower-cased id; anything else goes
    through `parse_scope`, which accepts it or says precisely what is wrong.
    """
    key = resource_id.lower()
    plain = resource_id.isascii() and resource_id == resource_id.strip()
    match = _COMMON_SHAPE.fullmatch(key) if plain else None
    if match is None or (match[2] or "").endswith("."):
        scope = parse_scope(resource_id)
        chain = tuple(s.key for s in scope.ancestors() if s.kind is not ScopeKind.ROOT)
        return scope.subscription_id, scope.management_group, chain
    subscription, group, tail = match.groups()
    # Every key is a prefix of the lower-cased id: cut it at each level's end.
    end = 15 + len(subscription)  # "/subscriptions/" + id
    keys = [key[:end]]
    if group:
        end += 16 + len(group)  # "/resourcegroups/" + name
        keys.append(key[:end])
    if tail:
        segments = tail[1:].split("/")
        i = 0
        while i < len(segments):
            if segments[i] == "providers":
                end += 11 + len(segments[i + 1])  # "/providers/" + namespace
                i += 2
            end += 2 + len(segments[i]) + len(segments[i + 1])
            keys.append(key[:end])
            i += 2
    keys.reverse()
    return subscription, None, tuple(keys)
