"""`lcc-apr-server backup ARCHIVE` and `restore ARCHIVE`: the whole server in one sealed file.

The archive (lcc_apr.server.archive: Argon2id, AES-256-GCM in chunks) holds a tar of:
the database (SQLite: a copy made with SQLite's online backup API, consistent while
the server runs; PostgreSQL: `pg_dump --format=custom` of the server's schema), the
signing authority's certificate and key, the token signing secret file (when the
settings do not give the secret), the settings file named by --config, and a manifest.

Restore first opens, checks and unpacks the whole archive into a private temporary
folder: a wrong passphrase or a damaged archive stops it there, with nothing changed.
It refuses to replace a database that holds users or records, or a file that differs
from the archive's, unless `force`. The restored database is migrated to this version
and given a new epoch, so every laptop that pulled past the backup notices: it pulls
everything again, keeps its unsent changes and sends back what the server lost.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from lcc_apr import __version__
from lcc_apr.models import now_utc

from . import purge_ledger, sequence
from .archive import ArchiveError, Cost, DamagedArchive, SealedReader, SealedWriter
from .ca import read_certificate, register_certificate, write_file
from .db import make_engine, prepare_database
from .settings import ServerSettings, load_settings

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_COPY = "database.sqlite"
PG_DUMP = "database.pgdump"
CA_CERT = "signing-ca.pem"
CA_KEY = "signing-ca.key"
SECRET = "server-secret.key"
CONFIG = "settings.toml"
MEMBERS = {MANIFEST, SQLITE_COPY, PG_DUMP, CA_CERT, CA_KEY, SECRET, CONFIG}
COPY_BLOCK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why (and what to do)."""


@dataclass
class Summary:
    backend: str
    records: int = 0
    users: int = 0
    epoch: str = ""  # restore: the new epoch
    made_at: str = ""  # restore: when the backup was made
    files: list[str] = field(default_factory=list)  # what else the archive held / put back
    notes: list[str] = field(default_factory=list)


# -- backup ----------------------------------------------------------------------------


def make_backup(
    settings: ServerSettings,
    archive: Path,
    passphrase: str,
    *,
    config: Path | None = None,
    cost: Cost | None = None,
) -> Summary:
    """Write the archive (refused if the file exists); what it holds."""
    if archive.exists():
        raise BackupError(f"{archive} already exists: choose a new name (nothing was written).")
    backend = make_url(settings.database_url).get_backend_name()
    summary = Summary(backend)
    with _private_folder() as folder:
        if backend == "sqlite":
            database, name = _sqlite_copy(settings.database_url, folder), SQLITE_COPY
        else:
            database, name = _pg_dump(settings.database_url, folder), PG_DUMP
        members = [(name, database)]
        for member, path in _files(settings, config).items():
            if path is not None and path.is_file():
                members.append((member, path))
                summary.files.append(member)
        manifest = {
            "format": FORMAT,
            "made_at": now_utc().isoformat(timespec="seconds"),
            "version": __version__,
            "backend": backend,
            "schema": _schema(settings.database_url) if backend != "sqlite" else None,
            "database": name,
            "files": summary.files,
        }
        archive.parent.mkdir(parents=True, exist_ok=True)
        draft = archive.with_name(f".{archive.name}.{secrets.token_hex(4)}.part")
        try:
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                sealed = SealedWriter(out, passphrase, cost)
                with tarfile.open(fileobj=sealed, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1).encode())
                    for member, path in members:
                        _add_file(tar, member, path)
                sealed.close()
                out.flush()
                os.fsync(out.fileno())
            os.replace(draft, archive)
        finally:
            draft.unlink(missing_ok=True)
        if backend == "sqlite":
            summary.users, summary.records = _counts_in(f"sqlite:///{database}")
    return summary


def _files(settings: ServerSettings, config: Path | None) -> dict[str, Path | None]:
    """The archive's files and where this server keeps them (None: not kept in a file)."""
    cert, key = settings.ca_files()
    return {
        CA_CERT: cert,
        CA_KEY: key,
        SECRET: settings.secret_file() if settings.secret_key is None else None,
        CONFIG: config,
    }


