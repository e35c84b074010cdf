"""Loading a world file into the store: all of it or none of it, and the same every time.

The file is checked completely before anything is written, and everything is written in
one transaction, so an error leaves the store as it was. Loading is idempotent: ids come
from the file, the store or uuid5 (see `world_plan`), secrets are re-hashed only when
they changed, a GDAP relationship keeps its activation time, and a role assignment the
store already holds (under any name) counts as loaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Table, func, select

from cspadmin.domain.assignments import RoleAssignment
from cspadmin.errors import WorldFileError
from cspadmin.services.credentials import hash_secret, verify_secret
from cspadmin.services.world.file import plan_world, read_world
from cspadmin.services.world.licensing import write_licenses
from cspadmin.services.world.plan import GeneratedId, WorldPlan, generated_id
from cspadmin.services.world.schema import WorldKeys
from cspadmin.store import schema as t
from cspadmin.store.assignments import save_role_assignments
from cspadmin.store.custom_roles import save_role_definition
from cspadmin.store.database import Database
from cspadmin.store.directory import (
    save_directory_role_assignment,
    save_group,
    save_service_principal,
    save_tenant,
    save_user,
)
from cspadmin.store.estate import (
    save_management_group,
    save_resource,
    save_resource_group,
    save_subscription,
)
from cspadmin.store.journal import EVERYTHING, record
from cspadmin.store.relationships import save_gdap_relationship, save_reseller_relationship

_FILE_SUFFIXES = (".yaml", ".yml", ".json")
_CHUNK = 500  # ids per IN (...) list, well inside every backend's parameter limit


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What a load did: the ids the file left out, and how many of each thing it holds."""

    generated: tuple[GeneratedId, ...]
    counts: Mapping[str, int]

    def summary_lines(self) -> list[str]:
        """What to print: one line of what the file holds, then each id it left out."""
        held = ", ".join(_counted(n, kind) for kind, n in self.counts.items() if n)
        lines = [held or "an empty world"]
        lines.extend(f"{g.kind} {g.key}: {g.id}  ({g.path})" for g in self.generated)
        return lines


def demo_world_path() -> Path:
    """The built-in demo world: a partner, its customers, and some lost privileges."""
    return Path(str(resources.files("cspadmin.worlds").joinpath("demo.yaml")))


def load_world(
    database: Database, text_or_path: str | os.PathLike[str], *, now: datetime | None = None
) -> LoadReport:
    """Load a world file (its text, or a path to it); `WorldFileError` leaves no trace.

    `now` is when GDAP relationships the file creates become active.
    """
    document = read_world(_text(text_or_path))
    plan_world(document)  # every reference checked before the store is even opened
    activated = now or datetime.now(UTC)
    with database.begin() as connection:
        store = _StoreIds(connection, document.keys)
        plan = plan_world(document, store)
        assignments = _assignments_to_add(connection, plan)
        _write(connection, plan, assignments, store, activated)
        record(connection, [EVERYTHING], activated)  # every running replica rebuilds
    return LoadReport(tuple(plan.generated), _counts(plan))


def _text(source: str | os.PathLike[str]) -> str:
    if isinstance(source, os.PathLike) or _looks_like_path(source):
        return Path(source).read_text(encoding="utf-8")
    return source


def _looks_like_path(text: str) -> bool:
    if "\n" in text or not text.strip():
        return False
    if text.strip().lower().endswith(_FILE_SUFFIXES):
        return True
    try:
        return Path(text).is_file()
    except OSError:
        return False


def _counted(n: int, kind: str) -> str:
    label = kind.replace("_", " ")
    return f"{n} {label.removesuffix('s') if n == 1 else label}"


def _counts(plan: WorldPlan) -> dict[str, int]:
    return {
        "tenants": len(plan.tenants),
        "users": len(plan.users),
        "groups": len(plan.groups),
        "service_principals": len(plan.service_principals),
        "subscriptions": len(plan.subscriptions),
        "resource_groups": len(plan.resource_groups),
        "resources": len(plan.resources),
        "role_assignments": len(plan.role_assignments),
        "relationships": len(plan.reseller_relationships) + len(plan.gdap_relationships),
    }


