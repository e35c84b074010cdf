"""change_journal: the store's generation and what each write touched (store.journal)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from cspadmin.store.schema import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_version",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_store_version"),
    )
    op.create_table(
        "change_journal",
        sa.Column("generation", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("generation", "kind", "key", name="pk_change_journal"),
    )


def downgrade() -> None:
    op.drop_table("change_journal")
    op.drop_table("store_version")
