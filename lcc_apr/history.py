"""Writing records and their append-only, hash-chained change log.

Every write goes through here, so a record and its history never disagree.
Each change stores a patch (the record attributes it changed, answers field
by field) and a SHA-256 hash over the previous hash and its own canonical
content. Replaying the patches rebuilds the record; a changed, removed or
reordered entry breaks the chain. Called on whichever thread owns the session.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from .models import ChangeAction, Conflict, Purge, Record, RecordChange, RecordKind, SignOff

GENESIS = "0" * 64
_MISSING = object()


def canonical_json(value: Any) -> bytes:
    """The one byte form used for hashing: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def change_hash(
    *,
    prev_hash: str,
    record_id: str,
    seq: int,
    action: str,
    user_id: int | None,
    at: datetime,
    patch: dict[str, Any],
) -> str:
    body = {
        "prev": prev_hash,
        "record": record_id,
        "seq": seq,
        "action": str(action),
        "user": user_id,
        "at": at.isoformat(),
        "patch": patch,
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


def hash_of(change: RecordChange) -> str:
    """The hash a history entry must carry, from its own fields and the one before."""
    return change_hash(
        prev_hash=change.prev_hash,
        record_id=change.record_id,
        seq=change.seq,
        action=change.action,
        user_id=change.user_id,
        at=change.at,
        patch=change.patch,
    )


def creation_rows(
    *,
    kind: RecordKind,
    subject_id: int,
    author_id: int | None,
    template_id: str,
    template_version: int,
    answers: dict[str, Any],
    status: str,
    record_date: date | None,
    at: datetime,
    record_id: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Plain row dicts for a new record and its first change (for bulk inserts)."""
    rid = record_id or str(uuid.uuid4())
    patch = {
        "kind": str(kind),
        "subject_id": subject_id,
        "template_id": template_id,
        "template_version": template_version,
        "status": status,
        "record_date": record_date.isoformat() if record_date else None,
        "answers": answers,
    }
    digest = change_hash(
        prev_hash=GENESIS,
        record_id=rid,
        seq=1,
        action=ChangeAction.CREATE,
        user_id=author_id,
        at=at,
        patch=patch,
    )
    record = {
        "id": rid,
        "kind": kind,
        "subject_id": subject_id,
        "author_id": author_id,
        "template_id": template_id,
        "template_version": template_version,
        "answers": answers,
        "status": status,
        "record_date": record_date,
        "created_at": at,
        "updated_at": at,
        "local_rev": 1,
        "server_rev": None,
        "dirty": True,
        "deleted": False,
        "deleted_at": None,
        "history_head": digest,
    }
    change = {
        "record_id": rid,
        "seq": 1,
        "action": ChangeAction.CREATE,
        "user_id": author_id,
        "at": at,
        "patch": patch,
        "prev_hash": GENESIS,
        "hash": digest,
    }
    return record, change


def create_record(session: Session, **fields: Any) -> Record:
    """Add a new record with its first history entry; takes creation_rows' arguments."""
    record_row, change_row = creation_rows(**fields)
    record = Record(**record_row)
    session.add(record)
    session.add(RecordChange(**change_row))
    return record


def _keep_base(session: Session, record: Record, at: datetime) -> None:
    """Before the first local change to a server copy, record that copy as the base."""
    if record.local_rev == 0 and record.server_rev is not None:
        patch = {**state_of(record), "note": {"server_rev": record.server_rev}}
        _write(session, record, action=ChangeAction.SYNC, user_id=None, at=at, patch=patch)
        record.base_seq = record.local_rev


def state_of(record: Record) -> dict[str, Any]:
    """The replayable state of a record, as one full patch."""
    return {"answers": dict(record.answers), "status": record.status, "deleted": record.deleted}


def _write(
    session: Session,
    record: Record,
    *,
    action: ChangeAction,
    user_id: int | None,
    at: datetime,
    patch: dict[str, Any],
) -> RecordChange:
    seq = record.local_rev + 1
    change = RecordChange(
        record_id=record.id,
        seq=seq,
        action=action,
        user_id=user_id,
        at=at,
        patch=patch,
        prev_hash=record.history_head,
    )
    change.hash = hash_of(change)
    session.add(change)
    record.local_rev = seq
    record.history_head = change.hash
    record.updated_at = at
    record.dirty = action is not ChangeAction.SYNC
    return change


def update_record(
    session: Session,
    record: Record,
    *,
    user_id: int | None,
    at: datetime,
    answers: dict[str, Any] | None = None,
    status: str | None = None,
    action: ChangeAction = ChangeAction.UPDATE,
    note: dict[str, Any] | None = None,
    restore: bool = False,
) -> RecordChange | None:
    """Apply changed answers (None removes a field) and/or a new status.

    `note` is kept in the history entry (a workflow step's name, an
    amendment's reason) without changing the record. `restore=True` brings a
    deleted record back in the same entry (`"deleted": false` in its patch);
    without it a deleted record is refused. Returns the history entry, or
    None when nothing actually changed.
    """
    if record.deleted and not restore:
        raise ValueError("record is deleted")
    patch: dict[str, Any] = {}
    changed = {k: v for k, v in (answers or {}).items() if record.answers.get(k, None) != v}
    if changed:
        patch["answers"] = changed
    if status is not None and status != record.status:
        patch["status"] = status
    if restore and record.deleted:
        patch["deleted"] = False
    if not patch:
        return None
    _keep_base(session, record, at)
    if changed:
        merged = {**record.answers, **changed}
        record.answers = {k: v for k, v in merged.items() if v is not None}
    if "status" in patch:
        record.status = patch["status"]
    if "deleted" in patch:
        record.deleted, record.deleted_at = False, None
    if note:
        patch["note"] = note
    return _write(session, record, action=action, user_id=user_id, at=at, patch=patch)


def note_record(
    session: Session,
    record: Record,
    *,
    user_id: int | None,
    at: datetime,
    action: ChangeAction,
    note: dict[str, Any],
) -> RecordChange:
    """A history entry that changes nothing in the record but says what happened (a
    countersignature); it marks the record for sync like any change."""
    if record.deleted:
        raise ValueError("record is deleted")
    _keep_base(session, record, at)
    return _write(session, record, action=action, user_id=user_id, at=at, patch={"note": note})


def delete_record(session: Session, record: Record, *, user_id: int | None, at: datetime) -> None:
    """Tombstone the record: it stays, with its history, marked deleted."""
    if record.deleted:
        return
    _keep_base(session, record, at)
    record.deleted = True
    record.deleted_at = at
    _write(
        session, record, action=ChangeAction.DELETE, user_id=user_id, at=at, patch={"deleted": True}
    )


def apply_server_state(
    session: Session,
    record: Record,
    *,
    answers: dict[str, Any],
    status: str,
    deleted: bool,
    server_rev: int,
    at: datetime,
) -> None:
    """Take in the server's version of a record that has no unsent local changes.

    A record with no local history simply becomes the new server copy; one with
    history gets a SYNC entry holding what changed, so replay still matches.
    """
    if record.local_rev == 0:
        record.answers, record.status, record.deleted = answers, status, deleted
        record.server_rev = server_rev
        record.dirty = False
        return
    patch: dict[str, Any] = {}
    changed = {k: v for k, v in answers.items() if record.answers.get(k) != v}
    removed = {k: None for k in record.answers if k not in answers}
    if changed or removed:
        patch["answers"] = {**changed, **removed}
    if status != record.status:
        patch["status"] = status
    if deleted != record.deleted:
        patch["deleted"] = deleted
    record.answers, record.status, record.deleted = answers, status, deleted
    record.server_rev = server_rev
    _write(
        session,
        record,
        action=ChangeAction.SYNC,
        user_id=None,
        at=at,
        patch={**patch, "note": {"server_rev": server_rev}},
    )
    record.base_seq = record.local_rev


def base_state(session: Session, record: Record) -> dict[str, Any] | None:
    """The server version this copy's local edits started from (None: never synced)."""
    if record.server_rev is None:
        return None
    if record.base_seq is None:
        return state_of(record)
    return replay([c for c in history(session, record.id) if c.seq <= record.base_seq])


def history(session: Session, record_id: str) -> list[RecordChange]:
    stmt = select(RecordChange).where(RecordChange.record_id == record_id)
    return list(session.scalars(stmt.order_by(RecordChange.seq)))


def replay(changes: list[RecordChange]) -> dict[str, Any]:
    """Fold a history into the state it describes (answers, status, deleted)."""
    state: dict[str, Any] = {"answers": {}, "status": None, "deleted": False}
    for change in changes:
        patch = change.patch
        if "answers" in patch:
            merged = {**state["answers"], **patch["answers"]}
            state["answers"] = {k: v for k, v in merged.items() if v is not None}
        for key in ("status", "deleted"):
            if key in patch:
                state[key] = patch[key]
    return state


def verify_history(session: Session, record: Record) -> list[str]:
    """Problems found in a record's history; an empty list means intact."""
    return chain_problems(record, history(session, record.id))


def chain_problems(record: Any, changes: list[Any]) -> list[str]:
    """Problems of `record` (anything with a Record's fields) against its history entries
    (anything with a RecordChange's fields), in seq order; an empty list means intact."""
    problems: list[str] = []
    if record.local_rev == 0 and not changes and record.server_rev is not None:
        return _server_copy_problems(record)  # its history is kept on the server
    prev = GENESIS
    for expected_seq, change in enumerate(changes, start=1):
        if change.seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing")
            break
        if change.prev_hash != prev:
            problems.append(f"entry {change.seq} does not follow entry {change.seq - 1}")
        if hash_of(change) != change.hash:
            problems.append(f"entry {change.seq} was altered after it was written")
        prev = change.hash
    if prev != record.history_head:
        problems.append("the record does not match the end of its history")
    state = replay(changes)
    if state["answers"] != record.answers or state["status"] != record.status:
        problems.append("the record's content differs from what its history describes")
    return problems


def _server_copy_problems(record: Record) -> list[str]:
    """A server's copy against the content hash the server gave with it (when it has one
    for this revision): a copy edited outside the app shows (one whose hash was forged
    too shows against the server: lcc_apr.sync.evidence)."""
    from .evidence import hash_of

    if record.content_hash is None or record.hash_rev != record.server_rev:
        return []
    if hash_of(record) != record.content_hash:
        return ["the record differs from the server's copy it was given (its content hash)"]
    return []


def purge_records(session: Session, record_ids: list[str]) -> None:
    """Remove records and everything about them from this cache (access lost).

    The only way history leaves a database: the ids are listed in `purges`
    for the length of the transaction, which the append-only guard allows.
    """
    if not record_ids:
        return
    session.flush()
    session.execute(insert(Purge), [{"record_id": r} for r in record_ids])
    for model, column in (
        (RecordChange, RecordChange.record_id),
        (SignOff, SignOff.record_id),
        (Conflict, Conflict.record_id),
        (Record, Record.id),
    ):
        session.execute(delete(model).where(column.in_(record_ids)))
    session.execute(delete(Purge).where(Purge.record_id.in_(record_ids)))
    session.expire_all()
