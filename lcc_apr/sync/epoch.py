"""When the server's epoch changes (it was restored from a backup): what this cache holds
is checked against the restored server, record by record, and nothing made here is lost.

The server may have lost changes made after its backup, and its revision numbers may
be given out again. So every copy held from the old epoch is marked UNCONFIRMED
(`forget_epoch`; its revision means nothing any more) and is not pushed until the new
server's version of it arrives in a pull from the start. That version is then merged
(lcc_apr.sync.apply.reconcile) against a stand-in for the version both sides share,
made from this computer's history (`restored_base`): a field the server holds at a
value this copy had before, and that was then changed here, is sent back; a field
changed only by others is the server's (their own computers send back what was
theirs); a field changed here that the server holds at a value never seen here is a
conflict, both versions kept. At the end of that pull (`settle_unconfirmed`), a copy
the server no longer has is sent back as new when it holds changes made here, and
otherwise leaves this cache (like a record one no longer has access to).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lcc_apr.history import purge_records
from lcc_apr.models import ChangeAction, Conflict, PushBatch, Record, RecordChange, SyncState

UNCONFIRMED = 0  # server_rev of a copy from before the epoch changed (revisions start at 1)
STATUS, DELETED = "(status)", "(deleted)"


class _Unknown:
    """A base value equal to nothing: the field conflicts if both sides differ."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


def forget_epoch(session: Session, state: SyncState) -> None:
    """The server's epoch changed: every copy held becomes unconfirmed, the feed is read
    again from the start, and a push sent but never answered is sent afresh later."""
    session.execute(
        update(Record).where(Record.server_rev.is_not(None)).values(server_rev=UNCONFIRMED)
    )
    session.execute(
        update(Conflict).where(Conflict.server_rev.is_not(None)).values(server_rev=UNCONFIRMED)
    )
    session.execute(delete(PushBatch))
    state.cursor, state.epoch = 0, None


def settle_unconfirmed(session: Session) -> int:
    """After a pull from the start: copies the server did not send. Those with changes
    made here go back up as new records; the others leave this cache (how many)."""
    ids = list(session.scalars(select(Record.id).where(Record.server_rev == UNCONFIRMED)))
    if not ids:
        return 0
    ours = set(
        session.scalars(
            select(RecordChange.record_id)
            .where(RecordChange.record_id.in_(ids), RecordChange.action != ChangeAction.SYNC)
            .distinct()
        )
    )
    if ours:
        session.execute(delete(Conflict).where(Conflict.record_id.in_(ours)))
        session.execute(
            update(Record).where(Record.id.in_(ours)).values(server_rev=None, dirty=True)
        )
    gone = [i for i in ids if i not in ours]
    purge_records(session, gone)
    return len(gone)


def restored_base(
    changes: list[RecordChange], mine: dict[str, Any], theirs: dict[str, Any]
) -> dict[str, Any]:
    """The version both sides are taken to share, field by field, for lcc_apr.sync.merge
    (answers, status, deleted): per field that differs, the server's value where this
    copy had it and then changed it here (ours goes back up), this copy's where only
    others changed it since (the server's is taken), UNKNOWN where it was changed here
    and the server's value was never seen here (a conflict)."""
    keys = {k for k in {*mine["answers"], *theirs["answers"]} if _get(mine, k) != _get(theirs, k)}
    keys |= {k for k in (STATUS, DELETED) if _get(mine, k) != _get(theirs, k)}
    seen: set[str] = set()  # the server's value was this copy's at some point
    ours_ever: set[str] = set()
    ours_since: set[str] = set()  # changed here since it last had the server's value
    state: dict[str, Any] = {"answers": {}, "status": None, "deleted": False}
    for change in changes:
        patch = change.patch
        touched = set(patch.get("answers") or {})
        if "status" in patch:
            touched.add(STATUS)
        if "deleted" in patch:
            touched.add(DELETED)
        _fold(state, patch)
        if change.action != ChangeAction.SYNC:
            ours_ever |= touched & keys
            ours_since |= touched & keys
        for key in keys:
            if _get(state, key) == _get(theirs, key):
                seen.add(key)
                ours_since.discard(key)
    base: dict[str, Any] = {
        "answers": dict(mine["answers"]),
        "status": mine["status"],
        "deleted": mine["deleted"],
    }
    for key in keys:
        if key in seen and key in ours_since:
            value = _get(theirs, key)  # ours is newer: sent back
        elif key not in seen and key in ours_ever:
            value = UNKNOWN
        else:
            value = _get(mine, key)  # the server's is taken
        if key == STATUS:
            base["status"] = value
        elif key == DELETED:
            base["deleted"] = value
        else:
            base["answers"][key] = value
    return base


def _get(state: dict[str, Any], key: str) -> Any:
    if key == STATUS:
        return state["status"]
    if key == DELETED:
        return bool(state["deleted"])
    return state["answers"].get(key)


def _fold(state: dict[str, Any], patch: dict[str, Any]) -> None:
    """lcc_apr.history.replay, one entry at a time."""
    if "answers" in patch:
        merged = {**state["answers"], **patch["answers"]}
        state["answers"] = {k: v for k, v in merged.items() if v is not None}
    for key in ("status", "deleted"):
        if key in patch:
            state[key] = patch[key]
