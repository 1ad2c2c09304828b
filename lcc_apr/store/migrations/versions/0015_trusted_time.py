"""Trusted time: a sign-off's RFC 3161 timestamp token (the server's countersignature of
its time), and the trust material a laptop fetches at sync (the CA's CRL, the timestamp
authority's address) to embed in the PDFs it signs.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sign_offs") as batch:
        batch.add_column(sa.Column("time_token", sa.LargeBinary(), nullable=True))
    op.create_table(
        "trust_material",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_trust_material"),
    )


def downgrade() -> None:
    op.drop_table("trust_material")
    with op.batch_alter_table("sign_offs") as batch:
        batch.drop_column("time_token")
