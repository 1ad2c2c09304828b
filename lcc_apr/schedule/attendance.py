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
from dataclasses import dataclass
from datetime import date, timedelta

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


@dataclass(frozen=True, slots=True)
class AttendanceItem:
    """One thing attendance management has due for a person (as DueItem for records)."""

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
    ones left out, current staff only: one query."""
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
    if employee_ids is not None:
        stmt = stmt.where(Absence.employee_id.in_(sorted(set(employee_ids))))
    found: dict[int, list[Episode]] = {}
    for row in session.execute(stmt):
        found.setdefault(row[1], []).append(Episode(*row))
    return found


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
            items = attendance_items(mine, policy, today, held, start=start)
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
) -> list[AttendanceItem]:
    """One person's attendance items (pure). `start`: the window's first day, if known."""
    if not episodes:
        return []
    start = start or window_start(policy, today)
    person = episodes[0].employee_id
    long_days = 7 * policy.long_term_weeks
    items: list[AttendanceItem] = []
    reached = trigger(episodes, policy, today, start=start)
    if reached is not None:
        label = f"Attendance trigger reached ({', '.join(reached.why)})"
        items.append(AttendanceItem(person, TRIGGER, label, reached.reached_on, DueState.OVERDUE))
    for rtw in rtw_outstanding(episodes, held, policy, today, start=start):
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
    items.sort(key=lambda i: i.due)
    return items
