"""Absence episodes taken off the server for good (lcc_apr.server.absences.purge): each
one's id, whose it was and the sequence number of its removal, so laptops pulling by
change drop their copies.

Revision ID: s0013
Revises: s0012
"""

import sqlalchemy as sa
from alembic import op

revision = "s0013"
down_revision = "s0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "absence_removals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_absence_removals"),
    )
    op.create_index("ix_absence_removals_seq", "absence_removals", ["seq"])


def downgrade() -> None:
    op.drop_index("ix_absence_removals_seq", table_name="absence_removals")
    op.drop_table("absence_removals")
