"""Absence episodes on the server: what each user may see (GET /absences) and a laptop's
pushed episodes applied one by one (POST /absences), each checked as the laptop checked it
(lcc_apr.attendance.episodes) and against its scope.

Scope: HR sees and writes everyone's but their own; a line manager their direct reports'
(recorded by them, so not their reports' reports'); everyone sees their own. An edit made
from a version the server no longer holds (changed by HR's import or by someone else since)
is refused with the server's copy, unless it says the same (a retry). Each applied episode
is audited (ids only). Runs on the request's thread in its session; the caller commits.

Pulls by change: every write takes the episode's `seq` from the global sequence (under
its lock, lcc_apr.server.sequence), and an episode taken off for good leaves a removal
(`purge`). A laptop sends back the cursor, epoch and view (hr | team) of its last pull and
gets what changed since; the whole list instead on a first pull, a new epoch, another view,
or, for a team view, any scope event of the user's since (someone came into or left their
sight: simpler than working out whose episodes to add or drop, and a team is small).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lcc_apr.attendance.episodes import Episode
from lcc_apr.attendance.policy import AttendancePolicy
from lcc_apr.attendance.rows import problems_in
from lcc_apr.models import Absence, Employee, now_utc
from lcc_apr.models.absence import MANAGER
from lcc_apr.sync.absencewire import AbsencePushBody, AbsenceWire
from lcc_apr.sync.absencewire import wire_of as episode_wire

from . import audit, sequence
from .scope import Viewer
from .tables import AbsenceRemoval, ScopeEvent

CHANGED = (
    "This absence was changed on the server since (by HR or another manager); the server's "
    "version was kept. Check it and record your change again if it is still needed."
)
NOT_YOURS = "You can record absences only for the people you line manage."
NO_SUCH_PERSON = "There is no such person in the organisation: nothing was recorded."
CONTENT = (
    "employee_id",
    "first_day",
    "last_day",
    "reason",
    "disability_related",
    "pregnancy_related",
    "deleted",
)


def may_see(viewer: Viewer, employee_id: int) -> bool:
    return viewer.is_hr or employee_id == viewer.employee_id or employee_id in viewer.direct


def may_write(viewer: Viewer, employee_id: int) -> bool:
    if employee_id == viewer.employee_id:
        return False
    return viewer.is_hr or employee_id in viewer.direct


def wire_of(row: Absence) -> AbsenceWire:
    return episode_wire(row, source=row.source, server_rev=row.server_rev)


def _people(viewer: Viewer) -> list[int] | None:
    """Whose episodes the viewer may see; None: everyone's (HR)."""
    if viewer.is_hr:
        return None
    return sorted({*viewer.direct, *([viewer.employee_id] if viewer.employee_id else [])})


def visible(session: Session, viewer: Viewer) -> list[dict[str, Any]]:
    """Every episode the viewer may see (withdrawn ones too, so laptops drop theirs)."""
    stmt = select(Absence).order_by(Absence.employee_id, Absence.first_day, Absence.id)
    people = _people(viewer)
    if people is not None:
        stmt = stmt.where(Absence.employee_id.in_(people))
    return [wire_of(r).model_dump(mode="json") for r in session.scalars(stmt)]


def view_of(viewer: Viewer) -> str:
    return "hr" if viewer.is_hr else "team"


def changed_since(
    session: Session, viewer: Viewer, *, cursor: int, epoch: str | None, view: str | None
) -> dict[str, Any]:
    """GET /absences with a cursor: an AbsencesReply's dict, whole or what changed since
    (episodes and removals numbered above the cursor, up to the committed counter)."""
    high = sequence.committed_high(session)
    current, mine = sequence.epoch(session), view_of(viewer)
    people = _people(viewer)
    full = cursor == 0 or epoch != current or view != mine or cursor > high
    if not full and people is not None:
        moved = select(ScopeEvent.seq).where(
            ScopeEvent.user_id == viewer.user_id, ScopeEvent.seq > cursor, ScopeEvent.seq <= high
        )
        full = session.scalar(moved.limit(1)) is not None
    reply: dict[str, Any] = {"full": full, "cursor": high, "epoch": current, "view": mine}
    if full:
        return {"absences": visible(session, viewer), "removed": [], **reply}
    stmt = select(Absence).where(Absence.seq > cursor, Absence.seq <= high).order_by(Absence.id)
    gone = select(AbsenceRemoval.id).where(AbsenceRemoval.seq > cursor, AbsenceRemoval.seq <= high)
    if people is not None:
        stmt = stmt.where(Absence.employee_id.in_(people))
        gone = gone.where(AbsenceRemoval.employee_id.in_(people))
    changed = [wire_of(r).model_dump(mode="json") for r in session.scalars(stmt)]
    return {"absences": changed, "removed": sorted(session.scalars(gone)), **reply}


