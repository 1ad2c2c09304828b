"""A page's list as it last showed, kept in the local store for the next start
(lcc_apr.ops.glance): a later start shows it while the store opens. A local store only.

Revision ID: 0023
Revises: 0022
"""

from alembic import op

from lcc_apr.models.patches import PACKED

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TABLE = (
    "CREATE TABLE glances (user_id INTEGER NOT NULL, page VARCHAR(20) NOT NULL, "
    "as_of DATE NOT NULL, items BLOB NOT NULL, PRIMARY KEY (user_id, page)) WITHOUT ROWID"
)


def upgrade() -> None:
    bind = op.get_bind()
    if getattr(bind.dialect, PACKED, False):
        bind.exec_driver_sql(TABLE)


def downgrade() -> None:
    bind = op.get_bind()
    if getattr(bind.dialect, PACKED, False):
        bind.exec_driver_sql("DROP TABLE glances")
