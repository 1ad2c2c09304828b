"""Where a first sync's snapshot load stands, so a dropped connection resumes it,
and the secondary indexes set aside while it loads (made again when it ends).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_state") as table:
        table.add_column(sa.Column("snapshot_at", sa.Integer(), nullable=True))
        table.add_column(sa.Column("snapshot_epoch", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("snapshot_after", sa.String(length=36), nullable=True))
        table.add_column(sa.Column("deferred_indexes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as table:
        for column in ("deferred_indexes", "snapshot_after", "snapshot_epoch", "snapshot_at"):
            table.drop_column(column)
