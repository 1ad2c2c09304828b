"""The facts management information counts, read from a store or the server's database in
a handful of queries (people, areas, and each kind of record's few needed answers), then
counted in Python. No figure is ever typed: each comes from these rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from lcc_apr.models import (
    Department,
    Employee,
    Post,
    PostHistory,
    Record,
    RecordKind,
    SignOff,
    SignOffRole,
)
from lcc_apr.models.answers import fact, fact_sql
from lcc_apr.models.patches import packs


def keeping_in_touch_sql(packed: bool) -> str:
    """The expression of store migration 0011's index (0019's in a local store)."""
    return f"coalesce({fact_sql('keeping_in_touch', packed)}, '') != ''"


def overall_rating_sql(packed: bool) -> str:
    return fact_sql("overall_rating", packed)


CHARACTERISTICS = ("sex", "age_band", "ethnicity", "disability", "sexual_orientation", "religion")
HELD = ("shared", "responded", "employee_signed", "completed", "accepted", "amending")
SIGNED = ("completed", "accepted")  # signed by both (an APR, a probation review)


@dataclass(frozen=True)
class Person:
    id: int
    department_id: int
    grade: str
    job_title: str
    start_date: date
    leaving_date: date | None
    probation_end_date: date | None
    full_time: bool
    traits: dict[str, str | None]  # characteristic -> value (None: no return held)
    fte: float = 1.0  # full-time equivalent (attendance: days lost per FTE)

    def in_post(self, day: date) -> bool:
        return self.start_date <= day and (self.leaving_date is None or self.leaving_date >= day)


@dataclass(frozen=True)
class Apr:
    subject_id: int
    status: str
    record_date: date
    rating: str | None
    signed_on: date | None  # the later of the employee's and manager's signatures


@dataclass(frozen=True)
class Case:
    """A probation review or capability case: its status and the answers counted."""

    subject_id: int
    status: str
    record_date: date | None
    answers: dict[str, Any]


def final_outcome(case: Case) -> str | None:
    """A final probation review signed (or referred to HR): its outcome; else None."""
    final = case.answers.get("is_final_review") is True
    if final and case.status in (*SIGNED, "referred_to_hr"):
        outcome = case.answers.get("outcome")
        return outcome if outcome in ("pass", "extend", "fail") else None
    return None


@dataclass
class Facts:
    people: dict[int, Person]
    departments: dict[int, tuple[str, int | None]]  # id -> (name, parent id)
    aprs: list[Apr] = field(default_factory=list)
    # Each person's supervisions held, by date: (date, keeping-in-touch check filled in)
    supervisions: dict[int, list[tuple[date, bool]]] = field(default_factory=dict)
    probation: dict[int, list[Case]] = field(default_factory=dict)
    capability: list[Case] = field(default_factory=list)
    grades: dict[int, list[tuple[date, date | None, str]]] = field(default_factory=dict)


PROBATION_KEYS = (
    "review_point_weeks",
    "meeting_date",
    "is_final_review",
    "outcome",
    "extension_end_date",
)


def gather(session: Session, *, people: ColumnElement[bool] | None = None) -> Facts:
    """Everything the measures count, for everyone (HR) or the people `people` selects."""
    who = select(
        Employee.id,
        Employee.department_id,
        Employee.grade,
        Employee.job_title,
        Employee.start_date,
        Employee.leaving_date,
        Employee.probation_end_date,
        Employee.fte,
        *(getattr(Employee, c) for c in CHARACTERISTICS),
    )
    if people is not None:
        who = who.where(people)
    found = {
        row.id: Person(
            row.id,
            row.department_id,
            row.grade,
            row.job_title,
            row.start_date,
            row.leaving_date,
            row.probation_end_date,
            row.fte >= 1,
            {c: _value(getattr(row, c)) for c in CHARACTERISTICS},
            float(row.fte),
        )
        for row in session.execute(who)
    }
    areas = {
        r.id: (r.name, r.parent_id)
        for r in session.execute(select(Department.id, Department.name, Department.parent_id))
    }
    facts = Facts(found, areas)
    live = and_(~Record.deleted, Record.record_date.is_not(None))
    _aprs(session, facts, live)
    _supervisions(session, facts, live)
    for row in session.execute(
        select(Record.subject_id, Record.kind, Record.status, Record.record_date, Record.answers)
        .where(live, Record.kind.in_((RecordKind.PROBATION, RecordKind.CAPABILITY)))
        .order_by(Record.record_date, Record.id)
    ):
        if row.subject_id not in found:
            continue
        case = Case(row.subject_id, row.status, row.record_date, row.answers)
        if row.kind is RecordKind.PROBATION:
            kept = {k: row.answers[k] for k in PROBATION_KEYS if k in row.answers}
            facts.probation.setdefault(row.subject_id, []).append(
                Case(row.subject_id, row.status, row.record_date, kept)
            )
        else:
            facts.capability.append(case)
    _grades(session, facts)
    return facts


def _value(value: Any) -> str | None:
    return None if value is None else str(value)


def _indexed(session: Session, sql: str, dates: int) -> list[tuple[Any, ...]] | None:
    """A query SQLite must answer from a covering index of store migration 0011 (its planner
    would pick another one): plain SQL, its rows raw, with column `dates` read as a date
    (SQLite keeps ISO text). None on other databases, and while a first sync's load has
    the index set aside (lcc_apr.sync.snapshot)."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    index = sql.split(" INDEXED BY ", 1)[1].split()[0]
    found = session.connection().exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (index,)
    )
    if found.first() is None:
        return None
    # The driver's own cursor: its plain tuples, without a Row made for each (full demo,
    # 213,000 supervisions: 0.3 s -> 0.1 s).
    cursor = session.connection().connection.cursor()
    try:
        rows = cursor.execute(sql).fetchall()
    finally:
        cursor.close()
    day = date.fromisoformat
    return [(*r[:dates], day(r[dates]), *r[dates + 1 :]) for r in rows]


