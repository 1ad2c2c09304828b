"""Records, sign-offs and the append-only, hash-chained change log.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TEXT40 = sa.String(length=40)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

SQLITE_GUARDS = [
    f"CREATE TRIGGER record_changes_no_{verb} BEFORE {verb.upper()} ON record_changes "
    "BEGIN SELECT RAISE(ABORT, 'record_changes is append-only'); END"
    for verb in ("update", "delete")
]
PG_GUARDS = [
    "CREATE FUNCTION record_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'record_changes is append-only'; END $$",
    "CREATE TRIGGER record_changes_append_only BEFORE UPDATE OR DELETE ON record_changes "
    "FOR EACH ROW EXECUTE FUNCTION record_changes_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", TEXT40, nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("template_id", TEXT40, nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("answers", JSON_DOC, nullable=False),
        sa.Column("status", TEXT40, nullable=False),
        sa.Column("record_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("local_rev", sa.Integer(), nullable=False),
        sa.Column("server_rev", sa.Integer(), nullable=True),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("history_head", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_records_author_id_users"),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["employees.id"], name="fk_records_subject_id_employees"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_records"),
    )
    op.create_index("ix_records_author_id", "records", ["author_id"])
    op.create_index("ix_records_dirty", "records", ["dirty"])
    op.create_index("ix_records_server_rev", "records", ["server_rev"])
    op.create_index(
        "ix_records_subject_kind_date", "records", ["subject_id", "kind", "record_date"]
    )
    op.create_table(
        "record_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", TEXT40, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("patch", JSON_DOC, nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name="fk_record_changes_record_id_records"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_record_changes_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_record_changes"),
        sa.UniqueConstraint("record_id", "seq", name="uq_record_changes_record_id"),
    )
    op.create_table(
        "sign_offs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", TEXT40, nullable=False),
        sa.Column("decision", TEXT40, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("certificate", sa.LargeBinary(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name="fk_sign_offs_record_id_records"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_sign_offs_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_sign_offs"),
    )
    op.create_index("ix_sign_offs_record_id", "sign_offs", ["record_id"])
    guards = PG_GUARDS if op.get_bind().dialect.name == "postgresql" else SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER record_changes_append_only ON record_changes")
        op.execute("DROP FUNCTION record_changes_append_only()")
    op.drop_index("ix_sign_offs_record_id", table_name="sign_offs")
    op.drop_table("sign_offs")
    op.drop_table("record_changes")
    for name in ("subject_kind_date", "server_rev", "dirty", "author_id"):
        op.drop_index(f"ix_records_{name}", table_name="records")
    op.drop_table("records")
