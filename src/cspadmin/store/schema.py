"""The tables. One schema for SQLite and PostgreSQL; Alembic migrations create it.

Ids are lower-case GUID strings. Case-insensitive uniqueness (UPNs, domains, the
one-assignment-per-(scope, role, principal) rule) is enforced by the database itself with
unique indexes over `lower(...)`, so no code path can get around it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    func,
)
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(36)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware timestamp, stored and returned in UTC on both backends.

    SQLite has no zone-aware type: SQLAlchemy writes the wall time and drops the offset,
    then reads back a naive value. Normalizing to UTC on the way in and marking UTC on the
    way out keeps the instant, and keeps comparisons with an aware clock valid.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime needs an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


tenants = Table(
    "tenants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("display_name", String(256), nullable=False),
    Column("default_domain", String(256), nullable=False),
    Column("partner_id", String(64)),
    Column("admin_agents_id", ID),
    Column("helpdesk_agents_id", ID),
    Column("sales_agents_id", ID),
)

tenant_domains = Table(
    "tenant_domains",
    metadata,
    Column("domain", String(256), primary_key=True),  # stored lower-case
    Column("tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("user_principal_name", String(256), nullable=False),
    Column("display_name", String(256), nullable=False),
    Column("password_hash", String(256)),
    Column("account_enabled", Boolean, nullable=False, default=True),
    Column("usage_location", String(2)),
    Column("mail_nickname", String(64)),
    Column("given_name", String(64)),
    Column("surname", String(64)),
    Column("force_change_password", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime()),
)
Index("uq_users_upn", func.lower(users.c.user_principal_name), unique=True)

groups = Table(
    "groups",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("display_name", String(256), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("mail_nickname", String(64)),
    Column("created_at", UtcDateTime()),
    Index("ix_groups_tenant_name", "tenant_id", "display_name"),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", ID, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ID, primary_key=True),
    Index("ix_group_members_member", "member_id"),
)

service_principals = Table(
    "service_principals",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("app_id", ID, nullable=False),
    Column("display_name", String(256), nullable=False),
    Column("secret_hash", String(256)),
    Index("uq_service_principals_tenant_app", "tenant_id", "app_id", unique=True),
)

directory_role_assignments = Table(
    "directory_role_assignments",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("role_template_id", ID, primary_key=True),
    Column("principal_id", ID, primary_key=True),
)

tenant_skus = Table(
    "tenant_skus",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("sku_id", ID, primary_key=True),
    Column("prepaid_units", Integer, nullable=False),
)

# A license names a SKU its user's tenant subscribes to; the composite key says so.
user_licenses = Table(
    "user_licenses",
    metadata,
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("sku_id", ID, primary_key=True),
    Column("tenant_id", ID, nullable=False),
    Column("disabled_plans", JSON, nullable=False),
    Column("assigned_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(
        ["tenant_id", "sku_id"],
        ["tenant_skus.tenant_id", "tenant_skus.sku_id"],
        ondelete="CASCADE",
    ),
    Index("ix_user_licenses_tenant_sku", "tenant_id", "sku_id"),
)

reseller_relationships = Table(
    "reseller_relationships",
    metadata,
    Column("partner_tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("customer_tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("dap", Boolean, nullable=False),
    Column("state", String(32), nullable=False),
)

gdap_relationships = Table(
    "gdap_relationships",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("partner_tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("customer_tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("display_name", String(50), nullable=False),
    Column("duration", String(32), nullable=False),  # ISO-8601, e.g. P730D
    Column("role_template_ids", JSON, nullable=False),
    Column("status", String(32), nullable=False),
    Column("activated_at", UtcDateTime()),
    Column("auto_extend_duration", String(8), nullable=False, server_default="PT0S"),
    Column("customer_display_name", String(256), nullable=False, server_default=""),
    Column("created_at", UtcDateTime()),
    Column("modified_at", UtcDateTime()),
    Column("locked_at", UtcDateTime()),
    Column("approved_by", ID),
    Column("terminated_at", UtcDateTime()),
    Column("version", Integer, nullable=False, server_default="1"),
)
# A partner's relationship names are unique ignoring case, as Graph requires.
Index(
    "uq_gdap_partner_name",
    gdap_relationships.c.partner_tenant_id,
    func.lower(gdap_relationships.c.display_name),
    unique=True,
)

gdap_access_assignments = Table(
    "gdap_access_assignments",
    metadata,
    Column(
        "relationship_id",
        String(80),
        ForeignKey("gdap_relationships.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("group_id", ID, primary_key=True),
    Column("role_template_ids", JSON, nullable=False),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("created_at", UtcDateTime()),
    Column("modified_at", UtcDateTime()),
    Column("version", Integer, nullable=False, server_default="1"),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 hex of the link
    Column("partner_tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("dap", Boolean, nullable=False),
    Column("created_by", ID, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("customer_tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE")),
    Column("accepted_by", ID),
    Column("accepted_at", UtcDateTime()),
    Index("ix_invitations_partner", "partner_tenant_id"),
)

management_groups = Table(
    "management_groups",
    metadata,
    Column("name", String(90), primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("parent", String(90)),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("display_name", String(256), nullable=False),
    Column("state", String(16), nullable=False),
    Column("offer", String(64), nullable=False),
    Column("csp_partner_tenant_id", ID, ForeignKey("tenants.id")),
    Column("management_group", String(90)),
    Index("ix_subscriptions_tenant", "tenant_id"),
)

# -- CSP commerce: Azure plans, the carts and orders that buy them, subscription aliases --

azure_plans = Table(
    "azure_plans",
    metadata,
    Column("id", ID, primary_key=True),
    Column("partner_tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("customer_tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("order_id", ID, nullable=False),
    Column("friendly_name", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(
        "uq_azure_plans_partner_customer", "partner_tenant_id", "customer_tenant_id", unique=True
    ),
)

orders = Table(
    "orders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("partner_tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("customer_tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("line_items", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("plan_id", ID, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", ID, nullable=False),
    Index("ix_orders_partner_customer", "partner_tenant_id", "customer_tenant_id"),
)

carts = Table(
    "carts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("partner_tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("customer_tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("line_items", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", ID, nullable=False),
    Column("order_id", ID),
)

subscription_aliases = Table(
    "subscription_aliases",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("name_key", String(90), primary_key=True),  # lower-case name
    Column("name", String(90), nullable=False),
    Column(
        "subscription_id",
        ID,
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("billing_scope", String(1024)),
    Column("workload", String(16)),
    Column("reseller_id", String(64)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", ID, nullable=False),
    Column("offer_tenant_id", ID),
    Column("offer_owner_id", ID),
    Column("offered_at", UtcDateTime()),
    Column("accepted_at", UtcDateTime()),
    Index("ix_subscription_aliases_subscription", "subscription_id"),
)

resource_groups = Table(
    "resource_groups",
    metadata,
    Column(
        "subscription_id",
        ID,
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("name_key", String(90), primary_key=True),  # lower-case name
    Column("name", String(90), nullable=False),
    Column("location", String(64), nullable=False),
    Column("tags", JSON, nullable=False, default=dict),
    Column("managed_by", String(1024)),
    Column("created_at", UtcDateTime()),
)

resources = Table(
    "resources",
    metadata,
    Column("id_key", String(1024), primary_key=True),  # lower-case id
    Column("id", String(1024), nullable=False),
    Column(
        "subscription_id",
        ID,
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("type", String(256), nullable=False),
    Column("location", String(64), nullable=False),
    Column("properties", JSON, nullable=False, default=dict),
    Column("tags", JSON, nullable=False, default=dict),
    Column("kind", String(64)),
    Column("sku", JSON),
    Column("created_at", UtcDateTime()),
    Column("changed_at", UtcDateTime()),
)

role_definitions = Table(
    "role_definitions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("role_name", String(256), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("assignable_scopes", JSON, nullable=False),
    Column("permissions", JSON, nullable=False),
)

role_assignments = Table(
    "role_assignments",
    metadata,
    Column("name", ID, primary_key=True),
    Column("tenant_id", ID, nullable=False),
    Column("scope", String(1024), nullable=False),
    Column("role_definition_id", ID, nullable=False),
    Column("principal_id", ID, nullable=False),
    Column("principal_type", String(32), nullable=False),
    Column("condition", Text),
    Column("description", Text),
    Column("created_at", UtcDateTime(), nullable=False, server_default=func.now()),
    Column("created_by", ID),
    Column("updated_at", UtcDateTime()),
    Column("updated_by", ID),
    Index("ix_role_assignments_principal", "principal_id"),
)
Index(
    "uq_role_assignments_scope_role_principal",
    func.lower(role_assignments.c.scope),
    func.lower(role_assignments.c.role_definition_id),
    func.lower(role_assignments.c.principal_id),
    unique=True,
)

deny_assignments = Table(
    "deny_assignments",
    metadata,
    Column("name", ID, primary_key=True),
    Column("tenant_id", ID, nullable=False),
    Column("scope", String(1024), nullable=False),
    Column("display_name", String(256), nullable=False, default=""),
    Column("permissions", JSON, nullable=False),
    Column("principal_ids", JSON, nullable=False),
    Column("exclude_principal_ids", JSON, nullable=False),
    Column("applies_to_children", Boolean, nullable=False, default=True),
)


activity_log = Table(
    "activity_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", ID, nullable=False, unique=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("tenant_id", ID),
    Column("subscription_id", ID),
    Column("caller_id", ID),
    Column("caller", String(256)),
    Column("operation", String(256), nullable=False),
    Column("http_method", String(10), nullable=False),
    Column("scope", String(1024), nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("correlation_id", String(64), nullable=False),
    Column("properties", JSON, nullable=False, default=dict),
    Index("ix_activity_log_subscription_at", "subscription_id", "at"),
    Index("ix_activity_log_tenant_at", "tenant_id", "at"),
)


# -- the change journal: what each write touched, so every replica can catch up ----------

# One row (id 1, made by the first write): the generation of the last committed write
# that touched the engine's facts. Each such write increments it; on PostgreSQL the row's
# lock orders their commits.
store_version = Table(
    "store_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("generation", BigInteger, nullable=False),
)

# (kind, key) of every fact a write touched, at the write's generation (store.journal).
change_journal = Table(
    "change_journal",
    metadata,
    Column("generation", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(32), primary_key=True),
    Column("key", String(256), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
)
