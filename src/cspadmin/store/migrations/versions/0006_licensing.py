"""licensing: Graph licensing (subscribed SKUs and users' assigned licenses)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from cspadmin.store.schema import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_skus",
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("sku_id", sa.String(36), nullable=False),
        sa.Column("prepaid_units", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_tenant_skus_tenant_id_tenants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "sku_id", name="pk_tenant_skus"),
    )
    op.create_table(
        "user_licenses",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("sku_id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("disabled_plans", sa.JSON(), nullable=False),
        sa.Column("assigned_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_user_licenses_user_id_users",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "sku_id"],
            ["tenant_skus.tenant_id", "tenant_skus.sku_id"],
            name="fk_user_licenses_tenant_id_tenant_skus",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "sku_id", name="pk_user_licenses"),
    )
    op.create_index("ix_user_licenses_tenant_sku", "user_licenses", ["tenant_id", "sku_id"])


def downgrade() -> None:
    op.drop_index("ix_user_licenses_tenant_sku", table_name="user_licenses")
    op.drop_table("user_licenses")
    op.drop_table("tenant_skus")
