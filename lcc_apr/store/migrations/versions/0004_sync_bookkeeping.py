"""Sync bookkeeping: merge base, cursor and epoch, conflicts, batches in flight, purges.

A record's history may now be deleted only when the whole record is purged
from a cache (its id listed in `purges`): losing access removes data.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
PURGED = "EXISTS (SELECT 1 FROM purges WHERE record_id = OLD.record_id)"


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("base_seq", sa.Integer(), nullable=True))
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_url", sa.String(length=500), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("epoch", sa.String(length=64), nullable=True),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sync_state"),
    )
    op.create_table(
        "conflicts",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("server_rev", sa.Integer(), nullable=True),
        sa.Column("server", JSON_DOC, nullable=True),
        sa.Column("fields", JSON_DOC, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name="fk_conflicts_record_id_records"
        ),
        sa.PrimaryKeyConstraint("record_id", name="pk_conflicts"),
    )
    op.create_table(
        "push_batches",
        sa.Column("key", sa.String(length=36), nullable=False),
        sa.Column("record_ids", JSON_DOC, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_push_batches"),
    )
    op.create_table(
        "purges",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name="pk_purges"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION record_changes_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' AND {PURGED} THEN RETURN OLD; END IF; "
            "RAISE EXCEPTION 'record_changes is append-only'; END $$"
        )
    else:
        op.execute("DROP TRIGGER record_changes_no_delete")
        op.execute(
            "CREATE TRIGGER record_changes_no_delete BEFORE DELETE ON record_changes "
            f"WHEN NOT {PURGED} "
            "BEGIN SELECT RAISE(ABORT, 'record_changes is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION record_changes_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'record_changes is append-only'; END $$"
        )
    else:
        op.execute("DROP TRIGGER record_changes_no_delete")
        op.execute(
            "CREATE TRIGGER record_changes_no_delete BEFORE DELETE ON record_changes "
            "BEGIN SELECT RAISE(ABORT, 'record_changes is append-only'); END"
        )
    op.drop_table("purges")
    op.drop_table("push_batches")
    op.drop_table("conflicts")
    op.drop_table("sync_state")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("base_seq")
