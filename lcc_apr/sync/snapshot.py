"""A first sync's snapshot: the user's records in compressed parts, loaded in bulk.

The parts come from GET /sync/snapshot (lcc_apr/server/snapshot.py) in record id order.
Each part is checked whole (zstd's checksum, its shape, every row's values) and then
written with its position in one transaction, so a dropped connection or a closed
laptop resumes after the last part written. Nothing is written to disk unencrypted:
parts live in memory only. While a snapshot of more than one part loads, the records
table's secondary indexes are set aside (their statements kept in sync_state) and made
again once at the end, which is several times quicker than keeping them up row by row.

When the snapshot is complete, the feed is pulled from the first part's position, so
what changed meanwhile arrives as ordinary changes. A part that is damaged, cut short,
of another epoch or not offered raises SnapshotRefused: the engine then falls back to
the paged pull, which checks every record already taken.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import zstandard
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from lcc_apr.history import GENESIS
from lcc_apr.models import Record, RecordKind, SignOff, SyncState
from lcc_apr.models.answers import pack_text
from lcc_apr.models.patches import packs

from .apply import COPY_SQL, _ensure_users
from .errors import SnapshotRefused
from .protocol import MOST_NUMBER, SNAPSHOT_COLUMNS, UUID_TEXT, SignOffWire, sign_off_row

KINDS = frozenset(k.value for k in RecordKind)
_UUID = re.compile(UUID_TEXT)
_DAY = re.compile(r"\d{4}-\d\d-\d\d\Z")
_HASH = re.compile(r"[0-9a-f]{64}\Z")
_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\Z")  # UTC, as the cache keeps it
HEAD = struct.Struct(">I")  # a part starts with its JSON head's length in bytes
MOST_PART_BYTES = 512 * 2**20  # a part larger than this, unpacked, is refused
# SQLite's page cache while the indexes are made: the store and a quarter, within these
INDEXING_CACHE_LEAST_KIB, INDEXING_CACHE_MOST_KIB = 32 * 1024, 2 * 1024 * 1024


@dataclass
class Part:
    epoch: str
    at: int  # the feed position the part was read at
    more: bool
    total: int | None  # on the first part: about how many records in all
    rows: list[tuple[Any, ...]]  # records rows, in COPY_COLUMNS order
    sign_offs: list[dict[str, Any]]
    packed: bool = False  # answers in a local store's packed form

    @property
    def last(self) -> str | None:
        return self.rows[-1][0] if self.rows else None


@dataclass
class Opened:
    """A part unpacked and its head read: enough to ask for the next part while its rows
    are checked (check)."""

    raw: bytes
    body: dict[str, Any]
    after: str  # the id the part was asked to follow
    head_end: int  # where the records' answers start in raw

    @property
    def more(self) -> bool:
        return bool(self.body["more"])

    @property
    def next_after(self) -> str | None:
        """The id the next part follows (its last record's; check() refuses a wrong one)."""
        records = self.body["records"]
        last = records[-1] if records else None
        return last[0] if isinstance(last, list) and last and isinstance(last[0], str) else None


def decode(data: bytes, *, after: str, packed: bool = False) -> Part:
    """One part's bytes, checked whole; raises SnapshotRefused if any of it does not fit.
    `packed`: answers in a local store's packed form (lcc_apr.models.answers)."""
    return check(open_part(data, after=after), packed)


def open_part(data: bytes, *, after: str) -> Opened:
    """A part unpacked and its head checked; raises SnapshotRefused."""
    try:
        raw = zstandard.ZstdDecompressor().decompress(data, max_output_size=MOST_PART_BYTES)
        (size,) = HEAD.unpack_from(raw)
        body = orjson.loads(raw[HEAD.size : HEAD.size + size])
    except (zstandard.ZstdError, struct.error, orjson.JSONDecodeError):
        raise SnapshotRefused("a part of the snapshot arrived damaged or cut short") from None
    if not isinstance(body, dict) or body.get("columns") != SNAPSHOT_COLUMNS:
        raise SnapshotRefused("the snapshot is in a form this app does not know")
    epoch, at, more, total = body.get("epoch"), body.get("at"), body.get("more"), body.get("total")
    if not (
        isinstance(epoch, str)
        and 0 < len(epoch) <= 64
        and _number(at)
        and isinstance(more, bool)
        and body.get("after") == after
        and (total is None or _number(total))
        and isinstance(body.get("records"), list)
        and isinstance(body.get("sign_offs"), list)
    ):
        raise SnapshotRefused("the snapshot is in a form this app does not know")
    return Opened(raw, body, after, HEAD.size + size)


def check(opened: Opened, packed: bool) -> Part:
    """Every row of an opened part checked (answers packed when `packed`); raises
    SnapshotRefused."""
    raw, body = opened.raw, opened.body
    rows, previous, offset = [], opened.after, opened.head_end
    hashes = _hashes(body.get("hashes"), len(body["records"]))
    for values, digest in zip(body["records"], hashes, strict=True):
        row = _row(values, raw, offset, packed)
        if row is None or row[0] <= previous:
            raise SnapshotRefused("the snapshot holds a record this app cannot read")
        rows.append((*row, digest, row[12] if digest else None))
        previous, offset = row[0], offset + values[6]
    if offset != len(raw) or (opened.more and not rows):
        raise SnapshotRefused("the snapshot stopped short")
    parts = (body["epoch"], body["at"], opened.more, body.get("total"), rows, body["sign_offs"])
    return Part(*parts, packed)


def _hashes(value: Any, count: int) -> list[str | None]:
    """The records' content hashes (a head's optional `hashes`, in the records' order; a
    server before them sends none)."""
    if value is None:
        return [None] * count
    if not isinstance(value, list) or len(value) != count:
        raise SnapshotRefused("the snapshot is in a form this app does not know")
    for digest in value:
        if digest is not None and not (isinstance(digest, str) and _HASH.match(digest)):
            raise SnapshotRefused("the snapshot holds a record this app cannot read")
    return value


def _number(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MOST_NUMBER


# The types of a row's values: author_id and record_date may be null
_N = type(None)
SHAPES = frozenset(
    (str, str, int, author, str, int, int, str, day, str, str, bool, int)
    for author in (int, _N)
    for day in (str, _N)
)


def _row(values: Any, raw: bytes, offset: int, packed: bool) -> tuple[Any, ...] | None:
    """A records row (COPY_COLUMNS order) from a part's values and its answers' bytes at
    `offset` of the part, or None when any value does not fit."""
    if type(values) is not list or tuple(map(type, values)) not in SHAPES:
        return None
    rid, kind, subject, author, template, version, size, status, day, made, changed = values[:11]
    deleted, rev = values[11], values[12]
    if not (
        _UUID.match(rid)
        and kind in KINDS
        and 0 <= subject <= MOST_NUMBER
        and (author is None or 0 <= author <= MOST_NUMBER)
        and len(template) <= 40
        and 0 <= version <= MOST_NUMBER
        and 2 <= size <= len(raw) - offset
        and len(status) <= 40
        and (day is None or _DAY.match(day))
        and _TIME.match(made)
        and _TIME.match(changed)
        and 0 <= rev <= MOST_NUMBER
    ):
        return None
    answers = raw[offset : offset + size]
    if answers[0] != 0x7B or answers[-1] != 0x7D:  # { ... }: an object (SQLite's JSON
        return None  # functions check the rest when the indexes are made)
    # COPY_COLUMNS: ..., local_rev, server_rev, dirty, deleted, deleted_at, history_head, base_seq
    try:
        stored = pack_text(answers) if packed else answers.decode()
    except (orjson.JSONDecodeError, UnicodeDecodeError):
        return None
    return (rid, kind, subject, author, template, version, stored, status, day) + (
        made,
        changed,
        0,
        rev,
        0,
        int(deleted),
        None,
        GENESIS,
        None,
    )


FEW = 500  # rows in a part looked up by id, not by range (one IN (...), under SQLite's limit)


def take_part(session: Session, state: SyncState, part: Part, *, at: datetime) -> int:
    """Write one part and move the load's position past it; returns records taken.
    Records already here (sent from this computer earlier in this sync) are kept."""
    if state.snapshot_at is None:
        state.snapshot_at, state.snapshot_epoch = part.at, part.epoch
    elif part.epoch != state.snapshot_epoch:
        raise SnapshotRefused("the server was restored from a backup while the snapshot came")
    if part.packed != packs(session.get_bind().dialect):
        raise ValueError("the part's answers are not in this store's form")
    if part.rows:
        first, last = part.rows[0][0], part.rows[-1][0]
        if len(part.rows) <= FEW:  # a few, perhaps far apart (the ready-made cache's left out)
            which = Record.id.in_([r[0] for r in part.rows])
        else:  # a part of the whole: its range is its own
            which = Record.id.between(first, last)
        held = set(session.scalars(select(Record.id).where(which)))
        fresh = [r for r in part.rows if r[0] not in held]
        _ensure_users(session, {r[3] for r in fresh if r[3] is not None}, at)
        if fresh:
            session.connection().exec_driver_sql(COPY_SQL, fresh)
            _take_sign_offs(session, part.sign_offs, {r[0] for r in fresh}, at)
        state.snapshot_after = last
        return len(fresh)
    return 0


def _take_sign_offs(session: Session, wires: list[Any], ids: set[str], at: datetime) -> None:
    rows = []
    for wire in wires:
        if not isinstance(wire, dict) or wire.get("record_id") not in ids:
            continue
        try:
            signed = SignOffWire.model_validate(wire, extra="ignore")
        except ValueError:
            raise SnapshotRefused("the snapshot holds a signature this app cannot read") from None
        rows.append(sign_off_row(signed, wire["record_id"]))
    if rows:
        _ensure_users(session, {r["user_id"] for r in rows}, at)
        session.execute(insert(SignOff), rows)


def finish(session: Session, state: SyncState) -> None:
    """The whole snapshot is here: the feed goes on from where its first part was read."""
    assert state.snapshot_at is not None
    state.cursor, state.epoch = state.snapshot_at, state.snapshot_epoch
    clear(state)


def clear(state: SyncState) -> None:
    state.snapshot_at = state.snapshot_epoch = state.snapshot_after = None
    state.snapshot_ready = state.snapshot_subjects = None


# -- secondary indexes, set aside during the load ------------------------------------


def set_indexes_aside(session: Session, state: SyncState) -> None:
    """Drop the records table's secondary indexes, keeping their statements (once)."""
    if state.deferred_indexes is not None:
        return
    rows = session.connection().exec_driver_sql(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type = 'index' AND tbl_name = 'records' AND sql IS NOT NULL ORDER BY name"
    )
    found = list(rows)
    for name, _sql in found:
        session.connection().exec_driver_sql(f'DROP INDEX "{name}"')
    state.deferred_indexes = [sql for _name, sql in found]


def restore_indexes(session: Session, state: SyncState) -> None:
    """Make again every index set aside (one transaction: all or none). Each index reads
    the whole table: a page cache holding the whole store for these statements (up to
    INDEXING_CACHE_MOST_KIB) lets every index after the first read decrypted pages from
    memory. A smaller cache than the table gains nothing: each scan pushes out the pages
    the next one needs first (HR's 253,000 records: 35.4 s with 256 MiB, 19.4 s with the
    store held, under the same load)."""
    if not state.deferred_indexes:
        state.deferred_indexes = None
        return
    connection = session.connection()
    (before,) = connection.exec_driver_sql("PRAGMA cache_size").one()
    (pages,) = connection.exec_driver_sql("PRAGMA page_count").one()
    (page_size,) = connection.exec_driver_sql("PRAGMA page_size").one()
    kib = min(INDEXING_CACHE_MOST_KIB, int(pages) * int(page_size) // 1024 * 5 // 4)
    connection.exec_driver_sql(f"PRAGMA cache_size = {-max(kib, INDEXING_CACHE_LEAST_KIB)}")
    try:
        for sql in state.deferred_indexes:
            connection.exec_driver_sql(sql)
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")
    state.deferred_indexes = None
