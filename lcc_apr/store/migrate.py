"""Alembic migrations for the store, run from code on an open connection.

Every schema change is a revision under migrations/versions; a store made
by an older version upgrades in place when it is opened.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    rev = ScriptDirectory.from_config(_config()).get_current_head()
    assert rev is not None
    return rev


def known(revision: str) -> bool:
    return any(
        s.revision == revision for s in ScriptDirectory.from_config(_config()).walk_revisions()
    )


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (default: the newest) in one transaction."""
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)
