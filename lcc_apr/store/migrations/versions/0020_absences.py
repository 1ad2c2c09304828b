"""Absence episodes (lcc_apr.models.absence): in a laptop's cache and on the server alike.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("disability_related", sa.Boolean(), nullable=False),
        sa.Column("pregnancy_related", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_rev", sa.Integer(), nullable=True),
        sa.Column("base_rev", sa.Integer(), nullable=True),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name="fk_absences_employee_id_employees"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_absences"),
    )
    op.create_index("ix_absences_employee_first", "absences", ["employee_id", "first_day"])
    op.create_index("ix_absences_dirty", "absences", ["dirty"])


def downgrade() -> None:
    op.drop_index("ix_absences_dirty", table_name="absences")
    op.drop_index("ix_absences_employee_first", table_name="absences")
    op.drop_table("absences")
