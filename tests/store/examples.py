"""Small, valid domain objects for store tests; every call makes fresh ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Table, func, select

from cspadmin.domain.assignments import RoleAssignment
from cspadmin.domain.directory import (
    Group,
    PartnerProfile,
    PrincipalType,
    ServicePrincipal,
    Tenant,
    User,
)
from cspadmin.domain.directory_roles import GLOBAL_ADMINISTRATOR, HELPDESK_ADMINISTRATOR
from cspadmin.domain.estate import ResourceGroup, Subscription
from cspadmin.domain.relationships import AccessAssignment, GdapRelationship, GdapStatus
from cspadmin.domain.roles import OWNER
from cspadmin.store.database import Database


def new_id() -> str:
    return str(uuid.uuid4())


def a_customer(name: str = "Contoso") -> Tenant:
    slug = name.lower()
    return Tenant(new_id(), name, f"{slug}.onmicrosoft.com", (f"{slug}.com",))


def a_partner(name: str = "Fabrikam") -> Tenant:
    slug = name.lower()
    profile = PartnerProfile("1234567", new_id(), new_id(), new_id())
    return Tenant(new_id(), name, f"{slug}.onmicrosoft.com", (), profile)


def a_user(tenant: Tenant, alias: str = "alice") -> User:
    return User(
        new_id(),
        tenant.id,
        f"{alias}@{tenant.default_domain}",
        alias.title(),
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        account_enabled=True,
        usage_location="US",
    )


def a_group(tenant: Tenant, name: str = "Engineers", *members: str) -> Group:
    return Group(new_id(), tenant.id, name, f"The {name}", frozenset(members))


def a_service_principal(tenant: Tenant, name: str = "deployer") -> ServicePrincipal:
    return ServicePrincipal(new_id(), tenant.id, new_id(), name, secret_hash="hash")


def a_subscription(tenant: Tenant, name: str = "Production") -> Subscription:
    return Subscription(new_id(), tenant.id, name)


def a_resource_group(subscription: Subscription, name: str = "rg-app") -> ResourceGroup:
    return ResourceGroup(subscription.id, name, "westeurope", {"env": "prod"})


def an_owner_assignment(
    subscription: Subscription,
    principal_id: str,
    principal_type: PrincipalType = PrincipalType.GROUP,
    scope: str | None = None,
) -> RoleAssignment:
    return RoleAssignment(
        name=new_id(),
        scope=scope or f"/subscriptions/{subscription.id}",
        role_definition_id=OWNER.id,
        principal_id=principal_id,
        principal_type=principal_type,
        tenant_id=subscription.tenant_id,
    )


def a_gdap_relationship(
    partner: Tenant,
    customer: Tenant,
    group_id: str,
    *,
    duration: str = "P2Y",
    status: GdapStatus = GdapStatus.ACTIVE,
    activated_at: datetime | None = None,
) -> GdapRelationship:
    roles = (GLOBAL_ADMINISTRATOR.template_id, HELPDESK_ADMINISTRATOR.template_id)
    return GdapRelationship(
        id=f"{new_id()}-{new_id()}",  # Graph's shape: two GUIDs
        partner_tenant_id=partner.id,
        customer_tenant_id=customer.id,
        display_name="Fabrikam managed services",
        duration=duration,
        role_template_ids=roles,
        status=status,
        activated_at=activated_at,
        access_assignments=(AccessAssignment(group_id, roles[:1]),),
    )


def an_instant(year: int = 2025, month: int = 1, day: int = 15) -> datetime:
    return datetime(year, month, day, 9, 30, tzinfo=UTC)


def row_count(database: Database, table: Table) -> int:
    with database.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table)) or 0
