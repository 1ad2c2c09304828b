"""HR's absence imports: one row per file applied (its digest, how many episodes it added
and changed, who, when), so the same file applied twice is seen and refused.

Revision ID: s0012
Revises: s0011
"""

import sqlalchemy as sa
from alembic import op

revision = "s0012"
down_revision = "s0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "absence_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_absence_imports"),
    )
    op.create_index("ix_absence_imports_digest", "absence_imports", ["digest"])


def downgrade() -> None:
    op.drop_index("ix_absence_imports_digest", table_name="absence_imports")
    op.drop_table("absence_imports")
