"""Indexes for HR's list of every record: newest first, and by person.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_records_record_date", "records", ["record_date", "id"])
    op.create_index("ix_records_status", "records", ["status", "id"])
    op.create_index("ix_employees_last_name", "employees", ["last_name"])


def downgrade() -> None:
    op.drop_index("ix_employees_last_name", table_name="employees")
    op.drop_index("ix_records_status", table_name="records")
    op.drop_index("ix_records_record_date", table_name="records")
