"""The local store: one SQLCipher-encrypted SQLite file, open in one process at a time
(lcc_apr.store.lock: a second window of the app is told so, not let in).

`open_store` checks everything it can before it writes a byte: that the key
is the right one (the check value beside the file), that the file is a
readable database (opened read-only first), and that its schema is not newer
than this app. Only then does it open the file for writing, switch on WAL
and foreign keys, and run any pending migrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import sqlcipher3
from keyring.backend import KeyringBackend
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from lcc_apr.paths import owner_only, private_file, private_folder

from . import keys, migrate
from .errors import CorruptStoreError, MissingKeyError, NewerSchemaError, NotEncryptedError
from .first_answers import mark
from .keys import AskPassphrase, StoreKey
from .lock import StoreLock

PLAIN_SQLITE_HEADER = b"SQLite format 3\x00"
_UNSET: Any = object()


class Store:
    """An open store. Sessions come from `session()`; close() when done."""

    def __init__(self, path: Path, engine: Engine, key: StoreKey | None) -> None:
        self.path = path
        self.engine = engine
        self.key_source = key.info["source"] if key else "none"
        self._key = key  # handed only to reader processes (worker_key)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.lock: StoreLock | None = None  # one app at a time (open_store takes it)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def worker_key(self) -> StoreKey | None:
        """The raw key, for a worker process that reads this store (HR's PDF batch):
        passed to it through the pool's pipe, never written anywhere."""
        return self._key

    def integrity_problems(self) -> list[str]:
        """Every page's HMAC and the b-trees checked; an empty list means sound."""
        checks = ["PRAGMA integrity_check"]
        if self.engine.dialect.driver == "pysqlcipher":
            checks.insert(0, "PRAGMA cipher_integrity_check")
        rows: list[str] = []
        try:
            with self.engine.connect() as connection:
                for check in checks:
                    rows += [r[0] for r in connection.exec_driver_sql(check)]
        except DatabaseError as exc:
            rows.append(str(exc.orig))
        return [row for row in rows if row != "ok"]

    def analyse(self) -> None:
        """Refresh the query planner's statistics (after a bulk load)."""
        with self.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")

    def vacuum(self) -> None:
        """Rewrite the file compactly (after a bulk load: its indexes were filled in random
        order). Needs about the file's size again in free disk space while it runs."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM")

    def close(self) -> None:
        """Let SQLite refresh stale planner statistics, then close every connection."""
        try:
            with self.engine.begin() as connection:
                connection.exec_driver_sql("PRAGMA optimize")
        except DatabaseError:
            pass  # a damaged store still closes
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()


def open_store(
    path: Path,
    *,
    keyring_backend: KeyringBackend | None = _UNSET,
    ask_passphrase: AskPassphrase | None = None,
    argon2_cost: dict[str, int] | None = None,
) -> Store:
    """Open (or create) the encrypted store at `path`, migrated to the newest schema.

    The key comes from a secure OS keyring when one exists, else from
    `ask_passphrase`. Raises a StoreError subclass with advice for the user.
    """
    path = path.resolve()
    private_folder(path.parent)
    lock = StoreLock.take(path)  # before a byte is read or written
    try:
        store = _open(path, keyring_backend, ask_passphrase, argon2_cost)
    except BaseException:
        lock.release(failed=True)
        raise
    store.lock = lock
    return store


def _open(
    path: Path,
    keyring_backend: KeyringBackend | None,
    ask_passphrase: AskPassphrase | None,
    argon2_cost: dict[str, int] | None,
) -> Store:
    backend = keys.secure_keyring() if keyring_backend is _UNSET else keyring_backend
    info = keys.read_info(path)
    if path.exists():
        for made in (path, keys.info_path(path), *journals(path)):
            owner_only(made)  # left readable by an older version
        _refuse_plain(path)
        if info is None:
            raise MissingKeyError(
                path,
                "The key information file beside this store is missing",
                f"Restore {keys.info_path(path).name} from a backup, or move the store "
                "aside and sync again.",
            )
        key = keys.existing_key(path, info, backend=backend, ask=ask_passphrase)
        revision = _probe(path, key)
    else:
        key = keys.new_key(path, backend=backend, ask=ask_passphrase, argon2_cost=argon2_cost)
        private_file(path)  # SQLite gives its journals the store's mode
        revision = None
    engine = encrypted_engine(path, key)
    try:
        if revision != migrate.HEAD:
            migrate.upgrade(engine)
    except DatabaseError as exc:
        engine.dispose()
        raise _damaged_while_migrating(path) from exc
    return Store(path, engine, key)


# Each connection's page cache, grown only as pages are read. SQLite's default (2 MiB)
# held too little of a covering index to keep its decrypted pages from one read to the
# next: full demo, the schedule's queries 0.15 s -> 0.06 s with this (bench/schedule.py).
CACHE_KIB = -32 * 1024


# Connections kept open between tasks (keying one costs a little), shared by threads in
# turn. Not SQLAlchemy's default for this driver, SingletonThreadPool: past 5 threads it
# closes another thread's connection, in use or not, and SQLCipher then crashes the
# process (seen in CI: a read worker's query with the writer and the other reader alive).
POOL_SIZE = 4  # kept open; more are opened when more threads ask, closed when handed back


def encrypted_engine(path: Path, key: StoreKey) -> Engine:
    url = URL.create("sqlite+pysqlcipher", password=key.sqlcipher, database=str(path))
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=POOL_SIZE,
        max_overflow=-1,  # no thread ever waits for a connection
        connect_args={"check_same_thread": False},  # one thread at a time, handed on
        json_serializer=_json,
        json_deserializer=orjson.loads,
    )
    return _configure(engine)


def plain_engine(path: Path) -> Engine:
    """An unencrypted SQLite engine with the same settings (benchmarks, tests)."""
    url = URL.create("sqlite", database=str(path))
    return _configure(create_engine(url, json_serializer=_json, json_deserializer=orjson.loads))


def _json(value: Any) -> str:
    """Compact UTF-8 JSON, keys sorted (orjson: about 10x the standard library's speed):
    a record's answers are kept in the form its content hash covers (lcc_apr.evidence)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _configure(engine: Engine) -> Engine:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.driver == "pysqlcipher":
            cursor.execute("PRAGMA cipher_log_level = NONE")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA cache_size = {CACHE_KIB}")
        cursor.close()

    return mark(engine)  # history patches packed, first answers held once


def journals(path: Path) -> list[Path]:
    """SQLite's write-ahead log and its index beside the store."""
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _refuse_plain(path: Path) -> None:
    with path.open("rb") as handle:
        header = handle.read(16)
    if header == PLAIN_SQLITE_HEADER:
        raise NotEncryptedError(
            path,
            "This file is an unencrypted database, not an LCC APR store",
            "It has not been opened or changed. Move it aside; the app will make a new store.",
        )


def _damaged_while_migrating(path: Path) -> CorruptStoreError:
    return CorruptStoreError(
        path,
        "The store is damaged and cannot be read",
        "Move it aside (keep it for IT if it holds unsynced work) and sync again.",
    )


def damaged(path: Path) -> CorruptStoreError:
    """A store that cannot be read, found before anything was written to it."""
    return CorruptStoreError(
        path,
        "The store is damaged and cannot be read",
        "It has not been changed. Move it aside and sync again; keep the damaged copy "
        "for IT if records were not yet synced.",
    )


def _probe(path: Path, key: StoreKey) -> str | None:
    """The schema's revision, read read-only with a key already proven right."""
    connection = sqlcipher3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute(f'PRAGMA key = "{key.sqlcipher}"')
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        revision = None
        if "alembic_version" in tables:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
    except sqlcipher3.DatabaseError as exc:
        raise damaged(path) from exc
    finally:
        connection.close()
    if revision is not None and not migrate.known(revision):
        raise NewerSchemaError(
            path,
            "The store was made by a newer version of LCC APR",
            "Install the latest version of the app; the store has not been changed.",
        )
    return revision
