"""The sync wire protocol, shared by the client (lcc_apr.sync) and the server.

JSON bodies (orjson on both sides). See docs/sync-protocol.md for the routes.
Revisions and cursors are numbers from the server's one global sequence;
device clocks are carried for people to read and never compared.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, NotRequired, TypedDict

import orjson

from lcc_apr.models import Record

PROTOCOL = 1  # what this build speaks
MIN_PROTOCOL = 1  # the oldest peer it accepts
PROTOCOL_HEADER = "LCC-APR-Protocol"
PAGE_LIMIT = 500  # default and most records per pull page
PUSH_LIMIT = 200  # most records per push batch


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


def to_wire(record: Record, *, base_rev: int | None = None, push: bool = False) -> RecordWire:
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
    return wire


def wire_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def wire_time(value: str) -> datetime:
    return datetime.fromisoformat(value)
