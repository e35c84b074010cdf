"""The authorization engine from the store: built from everything (`load_engine`), or
brought up to date fact by fact (`refresh_engine`), from the same tables.

What the engine holds, by `store.journal.Fact`: directory objects and their group
memberships, management groups, subscriptions, partner profiles, reseller and GDAP
relationships, custom roles, role assignments and deny assignments. Resource groups and
resources are not among them: a scope is checked by its id alone.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator

from sqlalchemy import Connection, select

from cspadmin.authz.engine import Clock, Engine, utcnow
from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.domain.roles import BUILTIN_BY_ID
from cspadmin.store import schema as t
from cspadmin.store.assignments import iter_role_assignments, list_deny_assignments
from cspadmin.store.batching import chunks
from cspadmin.store.custom_roles import get_custom_role, list_custom_roles
from cspadmin.store.database import Database
from cspadmin.store.directory import get_tenant, list_tenants, object_kind
from cspadmin.store.estate import get_subscription
from cspadmin.store.journal import Fact, Touch
from cspadmin.store.relationships import (
    get_gdap_relationship,
    get_reseller_relationship,
    list_gdap_relationships,
    list_reseller_relationships,
)

Progress = Callable[[int], None]


def load_engine(
    database: Database, clock: Clock = utcnow, progress: Progress | None = None
) -> Engine:
    """A fresh engine holding the store's current facts.

    The cyclic garbage collector is paused while the index is built: a million
    assignments are millions of new long-lived objects, so it would walk the growing heap
    again and again (a third of the load's CPU time at 1M assignments) and find nothing,
    the index holding no cycles. Afterwards everything built is moved to the permanent
    generation (`gc.freeze`), so the collections that requests trigger skip it instead of
    pausing a check for a full traversal of the index.
    """
    engine = Engine(clock=clock)
    collecting = gc.isenabled()
    gc.disable()
    try:
        with database.connect() as connection:
            fill_engine(engine, connection, progress)
    finally:
        if collecting:
            gc.enable()
    gc.freeze()
    return engine


def fill_engine(engine: Engine, connection: Connection, progress: Progress | None = None) -> None:
    for kind, table in (
        (PrincipalType.USER, t.users),
        (PrincipalType.GROUP, t.groups),
        (PrincipalType.SERVICE_PRINCIPAL, t.service_principals),
    ):
        for object_id, tenant_id in connection.execute(select(table.c.id, table.c.tenant_id)):
            engine.add_principal(object_id, tenant_id, kind)
    for group_id, member_id in connection.execute(
        select(t.group_members.c.group_id, t.group_members.c.member_id)
    ):
        engine.add_member(group_id, member_id)
    for name, tenant_id, parent in connection.execute(select(t.management_groups)):
        engine.add_management_group(name, tenant_id, parent)
    for sub_id, tenant_id, group in connection.execute(
        select(
            t.subscriptions.c.id, t.subscriptions.c.tenant_id, t.subscriptions.c.management_group
        )
    ):
        engine.add_subscription(sub_id, tenant_id, group)
    for tenant in list_tenants(connection):
        if tenant.partner is not None:
            engine.delegations.set_partner(tenant.id, tenant.partner)
    for relationship in list_reseller_relationships(connection):
        engine.delegations.set_reseller_relationship(relationship)
    for gdap in list_gdap_relationships(connection):
        engine.delegations.set_gdap_relationship(gdap)
    for _tenant_id, role in list_custom_roles(connection):
        engine.add_role(role)
    for deny in list_deny_assignments(connection):
        engine.add_deny(deny)
    loaded = 0
    batch: list[RoleAssignment] = []
    for assignment in iter_role_assignments(connection):
        batch.append(assignment)
        if len(batch) == 100_000:
            loaded += engine.add_assignments(batch)
            batch.clear()
            if progress:
                progress(loaded)
    loaded += engine.add_assignments(batch)
    if progress:
        progress(loaded)


# -- one fact at a time ------------------------------------------------------------------


def refresh_engine(engine: Engine, connection: Connection, touched: Iterable[Touch]) -> None:
    """Make the engine agree with the store on every touched fact: read its current
    state and put it in the engine, or take it out when the store no longer holds it.

    Reading the state, rather than replaying what a write did, makes a refresh
    idempotent and order-free: a fact touched by several writes is read once, as it is
    now, and a refresh that sees a later write than it was asked about does no harm.
    """
    by_kind: dict[Fact, set[str]] = defaultdict(set)
    for kind, key in touched:
        by_kind[kind].add(key)
    for kind, keys in by_kind.items():
        _REFRESH[kind](engine, connection, keys)


def _principals(engine: Engine, connection: Connection, ids: Collection[str]) -> None:
    for object_id in ids:
        found = object_kind(connection, object_id)
        if found is None:
            engine.remove_principal(object_id)
        else:
            engine.add_principal(object_id, found[1], PrincipalType(found[0]))
    members = t.group_members.c
    groups: dict[str, list[str]] = {object_id: [] for object_id in ids}
    for chunk in chunks(sorted(ids)):
        query = select(members.member_id, members.group_id).where(members.member_id.in_(chunk))
        for member_id, group_id in connection.execute(query):
            groups[member_id].append(group_id)
    for member_id, direct in groups.items():
        engine.set_groups(member_id, direct)


def _management_groups(engine: Engine, connection: Connection, names: Collection[str]) -> None:
    table = t.management_groups
    for name in names:
        row = connection.execute(select(table).where(table.c.name == name)).first()
        if row is None:
            engine.remove_management_group(name)
        else:
            engine.add_management_group(row.name, row.tenant_id, row.parent)


def _subscriptions(engine: Engine, connection: Connection, ids: Collection[str]) -> None:
    for subscription_id in ids:
        found = get_subscription(connection, subscription_id)
        if found is None:
            engine.remove_subscription(subscription_id)
        else:
            engine.add_subscription(found.id, found.tenant_id, found.management_group)


def _partners(engine: Engine, connection: Connection, tenant_ids: Collection[str]) -> None:
    for tenant_id in tenant_ids:
        tenant = get_tenant(connection, tenant_id)
        if tenant is None or tenant.partner is None:
            engine.delegations.remove_partner(tenant_id)
        else:
            engine.delegations.set_partner(tenant.id, tenant.partner)


def _reseller_relationships(engine: Engine, connection: Connection, keys: Collection[str]) -> None:
    for key in keys:
        partner_id, customer_id = key.split("/", 1)
        found = get_reseller_relationship(connection, partner_id, customer_id)
        if found is None:
            engine.delegations.remove_reseller_relationship(partner_id, customer_id)
        else:
            engine.delegations.set_reseller_relationship(found)


def _gdap_relationships(engine: Engine, connection: Connection, ids: Collection[str]) -> None:
    for relationship_id in ids:
        found = get_gdap_relationship(connection, relationship_id)
        if found is None:
            engine.delegations.remove_gdap_relationship(relationship_id)
        else:
            engine.delegations.set_gdap_relationship(found)


def _role_definitions(engine: Engine, connection: Connection, ids: Collection[str]) -> None:
    for role_id in ids:
        found = get_custom_role(connection, role_id)
        if found is not None:
            engine.add_role(found[1])
        elif role_id.lower() not in BUILTIN_BY_ID:
            engine.remove_role(role_id)


def _role_assignments(engine: Engine, connection: Connection, names: Collection[str]) -> None:
    names = {name.lower() for name in names}  # as `store.assignments` writes them
    found = {a.name: a for a in _assignments_named(connection, names)}
    for name in names:
        assignment = found.get(name)
        if assignment is None:
            engine.remove_assignment(name)
        else:
            engine.add_assignment(assignment)


def _assignments_named(connection: Connection, names: Collection[str]) -> Iterator[RoleAssignment]:
    """The stored assignments among `names`, a few hundred to a query: a transfer or a
    resource group's deletion touches many at once."""
    ra = t.role_assignments.c
    for chunk in chunks(sorted(names)):
        query = select(
            ra.name,
            ra.scope,
            ra.role_definition_id,
            ra.principal_id,
            ra.principal_type,
            ra.tenant_id,
            ra.condition,
            ra.description,
        ).where(ra.name.in_(chunk))
        for row in connection.execute(query):
            name, scope, role, principal, kind, tenant, condition, description = row
            yield RoleAssignment(
                name, scope, role, principal, PrincipalType(kind), tenant, condition, description
            )


def _deny_assignments(engine: Engine, connection: Connection, names: Collection[str]) -> None:
    # Deny assignments are few (Azure creates them for managed applications and
    # blueprints): reading them all costs less than a query of their own.
    stored = {d.name: d for d in list_deny_assignments(connection) if d.name in names}
    for name in names:
        engine.remove_deny(name)
        if name in stored:
            engine.add_deny(stored[name])


_REFRESH: dict[Fact, Callable[[Engine, Connection, Collection[str]], None]] = {
    Fact.PRINCIPAL: _principals,
    Fact.MANAGEMENT_GROUP: _management_groups,
    Fact.SUBSCRIPTION: _subscriptions,
    Fact.PARTNER: _partners,
    Fact.RESELLER_RELATIONSHIP: _reseller_relationships,
    Fact.GDAP_RELATIONSHIP: _gdap_relationships,
    Fact.ROLE_DEFINITION: _role_definitions,
    Fact.ROLE_ASSIGNMENT: _role_assignments,
    Fact.DENY_ASSIGNMENT: _deny_assignments,
}
"""How each kind is read from the store into the engine. `Fact.ALL` is not here: it is
answered by `load_engine`."""
