"""GET /sync/snapshot: a first sync's records in parts, compressed, instead of the feed.

A part holds the records the user may see now whose id comes after `after`, in id
order, with their sign-offs, read at the committed counter `at`. The client loads the
parts one transaction each, then pulls the feed from the first part's `at`: anything
changed, added, moved or removed while the parts came is in the feed after it, so a
snapshot taken over minutes (or resumed the next day) still ends exactly current.
Record ids never repeat across parts, so a resumed load neither gaps nor duplicates.

Built for speed (HR's first sync carries 241,000 records, 440 MB of answers): rows are
read through the driver's cursor, times travel in the cache's own form, and each record's
answers go as their stored JSON bytes, one after another after the part's JSON head, so
neither side parses or re-encodes them (docs/sync-protocol.md, "A first sync's snapshot").
"""

from __future__ import annotations

import struct
from datetime import date, datetime
from typing import Any

import orjson
import zstandard
from sqlalchemy import ColumnElement, Integer, Text, and_, func, not_, select, type_coerce
from sqlalchemy.orm import Session

from lcc_apr.evidence import answers_json
from lcc_apr.models import Record, SignOff
from lcc_apr.sync.protocol import SNAPSHOT_COLUMNS, sign_off_wire

from . import content, sequence
from .scope import Viewer, reload_viewer, shared_clause

LEVEL = 1  # zstd: about 10x smaller for records' JSON, and quick on both sides
HEAD = struct.Struct(">I")  # the JSON head's length in bytes, before the head
TIME = "%Y-%m-%d %H:%M:%S.%f"  # UTC, as the cache keeps it
# (True, ids): only the records about these people not yet shared with them; (False,
# ids): all the others (HR's ready-made cache leaves those out, lcc_apr.server.ready_cache)
Subjects = tuple[bool, frozenset[int]] | None

# Read as the driver gives them (no per-value processing): type_coerce to a type without
# a result processor. SQLite gives the stored text; PostgreSQL's driver its own values.
COLUMNS = [
    Record.id,
    type_coerce(Record.kind, Text),
    Record.subject_id,
    Record.author_id,
    Record.template_id,
    Record.template_version,
    type_coerce(Record.answers, Text),
    Record.status,
    type_coerce(Record.record_date, Text),
    type_coerce(Record.created_at, Text),
    type_coerce(Record.updated_at, Text),
    type_coerce(Record.deleted, Integer),
    Record.server_rev,
    Record.content_hash,
    Record.hash_rev,
]


def part(
    session: Session,
    viewer: Viewer,
    *,
    after: str,
    limit: int,
    indirect_reports: bool,
    subjects: Subjects = None,
) -> bytes:
    """One part of the snapshot: a zstd frame (with its checksum) holding the head's length,
    the JSON head, then every record's answers as JSON bytes, in the head's order.
    `subjects`: only the records about these people not yet shared with them (True), or
    all the others (False): HR's ready-made cache leaves the first out, sent this way after."""
    high = sequence.committed_high(session)
    viewer = reload_viewer(session, viewer, indirect_reports)
    where = _where(viewer, subjects)
    stmt = (
        select(*COLUMNS)
        .where(where, Record.id > after, Record.server_rev <= high)
        .order_by(Record.id)
        .limit(limit + 1)
    )
    rows: list[Any] = list(session.execute(stmt).all())
    more = len(rows) > limit
    rows = rows[:limit]
    answers = [_answers(r[6]) for r in rows]
    head: dict[str, Any] = {
        "epoch": sequence.epoch(session),
        "at": high,
        "after": after,
        "more": more,
        "total": _total(session, where, high) if not after else None,
        "columns": SNAPSHOT_COLUMNS,
        "records": [_row(r, len(a)) for r, a in zip(rows, answers, strict=True)],
        # each record's content hash, in the records' order (lcc_apr.evidence)
        "hashes": [content.snapshot_hash(r, a) for r, a in zip(rows, answers, strict=True)],
        "sign_offs": _sign_offs(session, viewer, after, rows[-1][0], high) if rows else [],
    }
    data = orjson.dumps(head)
    body = b"".join([HEAD.pack(len(data)), data, *answers])
    return zstandard.ZstdCompressor(level=LEVEL, write_checksum=True).compress(body)


def _where(viewer: Viewer, subjects: Subjects) -> ColumnElement[bool]:
    if subjects is None:
        return viewer.record_filter()
    among, people = subjects
    chosen = and_(Record.subject_id.in_(sorted(people)), not_(shared_clause()))
    return and_(viewer.record_filter(), chosen if among else not_(chosen))


def _total(session: Session, where: ColumnElement[bool], high: int) -> int:
    """How many records the whole snapshot holds (on its first part: the client's estimate)."""
    stmt = select(func.count()).where(where, Record.server_rev <= high)
    return int(session.scalar(stmt.select_from(Record)) or 0)


def _row(r: Any, answers_bytes: int) -> list[Any]:
    return [
        r[0],
        str(r[1]),
        r[2],
        r[3],
        r[4],
        r[5],
        answers_bytes,  # the record's answers: this many bytes of the part's tail
        r[7],
        _day(r[8]),
        _time(r[9]),
        _time(r[10]),
        bool(r[11]),
        r[12],
    ]


def _answers(value: str | dict[str, Any]) -> bytes:
    """SQLite hands back the stored JSON text (written by orjson, keys sorted); PostgreSQL's
    driver the parsed JSONB, encoded here as SQLite would have stored it."""
    return value.encode() if isinstance(value, str) else answers_json(value)


def _day(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def _time(value: datetime | str) -> str:
    """SQLite hands back the stored text already in the cache's form; PostgreSQL a
    naive UTC datetime."""
    return value.strftime(TIME) if isinstance(value, datetime) else value


def _sign_offs(
    session: Session, viewer: Viewer, after: str, last: str, high: int
) -> list[dict[str, Any]]:
    """The sign-offs of the part's records: the same filter, over the part's id range."""
    rows = session.scalars(
        select(SignOff)
        .join(Record, Record.id == SignOff.record_id)
        .where(
            viewer.record_filter(),
            Record.id > after,
            Record.id <= last,
            Record.server_rev <= high,
        )
        .order_by(SignOff.id)
    )
    return [{"record_id": s.record_id, **sign_off_wire(s)} for s in rows]
