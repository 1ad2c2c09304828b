"""Index records by kind, for schedules and lists over the whole organisation.

The per-person index gains the tombstone flag, so "the latest live record of a
kind for each person" is answered from the index alone.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_records_kind_date", "records", ["kind", "record_date"])
    op.drop_index("ix_records_subject_kind_date", table_name="records")
    op.create_index(
        "ix_records_subject_kind_date", "records", ["subject_id", "kind", "record_date", "deleted"]
    )


def downgrade() -> None:
    op.drop_index("ix_records_subject_kind_date", table_name="records")
    columns = ["subject_id", "kind", "record_date"]
    op.create_index("ix_records_subject_kind_date", "records", columns)
    op.drop_index("ix_records_kind_date", table_name="records")
