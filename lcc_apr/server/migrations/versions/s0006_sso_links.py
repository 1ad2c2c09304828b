"""Single sign-on: the council account (issuer, subject) each account is linked to, at most
one account per council account.

Revision ID: s0006
Revises: s0005
"""

import sqlalchemy as sa
from alembic import op

revision = "s0006"
down_revision = "s0005"
branch_labels = None
depends_on = None

TABLE = "accounts"
INDEX = "ix_accounts_sso_link"
COLUMNS = ("sso_issuer", "sso_subject")


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column(TABLE, sa.Column(column, sa.String(length=255), nullable=True))
    op.create_index(INDEX, TABLE, list(COLUMNS), unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:  # SQLite: the table is made anew
        for column in reversed(COLUMNS):
            batch.drop_column(column)
