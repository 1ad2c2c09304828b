"""GET /sync/snapshot: a first sync's records in parts, compressed, instead of the feed.

A part holds the records the user may see now whose id comes after `after`, in id
order, with their sign-offs, read at the committed counter `at`. The client loads the
parts one transaction each, then pulls the feed from the first part's `at`: anything
changed, added, moved or removed while the parts came is in the feed after it, so a
snapshot taken over minutes (or resumed the next day) still ends exactly current.
Record ids never repeat across parts, so a resumed load neither gaps nor duplicates.
"""

from __future__ import annotations

from typing import Any

import orjson
import zstandard
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lcc_apr.models import Record, SignOff
from lcc_apr.sync.protocol import SNAPSHOT_COLUMNS, sign_off_wire

from . import sequence
from .pull import WIRE_COLUMNS
from .scope import Viewer, reload_viewer

LEVEL = 3  # zstd: about 8x smaller for records' JSON, and quick on both sides


def part(
    session: Session, viewer: Viewer, *, after: str, limit: int, indirect_reports: bool
) -> bytes:
    """One part of the snapshot, as zstd-compressed JSON (a frame with its checksum)."""
    high = sequence.committed_high(session)
    viewer = reload_viewer(session, viewer, indirect_reports)
    rows = session.execute(
        select(*WIRE_COLUMNS)
        .where(viewer.record_filter(), Record.id > after, Record.server_rev <= high)
        .order_by(Record.id)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    body: dict[str, Any] = {
        "epoch": sequence.epoch(session),
        "at": high,
        "after": after,
        "more": more,
        "total": _total(session, viewer, high) if not after else None,
        "columns": SNAPSHOT_COLUMNS,
        "records": [_row(r) for r in rows],
        "sign_offs": _sign_offs(session, viewer, after, rows[-1].id, high) if rows else [],
    }
    data = orjson.dumps(body)
    return zstandard.ZstdCompressor(level=LEVEL, write_checksum=True).compress(data)


def _total(session: Session, viewer: Viewer, high: int) -> int:
    """How many records the whole snapshot holds (on its first part: the client's estimate)."""
    stmt = select(func.count()).where(viewer.record_filter(), Record.server_rev <= high)
    return int(session.scalar(stmt.select_from(Record)) or 0)


def _row(r: Any) -> list[Any]:
    return [
        r.id,
        str(r.kind),
        r.subject_id,
        r.author_id,
        r.template_id,
        r.template_version,
        orjson.Fragment(r.answers),  # the stored JSON text, untouched
        r.status,
        r.record_date,
        r.created_at,
        r.updated_at,
        r.deleted,
        r.server_rev,
    ]


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
