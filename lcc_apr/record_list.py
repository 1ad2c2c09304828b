"""Lists of records for screens: one employee's history, rows ready to show. No Qt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.models import Conflict, Employee, Record, Role
from lcc_apr.workflow import WORKFLOWS, Actor


@dataclass(frozen=True)
class RecordRow:
    id: str
    kind: str  # "Annual Performance Review"
    record_date: date | None
    status: str  # the workflow state's label
    unsynced: bool
    conflict: bool


def employee_records(session: Session, employee_id: int, catalogue: Catalogue) -> list[RecordRow]:
    """The employee's live records on this computer, newest first (indexed query)."""
    conflicts = set(session.scalars(select(Conflict.record_id)))
    rows = session.execute(
        select(
            Record.id,
            Record.kind,
            Record.template_id,
            Record.template_version,
            Record.record_date,
            Record.status,
            Record.dirty,
        )
        .where(Record.subject_id == employee_id, ~Record.deleted)
        .order_by(Record.record_date.desc(), Record.created_at.desc())
    )
    result = []
    for r in rows:
        title = catalogue.get(r.template_id, r.template_version).title
        state = WORKFLOWS[r.kind].state(r.status).label
        result.append(RecordRow(r.id, title, r.record_date, state, r.dirty, r.id in conflicts))
    return result


def actor_for(
    session: Session, record_id: str, *, user_id: int, roles: frozenset, employee_id: int | None
) -> Actor:
    """How the signed-in person stands towards one record."""
    record = session.get(Record, record_id)
    subject_id = record.subject_id if record else None
    return actor_towards(session, subject_id, user_id=user_id, roles=roles, employee_id=employee_id)


def actor_towards(
    session: Session,
    subject_id: int | None,
    *,
    user_id: int,
    roles: frozenset[Role],
    employee_id: int | None,
) -> Actor:
    """How the signed-in person stands towards records about `subject_id` (e.g. one they
    are about to start)."""
    subject = session.get(Employee, subject_id) if subject_id is not None else None
    return Actor(
        user_id,
        roles,
        is_subject=subject is not None and subject.id == employee_id,
        is_line_manager=subject is not None
        and employee_id is not None
        and subject.line_manager_id == employee_id,
    )


@dataclass(frozen=True)
class ListedRecord:
    id: str
    person: str
    kind: str
    record_date: date | None
    status: str


SORTS = {
    "date": Record.record_date,
    "person": Employee.last_name,
    "kind": Record.kind,
    "status": Record.status,
}


def records_page(
    session: Session,
    *,
    catalogue: Catalogue,
    offset: int,
    limit: int,
    sort: str = "date",
    descending: bool = True,
    kind: str | None = None,
    person: str = "",
) -> list[ListedRecord]:
    """One page of every live record (HR's list), sorted and filtered in SQL.

    Built for hundreds of thousands of rows: only `limit` rows are read, in an
    order the indexes serve; the screen asks for the next page as it scrolls.
    """
    column = SORTS[sort]
    order = column.desc() if descending else column.asc()
    stmt = (
        select(
            Record.id,
            Employee.first_name,
            Employee.preferred_name,
            Employee.last_name,
            Record.kind,
            Record.template_id,
            Record.template_version,
            Record.record_date,
            Record.status,
        )
        .join(Employee, Employee.id == Record.subject_id)
        .where(~Record.deleted)
        .order_by(order, Record.id)
        .offset(offset)
        .limit(limit)
    )
    if kind:
        stmt = stmt.where(Record.kind == kind)
    if person.strip():
        like = f"%{person.strip()}%"
        stmt = stmt.where(
            Employee.last_name.ilike(like)
            | Employee.first_name.ilike(like)
            | Employee.preferred_name.ilike(like)
        )
    rows = []
    for r in session.execute(stmt):
        title = catalogue.get(r.template_id, r.template_version).title
        state = WORKFLOWS[r.kind].state(r.status).label
        name = f"{r.preferred_name or r.first_name} {r.last_name}"
        rows.append(ListedRecord(r.id, name, title, r.record_date, state))
    return rows
