"""Writing the benchmark world into a cspadmin store, fast.

The repositories in `cspadmin.store` write through upserts, row by row or in small
batches, which is right for an API and far too slow for a million rows. Here the same
tables are filled with plain multi-row inserts (`connection.execute(table.insert(), rows)`)
in large batches inside one transaction per step. Small tables with JSON or nested
content (custom roles, deny assignments, GDAP relationships) go through the store's own
functions so their encoding is exactly what `load_engine` reads back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table

from authz_world import GROUP_NAMES, World
from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.directory import PrincipalType
from cspadmin.store import schema as t
from cspadmin.store.assignments import save_deny_assignment
from cspadmin.store.custom_roles import save_role_definition
from cspadmin.store.database import Database
from cspadmin.store.relationships import save_gdap_relationship

Progress = Callable[[str], None]
_BATCH = 50_000


def create_store(path: Path) -> Database:
    """A fresh, migrated SQLite store at `path`."""
    database = Database(f"sqlite:///{path}")
    database.migrate()
    return database


def _insert(connection: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Multi-row inserts in batches; returns how many rows went in."""
    count = 0
    iterator = iter(rows)
    while batch := list(islice(iterator, _BATCH)):
        connection.execute(table.insert(), batch)
        count += len(batch)
    return count


def write_directory(database: Database, world: World, progress: Progress = print) -> None:
    """Tenants, principals, groups, the estate, roles, denies and relationships."""
    started = time.perf_counter()
    partner = world.partner
    kinds = world.principal_kind
    with database.begin() as c:
        tenant_rows: list[dict[str, str | None]] = [
            {
                "id": partner.tenant_id,
                "display_name": "Fabrikam Partner",
                "default_domain": "fabrikampartner.onmicrosoft.com",
                "partner_id": "4123456",
                "admin_agents_id": partner.admin_agents,
                "helpdesk_agents_id": partner.helpdesk_agents,
                "sales_agents_id": partner.sales_agents,
            }
        ]
        tenant_rows += [
            {
                "id": tenant.id,
                "display_name": f"Customer {tenant.index:05d}",
                "default_domain": f"cust{tenant.index:05d}.onmicrosoft.com",
                "partner_id": None,
                "admin_agents_id": None,
                "helpdesk_agents_id": None,
                "sales_agents_id": None,
            }
            for tenant in world.tenants
        ]
        _insert(c, t.tenants, tenant_rows)
        _insert(
            c,
            t.tenant_domains,
            ({"domain": r["default_domain"], "tenant_id": r["id"]} for r in tenant_rows),
        )
        domains = {str(r["id"]): str(r["default_domain"]) for r in tenant_rows}
        names = {
            partner.admin_agents: "AdminAgents",
            partner.helpdesk_agents: "HelpdeskAgents",
            partner.sales_agents: "SalesAgents",
            partner.tier2: "Tier2 Admins",
        }
        for tenant in world.tenants:
            names.update(zip(tenant.groups, GROUP_NAMES, strict=True))
        users = groups = sps = 0
        user_rows: list[dict[str, Any]] = []
        group_rows: list[dict[str, Any]] = []
        sp_rows: list[dict[str, Any]] = []
        for n, (oid, tenant_id) in enumerate(world.principal_tenant.items()):
            kind = kinds[oid]
            if kind is PrincipalType.USER:
                users += 1
                user_rows.append(
                    {
                        "id": oid,
                        "tenant_id": tenant_id,
                        "user_principal_name": f"u{n}@{domains[tenant_id]}",
                        "display_name": f"User {n}",
                        "account_enabled": True,
                    }
                )
            elif kind is PrincipalType.GROUP:
                groups += 1
                group_rows.append(
                    {
                        "id": oid,
                        "tenant_id": tenant_id,
                        "display_name": names.get(oid, f"Group {n}"),
                        "description": "",
                    }
                )
            else:
                sps += 1
                sp_rows.append(
                    {
                        "id": oid,
                        "tenant_id": tenant_id,
                        "app_id": oid[::-1],
                        "display_name": f"app-{n}",
                    }
                )
        _insert(c, t.users, user_rows)
        _insert(c, t.groups, group_rows)
        _insert(c, t.service_principals, sp_rows)
        memberships = _insert(
            c,
            t.group_members,
            (
                {"group_id": group, "member_id": member}
                for group, group_members in world.members.items()
                for member in group_members
            ),
        )
        progress(
            f"  store: {len(tenant_rows):,} tenants, {users:,} users, {groups:,} groups, "
            f"{sps:,} service principals, {memberships:,} memberships"
        )
        _insert(
            c,
            t.management_groups,
            (
                {"name": name, "tenant_id": tenant_id, "parent": parent}
                for name, tenant_id, parent in world.management_groups
            ),
        )
        _insert(
            c,
            t.subscriptions,
            (
                {
                    "id": sub,
                    "tenant_id": tenant_id,
                    "display_name": f"Azure plan {n}",
                    "state": "Enabled",
                    "offer": "MS-AZR-0145P",
                    "csp_partner_tenant_id": partner.tenant_id,
                    "management_group": world.subscription_group.get(sub),
                }
                for n, (sub, tenant_id) in enumerate(world.subscription_tenant.items())
            ),
        )
        _insert(
            c,
            t.resource_groups,
            (
                {
                    "subscription_id": sub,
                    "name_key": name.lower(),
                    "name": name,
                    "location": "westeurope",
                    "tags": {},
                }
                for sub, name in world.resource_groups
            ),
        )
        _insert(
            c,
            t.resources,
            (
                {
                    "id_key": r.id.lower(),
                    "id": r.id,
                    "subscription_id": r.subscription_id,
                    "type": r.type,
                    "location": "westeurope",
                    "properties": {},
                    "tags": {},
                }
                for r in world.resources
            ),
        )
        for tenant_id, role in world.custom_roles:
            save_role_definition(c, tenant_id, role)
        for deny in world.denies:
            save_deny_assignment(c, deny)
        _insert(
            c,
            t.reseller_relationships,
            (
                {
                    "partner_tenant_id": r.partner_tenant_id,
                    "customer_tenant_id": r.customer_tenant_id,
                    "dap": r.dap,
                    "state": r.state.value,
                }
                for r in world.resellers
            ),
        )
        for relationship in world.gdap:
            save_gdap_relationship(c, relationship)
    progress(
        f"  store: {len(world.subscription_tenant):,} subscriptions, "
        f"{len(world.resource_groups):,} resource groups, {len(world.resources):,} resources, "
        f"{len(world.management_groups):,} management groups, "
        f"{len(world.custom_roles)} custom roles, {len(world.denies)} deny assignments, "
        f"{len(world.resellers):,} reseller and {len(world.gdap):,} GDAP relationships "
        f"({time.perf_counter() - started:.1f} s)"
    )


def _assignment_rows(assignments: Iterable[RoleAssignment]) -> Iterator[dict[str, Any]]:
    for a in assignments:
        yield {
            "name": a.name,
            "tenant_id": a.tenant_id,
            "scope": a.scope,
            "role_definition_id": a.role_definition_id,
            "principal_id": a.principal_id,
            "principal_type": a.principal_type.value,
        }


def write_assignments(
    database: Database,
    assignments: Sequence[RoleAssignment],
    start: int,
    stop: int,
    progress: Progress = print,
) -> None:
    """Append `assignments[start:stop]` in one transaction, in store order."""
    with database.begin() as c:
        for low in range(start, stop, 200_000):
            high = min(stop, low + 200_000)
            _insert(c, t.role_assignments, _assignment_rows(assignments[low:high]))
            if stop - start > 200_000:
                progress(f"  store: {high:,} role assignments")


def checkpoint(database: Database) -> None:
    """Fold the WAL into the main file, as a long-running store would have by now."""
    with database.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
