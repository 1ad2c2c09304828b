"""Digital sign-off: what a signature covers, the cached trust, this computer's certificates.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("sign_offs") as batch:
        batch.add_column(sa.Column("covers", JSON_DOC, nullable=True))
    op.create_table(
        "trust_anchors",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name="pk_trust_anchors"),
    )
    op.create_table(
        "trust_revocations",
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("serial", name="pk_trust_revocations"),
    )
    op.create_table(
        "own_certificates",
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("not_after", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("serial", name="pk_own_certificates"),
    )
    op.create_index("ix_own_certificates_key_id", "own_certificates", ["key_id"])


def downgrade() -> None:
    op.drop_index("ix_own_certificates_key_id", table_name="own_certificates")
    op.drop_table("own_certificates")
    op.drop_table("trust_revocations")
    op.drop_table("trust_anchors")
    with op.batch_alter_table("sign_offs") as batch:
        batch.drop_column("covers")
