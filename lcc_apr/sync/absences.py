"""Absence episodes' part of a sync (after the records'): the laptop's unsent episodes go
up (POST /absences), then the episodes the user may see come down (GET /absences): what
changed since the cursor of the last pull (kept in sync_state with the server's epoch and
the view), episodes removed for good dropped; or, when the server says so (a first pull,
a new epoch, the user's sight changed), the whole list, which replaces what is held, so an
episode that left the user's sight leaves the laptop.

An episode refused by the server (changed there since, or no longer the user's to
record) takes the server's copy, or leaves when the user may not see it; the refusal's
reason goes into the sync's result, like a refused record. An episode edited while this
ran stays unsent (its `updated_at` moved) and goes at the next sync. A server without the
routes (older) is skipped. Runs on the sync's thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from lcc_apr.models import Absence, SyncState, now_utc
from lcc_apr.models.base import table_of
from lcc_apr.store import Store

from .absencewire import ABSENCE_PUSH_LIMIT, AbsencePushBody, AbsenceWire, wire_of
from .errors import Refused

CHUNK = 500  # ids per IN (...) when looking up the episodes a pull brought


def sync_absences(store: Store, connection: Any) -> tuple[int, int, list[str]]:
    """(episodes sent, episodes taken in or dropped, the server's refusals). Raises the
    transport's SyncErrors."""
    sent, refused = 0, []
    tried: set[str] = set()
    try:
        while True:
            with store.session() as s:
                rows = list(
                    s.scalars(
                        select(Absence)
                        .where(Absence.dirty, Absence.id.not_in(tried))
                        .order_by(Absence.id)
                        .limit(ABSENCE_PUSH_LIMIT)
                    )
                )
                body = AbsencePushBody(absences=[wire_of(r, base_rev=r.base_rev) for r in rows])
                stamps = {r.id: r.updated_at for r in rows}
            if not rows:
                break
            tried |= stamps.keys()
            reply = connection.push_absences(body)
            with store.session() as s:
                for result in reply.results:
                    row = s.get(Absence, result.id)
                    if row is None or row.updated_at != stamps.get(result.id):
                        continue  # edited meanwhile: goes next time
                    if result.outcome == "applied":
                        row.server_rev, row.base_rev, row.dirty = result.server_rev, None, False
                        sent += 1
                    else:
                        refused.append(result.reason or "An absence was refused.")
                        _take(s, result.absence, row)
        with store.session() as s:
            state = s.get(SyncState, 1)
            since = _since(state)
        reply = connection.absences(**since)
    except Refused as refusal:
        if str(refusal) == "Not Found":
            return sent, 0, refused  # an older server: no absences there
        raise
    with store.session() as s:
        if reply.full:
            changed = take_absences(s, reply.absences)
        else:
            changed = take_changes(s, reply.absences, reply.removed)
        state = s.get(SyncState, 1)
        if state is not None:  # the cursor with what it brought: one transaction
            state.absence_epoch, state.absence_view = reply.epoch, reply.view
            state.absence_cursor = reply.cursor
    return sent, changed + len(refused), refused


def _since(state: SyncState | None) -> dict[str, Any]:
    """Where the last pull left off (cursor 0: the whole list)."""
    if state is None or state.absence_cursor is None:
        return {"cursor": 0, "epoch": None, "view": None}
    return {
        "cursor": state.absence_cursor,
        "epoch": state.absence_epoch,
        "view": state.absence_view,
    }


def forget_absences(s: Session) -> None:
    """Every episode held dropped, and the next pull the whole list (account disabled)."""
    s.execute(delete(Absence))
    state = s.get(SyncState, 1)
    if state is not None:
        state.absence_epoch = state.absence_view = state.absence_cursor = None


def _take(s: Session, wire: AbsenceWire | None, row: Absence) -> None:
    if wire is None:
        s.delete(row)
        return
    _copy(row, wire)


def _copy(row: Absence, wire: AbsenceWire) -> None:
    for name, value in _columns(wire).items():
        setattr(row, name, value)


def _columns(wire: AbsenceWire) -> dict[str, Any]:
    """An episode's columns as the server sent it (taken in: nothing left to send)."""
    return {
        "employee_id": wire.employee_id,
        "first_day": wire.first_day,
        "last_day": wire.last_day,
        "reason": wire.reason,
        "deleted": wire.deleted,
        "source": wire.source,
        "disability_related": wire.disability_related,
        "pregnancy_related": wire.pregnancy_related,
        "server_rev": wire.server_rev,
        "base_rev": None,
        "dirty": False,
        "updated_at": now_utc(),
    }


def take_absences(s: Session, episodes: list[AbsenceWire]) -> int:
    """The server's whole list replaces what is held, unsent edits kept: how many changed."""
    held = {r.id: r for r in s.scalars(select(Absence))}
    changed = _take_each(s, episodes, held)
    return changed + _drop(s, held.values())


def take_changes(s: Session, episodes: list[AbsenceWire], removed: list[str]) -> int:
    """What changed on the server since the last pull, and the ids it removed for good:
    taken as the whole list's are, unsent edits kept. How many changed here."""
    ids = [w.id for w in episodes] + removed
    held: dict[str, Absence] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        held.update((r.id, r) for r in s.scalars(select(Absence).where(Absence.id.in_(chunk))))
    changed = _take_each(s, episodes, held)
    return changed + _drop(s, [held[i] for i in removed if i in held])


def _take_each(s: Session, episodes: list[AbsenceWire], held: dict[str, Absence]) -> int:
    """Each episode the server sent taken in (popped from `held`); how many changed. New
    ones go in with one insert (a first pull's 12,000: 0.1 s, not 1.3 s as objects)."""
    changed, new = 0, []
    for wire in episodes:
        row = held.pop(wire.id, None)
        if row is None:
            new.append({"id": wire.id, "recorded_by": None, **_columns(wire)})
        elif not row.dirty and row.server_rev != wire.server_rev:
            _copy(row, wire)
            changed += 1
    if new:
        s.execute(insert(table_of(Absence)), new)
    return changed + len(new)


def _drop(s: Session, rows: Iterable[Absence]) -> int:
    """Episodes the server no longer gives this user dropped; an unsent new one stays."""
    dropped = 0
    for row in rows:
        if not row.dirty or row.server_rev is not None:
            s.delete(row)
            dropped += 1
    return dropped
