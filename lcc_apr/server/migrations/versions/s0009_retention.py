"""Retention: the due list HR reviews, tombstones of purged records, legal holds.

Revision ID: s0009
Revises: s0006 (merge: the revision before this one, s0008 once parts 7 and 8 land)
"""

import sqlalchemy as sa
from alembic import op

revision = "s0009"
down_revision = "s0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_due",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("trigger_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("blocked", sa.String(length=300), nullable=True),
        sa.Column("listed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name="pk_retention_due"),
    )
    op.create_index("ix_retention_due_subject_id", "retention_due", ["subject_id"])
    op.create_table(
        "retention_tombstones",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("record_date", sa.Date(), nullable=True),
        sa.Column("trigger_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("confirmed_by", sa.Integer(), nullable=False),
        sa.Column("purged_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name="pk_retention_tombstones"),
        sa.UniqueConstraint("seq", name="uq_retention_tombstones_seq"),
    )
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("record_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("placed_by", sa.Integer(), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("released_by", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_legal_holds"),
    )
    op.create_index("ix_legal_holds_employee_id", "legal_holds", ["employee_id"])
    op.create_index("ix_legal_holds_record_id", "legal_holds", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_legal_holds_record_id", table_name="legal_holds")
    op.drop_index("ix_legal_holds_employee_id", table_name="legal_holds")
    op.drop_table("legal_holds")
    op.drop_table("retention_tombstones")
    op.drop_index("ix_retention_due_subject_id", table_name="retention_due")
    op.drop_table("retention_due")
