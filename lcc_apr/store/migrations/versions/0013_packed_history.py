"""History patches packed, and a record's first answers held once (a local store only).

A local store's engine carries PACKED (lcc_apr.store.first_answers.mark): there every
history patch becomes compressed JSON behind a tag byte (lcc_apr.models.patches), and
a create entry whose answers equal its record's current ones is stored without them
(tag b"F"). A trigger copies a record's answers into `first_answers` the first time
they change, so such an entry always finds them. The server runs these scripts too: on
its engine (no PACKED) this revision changes nothing. The store is vacuumed afterwards
(migrate.upgrade).

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Callable

import orjson
from alembic import context, op
from sqlalchemy import Connection

from lcc_apr.models.patches import PACKED, FirstAnswers, WithoutAnswers, pack, unpack

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 5000
TABLE = (
    "CREATE TABLE first_answers (record_id VARCHAR(36) NOT NULL PRIMARY KEY, "
    "answers JSON NOT NULL) WITHOUT ROWID"
)
KEEP = (
    "CREATE TRIGGER records_keep_first_answers BEFORE UPDATE OF answers ON records "
    "WHEN OLD.answers IS NOT NEW.answers AND EXISTS (SELECT 1 FROM record_changes "
    "WHERE record_id = OLD.id AND seq = 1 AND substr(patch, 1, 1) = x'46') "
    "BEGIN INSERT OR IGNORE INTO first_answers (record_id, answers) "
    "VALUES (OLD.id, OLD.answers); END"
)
DROP = (
    "CREATE TRIGGER records_drop_first_answers AFTER DELETE ON records "
    "BEGIN DELETE FROM first_answers WHERE record_id = OLD.id; END"
)
GUARD = (
    "CREATE TRIGGER record_changes_no_update BEFORE UPDATE ON record_changes "
    "BEGIN SELECT RAISE(ABORT, 'record_changes is append-only'); END"
)
# each history entry with its record's current answers (ROWS) or first answers (FIRST_ROWS)
ROWS = (
    "SELECT c.id, c.seq, c.action, c.patch, r.answers FROM record_changes c "
    "JOIN records r ON r.id = c.record_id WHERE c.id > ? ORDER BY c.id LIMIT ?"
)
FIRST_ROWS = (
    "SELECT c.id, c.seq, c.action, c.patch, coalesce(f.answers, r.answers) "
    "FROM record_changes c JOIN records r ON r.id = c.record_id "
    "LEFT JOIN first_answers f ON f.record_id = c.record_id "
    "WHERE c.id > ? ORDER BY c.id LIMIT ?"
)


def _local(bind: Connection) -> bool:
    return bool(getattr(bind.dialect, PACKED, False))


def _rewrite(bind: Connection, query: str, convert: Callable[..., str | bytes]) -> None:
    """Every history patch through `convert`, in batches, the append-only guard lifted."""
    bind.exec_driver_sql("DROP TRIGGER record_changes_no_update")
    last = 0
    while rows := bind.exec_driver_sql(query, (last, BATCH)).all():
        bind.exec_driver_sql(
            "UPDATE record_changes SET patch = ? WHERE id = ?",
            [(convert(*row), row[0]) for row in rows],
        )
        last = rows[-1][0]
    bind.exec_driver_sql(GUARD)


def _pack(_id: int, seq: int, action: str, patch: str | bytes, answers: str) -> bytes:
    if isinstance(patch, bytes):
        return patch  # packed already
    body = orjson.loads(patch)
    if seq == 1 and action == "create" and body.get("answers") == orjson.loads(answers):
        return pack(FirstAnswers(body))
    return pack(body)


def _unpack(_id: int, _seq: int, _action: str, patch: str | bytes, answers: str) -> str:
    if isinstance(patch, str):
        return patch
    body = unpack(patch)
    if isinstance(body, WithoutAnswers):
        body = {**body, "answers": orjson.loads(answers)}
    return orjson.dumps(body).decode()


def upgrade() -> None:
    bind = op.get_bind()
    if not _local(bind):
        return
    bind.exec_driver_sql(TABLE)
    bind.exec_driver_sql(KEEP)
    bind.exec_driver_sql(DROP)
    _rewrite(bind, ROWS, _pack)
    context.config.attributes["vacuum"] = True


def downgrade() -> None:
    bind = op.get_bind()
    if not _local(bind):
        return
    bind.exec_driver_sql("DROP TRIGGER records_keep_first_answers")
    bind.exec_driver_sql("DROP TRIGGER records_drop_first_answers")
    _rewrite(bind, FIRST_ROWS, _unpack)
    bind.exec_driver_sql("DROP TABLE first_answers")
