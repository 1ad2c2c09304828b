"""The server database: engines for SQLite or PostgreSQL, and both migration trees.

The domain tables come from the shared tree (lcc_apr.store.migrate, version
table `alembic_version`); the server-only tables from lcc_apr/server/migrations
(version table `alembic_version_server`). `prepare_database` runs both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from lcc_apr.paths import owner_only, private_file
from lcc_apr.store import migrate as domain_migrate

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version_server"
SQLITE_BUSY_SECONDS = 30
POOL_SIZE = 10  # the default of ServerSettings.pool_size
POOL_TIMEOUT = 30  # seconds a request waits for a pooled connection before a 503
MIGRATION_LOCK = 0x4C434341  # 'LCCA'
# The newest server revision, so a database already there is recognised without loading
# Alembic (tests/server/test_signing.py checks it against the scripts).
SERVER_HEAD = "s0013"


def make_engine(
    url: str,
    *,
    pool_size: int = POOL_SIZE,
    max_overflow: int | None = None,
    pool_timeout: float = POOL_TIMEOUT,
) -> Engine:
    """An engine for the server: WAL and a long busy wait on SQLite, and a pool of
    `pool_size` connections (and `max_overflow` more when busy, by default twice as many)."""
    parsed = make_url(url)
    overflow = 2 * pool_size if max_overflow is None else max_overflow
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        if parsed.database and not memory:
            # personal data and password hashes: the file, and so its -wal and -shm, 0600
            path = Path(parsed.database)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # when made here
            private_file(path)
            for journal in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                owner_only(journal)
        pool: dict[str, Any] = (
            {}
            if memory
            else {"pool_size": pool_size, "max_overflow": overflow, "pool_timeout": pool_timeout}
        )
        engine = create_engine(
            parsed,
            connect_args={"timeout": SQLITE_BUSY_SECONDS},
            json_serializer=_json,
            json_deserializer=orjson.loads,
            **pool,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")
            cursor.close()

        return engine
    return create_engine(
        parsed,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=overflow,
        pool_timeout=pool_timeout,
        json_serializer=_json,
        json_deserializer=orjson.loads,
    )


def _json(value: Any) -> str:
    """Keys sorted: a record's answers in the form its content hash covers (lcc_apr.evidence)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def server_head() -> str:
    rev = ScriptDirectory.from_config(_config()).get_current_head()
    assert rev is not None
    return rev


def server_revision(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade_server_tables(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def downgrade_server_tables(engine: Engine, revision: str = "base") -> None:
    with engine.begin() as connection:
        command.downgrade(_config(connection), revision)


def is_current(engine: Engine) -> bool:
    """Both trees at their newest revision (read directly: no Alembic)."""
    try:
        with engine.connect() as connection:
            domain = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            server = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    except Exception:  # noqa: BLE001 - no tables yet, or unreadable: migrate
        return False
    return domain == domain_migrate.HEAD and server == SERVER_HEAD


def revisions(engine: Engine) -> tuple[str | None, str | None]:
    """(domain, server) revisions the database is at; None for a tree not there yet."""
    with engine.connect() as connection:
        return domain_migrate.current(connection), server_revision(connection)


def prepare_database(engine: Engine) -> list[str]:
    """Bring the domain schema, then the server tables, to their newest versions; what
    was done ("domain tables: none -> 0010"), empty when they already were.

    On PostgreSQL an advisory lock (pg_advisory_lock on MIGRATION_LOCK) makes servers
    starting together migrate one at a time: the first migrates, the others then find
    the tables at their newest versions and do nothing.
    """
    if engine.dialect.name != "postgresql":
        return _upgrade(engine)
    with engine.connect() as guard:
        guard.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            return _upgrade(engine)
        finally:
            guard.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            guard.commit()


def _upgrade(engine: Engine) -> list[str]:
    before = revisions(engine)
    if before == (domain_migrate.HEAD, SERVER_HEAD):
        return []
    domain_migrate.upgrade(engine)
    upgrade_server_tables(engine)
    after = revisions(engine)
    names = ("domain tables", "server tables")
    return [
        f"{name}: {old or 'none'} -> {new}"
        for name, old, new in zip(names, before, after, strict=True)
        if old != new
    ]
