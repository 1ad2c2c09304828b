"""Records' answers compressed in a local store (lcc_apr.models.answers), and the indexes
that read answers in SQL (0011's, 0014's) made again over the few answers kept readable
beside them. A server's database (its engine without PACKED) is not changed.

Full demo: the records' answers 2.4x smaller. The first answers a trigger of 0013 keeps
are packed too; the trigger is lifted while the rows are rewritten, or it would copy
every record's answers. A first sync's load that set the indexes aside (sync_state's
deferred_indexes) gets the new statements. The store is vacuumed afterwards.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Callable
from typing import Any

import orjson
from alembic import context, op
from sqlalchemy import Connection

from lcc_apr.models.answers import fact_sql, json_of, pack_text
from lcc_apr.models.patches import PACKED

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

BATCH = 5000
KEEP = (
    "CREATE TRIGGER records_keep_first_answers BEFORE UPDATE OF answers ON records "
    "WHEN OLD.answers IS NOT NEW.answers AND EXISTS (SELECT 1 FROM record_changes "
    "WHERE record_id = OLD.id AND seq = 1 AND substr(patch, 1, 1) = x'46') "
    "BEGIN INSERT OR IGNORE INTO first_answers (record_id, answers) "
    "VALUES (OLD.id, OLD.answers); END"
)


def indexes(packed: bool) -> dict[str, str]:
    """0011's and 0014's indexes, reading answers as `packed` stores them."""
    kit = f"coalesce({fact_sql('keeping_in_touch', packed)}, '') != ''"
    rating = fact_sql("overall_rating", packed)
    next_date = fact_sql("next_supervision_date", packed)
    return {
        "ix_records_mi_supervision": f"kind, subject_id, record_date, status, deleted, ({kit})",
        "ix_records_mi_apr": f"kind, subject_id, record_date, status, deleted, id, ({rating})",
        "ix_records_schedule_supervision": (
            f"kind, subject_id, deleted, record_date, id, status, ({next_date})"
        ),
    }


def _local(bind: Connection) -> bool:
    return bool(getattr(bind.dialect, PACKED, False))


def _statement(name: str, columns: str) -> str:
    return f"CREATE INDEX {name} ON records ({columns})"


def _rewrite(bind: Connection, table: str, key: str, convert: Callable[[str | bytes], Any]) -> None:
    last = ""
    while rows := bind.exec_driver_sql(
        f"SELECT {key}, answers FROM {table} WHERE {key} > ? ORDER BY {key} LIMIT ?",
        (last, BATCH),
    ).all():
        bind.exec_driver_sql(
            f"UPDATE {table} SET answers = ? WHERE {key} = ?",
            [(convert(answers), rid) for rid, answers in rows],
        )
        last = rows[-1][0]


def _change(bind: Connection, packed: bool, convert: Callable[[str | bytes], Any]) -> None:
    present = {
        name
        for (name,) in bind.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    old, new = indexes(not packed), indexes(packed)
    for name in old:
        if name in present:
            bind.exec_driver_sql(f"DROP INDEX {name}")
    bind.exec_driver_sql("DROP TRIGGER IF EXISTS records_keep_first_answers")
    _rewrite(bind, "records", "id", convert)
    _rewrite(bind, "first_answers", "record_id", convert)
    bind.exec_driver_sql(KEEP)
    for name, columns in new.items():
        if name in present:
            bind.exec_driver_sql(_statement(name, columns))
    _deferred(bind, new)


def _deferred(bind: Connection, new: dict[str, str]) -> None:
    """A first sync's load under way keeps the statements of the indexes it set aside."""
    for row_id, kept in bind.exec_driver_sql(
        "SELECT id, deferred_indexes FROM sync_state WHERE deferred_indexes IS NOT NULL"
    ).all():
        statements = [_renamed(s, new) for s in orjson.loads(kept)]
        bind.exec_driver_sql(
            "UPDATE sync_state SET deferred_indexes = ? WHERE id = ?",
            (orjson.dumps(statements).decode(), row_id),
        )


def _renamed(statement: str, new: dict[str, str]) -> str:
    words = statement.replace('"', " ").split()
    name = words[2] if words[:2] == ["CREATE", "INDEX"] and len(words) > 2 else None
    return _statement(name, new[name]) if name in new else statement


def _packed(answers: str | bytes) -> bytes:
    return answers if isinstance(answers, bytes) else pack_text(answers)


def _text(answers: str | bytes) -> str:
    return json_of(answers).decode()


def upgrade() -> None:
    bind = op.get_bind()
    if not _local(bind):
        return
    _change(bind, True, _packed)
    context.config.attributes["vacuum"] = "always"  # every row shrank


def downgrade() -> None:
    bind = op.get_bind()
    if not _local(bind):
        return
    _change(bind, False, _text)
