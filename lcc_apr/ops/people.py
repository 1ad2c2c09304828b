"""Reads about people: a manager's team (or HR's everyone) with what is due, names,
and the people someone may start records for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from lcc_apr.models import Department, Employee, RecordKind
from lcc_apr.policy import Policy
from lcc_apr.schedule import DueItem, DueState, due_for
from lcc_apr.store import Store

SEVERITY = {DueState.OVERDUE: 0, DueState.DUE_SOON: 1, DueState.OK: 2}


@dataclass(frozen=True)
class TeamRow:
    employee_id: int
    name: str
    job_title: str
    department: str
    items: tuple[DueItem, ...]  # as due_for gives them, soonest first

    def most_urgent(self, kind: RecordKind | None = None) -> DueItem | None:
        items = [i for i in self.items if kind is None or i.kind is kind]
        return min(items, key=lambda i: (SEVERITY[i.state], i.due), default=None)


@dataclass(frozen=True)
class Person:
    employee_id: int
    name: str


def team_rows(
    store: Store, *, policy: Policy, today: date, manager_id: int | None
) -> list[TeamRow]:
    """Read: current direct reports of employee `manager_id` (everyone current when None),
    each with what is due, sorted by name."""
    query = (
        select(
            Employee.id,
            func.coalesce(func.nullif(Employee.preferred_name, ""), Employee.first_name),
            Employee.last_name,
            Employee.job_title,
            Department.name,
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
        TeamRow(eid, f"{first} {last}", job, dept, tuple(due.get(eid, ())))
        for eid, first, last, job, dept in people
    ]
    return sorted(rows, key=lambda r: (r.name.casefold(), r.employee_id))


def person_name(store: Store, *, employee_id: int) -> str:
    """Read: how the person is named on screens ('Employee 42' when not held here)."""
    with store.session() as session:
        person = session.get(Employee, employee_id)
        return person.display_name if person else f"Employee {employee_id}"


def reports_of(store: Store, *, manager_id: int | None) -> list[Person]:
    """Read: the people who report to `manager_id` (whom they start records for), by name."""
    if manager_id is None:
        return []
    with store.session() as session:
        found = session.scalars(
            select(Employee)
            .where(Employee.line_manager_id == manager_id)
            .order_by(Employee.last_name, Employee.first_name)
        )
        return [Person(e.id, e.display_name) for e in found]
