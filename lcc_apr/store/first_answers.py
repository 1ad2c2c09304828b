"""A record's first answers held once in a local store, not twice.

A record's create entry holds all its answers, and so does the record. In a local
store (an engine marked by `mark`) the create entry is stored without them
(lcc_apr.models.patches, tag b"F") when they equal the record's as inserted. Until
the record's answers first change they are the record's own; a trigger (store
migration 0013) copies them into `first_answers` at that first change. Every history
entry the ORM loads gets them back here, so history, replay and the hash chain see
the whole patch. Runs on whichever thread owns the session.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Mapper, QueryContext
from sqlalchemy.orm.attributes import set_committed_value

from lcc_apr.models import ChangeAction, RecordChange
from lcc_apr.models.answers import unpack
from lcc_apr.models.patches import PACKED, FirstAnswers, WithoutAnswers, packs

FIRST_ANSWERS_SQL = (
    "SELECT coalesce((SELECT answers FROM first_answers WHERE record_id = ?), "
    "(SELECT answers FROM records WHERE id = ?))"
)
RECORD_ANSWERS_SQL = "SELECT answers FROM records WHERE id = ?"


def mark(engine: Engine) -> Engine:
    """Make `engine` a local store's: history patches packed, first answers held once."""
    setattr(engine.dialect, PACKED, True)
    return engine


def first_answers(connection: Connection, record_id: str) -> dict[str, Any]:
    """A record's first answers, read on the driver's connection (in the same transaction):
    about a fifth of the time a query through SQLAlchemy takes, once per history read."""
    driver = connection.connection.driver_connection
    assert driver is not None
    row = driver.execute(FIRST_ANSWERS_SQL, (record_id, record_id)).fetchone()
    if row is None or row[0] is None:
        raise LookupError(f"record {record_id}: its first answers are missing")
    return unpack(row[0])


@event.listens_for(RecordChange, "before_insert")
def _hold_once(_mapper: Mapper[Any], connection: Connection, change: RecordChange) -> None:
    """A create entry whose answers are its record's as written (the record goes in first,
    in the same flush): held once."""
    if not packs(connection.dialect) or change.action != ChangeAction.CREATE or change.seq != 1:
        return
    row = connection.exec_driver_sql(RECORD_ANSWERS_SQL, (change.record_id,)).first()
    if row is not None and unpack(row[0]) == change.patch.get("answers"):
        change.patch = FirstAnswers(change.patch)


def _restore(change: RecordChange, context: QueryContext, *_: Any) -> None:
    patch = change.__dict__.get("patch")
    if isinstance(patch, WithoutAnswers):
        answers = first_answers(context.session.connection(), change.record_id)
        set_committed_value(change, "patch", {**patch, "answers": answers})


event.listen(RecordChange, "load", _restore)
event.listen(RecordChange, "refresh", _restore)
