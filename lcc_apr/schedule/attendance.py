"""What attendance management has due: trigger points reached, return-to-work interviews
outstanding, and welfare contact ("keeping in touch") in long-term absence.

Everyone's episodes come from one query (`gather_episodes`); the rules are the pure
functions of lcc_apr.attendance.triggers. The days return-to-work interviews were held
come from the caller (`rtw_held`, employee id -> days): the RTW records are read where the
caller reads records. Any worker thread, on the caller's session.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.attendance.episodes import Episode
from lcc_apr.attendance.policy import AttendancePolicy
from lcc_apr.attendance.triggers import (
    long_term,
    rtw_outstanding,
    trigger,
    welfare_contacts,
    window_start,
)
from lcc_apr.models import Absence, Employee

from .model import DueState

TRIGGER, RETURN_TO_WORK, KEEPING_IN_TOUCH = "trigger", "return_to_work", "keeping_in_touch"


class AttendanceItem(NamedTuple):
    """One thing attendance management has due for a person (as DueItem for records; a
    named tuple, as thousands are made at once)."""

    employee_id: int
    topic: str  # trigger | return_to_work | keeping_in_touch
    label: str  # "Attendance trigger reached (3 episodes)"
    due: date
    state: DueState
    absence_id: str | None = None  # the episode concerned, when there is one


def gather_episodes(
    session: Session, *, today: date, since: date, employee_ids: Iterable[int] | None = None
) -> dict[int, list[Episode]]:
    """Everyone's (or the listed people's) episodes that reach `since` or later, withdrawn
    ones left out, current staff only, each person's oldest first: one query (on SQLite
    through the driver's cursor, its plain tuples, as lcc_apr.schedule.facts)."""
    ids = sorted(set(employee_ids)) if employee_ids is not None else None
    if session.get_bind().dialect.name == "sqlite":
        rows = _sqlite_rows(session, today=today, since=since, ids=ids)
    else:
        rows = _core_rows(session, today=today, since=since, ids=ids)
    found: dict[int, list[Episode]] = {}
    for row in rows:
        episode = Episode(*row)
        mine = found.get(episode.employee_id)
        if mine is None:
            found[episode.employee_id] = [episode]
        else:
            mine.append(episode)
    return found


Row = tuple[str, int, date, date | None, str, bool, bool]
COLUMNS = (
    "a.id, a.employee_id, a.first_day, a.last_day, a.reason, a.disability_related,"
    " a.pregnancy_related"
)


def _sqlite_rows(session: Session, *, today: date, since: date, ids: list[int] | None) -> list[Row]:
    params: tuple[Any, ...] = tuple(ids or ())
    only = f" AND a.employee_id IN ({', '.join('?' * len(params))})" if ids is not None else ""
    cursor = session.connection().connection.cursor()
    try:
        rows = cursor.execute(
            f"SELECT {COLUMNS} FROM absences AS a JOIN employees AS e ON e.id = a.employee_id"
            " WHERE a.deleted = 0 AND (a.last_day IS NULL OR a.last_day >= ?)"
            " AND (e.leaving_date IS NULL OR e.leaving_date > ?)"
            f"{only} ORDER BY a.employee_id, a.first_day",
            (since.isoformat(), today.isoformat(), *params),
        ).fetchall()
    finally:
        cursor.close()
    day = date.fromisoformat
    return [
        (i, e, day(f), last and day(last), r, bool(d), bool(p)) for i, e, f, last, r, d, p in rows
    ]


def _core_rows(session: Session, *, today: date, since: date, ids: list[int] | None) -> list[Row]:
    stmt = (
        select(
            Absence.id,
            Absence.employee_id,
            Absence.first_day,
            Absence.last_day,
            Absence.reason,
            Absence.disability_related,
            Absence.pregnancy_related,
        )
        .join(Employee, Employee.id == Absence.employee_id)
        .where(
            ~Absence.deleted,
            (Absence.last_day.is_(None)) | (Absence.last_day >= since),
            (Employee.leaving_date.is_(None)) | (Employee.leaving_date > today),
        )
        .order_by(Absence.employee_id, Absence.first_day)
    )
    if ids is not None:
        stmt = stmt.where(Absence.employee_id.in_(ids))
    return [tuple(r) for r in session.connection().execute(stmt)]  # type: ignore[misc]


def attendance_due_for(
    session: Session,
    policy: AttendancePolicy,
    *,
    today: date,
    rtw_held: Mapping[int, Sequence[date]],
    employee_ids: Iterable[int] | None = None,
) -> dict[int, list[AttendanceItem]]:
    """Attendance items per employee (those with any), soonest first."""
    start = window_start(policy, today)
    since = start - timedelta(days=1)
    enabled = gc.isenabled()
    gc.disable()  # many young objects, none in a cycle (as due_for)
    try:
        episodes = gather_episodes(session, today=today, since=since, employee_ids=employee_ids)
        found: dict[int, list[AttendanceItem]] = {}
        for employee_id, mine in episodes.items():
            held = rtw_held.get(employee_id, ())
            items = attendance_items(mine, policy, today, held, start=start, in_order=True)
            if items:
                found[employee_id] = items
        return found
    finally:
        if enabled:
            gc.enable()


def attendance_items(
    episodes: Sequence[Episode],
    policy: AttendancePolicy,
    today: date,
    held: Sequence[date],
    *,
    start: date | None = None,
    in_order: bool = False,
) -> list[AttendanceItem]:
    """One person's attendance items (pure). `start`: the window's first day, if known;
    `in_order`: the episodes come oldest first (as gather_episodes gives them)."""
    if not episodes:
        return []
    start = start or window_start(policy, today)
    person = episodes[0].employee_id
    long_days = 7 * policy.long_term_weeks
    items: list[AttendanceItem] = []
    reached = trigger(episodes, policy, today, start=start, in_order=in_order)
    if reached is not None:
        label = f"Attendance trigger reached ({', '.join(reached.why)})"
        items.append(AttendanceItem(person, TRIGGER, label, reached.reached_on, DueState.OVERDUE))
    for rtw in rtw_outstanding(episodes, held, policy, today, start=start, in_order=in_order):
        state = DueState.OVERDUE if rtw.due < today else DueState.DUE_SOON
        label = "Return-to-work interview"
        items.append(AttendanceItem(person, RETURN_TO_WORK, label, rtw.due, state, rtw.episode_id))
    for episode in episodes:
        if episode.last_day is not None and episode.last_day < today:
            continue  # back: welfare contact ends
        if (today - episode.first_day).days < long_days or not long_term(episode, policy, today):
            continue
        # Contacts made are not recorded here: the one whose day has come is due now.
        contacts = welfare_contacts(episode, policy, today)
        come = [d for d in contacts if d <= today]
        if not come:
            continue  # a last day ahead: long-term only later
        due = come[-1]
        weeks = ((today - episode.first_day).days + 1) // 7
        label = f"Keeping in touch: long-term absence ({weeks} weeks), next by {contacts[-1]:%d %b}"
        items.append(
            AttendanceItem(person, KEEPING_IN_TOUCH, label, due, DueState.DUE_SOON, episode.id)
        )
    if len(items) > 1:
        items.sort(key=_due)
    return items


def _due(item: AttendanceItem) -> date:
    return item.due
