"""csp_subscriptions: CSP subscriptions (Azure plan orders, subscription aliases, transfers)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from cspadmin.store.schema import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.String(36)


def _tenant_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["tenants.id"], name=f"fk_{table}_{column}_tenants", ondelete="CASCADE"
    )


def _partner_and_customer(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("partner_tenant_id", ID, nullable=False),
        sa.Column("customer_tenant_id", ID, nullable=False),
        _tenant_fk(table, "partner_tenant_id"),
        _tenant_fk(table, "customer_tenant_id"),
    ]


def upgrade() -> None:
    op.create_table(
        "azure_plans",
        sa.Column("id", ID, nullable=False),
        *_partner_and_customer("azure_plans"),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("friendly_name", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_azure_plans"),
    )
    op.create_index(
        "uq_azure_plans_partner_customer",
        "azure_plans",
        ["partner_tenant_id", "customer_tenant_id"],
        unique=True,
    )
    op.create_table(
        "orders",
        sa.Column("id", ID, nullable=False),
        *_partner_and_customer("orders"),
        sa.Column("line_items", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("plan_id", ID, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", ID, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
    )
    op.create_index(
        "ix_orders_partner_customer", "orders", ["partner_tenant_id", "customer_tenant_id"]
    )
    op.create_table(
        "carts",
        sa.Column("id", ID, nullable=False),
        *_partner_and_customer("carts"),
        sa.Column("line_items", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("order_id", ID),
        sa.PrimaryKeyConstraint("id", name="pk_carts"),
    )
    op.create_table(
        "subscription_aliases",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("name_key", sa.String(90), nullable=False),
        sa.Column("name", sa.String(90), nullable=False),
        sa.Column("subscription_id", ID, nullable=False),
        sa.Column("billing_scope", sa.String(1024)),
        sa.Column("workload", sa.String(16)),
        sa.Column("reseller_id", sa.String(64)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("offer_tenant_id", ID),
        sa.Column("offer_owner_id", ID),
        sa.Column("offered_at", UtcDateTime()),
        sa.Column("accepted_at", UtcDateTime()),
        _tenant_fk("subscription_aliases", "tenant_id"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name="fk_subscription_aliases_subscription_id_subscriptions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "name_key", name="pk_subscription_aliases"),
    )
    op.create_index(
        "ix_subscription_aliases_subscription", "subscription_aliases", ["subscription_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_subscription_aliases_subscription", table_name="subscription_aliases")
    op.drop_table("subscription_aliases")
    op.drop_table("carts")
    op.drop_index("ix_orders_partner_customer", table_name="orders")
    op.drop_table("orders")
    op.drop_index("uq_azure_plans_partner_customer", table_name="azure_plans")
    op.drop_table("azure_plans")