class _StoreIds:
    """What the store already holds of the file's world, read at the start of the load's
    transaction: only rows the file's natural keys can match, however large the store.

    Answers `KnownIds` for the planner, and keeps the stored secret hashes and GDAP
    activation times that a reload must not change.
    """

    def __init__(self, connection: Connection, world: WorldKeys) -> None:
        domains = [k.domain.lower() for k in world.tenants]
        found = _rows(connection, t.tenant_domains, t.tenant_domains.c.domain, domains)
        self._domains: dict[str, str] = {row.domain: row.tenant_id for row in found}
        tenant_ids = sorted(
            {*self._domains.values()}
            | {k.id for k in world.tenants if k.id}
            | {generated_id(f"tenant:{d}") for d in domains}
        )
        self._agents: dict[tuple[str, str], str] = {}
        for row in _rows(connection, t.tenants, t.tenants.c.id, tenant_ids):
            if row.partner_id is not None:
                self._agents[(row.id, "adminagents")] = row.admin_agents_id
                self._agents[(row.id, "helpdeskagents")] = row.helpdesk_agents_id
                self._agents[(row.id, "salesagents")] = row.sales_agents_id
        upns = [u.upn.lower() for k in world.tenants for u in k.users]
        users = _rows(connection, t.users, func.lower(t.users.c.user_principal_name), upns)
        self._users = {r.user_principal_name.lower(): (r.id, r.tenant_id) for r in users}
        self.password_hashes: dict[str, str | None] = {r.id: r.password_hash for r in users}
        self._groups: dict[tuple[str, str], str] = {}
        groups = _rows(connection, t.groups, t.groups.c.tenant_id, tenant_ids)
        for row in sorted(groups, key=lambda r: str(r.id)):
            self._groups.setdefault((row.tenant_id, row.display_name.lower()), row.id)
        sps = _rows(connection, t.service_principals, t.service_principals.c.tenant_id, tenant_ids)
        self._apps = {(r.tenant_id, r.app_id): r.id for r in sps}
        self.secret_hashes: dict[str, str | None] = {r.id: r.secret_hash for r in sps}
        given = [s.id for k in world.tenants for s in k.subscriptions if s.id]
        subscriptions = _rows(connection, t.subscriptions, t.subscriptions.c.id, given)
        self._subscriptions = {r.id: r.tenant_id for r in subscriptions}
        partners = t.gdap_relationships.c.partner_tenant_id
        gdaps = _rows(connection, t.gdap_relationships, partners, tenant_ids)
        self._gdap = {(r.partner_tenant_id, r.display_name.lower()): r.id for r in gdaps}
        self.activated_at: dict[str, datetime | None] = {r.id: r.activated_at for r in gdaps}

    def tenant(self, domain: str) -> str | None:
        return self._domains.get(domain.lower())

    def user(self, upn: str) -> tuple[str, str] | None:
        return self._users.get(upn.lower())

    def group(self, tenant_id: str, name: str) -> str | None:
        key = (tenant_id, name.lower())
        return self._agents.get(key) or self._groups.get(key)

    def service_principal(self, tenant_id: str, app_id: str) -> str | None:
        return self._apps.get((tenant_id, app_id))

    def subscription_tenant(self, subscription_id: str) -> str | None:
        return self._subscriptions.get(subscription_id)

    def gdap(self, partner_tenant_id: str, name: str) -> str | None:
        return self._gdap.get((partner_tenant_id, name.lower()))


