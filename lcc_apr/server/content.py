"""Each record's content hash on the server (lcc_apr.evidence): kept with the record at
every write, with the revision it was computed at (`hash_rev`), and sent with it. A write
that does not stamp one (an older build's, a tool's) leaves it stale: it is then computed
when read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from lcc_apr.evidence import content_hash, hash_of
from lcc_apr.models import Record


def stamp(record: Record) -> None:
    """Keep the record's content hash at its revision (after a write)."""
    record.content_hash = hash_of(record)
    record.hash_rev = record.server_rev


def row_hash(row: Any) -> str:
    """A pull row's hash (WIRE_COLUMNS: its answers as JSON text): the one kept when it is
    current, else computed."""
    if row.content_hash is not None and row.hash_rev == row.server_rev:
        return str(row.content_hash)
    return content_hash(
        id=row.id,
        kind=row.kind,
        subject_id=row.subject_id,
        author_id=row.author_id,
        template_id=row.template_id,
        template_version=row.template_version,
        answers=orjson.loads(row.answers),
        status=row.status,
        record_date=row.record_date,
        deleted=bool(row.deleted),
    )


def snapshot_hash(r: Any, answers: bytes) -> str:
    """A snapshot row's hash (lcc_apr.server.snapshot.COLUMNS, then content_hash and
    hash_rev), from the answers' JSON bytes when it must be computed."""
    stored, at = r[13], r[14]
    if stored is not None and at == r[12]:
        return str(stored)
    day = r[8].isoformat() if isinstance(r[8], date) else r[8]
    return content_hash(
        id=r[0],
        kind=r[1],
        subject_id=r[2],
        author_id=r[3],
        template_id=r[4],
        template_version=r[5],
        answers=orjson.loads(answers),
        status=r[7],
        record_date=day,
        deleted=bool(r[11]),
    )
