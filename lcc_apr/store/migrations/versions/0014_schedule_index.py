"""A covering index for the schedule on SQLite (the desktop cache): each person's latest
supervision and the next date agreed at it, read from the index instead of each record's
answers. PostgreSQL (the server) does not run the schedule: nothing to do there.

A whole index led by kind, not a partial one, as 0011's. The expression must match
lcc_apr.schedule.facts word for word, or SQLite will not use it.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

NEXT_SUPERVISION = "json_extract(answers, '$.next_supervision_date')"
NAME = "ix_records_schedule_supervision"
COLUMNS = f"kind, subject_id, deleted, record_date, id, status, ({NEXT_SUPERVISION})"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON records ({COLUMNS})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"DROP INDEX {NAME}")
