"""A stored push reply names the body it answers (SHA-256 of the records pushed).

The table is made anew: replies stored before have no hash and are forgotten. A retry
of such a batch is then answered record by record, where `base_rev` keeps anything from
being applied twice (a change already applied is a conflict, merged on the laptop).

Revision ID: s0003
Revises: s0002
"""

import sqlalchemy as sa
from alembic import op

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None

TABLE = "idempotency_replies"
INDEX = "ix_idempotency_replies_created_at"


def _create(*extra: sa.Column) -> None:
    op.create_table(
        TABLE,
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        *extra,
        sa.Column("reply", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=f"fk_{TABLE}_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", "key", name=f"pk_{TABLE}"),
    )
    op.create_index(INDEX, TABLE, ["created_at"])


def _drop() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    op.drop_table(TABLE)


def upgrade() -> None:
    _drop()
    _create(sa.Column("body_hash", sa.String(length=64), nullable=False))


def downgrade() -> None:
    _drop()
    _create()