def purge(session: Session, absence_ids: list[str]) -> int:
    """Take episodes off the server for good, each leaving a removal for laptops pulling by
    change (the one way to delete an episode's row; a withdrawal keeps it). How many."""
    rows = list(session.scalars(select(Absence).where(Absence.id.in_(absence_ids))))
    if not rows:
        return 0
    seq, at = sequence.lock(session).next(), now_utc()
    session.execute(delete(AbsenceRemoval).where(AbsenceRemoval.id.in_([r.id for r in rows])))
    for row in rows:
        session.add(AbsenceRemoval(id=row.id, employee_id=row.employee_id, seq=seq, at=at))
        session.delete(row)
    session.flush()
    return len(rows)


def apply_pushed(
    session: Session,
    viewer: Viewer,
    body: AbsencePushBody,
    *,
    route: str,
    today: date,
    policy: AttendancePolicy,
) -> list[dict[str, Any]]:
    """Each pushed episode applied or refused, in order: the PushReply's results."""
    if not body.absences:
        return []
    results = []
    lock = sequence.lock(session)  # before reading the rows (numbers each applied one)
    for wire in body.absences:
        results.append(
            _apply(session, viewer, wire, route=route, today=today, policy=policy, lock=lock)
        )
        session.flush()  # the next one is checked against this one
    return results


def _apply(
    session: Session,
    viewer: Viewer,
    wire: AbsenceWire,
    *,
    route: str,
    today: date,
    policy: AttendancePolicy,
    lock: sequence.SequenceLock,
) -> dict[str, Any]:
    row = session.get(Absence, wire.id)
    held = wire_of(row) if row is not None and may_see(viewer, row.employee_id) else None

    def refused(reason: str) -> dict[str, Any]:
        audit.add(
            session, viewer.user_id, "absence_push", route, "refused", subject_id=wire.employee_id
        )
        return {
            "id": wire.id,
            "outcome": "refused",
            "server_rev": row.server_rev if row is not None else None,
            "reason": reason,
            "absence": held.model_dump(mode="json") if held is not None else None,
        }

    if not may_write(viewer, wire.employee_id) or (
        row is not None and not may_write(viewer, row.employee_id)
    ):
        return refused(NOT_YOURS)
    if session.get(Employee, wire.employee_id) is None:  # HR may write for anyone who exists
        return refused(NO_SUCH_PERSON)
    if row is not None and row.employee_id != wire.employee_id:
        return refused("An absence cannot be moved to another person: withdraw it instead.")
    if row is not None and row.server_rev != wire.base_rev:
        if all(getattr(row, k) == getattr(wire, k) for k in CONTENT):
            return {"id": wire.id, "outcome": "applied", "server_rev": row.server_rev}
        return refused(CHANGED)
    if not wire.deleted:
        episode = Episode(
            wire.id,
            wire.employee_id,
            wire.first_day,
            wire.last_day,
            wire.reason,
            wire.disability_related,
            wire.pregnancy_related,
        )
        problems = problems_in(session, episode, today=today, policy=policy)
        if problems:
            return refused(" ".join(problems))
    if row is None:
        row = Absence(id=wire.id, source=MANAGER, server_rev=0, dirty=False)
        session.add(row)
    for key in CONTENT:
        setattr(row, key, getattr(wire, key))
    row.recorded_by, row.updated_at = viewer.user_id, now_utc()
    row.server_rev = (row.server_rev or 0) + 1
    row.base_rev, row.dirty = None, False
    row.seq = lock.next()
    audit.add(
        session, viewer.user_id, "absence_push", route, "applied", subject_id=wire.employee_id
    )
    return {"id": wire.id, "outcome": "applied", "server_rev": row.server_rev}
