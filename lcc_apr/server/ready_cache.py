"""HR's first sync as a ready-made cache: the organisation's records in an encrypted SQLite
file of the laptop's own schema, which the laptop copies into its cache in one statement
(lcc_apr.sync.ready_cache) instead of writing 250,000 rows and making 12 indexes.

The file is built here ahead of time (`lcc-apr-server ready-cache`, and by `serve` every
READY_CHECK seconds when the last one is stale), with the same code a laptop runs for a
snapshot (lcc_apr.sync.snapshot), encrypted with a key of its own (SQLCipher), so it is
never plain on the laptop's disk (here its key is kept beside it, in META, 0600: it is as
safe as the database itself). GET /sync/ready-cache hands an HR user its description and
key (over the same TLS as every record); GET /sync/ready-cache/{id} the file, with HTTP
ranges (a dropped download resumes).

Scope: HR sees every record except their own in states not yet shared with them. The
ready-made cache leaves out the records about anyone with the HR role when it was built
(`excluded`) in states not yet shared with them; an HR user downloads it only if they are
among those, and takes those records after it as a snapshot filtered to them, within their
own scope (so never their own). Never offered: to anyone else, from another epoch, for
another cache schema, or once a record was purged since it was built (the purge ledger
grew): a purged record never leaves the server again this way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from lcc_apr.models import Role, SyncState, User, UserRole
from lcc_apr.paths import data_dir, sha256_of, write_private
from lcc_apr.store import migrate
from lcc_apr.store.keys import StoreKey
from lcc_apr.store.store import encrypted_engine
from lcc_apr.sync import snapshot as snapshots
from lcc_apr.sync.absences import take_absences
from lcc_apr.sync.absencewire import AbsencesReply
from lcc_apr.sync.protocol import SNAPSHOT_LIMIT

from . import absences, sequence
from .scope import Viewer
from .settings import ServerSettings
from .snapshot import part

log = logging.getLogger(__name__)

META = "ready-cache.json"
SUFFIX = ".sqlcipher"  # an encrypted SQLite file
READY_CHECK = 600  # seconds between `serve`'s checks for a stale ready-made cache
# A ready-made cache is built again once the feed has moved this far past it (the laptop pulls the
# changes after it: a few thousand are quick) or a tenth of the records, whichever is more
STALE_CHANGES = 20_000


@dataclass(frozen=True)
class Offer:
    """One ready-made cache as described to a laptop (and kept in META beside it)."""

    id: str
    key: str  # the file's SQLCipher key, hex
    revision: str  # the cache schema (lcc_apr.store's migration head) it holds
    epoch: str
    at: int  # the feed position its records were read at (the first part's)
    records: int
    size: int
    sha256: str
    excluded: list[int]  # employee ids of the HR people whose records it leaves out
    ledger: int  # the purge ledger's size when it was built
    built_at: str


def folder(settings: ServerSettings) -> Path:
    return settings.ready_cache_dir or data_dir() / "ready-caches"


def current(where: Path) -> Offer | None:
    try:
        return Offer(**json.loads((where / META).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def offer(
    session: Session, settings: ServerSettings, viewer: Viewer, revision: str
) -> Offer | None:
    """The ready-made cache this user may start from, if any (see the module's text)."""
    found = current(folder(settings))
    if found is None or not viewer.is_hr or found.revision != revision:
        return None
    if viewer.employee_id is not None and viewer.employee_id not in found.excluded:
        return None  # made HR after it was built: it may hold their own unshared records
    if found.epoch != sequence.epoch(session) or found.ledger != _ledger(settings):
        return None
    if not path_of(settings, found).is_file():
        return None
    return found


def path_of(settings: ServerSettings, found: Offer) -> Path:
    return folder(settings) / f"{found.id}{SUFFIX}"


def stale(session: Session, settings: ServerSettings) -> str | None:
    """Why the ready-made cache should be built (again), or None while it serves."""
    found = current(folder(settings))
    if found is None or not path_of(settings, found).is_file():
        return "none built"
    if found.revision != migrate.head():
        return "the cache schema changed"
    if found.epoch != sequence.epoch(session):
        return "the server was restored"
    if found.ledger != _ledger(settings):
        return "records were purged"
    if sorted(hr_people(session)) != found.excluded:
        return "the HR team changed"
    moved = sequence.committed_high(session) - found.at
    if moved > max(STALE_CHANGES, found.records // 10):
        return f"{moved} changes since"
    return None


def hr_people(session: Session) -> set[int]:
    stmt = (
        select(User.employee_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.HR, User.employee_id.is_not(None))
    )
    return {e for e in session.scalars(stmt) if e is not None}


class Busy(Exception):
    """Another process is building the ready-made cache now."""


def build(settings: ServerSettings, engine: Engine, *, limit: int = SNAPSHOT_LIMIT) -> Offer:
    """Build the ready-made cache now (from this server's database), put it in place of the
    last one and remove the older files; raises Busy while another process builds one.
    Takes about as long as one laptop's load by parts (the full demo: about 40 s)."""
    where = folder(settings)
    where.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _only_one(where / "building.lock") as mine:
        if not mine:
            raise Busy("A ready-made cache is being built already.")
        return _build(settings, engine, where, limit)


def _build(settings: ServerSettings, engine: Engine, where: Path, limit: int) -> Offer:
    for left in where.glob("*.building*"):  # a build stopped midway (its process ended)
        left.unlink(missing_ok=True)
    bid = secrets.token_hex(8)
    making = where / f"{bid}.building"
    key = StoreKey(secrets.token_bytes(32), {})
    ledger = _ledger(settings)
    try:
        with Session(engine) as session:
            excluded = hr_people(session)
            epoch = sequence.epoch(session)
        at, records = _fill(making, key, engine, excluded, limit)
        digest = sha256_of(making)
        final = where / f"{bid}{SUFFIX}"
        os.replace(making, final)
        final.chmod(0o600)
        made = Offer(
            bid,
            key.raw.hex(),
            migrate.head(),
            epoch,
            at,
            records,
            final.stat().st_size,
            digest,
            sorted(excluded),
            ledger,
            datetime.now(UTC).isoformat(timespec="seconds"),
        )
        _write_meta(where, made)
    finally:
        for left in where.glob(f"{bid}.building*"):
            left.unlink(missing_ok=True)
    for old in where.glob(f"*{SUFFIX}"):
        if old.stem != bid:
            old.unlink(missing_ok=True)
    return made


def remove(settings: ServerSettings) -> None:
    """Forget the ready-made cache (a purge, a restore): no laptop is offered it again."""
    where = folder(settings)
    (where / META).unlink(missing_ok=True)
    for old in where.glob(f"*{SUFFIX}"):
        old.unlink(missing_ok=True)


def _fill(
    path: Path, key: StoreKey, engine: Engine, excluded: set[int], limit: int
) -> tuple[int, int]:
    """The snapshot of everyone but `excluded`, loaded as a laptop loads it, and every
    absence episode with the absences' cursor; (at, records)."""
    made = encrypted_engine(path, key)

    @event.listens_for(made, "connect")
    def _no_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys = OFF")  # no employees table here

    viewer = Viewer(user_id=0, employee_id=None, roles=frozenset({Role.HR}))
    try:
        migrate.upgrade(made)
        after, records = "", 0
        with Session(made) as ready:
            state = SyncState(id=1)
            ready.add(state)
            ready.commit()
        while True:
            with Session(engine) as session:
                data = part(
                    session,
                    viewer,
                    after=after,
                    limit=limit,
                    indirect_reports=False,
                    subjects=(False, frozenset(excluded)),
                )
            loaded = snapshots.decode(data, after=after, packed=True)
            with Session(made) as ready, ready.begin():
                state = ready.get_one(SyncState, 1)
                if after == "":
                    snapshots.set_indexes_aside(ready, state)
                records += snapshots.take_part(ready, state, loaded, at=datetime.now(UTC))
            if not loaded.more or loaded.last is None:
                break
            after = loaded.last
        with Session(engine) as session:  # HR sees every absence episode: all of them
            whole = AbsencesReply.model_validate(
                absences.changed_since(session, viewer, cursor=0, epoch=None, view=None)
            )
        with Session(made) as ready, ready.begin():
            state = ready.get_one(SyncState, 1)
            snapshots.restore_indexes(ready, state)
            at = state.snapshot_at or 0
            snapshots.clear(state)
            take_absences(ready, whole.absences)  # as a laptop takes them, with their cursor
            state.absence_cursor, state.absence_epoch = whole.cursor, whole.epoch
            state.absence_view = whole.view
        with made.connect() as connection:  # one file: the journal folded in
            connection.exec_driver_sql("PRAGMA journal_mode = DELETE")
        return at, records
    finally:
        made.dispose()


def _ledger(settings: ServerSettings) -> int:
    try:
        return settings.purge_ledger().stat().st_size
    except OSError:
        return 0


def _write_meta(where: Path, made: Offer) -> None:
    write_private(where / META, json.dumps(asdict(made)).encode())


# -- serve's check, every READY_CHECK seconds ----------------------------------------


def build_if_stale(settings: ServerSettings, engine: Engine) -> str | None:
    """Build when stale, once at a time across serve's workers; what was done, or None."""
    where = folder(settings)
    where.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _only_one(where / "building.lock") as mine:
        if not mine:
            return None
        with Session(engine) as session:
            why = stale(session, settings)
        if why is None:
            return None
        if why in ("records were purged", "the server was restored"):
            remove(settings)  # never offered again, even while the new one is built
        made = _build(settings, engine, where, SNAPSHOT_LIMIT)
        return f"built ({why}): {made.records} records"


@contextlib.contextmanager
def _only_one(lock: Path):  # type: ignore[no-untyped-def]
    if sys.platform == "win32":  # the server runs on Linux; a Windows test machine builds
        yield True
        return
    import fcntl

    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


async def every_while_serving(config: Path | None, first_wait: float = 5.0) -> None:
    """`serve`'s check: `lcc-apr-server ready-cache --if-stale` in a process of its own (its
    work never holds the serving process's interpreter), soon after start, then every
    READY_CHECK seconds. A failure is logged (no personal data) and tried again."""
    wait = first_wait
    command = [sys.executable, "-m", "lcc_apr.server"]
    command += ["--config", str(config)] if config is not None else []
    while True:
        await asyncio.sleep(wait)
        wait = READY_CHECK
        try:
            process = await asyncio.create_subprocess_exec(*command, "ready-cache", "--if-stale")
            if await process.wait() != 0:
                log.warning("building HR's ready-made cache failed (exit %s)", process.returncode)
        except OSError:
            log.exception("building HR's ready-made cache could not start")


def cmd_ready_cache(settings: ServerSettings, engine: Engine, args: Any) -> int:
    """`lcc-apr-server ready-cache [--if-stale]`: build HR's ready-made cache now."""
    if args.if_stale:
        done = build_if_stale(settings, engine)
        if done:
            print(f"HR's ready-made cache {done}.")
        return 0
    try:
        made = build(settings, engine)
    except Busy as busy:
        print(f"lcc-apr-server: {busy}", file=sys.stderr)
        return 1
    print(f"HR's ready-made cache built: {made.records} records, {made.size >> 20} MiB.")
    return 0
