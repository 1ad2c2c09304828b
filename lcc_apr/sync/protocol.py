"""The sync wire protocol, shared by the client (lcc_apr.sync) and the server.

JSON bodies (orjson on both sides). See docs/sync-protocol.md for the routes.
Revisions and cursors are numbers from the server's one global sequence;
device clocks are carried for people to read and never compared.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, Literal, NotRequired, TypedDict

import orjson

from lcc_apr.models import Record, SignOff

PROTOCOL = 1  # what this build speaks
MIN_PROTOCOL = 1  # the oldest peer it accepts
PROTOCOL_HEADER = "LCC-APR-Protocol"
PAGE_LIMIT = 500  # default and most records per pull page
PUSH_LIMIT = 200  # most records per push batch


class SignOffWire(TypedDict):
    """One signature on a record (see "Sign-offs" in docs/sync-protocol.md)."""

    user_id: int
    role: str  # employee | manager | hr
    decision: str  # agree | disagree | confirm
    reason: str | None
    signed_at: str  # ISO 8601, UTC, whole seconds: part of what is signed
    content_hash: str  # lcc_apr.signing.content.content_hash of the record as signed
    covers: list[str] | None  # the answer keys the record held when signed
    signature: str | None  # ECDSA P-256 / SHA-256, DER, base64 (null: not digitally signed)
    certificate: str | None  # the signer's X.509 certificate, DER, base64
    superseded_at: str | None  # when an amendment voided it (server time)


class RecordWire(TypedDict):
    id: str
    kind: str
    subject_id: int
    author_id: int | None
    template_id: str
    template_version: int
    answers: dict[str, Any]
    status: str
    record_date: str | None  # YYYY-MM-DD
    created_at: str  # ISO 8601, UTC; shown to people, never compared
    updated_at: str
    deleted: bool
    server_rev: int | None  # the server revision this copy is (null: never synced)
    base_rev: NotRequired[int | None]  # push only: the revision the edit started from
    step_reason: NotRequired[str]  # push only: why an amendment was made (kept in history)
    # push only, sent only when true: bring back this record, which the server holds as
    # deleted at base_rev, with the answers pushed (see "Restoring" in docs/sync-protocol.md)
    restore: NotRequired[bool]
    # Every sign-off of the record, oldest first; sent only when it has any (both ways).
    sign_offs: NotRequired[list[SignOffWire]]


class PushBody(TypedDict):
    key: str  # idempotency key (UUID): a retried batch is applied once
    records: list[RecordWire]


class PushResult(TypedDict):
    id: str
    outcome: Literal["applied", "conflict", "refused"]
    server_rev: int | None  # applied: the new revision; conflict: the current one
    record: NotRequired[RecordWire]  # conflict: the server's current version
    reason: NotRequired[str]  # refused/conflict: plain English


class PushReply(TypedDict):
    results: list[PushResult]


class PullItem(TypedDict):
    seq: int
    record: NotRequired[RecordWire]
    remove: NotRequired[str]  # a record id to drop from the cache
    reason: NotRequired[Literal["scope", "hidden"]]


class PullReply(TypedDict):
    epoch: str
    reset: bool  # the epoch changed: the client starts again from cursor 0
    cursor: int  # pass back as the next page's cursor
    more: bool
    items: list[PullItem]


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data is not None else None


def sign_off_wire(sign_off: SignOff) -> SignOffWire:
    superseded = sign_off.superseded_at
    return {
        "user_id": sign_off.user_id,
        "role": str(sign_off.role),
        "decision": str(sign_off.decision),
        "reason": sign_off.reason,
        "signed_at": sign_off.signed_at.isoformat(),
        "content_hash": sign_off.content_hash,
        "covers": list(sign_off.covers) if sign_off.covers is not None else None,
        "signature": _b64(sign_off.signature),
        "certificate": _b64(sign_off.certificate),
        "superseded_at": superseded.isoformat() if superseded is not None else None,
    }


def sign_off_row(wire: SignOffWire, record_id: str) -> dict[str, Any]:
    """A sign_offs row (no id) from its wire form."""
    superseded = wire.get("superseded_at")
    return {
        "record_id": record_id,
        "user_id": wire["user_id"],
        "role": wire["role"],
        "decision": wire["decision"],
        "reason": wire.get("reason"),
        "signed_at": wire_time(wire["signed_at"]),
        "content_hash": wire["content_hash"],
        "covers": wire.get("covers"),
        "signature": base64.b64decode(wire["signature"]) if wire.get("signature") else None,
        "certificate": (base64.b64decode(wire["certificate"]) if wire.get("certificate") else None),
        "superseded_at": wire_time(superseded) if superseded else None,
    }


def sign_off_key(user_id: int, role: Any, signed_at: datetime, content_hash: str) -> tuple:
    """What names one act of signing across computers (row ids differ)."""
    return (user_id, str(role), signed_at.astimezone(UTC).isoformat(), content_hash)


def to_wire(
    record: Record,
    *,
    base_rev: int | None = None,
    push: bool = False,
    sign_offs: Iterable[SignOff] | None = None,
) -> RecordWire:
    wire: RecordWire = {
        "id": record.id,
        "kind": str(record.kind),
        "subject_id": record.subject_id,
        "author_id": record.author_id,
        "template_id": record.template_id,
        "template_version": record.template_version,
        "answers": record.answers,
        "status": record.status,
        "record_date": record.record_date.isoformat() if record.record_date else None,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "deleted": record.deleted,
        "server_rev": record.server_rev,
    }
    if push:
        wire["base_rev"] = base_rev
    signed = list(sign_offs or ())
    if signed:
        wire["sign_offs"] = [sign_off_wire(s) for s in signed]
    return wire


def wire_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def wire_time(value: str) -> datetime:
    return datetime.fromisoformat(value)
