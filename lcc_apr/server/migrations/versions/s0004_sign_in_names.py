"""Failed sign-ins for usernames that are no account's, so they lock like real ones.

Revision ID: s0004
Revises: s0003
"""

import sqlalchemy as sa
from alembic import op

revision = "s0004"
down_revision = "s0003"
branch_labels = None
depends_on = None

TABLE = "sign_in_names"
INDEX = "ix_sign_in_names_last_attempt_at"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("name_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name_hash", name=f"pk_{TABLE}"),
    )
    op.create_index(INDEX, TABLE, ["last_attempt_at"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    op.drop_table(TABLE)
