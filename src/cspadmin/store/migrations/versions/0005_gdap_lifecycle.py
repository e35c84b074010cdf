"""gdap_lifecycle: GDAP relationships' full lifecycle (requests, approval, auto-extend, access-assignment status)

Revision ID: 0005
Revises: 0004
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from cspadmin.store.schema import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COLUMNS: dict[str, list[sa.Column[Any]]] = {
    "gdap_relationships": [
        sa.Column("auto_extend_duration", sa.String(8), nullable=False, server_default="PT0S"),
        sa.Column("customer_display_name", sa.String(256), nullable=False, server_default=""),
        sa.Column("created_at", UtcDateTime()),
        sa.Column("modified_at", UtcDateTime()),
        sa.Column("locked_at", UtcDateTime()),
        sa.Column("approved_by", sa.String(36)),
        sa.Column("terminated_at", UtcDateTime()),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    ],
    "gdap_access_assignments": [
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("created_at", UtcDateTime()),
        sa.Column("modified_at", UtcDateTime()),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    ],
}

# Plain ALTER TABLE on both backends (as in 0003): a batch migration on SQLite would copy
# the table and drop expression indexes. Names become unique per partner ignoring case.


def upgrade() -> None:
    for table, columns in _COLUMNS.items():
        for column in columns:
            op.add_column(table, column)
    op.drop_index("uq_gdap_partner_name", table_name="gdap_relationships")
    op.create_index(
        "uq_gdap_partner_name",
        "gdap_relationships",
        ["partner_tenant_id", sa.text("lower(display_name)")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_gdap_partner_name", table_name="gdap_relationships")
    op.create_index(
        "uq_gdap_partner_name",
        "gdap_relationships",
        ["partner_tenant_id", "display_name"],
        unique=True,
    )
    for table, columns in _COLUMNS.items():
        for column in reversed(columns):
            op.drop_column(table, column.name)
