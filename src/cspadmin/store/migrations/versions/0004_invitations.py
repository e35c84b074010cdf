"""invitations: the partner's personalized relationship-request links

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from cspadmin.store.schema import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("partner_tenant_id", sa.String(36), nullable=False),
        sa.Column("dap", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("customer_tenant_id", sa.String(36)),
        sa.Column("accepted_by", sa.String(36)),
        sa.Column("accepted_at", UtcDateTime()),
        sa.ForeignKeyConstraint(
            ["partner_tenant_id"],
            ["tenants.id"],
            name="fk_invitations_partner_tenant_id_tenants",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_tenant_id"],
            ["tenants.id"],
            name="fk_invitations_customer_tenant_id_tenants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_invitations"),
        sa.UniqueConstraint("token_hash", name="uq_invitations_token_hash"),
    )
    op.create_index("ix_invitations_partner", "invitations", ["partner_tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_invitations_partner", table_name="invitations")
    op.drop_table("invitations")
