"""activity log

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from cspadmin.store.schema import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("tenant_id", sa.String(36)),
        sa.Column("subscription_id", sa.String(36)),
        sa.Column("caller_id", sa.String(36)),
        sa.Column("caller", sa.String(256)),
        sa.Column("operation", sa.String(256), nullable=False),
        sa.Column("http_method", sa.String(10), nullable=False),
        sa.Column("scope", sa.String(1024), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_activity_log"),
        sa.UniqueConstraint("event_id", name="uq_activity_log_event_id"),
    )
    op.create_index("ix_activity_log_subscription_at", "activity_log", ["subscription_id", "at"])
    op.create_index("ix_activity_log_tenant_at", "activity_log", ["tenant_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_activity_log_tenant_at", table_name="activity_log")
    op.drop_index("ix_activity_log_subscription_at", table_name="activity_log")
    op.drop_table("activity_log")
