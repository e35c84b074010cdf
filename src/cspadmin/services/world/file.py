"""World files: YAML or JSON text in, a validated `WorldPlan` out, or one located error.

The format is ../shared/world-file.md. Every error is a `WorldFileError` naming the key
path and its line (`tenants[1].users[0].upn (line 14): ...`): the text is composed into a
YAML node tree whose marks give the line of each key, and pydantic's error locations and
the planner's key paths are looked up in it. JSON is parsed by the json module (YAML 1.1
rejects the tabs JSON allows) and composed for its lines like YAML.

Accepted beyond the keys the format writes out:

- `principal: fabrikampartner.onmicrosoft.com/AdminAgents` (`<tenant domain>/<group>`)
  names a group of another tenant, assigned as a `ForeignGroup`: how a customer
  subscription's role assignment refers to its partner's agent groups. No UPN holds a
  '/', so this cannot be mistaken for one. An object id of such a group works too.
- In a partner tenant, a `groups:` entry named AdminAgents, HelpdeskAgents or
  SalesAgents describes that agent group (its id, members) rather than adding another.
- Groups nest either way round: `members:` may name groups, and `groups:` on a group
  names the groups it belongs to. Groups and service principals may hold
  `directory_roles`.
- `custom_roles:` on a tenant (`name`, `actions`, `not_actions`, `data_actions`,
  `not_data_actions`, `assignable_scopes` defaulting to the tenant's subscriptions).
- Subscriptions: `state`, `offer`, `management_group`, naming an entry of the top-level
  `management_groups:` list (`name`, `tenant`, `parent`).
- Role assignments: `name` (a GUID), `condition`, `description`; `scope` may also be an
  absolute id inside the subscription. A GDAP relationship: `id`.
- Resources: `location` (default: the group's), `properties`, `tags`; a child type such as
  `Microsoft.Storage/storageAccounts/blobServices` is named `contosoweb01/default`.
  Resource groups: `tags`. Users: `account_enabled`, `usage_location`.
- Licensing: `licenses:` on a tenant lists the SKUs it subscribes to, each
  `{sku: SPE_E3, seats: 25}` (a skuPartNumber or skuId of domain/data/skus.json; seats
  are the prepaid units); `licenses:` on a user lists SKUs of its tenant it holds
  (`licenses: [SPE_E3]`). A licensed user needs `usage_location`, and no SKU may be held
  by more users than it has seats, counting licenses the store already holds.

Loading adds and updates what the file describes; it never removes anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from cspadmin.errors import WorldFileError
from cspadmin.services.world.directory import plan_memberships, plan_relationship, plan_tenant
from cspadmin.services.world.estate import (
    plan_management_groups,
    plan_resource_groups,
    plan_subscriptions,
)
from cspadmin.services.world.licensing import plan_licenses
from cspadmin.services.world.plan import NO_KNOWN_IDS, KnownIds, Planner, WorldPlan
from cspadmin.services.world.rbac import plan_custom_roles, plan_role_assignments
from cspadmin.services.world.schema import KeyPath, Locator, WorldKeys, format_path, keys_at


@dataclass(frozen=True, slots=True)
class WorldDocument:
    """A world file whose shape is valid: its keys, and where each one is in the text."""

    keys: WorldKeys
    locator: Locator


def read_world(text: str) -> WorldDocument:
    """Check the shape of a world file: syntax, known keys, value types."""
    data, lines = _load(text)
    locator = Locator(lines)
    try:
        keys = WorldKeys.model_validate({} if data is None else data)
    except ValidationError as exc:
        raise _schema_error(exc, locator) from None
    return WorldDocument(keys, locator)


def parse_world(text: str, known: KnownIds = NO_KNOWN_IDS) -> WorldPlan:
    """Validate a world file completely and resolve it into what to write.

    `known` supplies ids the store already holds for the file's natural keys (tenant
    domains, UPNs, ...), so that objects created before keep their ids.
    """
    document = read_world(text)
    return plan_world(document, known)


def plan_world(document: WorldDocument, known: KnownIds = NO_KNOWN_IDS) -> WorldPlan:
    """Resolve every reference and assign every id, in an order where each step has
    what it refers to: directories, memberships, licenses, subscriptions, custom roles, the
    subscriptions' contents and role assignments, relationships."""
    planner = Planner(document.locator, known)
    world = document.keys
    tenants = list(enumerate(world.tenants))
    for i, tenant in tenants:
        plan_tenant(planner, i, tenant)
    for _, tenant in tenants:
        plan_memberships(planner, planner.by_domain[tenant.domain.lower()], tenant)
    plan_licenses(planner, tenants)
    plan_management_groups(planner, world.management_groups)
    estates = plan_subscriptions(planner, tenants)
    plan_custom_roles(planner, tenants)
    for directory, subscription, estate in estates:
        plan_resource_groups(planner, estate, subscription)
        plan_role_assignments(planner, directory, estate, subscription)
    for i, relationship in enumerate(world.relationships):
        plan_relationship(planner, i, relationship)
    return planner.plan


