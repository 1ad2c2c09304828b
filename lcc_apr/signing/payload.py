"""What a sign-off's signature is made over: one canonical byte string.

The signed statement is (record id, content hash, the answers it covers, role, decision,
reason, signed_at). The content hash is `lcc_apr.signing.content.content_hash` of the
record as signed; `covers` lists the answers the record held then, so answers added
later where the form allows it (HR's decision after a failed probation, an appeal) do
not break the signature, while any change to a signed answer does.

Bytes: sorted-key compact JSON (orjson), UTF-8, with a purpose tag so the signature
can never be taken for a signature over anything else. `signed_at` is UTC to the second.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson

PURPOSE = "lcc-apr sign-off"
PAYLOAD_VERSION = 1


def signing_time(at: datetime) -> datetime:
    """The time a sign-off records: UTC, whole seconds (what the payload names)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC time")
    return at.astimezone(UTC).replace(microsecond=0)


def time_text(at: datetime) -> str:
    return signing_time(at).strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_bytes(
    *,
    record_id: str,
    content_hash: str,
    covers: Iterable[str] | None,
    role: str,
    decision: str,
    reason: str | None,
    signed_at: datetime,
) -> bytes:
    """The canonical statement a sign-off signs."""
    body: dict[str, Any] = {
        "purpose": PURPOSE,
        "v": PAYLOAD_VERSION,
        "record": record_id,
        "content": content_hash,
        "covers": sorted(covers) if covers is not None else None,
        "role": str(role),
        "decision": str(decision),
        "reason": reason or None,
        "signed_at": time_text(signed_at),
    }
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def sign_off_bytes(sign_off: Any) -> bytes:
    """signed_bytes of a SignOff row (or anything with its attributes)."""
    return signed_bytes(
        record_id=sign_off.record_id,
        content_hash=sign_off.content_hash,
        covers=sign_off.covers,
        role=sign_off.role,
        decision=sign_off.decision,
        reason=sign_off.reason,
        signed_at=sign_off.signed_at,
    )
