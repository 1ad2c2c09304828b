"""Alembic migrations for the store, run from code on an open connection.

Every schema change is a revision under migrations/versions; a store made
by an older version upgrades in place when it is opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest revision. A store already there opens without loading Alembic (about a
# tenth of a second at start-up); tests/test_migrations.py checks it against the scripts.
HEAD = "0023"


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    from alembic.script import ScriptDirectory

    rev = ScriptDirectory.from_config(_config()).get_current_head()
    assert rev is not None
    return rev


def known(revision: str) -> bool:
    if revision == HEAD:
        return True
    from alembic.script import ScriptDirectory

    return any(
        s.revision == revision for s in ScriptDirectory.from_config(_config()).walk_revisions()
    )


def current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (default: the newest) in one transaction, then
    VACUUM when a revision asked for it (config.attributes["vacuum"]: it shrank rows;
    "always": it shrank rows in place, which leaves pages part-empty, not free)."""
    from alembic import command

    with engine.begin() as connection:
        _restore_set_aside_indexes(connection)
        config = _config(connection)
        command.upgrade(config, revision)
    asked = config.attributes.get("vacuum")
    if asked == "always" or (asked and _mostly_free(engine)):
        from sqlalchemy.exc import OperationalError

        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM")
        except OperationalError:
            pass  # no room on the disk for the copy: the store is sound, only not yet smaller


def _restore_set_aside_indexes(connection: Connection) -> None:
    """A first sync's load stopped midway keeps the records table's indexes set aside
    (lcc_apr.sync.snapshot): they are made again before any migration, which may change
    them. The load, when it resumes, sets them aside again."""
    if connection.dialect.name != "sqlite":
        return
    tables = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
    if "sync_state" not in {name for (name,) in tables}:
        return
    columns = {row[1] for row in connection.exec_driver_sql("PRAGMA table_info(sync_state)")}
    if "deferred_indexes" not in columns:
        return
    row = connection.exec_driver_sql("SELECT deferred_indexes FROM sync_state").first()
    if row is None or row[0] is None:
        return
    import orjson

    for sql in orjson.loads(row[0]):
        connection.exec_driver_sql(sql)
    connection.exec_driver_sql("UPDATE sync_state SET deferred_indexes = NULL")


def _mostly_free(engine: Engine) -> bool:
    """A quarter or more of the file's pages free: worth a VACUUM (which rewrites the whole
    file). A cache that held little history (one filled by sync) is left as it is."""
    with engine.connect() as connection:
        free = connection.exec_driver_sql("PRAGMA freelist_count").scalar() or 0
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar() or 0
    return pages > 0 and free * 4 >= pages
