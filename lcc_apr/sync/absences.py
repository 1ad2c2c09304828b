"""Absence episodes' part of a sync (after the records'): the laptop's unsent episodes go
up (POST /absences), then every episode the user may see comes down whole (GET /absences)
and replaces what is held, so an episode that left the user's sight leaves the laptop.

An episode refused by the server (changed there since, or no longer the user's to
record) takes the server's copy, or leaves when the user may not see it; the refusal's
reason goes into the sync's result, like a refused record. An episode edited while this
ran stays unsent (its `updated_at` moved) and goes at the next sync. A server without the
routes (older) is skipped. Runs on the sync's thread.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.models import Absence, now_utc
from lcc_apr.store import Store

from .absencewire import ABSENCE_PUSH_LIMIT, AbsencePushBody, AbsenceWire, wire_of
from .errors import Refused


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
        reply = connection.absences()
    except Refused as refusal:
        if str(refusal) == "Not Found":
            return sent, 0, refused  # an older server: no absences there
        raise
    with store.session() as s:
        changed = take_absences(s, reply.absences)
    return sent, changed + len(refused), refused


def _take(s: Session, wire: AbsenceWire | None, row: Absence) -> None:
    if wire is None:
        s.delete(row)
        return
    _copy(row, wire)


def _copy(row: Absence, wire: AbsenceWire) -> None:
    row.employee_id, row.first_day, row.last_day = wire.employee_id, wire.first_day, wire.last_day
    row.reason, row.deleted, row.source = wire.reason, wire.deleted, wire.source
    row.disability_related, row.pregnancy_related = wire.disability_related, wire.pregnancy_related
    row.server_rev, row.base_rev, row.dirty = wire.server_rev, None, False
    row.updated_at = now_utc()


def take_absences(s: Session, episodes: list[AbsenceWire]) -> int:
    """The server's whole list replaces what is held, unsent edits kept: how many changed."""
    held = {r.id: r for r in s.scalars(select(Absence))}
    changed = 0
    for wire in episodes:
        row = held.pop(wire.id, None)
        if row is None:
            row = Absence(id=wire.id, recorded_by=None)
            _copy(row, wire)
            s.add(row)
            changed += 1
        elif not row.dirty and row.server_rev != wire.server_rev:
            _copy(row, wire)
            changed += 1
    for row in held.values():
        if not row.dirty or row.server_rev is not None:
            s.delete(row)  # out of sight now (an unsent new one stays to be sent)
            changed += 1
    return changed
