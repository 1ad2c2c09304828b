"""Settling a conflict on this computer: the person's choice, the server's version, or
this computer's version of a record deleted on the server. Each sent at the next sync."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lcc_apr.history import purge_records, state_of, update_record
from lcc_apr.models import Conflict, Record, now_utc
from lcc_apr.store import Store

from .apply import DELETED_ON_SERVER, OUT_OF_VIEW, take_wire
from .protocol import record_wire


def _conflict_of(s: Session, record_id: str) -> tuple[Conflict, Record]:
    """The record's open conflict and the record itself (KeyError when either is gone)."""
    conflict, record = s.get(Conflict, record_id), s.get(Record, record_id)
    if conflict is None or record is None:
        raise KeyError(record_id)
    return conflict, record


def resolve_conflict(
    store: Store,
    record_id: str,
    *,
    answers: dict[str, Any],
    user_id: int | None,
    at: datetime | None = None,
) -> None:
    """Settle a conflict with the answers the person chose: the server's version becomes
    the base and their choice the next local change, sent at the next sync."""

    at = at or now_utc()
    with store.session() as s:
        conflict, record = _conflict_of(s, record_id)
        if conflict.server:
            take_wire(s, record, record_wire(conflict.server), at=at)
        removed = {k: None for k in record.answers if k not in answers}
        update_record(
            s,
            record,
            user_id=user_id,
            at=at,
            answers={**answers, **removed},
            note={"resolved_conflict": True},
        )
        s.delete(conflict)


def restore_deleted(
    store: Store, record_id: str, *, user_id: int | None, at: datetime | None = None
) -> None:
    """Settle a "deleted on the server" conflict by keeping this computer's version.

    The server's deleted version becomes the base (so the push's base_rev is the
    deletion's revision), then one local change brings the record back with this
    computer's answers and status: `"deleted": false` in its patch and the note
    {"restored": True}, which makes the next push carry `restore: true`. The server
    applies it only for someone who may still change the record; otherwise it is
    refused and shown as a refusal, from which the deletion can still be accepted.
    """
    at = at or now_utc()
    with store.session() as s:
        conflict, record = _conflict_of(s, record_id)
        if DELETED_ON_SERVER not in conflict.fields or record.deleted:
            raise ValueError("This record was not deleted on the server: nothing to restore.")
        if not conflict.server:
            raise ValueError("The server's version is not on this computer yet: sync first.")
        mine = state_of(record)
        take_wire(s, record, record_wire(conflict.server), at=at)
        removed = {k: None for k in record.answers if k not in mine["answers"]}
        update_record(
            s,
            record,
            user_id=user_id,
            at=at,
            answers={**mine["answers"], **removed},
            status=mine["status"],
            note={"restored": True},
            restore=True,
        )
        s.delete(conflict)


def accept_server_version(store: Store, record_id: str, at: datetime | None = None) -> None:
    """Drop this computer's unsent change: the server's version (status, deletion and all)
    becomes the record again. Only possible when the server's version is known, or when
    the record is no longer this person's to see: then the copy here goes."""
    at = at or now_utc()
    with store.session() as s:
        conflict, record = _conflict_of(s, record_id)
        if OUT_OF_VIEW in conflict.fields:
            purge_records(s, [record_id])
            return
        if not conflict.server:
            raise ValueError("The server's version is not on this computer yet: sync first.")
        take_wire(s, record, record_wire(conflict.server), at=at)
        s.delete(conflict)
