"""Single sign-on: the nonces the server gave, each used once.

Revision ID: s0005
Revises: s0004
"""

import sqlalchemy as sa
from alembic import op

revision = "s0005"
down_revision = "s0004"
branch_labels = None
depends_on = None

TABLE = "sso_nonces"
INDEX = "ix_sso_nonces_expires_at"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("nonce_hash", name=f"pk_{TABLE}"),
    )
    op.create_index(INDEX, TABLE, ["expires_at"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    op.drop_table(TABLE)
