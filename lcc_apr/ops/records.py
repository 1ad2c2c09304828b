"""Records: the lists screens show, how the signed-in person stands towards a record,
and starting one. Editing one is lcc_apr.ops.editing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.history import delete_record
from lcc_apr.models import Conflict, Employee, Record, RecordKind
from lcc_apr.models.organisation import full_name
from lcc_apr.new_records import cycle_name, same_cycle
from lcc_apr.new_records import start_record as create
from lcc_apr.policy import Policy
from lcc_apr.schedule import DueItem, due_for
from lcc_apr.store import Store
from lcc_apr.workflow import (
    WORKFLOWS,
    Actor,
    WorkflowError,
    check_delete,
    ever_shared,
    may_delete,
    may_start,
)

from .changes import Changes, moved
from .people import NAME_ORDER, matching_ids
from .user import CurrentUser

# -- lists --------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRow:
    id: str
    kind: str  # the form's title: "Annual Performance Review"
    record_date: date | None
    status: str  # the workflow state's label
    unsynced: bool
    conflict: bool


@dataclass(frozen=True)
class OwnRecords:
    due: tuple[DueItem, ...]  # what is coming up for the person, soonest first
    records: tuple[RecordRow, ...]  # newest first


@dataclass(frozen=True)
class ListedRecord:
    id: str
    person: str
    kind: str
    record_date: date | None
    status: str
    payroll_number: str = ""


def status_label(kind: str, status: str) -> str:
    """A record's workflow state in words ('Signed by the employee')."""
    try:
        return WORKFLOWS[RecordKind(kind)].state(status).label
    except (KeyError, ValueError):
        return status.replace("_", " ").capitalize()


def employee_records(store: Store, *, employee_id: int, catalogue: Catalogue) -> list[RecordRow]:
    """Read: the employee's live records on this computer, newest first (indexed query)."""
    with store.session() as session:
        return records_about(session, employee_id, catalogue)


def own_records(
    store: Store, *, employee_id: int, catalogue: Catalogue, policy: Policy, today: date
) -> OwnRecords:
    """Read: what is due for the person, and their own records."""
    with store.session() as session:
        due = due_for(session, policy, today=today, employee_ids=[employee_id])
        records = records_about(session, employee_id, catalogue)
    return OwnRecords(tuple(due.get(employee_id, ())), tuple(records))


def records_about(session: Session, employee_id: int, catalogue: Catalogue) -> list[RecordRow]:
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
    return [
        RecordRow(
            r.id,
            catalogue.get(r.template_id, r.template_version).title,
            r.record_date,
            status_label(r.kind, r.status),
            r.dirty,
            r.id in conflicts,
        )
        for r in rows
    ]


SORTS: dict[str, tuple[Any, ...]] = {
    "date": (Record.record_date,),
    "person": (*NAME_ORDER, Record.record_date),  # surname, the name they go by, date
    "payroll": (Employee.payroll_number, Record.record_date),
    "kind": (Record.kind,),
    "status": (Record.status,),
}


def records_page(
    store: Store,
    *,
    catalogue: Catalogue,
    offset: int,
    limit: int,
    sort: str = "date",
    descending: bool = True,
    kind: str | None = None,
    person: str = "",
) -> list[ListedRecord]:
    """Read: one page of every live record (HR's list), sorted and filtered in SQL.

    Built for hundreds of thousands of rows: only `limit` rows are read, in an
    order the indexes serve; the screen asks for the next page as it scrolls.
    `person` finds people as lcc_apr.ops.people.matches does (each word starts a
    first, preferred or last name or the payroll number); their ids are found
    first, then their records are read through the subject index.
    """
    with store.session() as session:
        return list(
            listed_records(
                session,
                catalogue=catalogue,
                sort=sort,
                descending=descending,
                kind=kind,
                person=person,
                offset=offset,
                limit=limit,
            )
        )