def _assignments_to_add(connection: Connection, plan: WorldPlan) -> list[RoleAssignment]:
    """The planned assignments the store does not hold yet, under any name.

    A name the store already uses for a different (scope, role, principal) is an error:
    writing would either fail or silently keep the other assignment.
    """
    planned = plan.role_assignments
    held = _held_keys(connection, {p.assignment.scope.lower() for p in planned})
    named = _keys_by_name(connection, [p.assignment.name for p in planned])
    result = []
    for p in planned:
        key = _key(p.assignment.scope, p.assignment.role_definition_id, p.assignment.principal_id)
        other = named.get(p.assignment.name)
        if other is not None and other != key:
            message = (
                f"the store holds a role assignment named {p.assignment.name} "
                "for another scope, role or principal"
            )
            raise WorldFileError(p.path, message, p.line)
        if key not in held:
            result.append(p.assignment)
    return result


def _key(scope: str, role: str, principal: str) -> tuple[str, str, str]:
    return scope.lower(), role.lower(), principal.lower()


def _held_keys(connection: Connection, scope_keys: Iterable[str]) -> set[tuple[str, str, str]]:
    ra = t.role_assignments.c
    held: set[tuple[str, str, str]] = set()
    for chunk in _chunks(sorted(scope_keys)):
        query = select(ra.scope, ra.role_definition_id, ra.principal_id).where(
            func.lower(ra.scope).in_(chunk)
        )
        held.update(_key(*row) for row in connection.execute(query))
    return held


def _keys_by_name(connection: Connection, names: Sequence[str]) -> dict[str, tuple[str, str, str]]:
    ra = t.role_assignments.c
    found: dict[str, tuple[str, str, str]] = {}
    for chunk in _chunks(names):
        query = select(ra.name, ra.scope, ra.role_definition_id, ra.principal_id).where(
            ra.name.in_(chunk)
        )
        for name, *key in connection.execute(query):
            found[name] = _key(*key)
    return found


def _rows(
    connection: Connection, table: Table, column: ColumnElement[Any], values: Sequence[str]
) -> list[Row[Any]]:
    """The rows of `table` whose `column` is one of `values`."""
    rows: list[Row[Any]] = []
    for chunk in _chunks(values):
        rows.extend(connection.execute(select(table).where(column.in_(chunk))))
    return rows


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _write(
    connection: Connection,
    plan: WorldPlan,
    assignments: list[RoleAssignment],
    store: _StoreIds,
    activated: datetime,
) -> None:
    """Write in dependency order: tenants before what lives in them, estates before RBAC."""
    for tenant in plan.tenants:
        save_tenant(connection, tenant)
    for user in plan.users:
        stored = store.password_hashes.get(user.user.id)
        save_user(connection, replace(user.user, password_hash=_hash(stored, user.password)))
    for group in plan.groups:
        save_group(connection, group)
    for sp in plan.service_principals:
        stored = store.secret_hashes.get(sp.service_principal.id)
        hashed = _hash(stored, sp.secret)
        save_service_principal(connection, replace(sp.service_principal, secret_hash=hashed))
    for grant in plan.directory_roles:
        save_directory_role_assignment(connection, grant)
    write_licenses(connection, plan, activated)
    for tenant_id, role in plan.custom_roles:
        save_role_definition(connection, tenant_id, role)
    for management_group in plan.management_groups:
        save_management_group(connection, management_group)
    for subscription in plan.subscriptions:
        save_subscription(connection, subscription)
    for resource_group in plan.resource_groups:
        save_resource_group(connection, resource_group)
    for resource in plan.resources:
        save_resource(connection, resource)
    save_role_assignments(connection, assignments)
    for reseller in plan.reseller_relationships:
        save_reseller_relationship(connection, reseller)
    for gdap in plan.gdap_relationships:
        since = store.activated_at.get(gdap.id) or activated
        save_gdap_relationship(connection, replace(gdap, activated_at=since))


def _hash(stored: str | None, secret: str | None) -> str | None:
    """The stored hash while it still matches (a new salt would change the row), else new."""
    if secret is None or (stored is not None and verify_secret(stored, secret)):
        return stored
    return hash_secret(secret)
