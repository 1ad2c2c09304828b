"""Absence episodes pulled by change (lcc_apr.server.absences): on the server, each
episode's `seq`, the global sequence number of its latest change (0 for episodes written
before: a full pull brings those); in a cache's sync_state, where its absence pull stands
(the server's epoch, the cursor, and whose view it was: `hr` or `team`).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "absences", sa.Column("seq", sa.Integer(), nullable=False, server_default=sa.text("0"))
    )
    op.create_index("ix_absences_seq", "absences", ["seq"])
    op.add_column("sync_state", sa.Column("absence_epoch", sa.String(length=64), nullable=True))
    op.add_column("sync_state", sa.Column("absence_cursor", sa.Integer(), nullable=True))
    op.add_column("sync_state", sa.Column("absence_view", sa.String(length=10), nullable=True))


def downgrade() -> None:
    for column in ("absence_view", "absence_cursor", "absence_epoch"):
        op.execute(f"ALTER TABLE sync_state DROP COLUMN {column}")
    op.drop_index("ix_absences_seq", table_name="absences")
    op.execute("ALTER TABLE absences DROP COLUMN seq")
