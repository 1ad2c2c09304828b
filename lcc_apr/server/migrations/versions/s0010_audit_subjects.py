"""The audit log says which record and which person an entry concerns (both optional),
indexed for HR's audit viewer: its filters read (column, at, id) newest first.

Revision ID: s0010
Revises: s0009
"""

import sqlalchemy as sa
from alembic import op

revision = "s0010"
down_revision = "s0009"
branch_labels = None
depends_on = None

TABLE = "audit_log"
INDEXES = {
    "ix_audit_log_record_id": ["record_id", "at", "id"],
    "ix_audit_log_subject_id": ["subject_id", "at", "id"],
    "ix_audit_log_user_at": ["user_id", "at", "id"],
    "ix_audit_log_event_at": ["event", "at", "id"],
}


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("record_id", sa.String(length=36), nullable=True))
    op.add_column(TABLE, sa.Column("subject_id", sa.Integer(), nullable=True))
    for name, columns in INDEXES.items():
        op.create_index(name, TABLE, columns)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:  # SQLite: the table is made anew
        batch.drop_column("subject_id")
        batch.drop_column("record_id")