def _load(text: str) -> tuple[Any, dict[KeyPath, int]]:
    if text.lstrip().startswith(("{", "[")):
        return _load_json(text)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines = _lines(node) if node is not None else {}
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise WorldFileError("(document)", f"not valid YAML: {exc.problem}", line) from None
    except yaml.YAMLError as exc:
        raise WorldFileError("(document)", f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    return data, lines


def _load_json(text: str) -> tuple[Any, dict[KeyPath, int]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorldFileError("(document)", f"not valid JSON: {exc.msg}", exc.lineno) from None
    # JSON strings cannot hold a raw tab, so every tab is whitespace that YAML would reject.
    try:
        node = yaml.compose(text.replace("\t", " "), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return data, {}
    return data, _lines(node) if node is not None else {}


def _lines(node: yaml.Node) -> dict[KeyPath, int]:
    """The line of every key path below `node`; a duplicate key is an error."""
    lines: dict[KeyPath, int] = {}
    stack: list[tuple[KeyPath, yaml.Node]] = [((), node)]
    while stack:
        path, current = stack.pop()
        lines.setdefault(path, current.start_mark.line + 1)
        if isinstance(current, yaml.MappingNode):
            for key_node, value in current.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                line = key_node.start_mark.line + 1
                if (*path, key) in lines:
                    raise WorldFileError(format_path((*path, key)), "duplicate key", line)
                lines[(*path, key)] = line
                stack.append(((*path, key), value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(((*path, i), item) for i, item in enumerate(current.value))
    return lines


def _schema_error(exc: ValidationError, locator: Locator) -> WorldFileError:
    """The first problem in the text; on one line, an unknown key before what it causes
    (a misspelt required key is also reported missing)."""
    located = [(_path(e), e) for e in exc.errors()]
    located.sort(key=lambda pe: (locator.line(pe[0]) or 0, pe[1]["type"] != "extra_forbidden"))
    path, first = located[0]
    message = _message(first, path)
    if len(located) > 1:
        more = len(located) - 1
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return locator.error(path, message)


def _path(error: ErrorDetails) -> KeyPath:
    return tuple(p for p in error["loc"] if isinstance(p, str | int))


def _message(error: ErrorDetails, path: KeyPath) -> str:
    key = path[-1] if path else ""
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(keys_at(path[:-1]))
        return f"unknown key '{key}'" + (f" (allowed here: {allowed})" if allowed else "")
    if kind == "missing":
        return f"the key '{key}' is required"
    if kind in ("model_type", "dict_type"):
        allowed = ", ".join(keys_at(path))
        return "expected a mapping of keys" + (f" ({allowed})" if allowed else "")
    if kind in ("tuple_type", "list_type"):
        return "expected a list"
    return str(error["msg"]).removeprefix("Value error, ")