def _aprs(session: Session, facts: Facts, live: ColumnElement[bool]) -> None:
    signed: dict[str, dict[str, datetime]] = defaultdict(dict)
    for record_id, role, at in session.execute(
        select(SignOff.record_id, SignOff.role, func.max(SignOff.signed_at))
        .join(Record, Record.id == SignOff.record_id)
        .where(Record.kind == RecordKind.APR, SignOff.superseded_at.is_(None))
        .group_by(SignOff.record_id, SignOff.role)
    ):
        signed[record_id][str(role)] = at
    dialect = session.get_bind().dialect
    rows = _indexed(
        session,
        f"SELECT id, subject_id, status, record_date, {overall_rating_sql(packs(dialect))}"
        " AS rating"
        " FROM records INDEXED BY ix_records_mi_apr"
        " WHERE kind = 'apr' AND deleted = 0 AND record_date IS NOT NULL",
        3,
    ) or session.execute(
        select(
            Record.id,
            Record.subject_id,
            Record.status,
            Record.record_date,
            fact("overall_rating", Record.answers, dialect),
        ).where(live, Record.kind == RecordKind.APR)
    )
    for record_id, subject, status, day, rating in rows:
        if subject not in facts.people:
            continue
        sign = signed.get(record_id, {})
        both = (sign.get(SignOffRole.EMPLOYEE.value), sign.get(SignOffRole.MANAGER.value))
        # A record from before digital signatures (no rows) counts from its meeting date.
        times = [t for t in both if t is not None]
        on = max(times).date() if len(times) == 2 else (day if not sign else None)
        facts.aprs.append(Apr(subject, status, day, rating, on if status in SIGNED else None))


def _supervisions(session: Session, facts: Facts, live: ColumnElement[bool]) -> None:
    statuses = ", ".join(f"'{s}'" for s in HELD)
    dialect = session.get_bind().dialect
    check = fact("keeping_in_touch", Record.answers, dialect)
    rows = _indexed(
        session,
        f"SELECT subject_id, record_date, {keeping_in_touch_sql(packs(dialect))} AS kit"
        " FROM records INDEXED BY ix_records_mi_supervision"
        f" WHERE kind = 'supervision' AND deleted = 0 AND record_date IS NOT NULL"
        f" AND status IN ({statuses}) ORDER BY subject_id, record_date",
        1,
    ) or session.execute(
        select(Record.subject_id, Record.record_date, func.coalesce(check, "") != "")
        .where(live, Record.kind == RecordKind.SUPERVISION, Record.status.in_(HELD))
        .order_by(Record.subject_id, Record.record_date)
    )
    people = facts.people
    for subject, held in groupby(rows, key=itemgetter(0)):  # rows come by person
        if subject in people:
            facts.supervisions[subject] = [(day, bool(kit)) for _, day, kit in held]


def _grades(session: Session, facts: Facts) -> None:
    """Each person's grades over time, from their posts' history (for progression)."""
    rows = session.execute(
        select(Post.employee_id, PostHistory.valid_from, PostHistory.valid_to, PostHistory.grade)
        .join(Post, Post.id == PostHistory.post_id)
        .order_by(Post.employee_id, PostHistory.valid_from)
    )
    for employee, start, end, grade in rows:
        if employee in facts.people:
            facts.grades.setdefault(employee, []).append((start, end, grade))
