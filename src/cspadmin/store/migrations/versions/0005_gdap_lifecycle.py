"""gdap_lifecycle: GDAP relationships' full lifecycle (requests, approval, auto-extend, access-assignment status)

Revision ID: 0005
Revises: 0004
"""

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
