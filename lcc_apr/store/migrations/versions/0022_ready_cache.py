"""HR's ready-made cache (lcc_apr.sync.ready_cache): in sync_state, the ready-made cache being
downloaded (its description and key, kept only in this encrypted cache until it is loaded)
and, once loaded, the people whose records the snapshot parts after it bring.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sync_state", sa.Column("snapshot_ready", sa.JSON(), nullable=True))
    op.add_column("sync_state", sa.Column("snapshot_subjects", sa.JSON(), nullable=True))


def downgrade() -> None:
    for column in ("snapshot_subjects", "snapshot_ready"):
        op.execute(f"ALTER TABLE sync_state DROP COLUMN {column}")