def _sqlite_copy(url: str, folder: Path) -> Path:
    path = _sqlite_path(url)
    if not path.is_file():
        raise BackupError(f"There is no database at {path} to back up.")
    copy = folder / SQLITE_COPY
    source = sqlite3.connect(path, timeout=30)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)  # one read transaction: a consistent copy while others write
    except sqlite3.Error as err:
        raise BackupError(f"The database could not be copied: {err}.") from None
    finally:
        target.close()
        source.close()
    return copy


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
    tar.addfile(info, io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = path.stat().st_size, 0o600, int(path.stat().st_mtime)
    with path.open("rb") as handle:
        tar.addfile(info, handle)


# -- restore ---------------------------------------------------------------------------


def restore_backup(
    archive: Path,
    passphrase: str,
    *,
    config: Path | None = None,
    force: bool = False,
    **overrides: Any,
) -> Summary:
    """Put the archive's server back where the settings (--config, the environment,
    `overrides`) say; refused before anything is written when something would be
    replaced without `force`."""
    with _private_folder() as folder:
        manifest = _unpack(archive, passphrase, folder)
        staged = {name: folder / name for name in manifest["files"]}
        settings_file = config
        if CONFIG in staged and config is not None and (force or not config.exists()):
            settings_file = staged[CONFIG]  # the settings as they will be once restored
        try:
            settings = load_settings(settings_file, **overrides)
        except (FileNotFoundError, ValueError) as err:
            raise BackupError(f"The settings are not usable: {err}") from None
        backend = make_url(settings.database_url).get_backend_name()
        if backend != manifest["backend"]:
            raise BackupError(
                f"The archive holds a {manifest['backend']} database but the settings name a "
                f"{backend} one: nothing was changed."
            )
        targets = {**_files(settings, None), CONFIG: config}
        writes = _planned_writes(staged, targets)
        _refuse_overwrite(settings, [path for _name, path in writes], force)
        if backend == "sqlite":
            _sqlite_restore(folder / SQLITE_COPY, _sqlite_path(settings.database_url))
        else:
            _pg_restore(folder / PG_DUMP, settings.database_url, manifest.get("schema"))
        summary = Summary(backend, made_at=manifest["made_at"])
        for name, path in writes:
            write_file(path, staged[name].read_bytes(), 0o644 if name == CA_CERT else 0o600)
            summary.files.append(str(path))
        if CONFIG in staged and config is None:
            summary.notes.append("The archive's settings file was not put back (no --config).")
        _after_restore(settings, summary)
    return summary


def _unpack(archive: Path, passphrase: str, folder: Path) -> dict[str, Any]:
    """Open, check and unpack every member into `folder`; the manifest."""
    try:
        handle = archive.open("rb")
    except OSError as err:
        raise BackupError(f"Cannot read {archive}: {err.strerror}.") from None
    with handle:
        try:
            reader = SealedReader(handle, passphrase)
            stream: BinaryIO = reader  # type: ignore[assignment]
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                for member in tar:
                    if member.name not in MEMBERS or not member.isfile():
                        raise DamagedArchive(f"The archive holds an unexpected {member.name!r}.")
                    source = tar.extractfile(member)
                    assert source is not None
                    with source, (folder / member.name).open("wb") as out:
                        shutil.copyfileobj(source, out, COPY_BLOCK)
            while reader.read(COPY_BLOCK):  # the rest, to its authenticated end
                pass
        except tarfile.TarError:
            raise BackupError("The archive is damaged: its contents are not readable.") from None
        except ArchiveError as err:
            raise BackupError(f"{err} Nothing was changed.") from None
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        present = {manifest["database"], *manifest["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupError("The archive has no readable manifest: nothing was changed.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError("The archive was made by a version this one does not read.")
    if any(not (folder / name).is_file() for name in present):
        raise BackupError("The archive is incomplete: nothing was changed.")
    return manifest


def _planned_writes(
    staged: dict[str, Path], targets: dict[str, Path | None]
) -> list[tuple[str, Path]]:
    """(member, where) for every archived file that differs from what is there now."""
    writes = []
    for name, source in staged.items():
        target = targets.get(name)
        if target is None:
            continue
        if not target.is_file() or target.read_bytes() != source.read_bytes():
            writes.append((name, target))
    return writes


def _refuse_overwrite(settings: ServerSettings, files: list[Path], force: bool) -> None:
    if force:
        return
    found = [str(path) for path in files if path.exists()]
    if _holds_data(settings.database_url):
        found.insert(0, "the database (it holds users or records)")
    if found:
        raise BackupError(
            "Restoring would replace " + "; ".join(found) + ". Nothing was changed: add "
            "--force to replace them (the server must be stopped)."
        )


def _holds_data(url: str) -> bool:
    if make_url(url).get_backend_name() == "sqlite" and not _sqlite_path(url).is_file():
        return False
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as c:
            return any(
                c.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None
                for table in ("users", "records")
                if table in tables
            )
    finally:
        engine.dispose()


def _sqlite_restore(copy: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    source = sqlite3.connect(copy)
    destination = sqlite3.connect(target, timeout=30)
    try:
        if source.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise BackupError("The archived database does not check: nothing was changed.")
        source.backup(destination)  # one transaction: all of it or, on failure, nothing
    except sqlite3.Error as err:
        raise BackupError(f"The database could not be restored: {err}.") from None
    finally:
        destination.close()
        source.close()
    os.chmod(target, 0o600)


def _after_restore(settings: ServerSettings, summary: Summary) -> None:
    """Migrate to this version, register the authority, start a new epoch, and purge
    again what the purge ledger says was purged after the backup was made."""
    engine = make_engine(settings.database_url)
    try:
        prepare_database(engine)
        certificate = read_certificate(settings)  # its key's passphrase is not needed
        with Session(engine) as session, session.begin():
            if certificate is not None:
                register_certificate(session, certificate)
            summary.epoch = sequence.new_epoch(session)
            again = purge_ledger.reapply(session, settings.purge_ledger())
        if again.stones:
            summary.notes.append(
                f"{again.stones} purge(s) made after this backup were made again from the "
                f"purge ledger ({again.purged} record(s) it held were removed)."
            )
        if again.unreadable:
            summary.notes.append(
                f"{again.unreadable} line(s) of the purge ledger could not be read: list "
                "what is due and confirm again."
            )
        summary.users, summary.records = _counts(engine)
    finally:
        engine.dispose()


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as c:
        users = c.execute(text("SELECT count(*) FROM users")).scalar_one()
        records = c.execute(text("SELECT count(*) FROM records")).scalar_one()
    return int(users), int(records)


def _counts_in(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        return _counts(engine)
    finally:
        engine.dispose()


# -- PostgreSQL ------------------------------------------------------------------------


def _schema(url: str) -> str:
    """The schema the server's tables are in: search_path's first, else public."""
    options = str(make_url(url).query.get("options", ""))
    found = re.search(r"search_path\s*=\s*\"?([A-Za-z0-9_$]+)", options)
    return found.group(1) if found else "public"


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq address for pg_dump/pg_restore without the password, and their environment
    (the password goes in PGPASSWORD: never on a command line others can read)."""
    parsed = make_url(url)
    address = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    ).render_as_string(hide_password=False)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return address, env


def _run(tool: str, arguments: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(
            [tool, *arguments], env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise BackupError(
            f"{tool} is not installed: install the postgresql-client package (the same "
            "major version as the database server, or newer)."
        ) from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(f"{tool} failed: {lines[-1] if lines else 'no message'}")


def _pg_dump(url: str, folder: Path) -> Path:
    address, env = _libpq(url)
    dump = folder / PG_DUMP
    _run(
        "pg_dump",
        ["--format=custom", "--no-password", f"--schema={_schema(url)}", f"--file={dump}"]
        + [f"--dbname={address}"],
        env,
    )
    return dump


def _pg_restore(dump: Path, url: str, archived_schema: str | None) -> None:
    """Restore the dump in one transaction; the schema it replaces is set aside first and
    put back if the restore fails, dropped once it has succeeded."""
    schema = _schema(url)
    if archived_schema != schema:
        raise BackupError(
            f"The archive holds schema {archived_schema!r} but the settings name {schema!r}: "
            "nothing was changed."
        )
    address, env = _libpq(url)
    engine = make_engine(url)
    quote = engine.dialect.identifier_preparer.quote
    aside = f"{schema[:40]}_before_restore_{secrets.token_hex(4)}"
    try:
        with engine.begin() as c:
            present = c.execute(
                text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": schema}
            ).first()
            if present:
                c.execute(text(f"ALTER SCHEMA {quote(schema)} RENAME TO {quote(aside)}"))
        try:
            _run(
                "pg_restore",
                ["--single-transaction", "--exit-on-error", "--no-owner", "--no-acl"]
                + ["--no-password", f"--dbname={address}", str(dump)],
                env,
            )
        except BackupError:
            if present:
                with engine.begin() as c:
                    c.execute(text(f"ALTER SCHEMA {quote(aside)} RENAME TO {quote(schema)}"))
            raise
        if present:
            with engine.begin() as c:
                c.execute(text(f"DROP SCHEMA {quote(aside)} CASCADE"))
    finally:
        engine.dispose()


# -- helpers ---------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("The database is in memory: there is nothing on disk to back up.")
    return Path(database)


@contextmanager
def _private_folder() -> Iterator[Path]:
    """A temporary folder only this user can read (TMPDIR chooses where: it must hold a
    copy of the database)."""
    with tempfile.TemporaryDirectory(prefix="lcc-apr-backup-") as name:
        os.chmod(name, 0o700)
        yield Path(name)
