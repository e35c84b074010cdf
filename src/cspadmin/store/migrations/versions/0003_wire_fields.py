"""fields the ARM and Graph surfaces return

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from cspadmin.store.schema import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_COLUMNS = {
    "users": [
        sa.Column("mail_nickname", sa.String(64)),
        sa.Column("given_name", sa.String(64)),
        sa.Column("surname", sa.String(64)),
        sa.Column("force_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", UtcDateTime()),
    ],
    "groups": [sa.Column("mail_nickname", sa.String(64)), sa.Column("created_at", UtcDateTime())],
    "resource_groups": [
        sa.Column("managed_by", sa.String(1024)),
        sa.Column("created_at", UtcDateTime()),
    ],
    "resources": [
        sa.Column("kind", sa.String(64)),
        sa.Column("sku", sa.JSON()),
        sa.Column("created_at", UtcDateTime()),
        sa.Column("changed_at", UtcDateTime()),
    ],
    "role_assignments": [
        sa.Column("created_by", sa.String(36)),
        sa.Column("updated_at", UtcDateTime()),
        sa.Column("updated_by", sa.String(36)),
    ],
}


# Plain ALTER TABLE on both backends: a batch (copy-and-move) migration on SQLite would
# drop the expression indexes (lower(...)) that enforce case-insensitive uniqueness.


def upgrade() -> None:
    for table, columns in _COLUMNS.items():
        for column in columns:
            op.add_column(table, column)


def downgrade() -> None:
    for table, columns in _COLUMNS.items():
        for column in reversed(columns):
            op.drop_column(table, column.name)
