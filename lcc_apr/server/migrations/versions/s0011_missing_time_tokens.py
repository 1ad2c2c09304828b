"""The sign-offs still waiting for trusted time, indexed for the job that adds it
(lcc_apr/server/timestamp_job.py): a partial index holding only those, so its scan costs
what is missing, not the size of the table.

Revision ID: s0011
Revises: s0010
"""

import sqlalchemy as sa
from alembic import op

revision = "s0011"
down_revision = "s0010"
branch_labels = None
depends_on = None

INDEX = "ix_sign_offs_no_time_token"
MISSING = sa.text("time_token IS NULL AND signature IS NOT NULL")


def upgrade() -> None:
    op.create_index(INDEX, "sign_offs", ["id"], sqlite_where=MISSING, postgresql_where=MISSING)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="sign_offs")
