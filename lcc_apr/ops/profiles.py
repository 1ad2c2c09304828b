"""Finding a person and their profile page, within whom the signed-in person may see.

Scope is decided here: HR sees everyone; a manager their reports (at any depth when the
policy's people.indirect_reports says so) and themselves; anyone else only themselves.
Searches match as lists do (lcc_apr.ops.people.matches), and also the job title.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session, aliased

from lcc_apr.forms import Catalogue
from lcc_apr.models import Department, Employee
from lcc_apr.models.organisation import full_name
from lcc_apr.policy import Policy
from lcc_apr.store import Store

from .people import NAME_ORDER, NAME_PARTS, matches
from .records import RecordRow, records_about
from .user import CurrentUser

FOUND_AT_MOST = 50


class OutOfScope(PermissionError):
    """The person asked about is not someone the signed-in person may see."""

    def __init__(self) -> None:
        super().__init__("That person is not in the people you can see.")


@dataclass(frozen=True)
class FoundPerson:
    employee_id: int
    name: str
    payroll_number: str
    job_title: str
    department: str
    leaving_date: date | None


@dataclass(frozen=True)
class Profile:
    employee_id: int
    name: str
    legal_name: str  # first and last name as on the payroll
    payroll_number: str
    job_title: str
    grade: str
    department: str
    email: str | None
    start_date: date
    leaving_date: date | None
    manager: str | None  # the line manager's name
    manager_id: int | None
    records: tuple[RecordRow, ...]  # every live record, oldest first


def in_scope(session: Session, user: CurrentUser, policy: Policy) -> ColumnElement[bool]:
    """A condition on Employee: the people `user` may find, open and export."""
    if user.is_hr:
        return true()
    me = user.employee_id
    if me is None:
        return false()
    ids = {me}
    if user.is_manager:
        ids |= _reports(session, me, deep=policy.people.indirect_reports)
    return Employee.id.in_(sorted(ids))


def _reports(session: Session, manager_id: int, *, deep: bool) -> set[int]:
    found: set[int] = set()
    frontier = {manager_id}
    while frontier:
        below = set(
            session.scalars(select(Employee.id).where(Employee.line_manager_id.in_(frontier)))
        )
        frontier = below - found - {manager_id}
        found |= frontier
        if not deep:
            break
    return found


def find_people(
    store: Store, *, text: str, user: CurrentUser, policy: Policy, limit: int = FOUND_AT_MOST
) -> list[FoundPerson]:
    """Read: the people within `user`'s scope whose names, payroll number or job title
    start with each word of `text`, by surname ([] for blank text)."""
    condition = matches(text, columns=(*NAME_PARTS, Employee.payroll_number, Employee.job_title))
    if condition is None:
        return []
    with store.session() as session:
        rows = session.execute(
            select(
                Employee.id,
                Employee.first_name,
                Employee.preferred_name,
                Employee.last_name,
                Employee.payroll_number,
                Employee.job_title,
                Department.name,
                Employee.leaving_date,
            )
            .join(Department, Employee.department_id == Department.id)
            .where(condition, in_scope(session, user, policy))
            .order_by(*NAME_ORDER, Employee.id)
            .limit(limit)
        )
        return [
            FoundPerson(eid, full_name(first, known, last), payroll, job, dept, left)
            for eid, first, known, last, payroll, job, dept, left in rows
        ]


def may_see(store: Store, *, employee_id: int, user: CurrentUser, policy: Policy) -> bool:
    """Read: whether `employee_id` is within `user`'s scope."""
    with store.session() as session:
        return may_see_in(session, employee_id, user, policy)


def may_see_in(session: Session, employee_id: int, user: CurrentUser, policy: Policy) -> bool:
    found = session.scalar(
        select(Employee.id).where(Employee.id == employee_id, in_scope(session, user, policy))
    )
    return found is not None


def person_profile(
    store: Store, *, employee_id: int, user: CurrentUser, policy: Policy, catalogue: Catalogue
) -> Profile:
    """Read: the person's details, line manager and every record in date order
    (OutOfScope unless `user` may see them)."""
    manager = aliased(Employee)
    with store.session() as session:
        if not may_see_in(session, employee_id, user, policy):
            raise OutOfScope()
        row = session.execute(
            select(Employee, Department.name, manager)
            .join(Department, Employee.department_id == Department.id)
            .outerjoin(manager, Employee.line_manager_id == manager.id)
            .where(Employee.id == employee_id)
        ).one()
        person, department, boss = row
        records = records_about(session, employee_id, catalogue)
        return Profile(
            employee_id=person.id,
            name=person.display_name,
            legal_name=f"{person.first_name} {person.last_name}",
            payroll_number=person.payroll_number,
            job_title=person.job_title,
            grade=person.grade,
            department=department,
            email=person.email,
            start_date=person.start_date,
            leaving_date=person.leaving_date,
            manager=boss.display_name if boss is not None else None,
            manager_id=boss.id if boss is not None else None,
            records=tuple(reversed(records)),
        )
