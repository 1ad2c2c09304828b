"""Changes to the organisation that move records in or out of people's sight.

`move_employee` gives a person a new line manager (`move_employees`: several people at
once, as an organisation import does); `leave_organisation` moves a
leaver's reports on and disables their account. Both write scope events in the
caller's transaction: `leave` for each manager who loses sight of a person's
records, `enter` for each who gains it (a manager who goes from seeing someone
directly to indirectly gets a leave then an enter: they keep all but the
capability case). Each event takes a number from the global sequence, so
clients see it in order with the record changes. The caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from lcc_apr.models import Employee, User, now_utc

from . import sequence
from .accounts import AccountError, disable_user
from .scope import DIRECT, INDIRECT, manager_viewers
from .tables import ScopeEvent


class OrgError(Exception):
    """An organisation change that cannot be made; the message says why."""


@dataclass(frozen=True)
class ScopeChange:
    seq: int
    user_id: int
    subject_id: int
    kind: str  # enter | leave


def _changes(before: dict[int, str], after: dict[int, str]) -> list[tuple[int, str]]:
    """(user id, enter|leave) for each change of sight: every leave before any enter."""
    leaves: list[tuple[int, str]] = []
    enters: list[tuple[int, str]] = []
    for user_id in sorted(before.keys() | after.keys()):
        was, now = before.get(user_id), after.get(user_id)
        if was == now:
            continue
        if was == DIRECT or (was == INDIRECT and now is None):
            leaves.append((user_id, "leave"))  # direct -> indirect: leave, then enter below
        if now is not None:
            enters.append((user_id, "enter"))  # new sight, or a change of level
    return leaves + enters


def move_employee(
    session: Session,
    employee_id: int,
    new_manager_id: int | None,
    *,
    indirect_reports: bool,
    at: datetime | None = None,
) -> list[ScopeChange]:
    """Give `employee_id` a new line manager and write the scope events that follow."""
    return move_employees(
        session, {employee_id: new_manager_id}, indirect_reports=indirect_reports, at=at
    )


def move_employees(
    session: Session,
    moves: Mapping[int, int | None],
    *,
    indirect_reports: bool,
    at: datetime | None = None,
) -> list[ScopeChange]:
    """Give each employee in `moves` their new line manager (None: nobody) at once, and write
    the scope events between the sight before and after: people may swap places in one go.
    """
    at = at or now_utc()
    lock = sequence.lock(session)
    rows = session.execute(select(Employee.id, Employee.line_manager_id))
    managers = {employee_id: manager_id for employee_id, manager_id in rows}
    for employee_id, manager_id in moves.items():
        for needed in (employee_id, manager_id):
            if needed is not None and needed not in managers:
                raise OrgError(f"There is no employee {needed}.")
    after_moves = {**managers, **moves}
    for employee_id in moves:
        if _loops(after_moves, employee_id):
            raise OrgError("Someone cannot be managed by themselves or by one of their reports.")
    affected = set(moves)
    if indirect_reports:
        affected |= {e for e, m in managers.items() if m in moves}
    subjects = sorted(affected)
    before = manager_viewers(session, subjects, indirect_reports, managers)
    if moves:  # by primary key, in bulk; employees loaded in the session are updated too
        session.execute(
            update(Employee),
            [{"id": e, "line_manager_id": m} for e, m in moves.items()],
        )
    after = manager_viewers(session, subjects, indirect_reports, after_moves)
    found = [
        (user_id, subject, kind)
        for subject in subjects
        for user_id, kind in _changes(before[subject], after[subject])
    ]
    if not found:
        return []
    first = lock.take(len(found))
    events = [ScopeChange(first + i, *change) for i, change in enumerate(found)]
    session.execute(
        insert(ScopeEvent),
        [
            {
                "seq": e.seq,
                "user_id": e.user_id,
                "subject_id": e.subject_id,
                "kind": e.kind,
                "at": at,
            }
            for e in events
        ],
    )
    return events


def _loops(managers: Mapping[int, int | None], start: int) -> bool:
    """Whether the line manager chain above `start` comes back to it."""
    seen = {start}
    manager = managers.get(start)
    while manager is not None:
        if manager in seen:
            return manager == start
        seen.add(manager)
        manager = managers.get(manager)
    return False


def leave_organisation(
    session: Session,
    employee_id: int,
    *,
    leaving_date: date,
    successor_id: int | None = None,
    indirect_reports: bool,
    at: datetime | None = None,
) -> list[ScopeChange]:
    """A person leaves: their reports move to `successor_id` (default: the leaver's own
    manager), their account is disabled, and their records stay with their manager and HR.
    """
    at = at or now_utc()
    leaver = session.get(Employee, employee_id)
    if leaver is None:
        raise OrgError(f"There is no employee {employee_id}.")
    successor = successor_id if successor_id is not None else leaver.line_manager_id
    reports = list(
        session.scalars(select(Employee.id).where(Employee.line_manager_id == employee_id))
    )
    if reports and successor is None:
        raise OrgError("Name who takes on the leaver's reports.")
    events: list[ScopeChange] = []
    if reports:
        moves = dict.fromkeys(reports, successor)
        events = move_employees(session, moves, indirect_reports=indirect_reports, at=at)
    leaver.leaving_date = leaving_date
    user = session.scalar(select(User).where(User.employee_id == employee_id))
    if user is not None:
        try:
            disable_user(session, user, at)
        except AccountError:  # never had an account here
            user.active = False
    return events
