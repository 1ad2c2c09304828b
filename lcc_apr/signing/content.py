"""What a sign-off covers: a canonical SHA-256 of the record's content and template version.

The status is left out (countersigning moves it on without changing what was agreed);
everything a person reads and agrees to is in: the answers, the template and version that
give them meaning, whose record it is, its kind and date.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

HASH_VERSION = 1  # bump if the canonical form ever changes; old signatures keep theirs


def canonical_content(record: Any) -> bytes:
    """Sorted-key compact JSON of the signed content (a Record or anything with its fields)."""
    day = record.record_date
    return orjson.dumps(
        {
            "v": HASH_VERSION,
            "id": record.id,
            "kind": str(record.kind),
            "subject_id": record.subject_id,
            "template_id": record.template_id,
            "template_version": record.template_version,
            "record_date": day.isoformat() if day is not None else None,
            "answers": record.answers,
        },
        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
    )


def content_hash(record: Any) -> str:
    """Hex SHA-256 of canonical_content(record)."""
    return hashlib.sha256(canonical_content(record)).hexdigest()