def listed_records(
    session: Session,
    *,
    catalogue: Catalogue,
    sort: str = "date",
    descending: bool = True,
    kind: str | None = None,
    person: str = "",
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[ListedRecord]:
    """HR's list as records_page reads it, inside a session; every row when `limit` is
    None (read as they are used: an export of all of them)."""
    order = [c.desc() if descending else c.asc() for c in SORTS[sort]]
    stmt = (
        select(
            Record.id,
            Employee.first_name,
            Employee.preferred_name,
            Employee.last_name,
            Employee.payroll_number,
            Record.kind,
            Record.template_id,
            Record.template_version,
            Record.record_date,
            Record.status,
        )
        .join(Employee, Employee.id == Record.subject_id)
        .where(~Record.deleted)
        .order_by(*order, Record.id)
        .offset(offset)
        .limit(limit)
    )
    if kind:
        stmt = stmt.where(Record.kind == kind)
    if person.strip():
        ids = matching_ids(session, person)
        if not ids:
            return
        stmt = stmt.where(Record.subject_id.in_(ids))
    elif sort in ("person", "payroll"):
        column = "last_name" if sort == "person" else "payroll_number"
        stmt = _people_in_index_order(stmt, session, column)
    for r in session.execute(stmt):
        yield ListedRecord(
            r.id,
            full_name(r.first_name, r.preferred_name, r.last_name),
            catalogue.get(r.template_id, r.template_version).title,
            r.record_date,
            status_label(r.kind, r.status),
            r.payroll_number,
        )


def _people_in_index_order(stmt: Any, session: Session, column: str) -> Any:
    """The statement reading people in the order of the index on `column` (surname,
    payroll number), each one's records sorted apart. SQLite's planner would otherwise
    sort every record (1.5 s at 241,000; 5 ms this way); SQLAlchemy renders no index hint
    for SQLite, so it is added to the SQL text."""
    dialect = session.get_bind().dialect
    index = _index_on(session, "employees", column) if dialect.name == "sqlite" else None
    if index is None:
        return stmt
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    join = "JOIN employees ON"
    if sql.count(join) != 1:
        return stmt
    return text(sql.replace(join, f'JOIN employees INDEXED BY "{index}" ON'))


def _index_on(session: Session, table: str, column: str) -> str | None:
    """The name of a SQLite index whose first column is `column` (unique constraints'
    indexes have names SQLite chooses)."""
    for index in session.execute(text(f'PRAGMA index_list("{table}")')):
        columns = [c[2] for c in session.execute(text(f'PRAGMA index_info("{index[1]}")'))]
        if columns[:1] == [column]:
            return str(index[1])
    return None


# -- who the person is to a record ---------------------------------------------------


def actor_for(session: Session, record_id: str, *, user: CurrentUser) -> Actor:
    """How the signed-in person stands towards one record (inside an op's session)."""
    record = session.get(Record, record_id)
    return actor_towards(session, record.subject_id if record else None, user=user)


def actor_towards(session: Session, subject_id: int | None, *, user: CurrentUser) -> Actor:
    """How the signed-in person stands towards records about `subject_id` (e.g. one they
    are about to start)."""
    subject = session.get(Employee, subject_id) if subject_id is not None else None
    me = user.employee_id
    return Actor(
        user.user_id,
        user.roles,
        is_subject=subject is not None and subject.id == me,
        is_line_manager=subject is not None and me is not None and subject.line_manager_id == me,
    )


def may_start_for(store: Store, *, user: CurrentUser, subject_id: int) -> bool:
    """Read: whether this person may start records about `subject_id` (the workflow's rule:
    their line manager or HR), so a screen offers New only then."""
    with store.session() as session:
        return may_start(actor=actor_towards(session, subject_id, user=user))


@dataclass(frozen=True)
class Existing:
    """A record of the same kind and cycle the person already has (starting another is
    usually a mistake)."""

    record_id: str
    cycle: str  # "APR 2026/27"
    record_date: date | None
    status: str  # the workflow state's label


def existing_in_cycle(
    store: Store, *, kind: RecordKind, subject_id: int, policy: Policy, today: date
) -> Existing | None:
    """Read: a live record of `kind` about `subject_id` in the cycle a record started
    today would fall in (an APR: the council's April-March year), or None."""
    with store.session() as session:
        found = same_cycle(session, kind=kind, subject_id=subject_id, policy=policy, today=today)
        if found is None:
            return None
        return Existing(
            found.id,
            cycle_name(kind, today, policy),
            found.record_date,
            status_label(found.kind, found.status),
        )


def _delete_rule(session: Session, record: Record, user: CurrentUser, rule: Any) -> Any:
    """`rule` (may_delete or check_delete) asked about this record and person."""
    return rule(
        actor=actor_for(session, record.id, user=user),
        kind=RecordKind(record.kind),
        status=record.status,
        author_id=record.author_id,
        shared=ever_shared(session, record=record),
    )


def may_delete_draft(store: Store, *, user: CurrentUser, record_id: str) -> bool:
    """Read: whether this person may delete the record (its author, a draft never shared)."""
    with store.session() as session:
        record = session.get(Record, record_id)
        if record is None or record.deleted:
            return False
        return bool(_delete_rule(session, record, user, may_delete))


# -- writes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    record_id: str
    changes: Changes


def start_record(
    store: Store,
    *,
    user: CurrentUser,
    kind: RecordKind,
    subject_id: int,
    catalogue: Catalogue,
    policy: Policy,
    today: date,
    at: datetime,
) -> Started:
    """Write: start a record of `kind` about `subject_id` in its workflow's first state
    (WorkflowError unless this person may start it: `lcc_apr.workflow.may_start`)."""
    with store.session() as session:
        record = create(
            session,
            kind=kind,
            subject_id=subject_id,
            actor=actor_towards(session, subject_id, user=user),
            catalogue=catalogue,
            policy=policy,
            today=today,
            at=at,
        )
        record_id = record.id
    return Started(record_id, moved([record_id], [subject_id]))


def delete_draft(store: Store, *, user: CurrentUser, record_id: str, at: datetime) -> Changes:
    """Write: delete a mistaken draft (its author, never shared; WorkflowError otherwise).
    It stays, with its history, marked deleted; the deletion syncs to the server, which
    checks the same rule and keeps it in its audit log."""
    with store.session() as session:
        record = session.get(Record, record_id)
        if record is None or record.deleted:
            raise WorkflowError("This record no longer exists on this computer.")
        _delete_rule(session, record, user, check_delete)
        subject = record.subject_id
        delete_record(session, record, user_id=user.user_id, at=at)
    return moved([record_id], [subject])
