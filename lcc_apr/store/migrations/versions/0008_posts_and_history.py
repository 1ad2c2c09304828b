"""Posts held (an employee may hold several, keyed by the HR system's post number) and
each post's dated history of job title, grade, department and line manager.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("post_number", sa.String(length=20), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("line_manager_id", sa.Integer(), nullable=True),
        sa.Column("contract_type", sa.String(length=40), nullable=True),
        sa.Column("fte", sa.Numeric(precision=4, scale=3), nullable=True),
        sa.Column("weekly_hours", sa.Numeric(precision=5, scale=3), nullable=True),
        sa.Column("staff_group", sa.String(length=200), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name="fk_posts_department_id_departments"
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name="fk_posts_employee_id_employees"
        ),
        sa.ForeignKeyConstraint(
            ["line_manager_id"], ["employees.id"], name="fk_posts_line_manager_id_employees"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_posts"),
        sa.UniqueConstraint("employee_id", "post_number", name="uq_posts_employee_id"),
    )
    op.create_table(
        "post_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("line_manager_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name="fk_post_history_department_id_departments"
        ),
        sa.ForeignKeyConstraint(
            ["line_manager_id"], ["employees.id"], name="fk_post_history_line_manager_id_employees"
        ),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name="fk_post_history_post_id_posts"),
        sa.PrimaryKeyConstraint("id", name="pk_post_history"),
    )
    op.create_index("ix_post_history_post_from", "post_history", ["post_id", "valid_from"])


def downgrade() -> None:
    op.drop_index("ix_post_history_post_from", table_name="post_history")
    op.drop_table("post_history")
    op.drop_table("posts")
