"""Each record's content hash as the server gave it (lcc_apr.evidence), and the revision
it was computed at: the server keeps its own; a cache keeps the server's, to check its
copies against the server at every sync (lcc_apr.sync.evidence). Empty on older rows:
the server computes those when asked, a cache asks the server. A covering index reads
them in id order without the records' rows; a cache's sync_state keeps where the check's
round of hashing copies again stands.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


INDEX = "ix_records_evidence"
COLUMNS = [
    "id",
    "server_rev",
    "hash_rev",
    "content_hash",
    "kind",
    "dirty",
    "local_rev",
    "subject_id",
    "status",
]


def upgrade() -> None:
    op.add_column("records", sa.Column("content_hash", sa.String(length=64), nullable=True))
    op.add_column("records", sa.Column("hash_rev", sa.Integer(), nullable=True))
    op.create_index(INDEX, "records", COLUMNS)
    op.add_column("sync_state", sa.Column("evidence_after", sa.String(length=36), nullable=True))


def downgrade() -> None:
    op.drop_index(INDEX, table_name="records")
    op.execute("ALTER TABLE sync_state DROP COLUMN evidence_after")
    # SQLite's own DROP COLUMN (not a batch, which would make the table anew without the
    # expression indexes of 0011 and 0014)
    for column in ("hash_rev", "content_hash"):
        op.execute(f"ALTER TABLE records DROP COLUMN {column}")
