"""GET /sync/hashes and POST /sync/records: with them a cache checks its copies against
the server (lcc_apr.sync.evidence) and takes the server's copy of any that differ.
Each record's content hash is kept by lcc_apr.server.content."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

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


def hashes(
    session: Session, viewer: Viewer, *, after: str, limit: int, indirect_reports: bool
) -> bytes:
    """GET /sync/hashes: the records the user may see now, after the id `after`, in id
    order, each as [id, server_rev, content_hash], read at the committed counter `at`."""
    high = sequence.committed_high(session)
    viewer = reload_viewer(session, viewer, indirect_reports)
    rows = list(
        session.execute(
            select(*HASH_COLUMNS)
            .where(viewer.record_filter(), Record.id > after, Record.server_rev <= high)
            .order_by(Record.id)
            .limit(limit + 1)
        ).all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    stale = [r.id for r in rows if r.content_hash is None or r.hash_rev != r.server_rev]
    computed = _computed(session, stale)
    items = [
        [r.id, r.server_rev, computed.get(r.id) or r.content_hash]
        for r in rows
        if r.id in computed or r.hash_rev == r.server_rev
    ]
    reply = {"at": high, "after": after, "more": more, "hashes": items}
    return orjson.dumps(reply)


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
