"""A covering index for HR's intake (records of a kind and state, oldest change first):
without it the page read the whole records table, 19 s on the full demo; with it 0.4 s.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = ["kind", "status", "deleted", "updated_at", "id", "subject_id"]


def upgrade() -> None:
    op.create_index("ix_records_waiting", "records", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_records_waiting", table_name="records")
