"""GET /sync/digests, GET /sync/hashes and POST /sync/records: with them a cache checks
its copies against the server (lcc_apr.sync.evidence): the digests of ranges of records
first, then the hashes of the ranges whose digest differs from the cache's, and takes the
server's copy of any record that differs. Each record's content hash is kept by
lcc_apr.server.content."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import String, and_, case, cast, select
from sqlalchemy.orm import Session

from lcc_apr.evidence import range_digest, range_line
from lcc_apr.models import Record
from lcc_apr.sync.protocol import RECORDS_LIMIT

from . import sequence
from .content import row_hash
from .pull import WIRE_COLUMNS, _attach_sign_offs, _wire
from .scope import Viewer, reload_viewer

HASH_COLUMNS = [
    Record.id,
    Record.server_rev,
    Record.content_hash,
    Record.hash_rev,
]


def digests(session: Session, viewer: Viewer, *, size: int, indirect_reports: bool) -> bytes:
    """GET /sync/digests: the records the user may see now, in id order, cut into ranges of
    `size` records, each as [upto, digest] (the last one's upto null: to the end), read at
    the committed counter `at`."""
    high = sequence.committed_high(session)
    viewer = reload_viewer(session, viewer, indirect_reports)
    ids, lines = _lines(session, viewer, high=high)
    ranges: list[list[str | None]] = []
    for start in range(0, max(len(ids), 1), size):
        chunk = ids[start : start + size]
        ranges.append([chunk[-1] if chunk else None, range_digest(lines[start : start + size])])
    ranges[-1][0] = None
    return orjson.dumps({"at": high, "size": size, "ranges": ranges})


def _lines(session: Session, viewer: Viewer, *, high: int) -> tuple[list[str], list[str]]:
    """The ids of the records the user may see at `high`, in id order, and their lines in a
    range's digest (lcc_apr.evidence.range_line), made by the database from the kept hash
    (computed here for a record whose kept hash is stale or missing)."""
    fresh = and_(Record.content_hash.is_not(None), Record.hash_rev == Record.server_rev)
    text = Record.id + " " + cast(Record.server_rev, String) + " " + Record.content_hash + "\n"
    query = select(Record.id, Record.server_rev, case((fresh, text)))
    query = query.where(viewer.record_filter(), Record.server_rev <= high).order_by(Record.id)
    rows: list[Any] = list(session.connection().execute(query).all())  # Core: plain rows
    stale = [rid for rid, _rev, line in rows if line is None]
    if stale:
        computed = _computed(session, stale)
        rows = [
            (rid, rev, line or range_line(rid, rev, computed[rid]))
            for rid, rev, line in rows
            if line is not None or rid in computed
        ]
    return list(map(itemgetter(0), rows)), list(map(itemgetter(2), rows))


def hashes(
    session: Session,
    viewer: Viewer,
    *,
    after: str,
    upto: str | None,
    limit: int,
    indirect_reports: bool,
) -> bytes:
    """GET /sync/hashes: the records the user may see now, after the id `after` (and up to
    `upto`, when given), in id order, each as [id, server_rev, content_hash], read at the
    committed counter `at`."""
    high = sequence.committed_high(session)
    viewer = reload_viewer(session, viewer, indirect_reports)
    query = select(*HASH_COLUMNS).where(
        viewer.record_filter(), Record.id > after, Record.server_rev <= high
    )
    if upto is not None:
        query = query.where(Record.id <= upto)
    rows: list[Any] = list(session.execute(query.order_by(Record.id).limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    stale = [rid for rid, rev, digest, hash_rev in rows if digest is None or hash_rev != rev]
    computed = _computed(session, stale)
    items = [
        [rid, rev, computed.get(rid) or digest]
        for rid, rev, digest, hash_rev in rows
        if rid in computed or hash_rev == rev
    ]
    return orjson.dumps({"at": high, "after": after, "more": more, "hashes": items})


def _computed(session: Session, ids: list[str]) -> dict[str, str]:
    """The hashes of records whose kept hash is stale or missing, computed now."""
    found: dict[str, str] = {}
    for start in range(0, len(ids), RECORDS_LIMIT):
        chunk = ids[start : start + RECORDS_LIMIT]
        for row in session.execute(select(*WIRE_COLUMNS).where(Record.id.in_(chunk))):
            found[row.id] = row_hash(row)
    return found


def records(session: Session, viewer: Viewer, *, ids: list[str], indirect_reports: bool) -> bytes:
    """POST /sync/records: the server's current version of each record asked for that the
    user may see now (with sign-offs and content hash); the others are left out."""
    high = sequence.committed_high(session)
    viewer = reload_viewer(session, viewer, indirect_reports)
    rows = session.execute(
        select(*WIRE_COLUMNS)
        .where(viewer.record_filter(), Record.id.in_(sorted(set(ids))), Record.server_rev <= high)
        .order_by(Record.id)
    ).all()
    items: list[dict[str, Any]] = [{"seq": r.server_rev, "record": _wire(r)} for r in rows]
    _attach_sign_offs(session, items)
    return orjson.dumps({"at": high, "records": [i["record"] for i in items]})
