"""A batch in flight keeps the body it was first sent with, and each record's local_rev.

The table is made anew: a batch in flight from before is dropped. Its records are still
dirty, so they go in a fresh batch under a new key; where the old one was applied the
server answers a conflict, merged here like any other.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _create(*columns: sa.Column) -> None:
    op.create_table(
        "push_batches",
        sa.Column("key", sa.String(length=36), nullable=False),
        *columns,
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_push_batches"),
    )


def upgrade() -> None:
    op.drop_table("push_batches")
    _create(
        sa.Column("body", JSON_DOC, nullable=False),
        sa.Column("revs", JSON_DOC, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("push_batches")
    _create(sa.Column("record_ids", JSON_DOC, nullable=False))
