"""HR's first sync from a ready-made cache (lcc_apr.server.ready_cache): an encrypted SQLite
file of this cache's own schema, downloaded beside the store and copied in with one
INSERT ... SELECT per table, which SQLite carries out page by page, indexes included
(its transfer optimisation: the tables here are empty). Full demo: about 6 s for 250,000
records against about 30 s by snapshot parts (bench/sync_pull.py).

- The file is encrypted with its own key, which is kept in this (encrypted) cache while the
  download lasts, so the records are never plain on this disk.
- A download cut short (a dropped connection, a closed laptop) goes on from the bytes
  already here (an HTTP range); the whole file is checked (size, SHA-256) before use.
- The copy is one transaction, with the load's position: a load stopped midway leaves the
  cache as it was, and the next sync loads it again.
- Refused (not offered any more, damaged, another schema, a cache already holding records):
  SnapshotRefused, and the first sync goes on by snapshot parts.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from lcc_apr.paths import digest_of
from lcc_apr.store import Store, migrate

from .errors import Cancelled, SnapshotRefused
from .readywire import ReadyCacheReply
from .transport import Connection

SUFFIX = ".ready"
DAMAGED = "the ready-made cache arrived damaged"


def file_of(store: Store) -> Path:
    return store.path.with_name(store.path.name + SUFFIX)


def discard(store: Store) -> None:
    file_of(store).unlink(missing_ok=True)


def fetch(
    connection: Connection,
    store: Store,
    offer: ReadyCacheReply,
    got: Callable[[int], None],
) -> Path:
    """The ready-made cache's whole file beside the store (resuming what is already there), checked.
    `got(bytes so far)` after each chunk (it may raise Cancelled)."""
    path = file_of(store)
    try:
        made = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)  # as the store's
        with os.fdopen(made, "ab+") as into:
            done = into.tell()

            def chunk(size: int) -> None:
                nonlocal done
                done += size
                got(done)

            into.seek(0)
            hashed = Hashed(into)
            if done < offer.size:
                connection.ready_cache_file(offer, migrate.head(), hashed, chunk)
    except OSError as error:  # a full disk, a folder it may not write to
        path.unlink(missing_ok=True)
        message = f"the ready-made cache could not be kept on this disk ({error.strerror})"
        raise SnapshotRefused(message) from None
    if path.stat().st_size != offer.size or hashed.digest.hexdigest() != offer.sha256:
        path.unlink(missing_ok=True)
        raise SnapshotRefused(DAMAGED)
    return path


class Hashed:
    """The download's file, hashed as it is written: checked without reading 450 MB again.
    What a resumed download already holds is hashed first."""

    def __init__(self, into: BinaryIO) -> None:
        self.into, self.digest = into, digest_of(into)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.into.seek(offset, whence)

    def truncate(self) -> int:  # the whole file after all: from its first byte
        self.digest = hashlib.sha256()
        return self.into.truncate()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.into.write(data)


def load(store: Store, path: Path, offer: ReadyCacheReply, cancel: threading.Event) -> int:
    """Copy the ready-made cache's records, sign-offs, users and absence episodes into the
    cache and record where the snapshot and the absences stand, in one transaction; returns
    the records taken."""
    store.engine.dispose()  # the idle connections closed: the journal can change alone
    raw = store.engine.raw_connection()
    try:
        db = raw.driver_connection
        assert db is not None
        db.execute("PRAGMA foreign_keys = OFF")  # else SQLite copies row by row
        journal = _journal(db, "delete")  # WAL would write every page twice (about 2 s)
        try:
            db.execute(f"ATTACH DATABASE ? AS ready KEY \"x'{offer.key}'\"", (str(path),))
        except Exception:  # noqa: BLE001 (the driver's DatabaseError: a wrong or damaged file)
            raise SnapshotRefused(DAMAGED) from None
        try:
            return _copy(db, offer, cancel)
        finally:
            db.set_progress_handler(None, 0)
            db.execute("DETACH DATABASE ready")
            db.execute("PRAGMA foreign_keys = ON")
            if journal != "delete":
                _journal(db, journal)
    finally:
        raw.close()


def _copy(db: Any, offer: ReadyCacheReply, cancel: threading.Event) -> int:
    execute = db.execute
    try:
        (revision,) = execute("SELECT version_num FROM ready.alembic_version").fetchone()
        if revision != migrate.head():
            raise SnapshotRefused("the ready-made cache is for another version of the app")
        for table in ("records", "sign_offs", "absences"):
            if execute(f"SELECT 1 FROM main.{table} LIMIT 1").fetchone():
                raise SnapshotRefused("this cache already holds records")
        unknown = "SELECT 1 FROM ready.records WHERE subject_id NOT IN (SELECT id FROM employees)"
        if execute(unknown + " LIMIT 1").fetchone():
            raise SnapshotRefused("the ready-made cache is about people not known here")
    except SnapshotRefused:
        raise
    except Exception:  # noqa: BLE001 (the driver's DatabaseError: damaged pages)
        raise SnapshotRefused(DAMAGED) from None
    db.set_progress_handler(lambda: 1 if cancel.is_set() else 0, 1000)  # checks cancel
    try:
        execute("BEGIN IMMEDIATE")
        execute("INSERT INTO main.records SELECT * FROM ready.records")
        execute("INSERT INTO main.sign_offs SELECT * FROM ready.sign_offs")
        execute("INSERT OR IGNORE INTO main.users SELECT * FROM ready.users")
        execute("INSERT INTO main.absences SELECT * FROM ready.absences")
        execute(  # the absences' pull goes on from where the server read them
            "UPDATE sync_state SET (absence_cursor, absence_epoch, absence_view) = "
            "(SELECT absence_cursor, absence_epoch, absence_view FROM ready.sync_state "
            "WHERE id = 1) WHERE id = 1"
        )
        (taken,) = execute("SELECT count(*) FROM main.records").fetchone()
        execute(
            "UPDATE sync_state SET snapshot_at = ?, snapshot_epoch = ?, snapshot_after = '', "
            "snapshot_ready = NULL, snapshot_subjects = ? WHERE id = 1",
            (offer.at, offer.epoch, orjson.dumps(offer.excluded).decode()),
        )
        execute("COMMIT")
    except Exception as error:  # noqa: BLE001 (the driver's errors, raised on as ours)
        if db.in_transaction:
            execute("ROLLBACK")
        if cancel.is_set():
            raise Cancelled(
                "Sync was cancelled; what was already sent or received is kept."
            ) from None
        raise SnapshotRefused(f"the cache could not take the ready-made cache ({error})") from None
    execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the journal's 400 MB back to the disk
    return int(taken)


def _journal(db: Any, mode: str) -> str:
    """Set the journal mode when no other connection holds the store (else it stays as it
    is); the mode it had."""
    (before,) = db.execute("PRAGMA journal_mode").fetchone()
    with contextlib.suppress(Exception):  # the driver's OperationalError: another holds it
        db.execute(f"PRAGMA journal_mode = {mode}")
    return str(before).lower()
