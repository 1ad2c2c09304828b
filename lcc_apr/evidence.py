"""A record's content hash: what the server and every cache agree a synced record holds.

The server computes it over a record's synced content (not its times, revision or local
bookkeeping) and sends it with the record; each cache keeps it and, on every sync, checks
its copies against the server's hashes (lcc_apr.sync.evidence). Sign-offs are not in it:
each carries its own signature over the content (lcc_apr.signing).

The hash is SHA-256 over two compact JSON texts with every object's keys sorted (orjson,
OPT_SORT_KEYS), joined by a newline: the record's HEAD_FIELDS (`kind` as its text,
`record_date` as YYYY-MM-DD or null, `deleted` true or false), then its answers. Both
databases keep answers in that very form (the JSON serializers of lcc_apr.store.store
and lcc_apr.server.db sort keys), so a cache hashes the stored bytes as they are, without
parsing them (`hash_of_stored`: about 3 us a record against 20 to parse and re-encode;
lcc_apr.history.canonical_json would take 63). Bytes in another form (older rows) are
parsed and hashed again before a copy is called different.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from typing import Any

import orjson

CONTENT_FIELDS = (
    "id",
    "kind",
    "subject_id",
    "author_id",
    "template_id",
    "template_version",
    "answers",
    "status",
    "record_date",
    "deleted",
)


def content_hash(
    *,
    id: str,
    kind: object,
    subject_id: int,
    author_id: int | None,
    template_id: str,
    template_version: int,
    answers: dict[str, Any],
    status: str,
    record_date: date | str | None,
    deleted: bool,
) -> str:
    head = _head(
        id, kind, subject_id, author_id, template_id, template_version, status, record_date, deleted
    )
    return hashlib.sha256(head + answers_json(answers)).hexdigest()


def answers_json(answers: dict[str, Any]) -> bytes:
    """Answers in the form the hash covers and the databases keep."""
    return orjson.dumps(answers, option=orjson.OPT_SORT_KEYS)


def hash_of_stored(
    id: str,
    kind: object,
    subject_id: int,
    author_id: int | None,
    template_id: str,
    template_version: int,
    answers: bytes,
    status: str,
    record_date: date | str | None,
    deleted: bool,
) -> str:
    """The hash over answers' stored JSON bytes, taken as they are: equal to content_hash
    when they are in answers_json's form."""
    head = _head(
        id, kind, subject_id, author_id, template_id, template_version, status, record_date, deleted
    )
    return hashlib.sha256(head + answers).hexdigest()


def _head(
    id: str,
    kind: object,
    subject_id: int,
    author_id: int | None,
    template_id: str,
    template_version: int,
    status: str,
    record_date: date | str | None,
    deleted: bool,
) -> bytes:
    day = record_date.isoformat() if isinstance(record_date, date) else record_date
    head = {
        "id": id,
        "kind": str(kind),
        "subject_id": subject_id,
        "author_id": author_id,
        "template_id": template_id,
        "template_version": template_version,
        "status": status,
        "record_date": day or None,
        "deleted": bool(deleted),
    }
    return orjson.dumps(head, option=orjson.OPT_SORT_KEYS) + b"\n"


def hash_of(record: Any) -> str:
    """The content hash of a Record (or any object or row with its fields)."""
    return content_hash(**{name: getattr(record, name) for name in CONTENT_FIELDS})


def hash_of_row(row: dict[str, Any]) -> str:
    """The content hash of a records row held as a dict (a bulk insert's)."""
    return content_hash(**{name: row[name] for name in CONTENT_FIELDS})


def range_line(rid: str, rev: int, digest: str | None) -> str:
    """A record's line in its range's digest (GET /sync/digests): `id rev hash` ("-" for a
    hash not held) and a newline. lcc_apr.sync.evidence makes the same text in SQL."""
    return f"{rid} {rev} {digest or '-'}\n"


def range_digest(lines: Iterable[str]) -> str:
    """The digest of a range of records: SHA-256, in hex, over their lines (`range_line`)
    in id order. The server and every cache make it the same way, from their own rows."""
    return hashlib.sha256("".join(lines).encode()).hexdigest()
