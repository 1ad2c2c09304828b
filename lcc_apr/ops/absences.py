"""Absence episodes on the manager's laptop: recording one, correcting it, ending it (the
day the person is back) and withdrawing one recorded in error; and reading a person's.

Who: a line manager for their direct reports, HR for anyone; never one's own. Every write
is checked (lcc_apr.attendance.episodes: overlaps, a last day before the first, a start
after today, an unknown reason) and refused whole with a plain message (AbsenceRefused);
it marks the episode to be sent at the next sync (lcc_apr.sync.absences) and leaves a
line in audit.log with ids only. Writes run on the writer thread, reads on any worker;
no Qt.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.attendance.episodes import Episode
from lcc_apr.attendance.policy import AttendancePolicy
from lcc_apr.attendance.rows import episode_of, problems_in
from lcc_apr.models import Absence, Employee, now_utc
from lcc_apr.models.absence import MANAGER
from lcc_apr.store import Store

from .audit import audit
from .changes import Changes
from .user import CurrentUser

NOT_YOURS = "You can record absences only for the people you line manage."
NOT_FOUND = "That absence is no longer held on this computer."


class AbsenceRefused(ValueError):
    """The write was refused; nothing was changed. The message says why in plain words."""


@dataclass(frozen=True)
class AbsenceRow:
    absence_id: str
    first_day: date
    last_day: date | None
    reason: str  # the category's label
    reason_code: str
    disability_related: bool
    pregnancy_related: bool
    imported: bool  # from the HR system's export
    unsent: bool


@dataclass(frozen=True)
class AbsenceSaved:
    absence_id: str
    changes: Changes


def _require(session: Session, user: CurrentUser, employee_id: int) -> None:
    if employee_id == user.employee_id:
        raise AbsenceRefused("Your own absences are recorded by your line manager or HR.")
    if user.is_hr:
        if session.get(Employee, employee_id) is None:
            raise AbsenceRefused("That person is not held on this computer.")
        return
    manager = session.scalar(select(Employee.line_manager_id).where(Employee.id == employee_id))
    if user.employee_id is None or manager != user.employee_id:
        raise AbsenceRefused(NOT_YOURS)


def _save(
    store: Store,
    user: CurrentUser,
    episode: Episode,
    *,
    today: date,
    policy: AttendancePolicy,
    event: str,
    new: bool,
) -> AbsenceSaved:
    with store.session() as session:
        _require(session, user, episode.employee_id)
        problems = problems_in(session, episode, today=today, policy=policy)
        if problems:
            raise AbsenceRefused(" ".join(problems))
        row = session.get(Absence, episode.id)
        if new:
            row = Absence(id=episode.id, source=MANAGER, server_rev=None, base_rev=None)
            session.add(row)
        elif row is None or row.deleted:
            raise AbsenceRefused(NOT_FOUND)
        row.employee_id = episode.employee_id
        row.first_day, row.last_day = episode.first_day, episode.last_day
        row.reason = policy.reason(episode.reason).code  # type: ignore[union-attr]  # checked
        row.disability_related = episode.disability_related
        row.pregnancy_related = episode.pregnancy_related
        _touch(row, user)
    audit(store, user, event, absence_id=episode.id, employee_id=episode.employee_id)
    return AbsenceSaved(episode.id, _changed(episode.employee_id))


def _touch(row: Absence, user: CurrentUser) -> None:
    if not row.dirty:
        row.base_rev = row.server_rev  # the version this edit starts from
    row.dirty, row.deleted = True, bool(row.deleted)
    row.recorded_by, row.updated_at = user.user_id, now_utc()


def _changed(employee_id: int) -> Changes:
    return Changes(people=frozenset({employee_id}), listed=True, unsent=True)


def record_absence(
    store: Store,
    *,
    user: CurrentUser,
    employee_id: int,
    first_day: date,
    reason: str,
    last_day: date | None = None,
    disability_related: bool = False,
    pregnancy_related: bool = False,
    today: date,
    policy: AttendancePolicy,
) -> AbsenceSaved:
    """Write: a new episode (last_day None: still off)."""
    episode = Episode(
        str(uuid.uuid4()),
        employee_id,
        first_day,
        last_day,
        reason,
        disability_related,
        pregnancy_related,
    )
    return _save(
        store, user, episode, today=today, policy=policy, event="absence_recorded", new=True
    )


def correct_absence(
    store: Store,
    *,
    user: CurrentUser,
    absence_id: str,
    first_day: date,
    last_day: date | None,
    reason: str,
    disability_related: bool,
    pregnancy_related: bool,
    today: date,
    policy: AttendancePolicy,
) -> AbsenceSaved:
    """Write: an episode's days, reason and flags as they should have been."""
    episode = _held(store, absence_id)._replace(
        first_day=first_day,
        last_day=last_day,
        reason=reason,
        disability_related=disability_related,
        pregnancy_related=pregnancy_related,
    )
    return _save(
        store, user, episode, today=today, policy=policy, event="absence_corrected", new=False
    )


def end_absence(
    store: Store,
    *,
    user: CurrentUser,
    absence_id: str,
    last_day: date,
    today: date,
    policy: AttendancePolicy,
) -> AbsenceSaved:
    """Write: the person is back; `last_day` is their last day off."""
    episode = _held(store, absence_id)._replace(last_day=last_day)
    return _save(store, user, episode, today=today, policy=policy, event="absence_ended", new=False)


def withdraw_absence(store: Store, *, user: CurrentUser, absence_id: str) -> AbsenceSaved:
    """Write: an episode recorded in error is withdrawn (kept as withdrawn, and synced)."""
    with store.session() as session:
        row = session.get(Absence, absence_id)
        if row is None or row.deleted:
            raise AbsenceRefused(NOT_FOUND)
        _require(session, user, row.employee_id)
        employee_id = row.employee_id
        if row.server_rev is None:
            session.delete(row)  # never sent: nothing to tell the server
        else:
            _touch(row, user)
            row.deleted = True
    audit(store, user, "absence_withdrawn", absence_id=absence_id, employee_id=employee_id)
    return AbsenceSaved(absence_id, _changed(employee_id))


def _held(store: Store, absence_id: str) -> Episode:
    with store.session() as session:
        row = session.get(Absence, absence_id)
        if row is None or row.deleted:
            raise AbsenceRefused(NOT_FOUND)
        return episode_of(row)


def absences_of(
    store: Store, *, employee_id: int, policy: AttendancePolicy
) -> tuple[AbsenceRow, ...]:
    """Read: a person's episodes held here (what this computer was given), newest first."""
    with store.session() as session:
        rows = session.scalars(
            select(Absence)
            .where(Absence.employee_id == employee_id, ~Absence.deleted)
            .order_by(Absence.first_day.desc())
        )
        return tuple(
            AbsenceRow(
                r.id,
                r.first_day,
                r.last_day,
                policy.label(r.reason),
                r.reason,
                r.disability_related,
                r.pregnancy_related,
                r.source != MANAGER,
                r.dirty,
            )
            for r in rows
        )


def reason_choices(policy: AttendancePolicy) -> tuple[tuple[str, str], ...]:
    """(code, label) of each reason category, in HR's order: the recording dialog's list."""
    return tuple((r.code, r.label) for r in policy.reasons)
