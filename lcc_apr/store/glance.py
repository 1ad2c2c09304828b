"""A page's list as it last showed, read from the store before it opens (no SQLAlchemy).

A later start shows it while the store opens (lcc_apr.ops.glance keeps and decodes it).
Read only when that is safe at once: the key in the system keyring (a passphrase is
asked for once, by the opening), no other app holding the store (lcc_apr.store.lock), no
write-ahead log beside the file (the app stopped without closing it: the file may be
behind), the schema at this version's revision (not one to be migrated, nor a newer
version's). Anything else answers None, and the page waits for the store.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlcipher3
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError

from . import keys, migrate
from .errors import StoreError
from .lock import StoreLock

SQL = "SELECT items FROM glances WHERE user_id = ? AND page = ? AND as_of = ?"


def read_glance(
    path: Path,
    *,
    keyring_backend: KeyringBackend | None,
    user_id: int,
    page: str,
    as_of: date,
) -> bytes | None:
    """What `keep` last kept of `page` for this person on `as_of`, else None."""
    if keyring_backend is None or not path.is_file():
        return None
    try:
        lock = StoreLock.take(path)
    except (OSError, StoreError):
        return None
    try:
        return _read(path, keyring_backend, user_id, page, as_of)
    finally:
        lock.release()


def _read(
    path: Path, keyring_backend: KeyringBackend, user_id: int, page: str, as_of: date
) -> bytes | None:
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        return None
    try:
        info = keys.read_info(path)
        if info is None or info["source"] != "keyring":
            return None
        key = keys.existing_key(path, info, backend=keyring_backend, ask=None)
    except (OSError, StoreError, KeyringError):
        return None
    connection = sqlcipher3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute(f'PRAGMA key = "{key.sqlcipher}"')
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None or revision[0] != migrate.HEAD:  # to be migrated, or newer
            return None
        row = connection.execute(SQL, (user_id, page, as_of.isoformat())).fetchone()
    except sqlcipher3.Error:
        return None
    finally:
        connection.close()
    return bytes(row[0]) if row else None
