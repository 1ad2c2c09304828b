"""Reads about people: a manager's team (or HR's everyone) with what is due, names,
and the people someone may start records for.

How a person is named and ordered is decided here once: by the name they go by (the
preferred name, else the legal first name) and their surname; lists sort by surname,
then that name. A search matches when each word starts some part of a name (first,
preferred, last) or the payroll number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from lcc_apr.models import Department, Employee, RecordKind
from lcc_apr.models.organisation import full_name
from lcc_apr.policy import Policy
from lcc_apr.schedule import SEVERITY, DueItem, due_for
from lcc_apr.schedule.attendance import AttendanceItem
from lcc_apr.store import Store

# The name someone goes by, in SQL: the preferred name, else the legal first name.
KNOWN_AS = func.coalesce(func.nullif(Employee.preferred_name, ""), Employee.first_name)
# The order of people in every list: surname, then the name they go by.
NAME_ORDER = (Employee.last_name, KNOWN_AS)
NAME_PARTS = (Employee.first_name, Employee.preferred_name, Employee.last_name)


def name_key(first_name: str, preferred_name: str | None, last_name: str) -> tuple[str, str]:
    """The sort key matching NAME_ORDER, for rows sorted in Python (both compare code
    points, so SQL and Python put everyone in the same order)."""
    return (last_name, preferred_name or first_name)


def search_words(text: str) -> list[str]:
    return [w for w in text.casefold().split() if w]


def _starts_a_part(column: Any, word: str) -> ColumnElement[bool]:
    """`word` starts `column`'s text or one of its words ('davies' in 'Lloyd-Davies').
    SQLite lowers only A-Z, so a word is also tried with a capital ('Ó' in 'Ó Dónaill')."""
    w = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    low = func.lower(column)
    return or_(
        *(
            low.like(pattern, escape="\\")
            for form in ((w, w[:1].upper() + w[1:]) if not w[:1].isascii() else (w,))
            for pattern in (f"{form}%", f"% {form}%", f"%-{form}%")
        )
    )


def matches(
    text: str, *, columns: Sequence[Any] = (*NAME_PARTS, Employee.payroll_number)
) -> ColumnElement[bool] | None:
    """A condition on Employee: each word of `text` starts a part of one of `columns`
    (names and payroll number by default). None for blank text."""
    words = search_words(text)
    if not words:
        return None
    return and_(*(or_(*(_starts_a_part(c, w) for c in columns)) for w in words))


def matching_ids(session: Any, text: str) -> list[int]:
    """The ids of the people a search by name or payroll number finds (every match)."""
    condition = matches(text)
    if condition is None:
        return []
    return list(session.scalars(select(Employee.id).where(condition)))


@dataclass(frozen=True)
class TeamRow:
    employee_id: int
    name: str
    job_title: str
    department: str
    items: tuple[DueItem, ...]  # as due_for gives them, soonest first
    payroll_number: str = ""
    sort_name: tuple[str, str] = ("", "")  # name_key: surname, then the name they go by
    # lcc_apr.schedule.attendance's items (ops.absence_view.with_attendance), soonest first
    attendance: tuple[AttendanceItem, ...] = ()

    def most_urgent(self, kind: RecordKind | None = None) -> DueItem | AttendanceItem | None:
        """The most pressing item of `kind`; of any kind, attendance's included, when None."""
        items: list[DueItem | AttendanceItem] = [
            i for i in self.items if kind is None or i.kind is kind
        ]
        if kind is None:
            items += self.attendance
        return min(items, key=lambda i: (SEVERITY[i.state], i.due), default=None)


@dataclass(frozen=True)
class Person:
    employee_id: int
    name: str


def team_rows(
    store: Store, *, policy: Policy, today: date, manager_id: int | None
) -> list[TeamRow]:
    """Read: current direct reports of employee `manager_id` (everyone current when None),
    each with what is due, sorted by surname then the name they go by."""
    query = (
        select(
            Employee.id,
            Employee.first_name,
            Employee.preferred_name,
            Employee.last_name,
            Employee.job_title,
            Department.name,
            Employee.payroll_number,
        )
        .join(Department, Employee.department_id == Department.id)
        .where(or_(Employee.leaving_date.is_(None), Employee.leaving_date > today))
    )
    if manager_id is not None:
        query = query.where(Employee.line_manager_id == manager_id)
    with store.session() as session:
        people = list(session.execute(query))
        ids = None if manager_id is None else [p[0] for p in people]
        due = due_for(session, policy, today=today, employee_ids=ids)
    rows = [
        TeamRow(
            eid,
            full_name(first, preferred, last),
            job,
            dept,
            tuple(due.get(eid, ())),
            payroll,
            name_key(first, preferred, last),
        )
        for eid, first, preferred, last, job, dept, payroll in people
    ]
    return sorted(rows, key=lambda r: (r.sort_name, r.employee_id))


def person_name(store: Store, *, employee_id: int) -> str:
    """Read: how the person is named on screens ('Employee 42' when not held here)."""
    with store.session() as session:
        person = session.get(Employee, employee_id)
        return person.display_name if person else f"Employee {employee_id}"


def reports_of(store: Store, *, manager_id: int | None) -> list[Person]:
    """Read: the people who report to `manager_id` (whom they start records for), named
    and ordered as every list names and orders them."""
    if manager_id is None:
        return []
    with store.session() as session:
        found = session.execute(
            select(Employee.id, Employee.first_name, Employee.preferred_name, Employee.last_name)
            .where(Employee.line_manager_id == manager_id)
            .order_by(*NAME_ORDER, Employee.id)
        )
        return [Person(eid, full_name(f, p, last)) for eid, f, p, last in found]
