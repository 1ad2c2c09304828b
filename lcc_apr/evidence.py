"""A record's content hash: what the server and every cache agree a synced record holds.

The server computes it over a record's synced content (not its times, revision or local
bookkeeping) and sends it with the record; each cache keeps it and, on every sync, checks
its copies against the server's hashes (lcc_apr.sync.evidence). Sign-offs are not in it:
each carries its own signature over the content (lcc_apr.signing).

The hash is SHA-256 over CONTENT_FIELDS as compact JSON with every object's keys sorted
(orjson's OPT_SORT_KEYS), `kind` as its text, `record_date` as YYYY-MM-DD (or null) and
`deleted` as true or false. Not lcc_apr.history.canonical_json: the same form for the
answers the protocol carries, but a cache checks every record at every sync, and that
costs 63 us a record against 12 (measured on the demo's records, 1.5 kB of answers each).
"""

from __future__ import annotations

import hashlib
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
    day = record_date.isoformat() if isinstance(record_date, date) else record_date
    body = {
        "id": id,
        "kind": str(kind),
        "subject_id": subject_id,
        "author_id": author_id,
        "template_id": template_id,
        "template_version": template_version,
        "answers": answers,
        "status": status,
        "record_date": day or None,
        "deleted": bool(deleted),
    }
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def hash_of(record: Any) -> str:
    """The content hash of a Record (or any object or row with its fields)."""
    return content_hash(**{name: getattr(record, name) for name in CONTENT_FIELDS})


def hash_of_row(row: dict[str, Any]) -> str:
    """The content hash of a records row held as a dict (a bulk insert's)."""
    return content_hash(**{name: row[name] for name in CONTENT_FIELDS})
