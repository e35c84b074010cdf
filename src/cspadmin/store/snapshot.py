"""Building the authorization engine from everything in the store."""

from __future__ import annotations

import gc
from collections.abc import Callable

from sqlalchemy import Connection, select

from cspadmin.authz.engine import Clock, Engine, utcnow
from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.store import schema as t
from cspadmin.store.database import Database
from cspadmin.store.directory import list_tenants
from cspadmin.store.rbac import iter_role_assignments, list_custom_roles, list_deny_assignments
from cspadmin.store.relationships import list_gdap_relationships, list_reseller_relationships

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
