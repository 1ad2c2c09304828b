"""The organisation's signing authorities and the personal certificates issued by them.

Revision ID: s0002
Revises: s0001
"""

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_authorities",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("fingerprint", name="pk_signing_authorities"),
    )
    op.create_table(
        "issued_certificates",
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("not_after", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_issued_certificates_user_id_users"
        ),
        sa.PrimaryKeyConstraint("serial", name="pk_issued_certificates"),
    )
    op.create_index("ix_issued_certificates_user_id", "issued_certificates", ["user_id"])
    op.create_index("ix_issued_certificates_key_id", "issued_certificates", ["key_id"])


def downgrade() -> None:
    op.drop_index("ix_issued_certificates_key_id", table_name="issued_certificates")
    op.drop_index("ix_issued_certificates_user_id", table_name="issued_certificates")
    op.drop_table("issued_certificates")
    op.drop_table("signing_authorities")
