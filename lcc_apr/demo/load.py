"""Putting the demo organisation and its history into a database, and counting it.

Contract: `load_demo` only adds rows with bulk INSERTs in the caller's
session and never commits or rolls back: the caller owns the transaction.
Rows go in foreign-key order (departments, employees, users, roles, posts
and their history, then records with their first change), each table in batches of `batch_size`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from lcc_apr.models import (
    Absence,
    Department,
    Employee,
    Post,
    PostHistory,
    Record,
    RecordChange,
    RecordKind,
    Role,
    User,
    UserRole,
)
from lcc_apr.models.patches import FirstAnswers

from .organisation import Organisation

Progress = Callable[[str, int], None]
Row = dict[str, Any]
KIND_LABELS = {
    RecordKind.APR: ("APR", "APRs"),
    RecordKind.SUPERVISION: ("supervision", "supervisions"),
    RecordKind.PROBATION: ("probation review", "probation reviews"),
    RecordKind.CAPABILITY: ("capability case", "capability cases"),  # one record each
    RecordKind.RETURN_TO_WORK: ("return-to-work interview", "return-to-work interviews"),
    RecordKind.ATTENDANCE: ("attendance review", "attendance reviews"),  # one record each
    RecordKind.WELFARE_CONTACT: ("welfare contact", "welfare contacts"),
}


@dataclass(frozen=True)
class DemoSummary:
    """Counts of what a demo organisation holds; records maps kind value -> count."""

    departments: int
    employees: int
    users: int
    managers: int
    records: Mapping[str, int] = field(default_factory=dict)

    @property
    def total_records(self) -> int:
        return sum(self.records.values())


# What each stage of load_demo is, in plain words (the welcome shows them)
STAGE_WORDS = {
    "departments": "Setting up the departments",
    "employees": "Adding the people",
    "users": "Adding their sign-in accounts",
    "user_roles": "Giving people their roles",
    "posts": "Recording the posts people hold",
    "post_history": "Recording five years of promotions and moves",
    "absences": "Recording two years of absences",
    "records": "Writing the demo's records",
    "team": "Writing the demo team's records (going through the people)",  # lcc_apr.server.demo
}
RECORDS_PER_PERSON = 42  # about: 2,066 records for 50 people, 253,219 for 6,087


def stage_total(stage: str, size: int) -> int | None:
    """About how many rows a stage writes for a demo of `size` people (None: not known)."""
    totals = {"employees": size, "users": size + 1, "records": size * RECORDS_PER_PERSON}
    return {**totals, "team": size}.get(stage)


def _chunks(rows: Sequence[Row], size: int) -> Iterable[list[Row]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


def load_demo(
    session: Session,
    org: Organisation,
    rows_iter: Iterable[tuple[Row, Row]],
    *,
    batch_size: int = 5000,
    progress: Progress | None = None,
) -> DemoSummary:
    """Insert the organisation then the (record, change) pairs; return what went in."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")

    def report(stage: str, count: int) -> None:
        if progress is not None:
            progress(stage, count)

    tables: list[tuple[str, Any, Sequence[Row]]] = [
        ("departments", Department, org.departments),
        ("employees", Employee, org.employees),
        ("users", User, org.users),
        ("user_roles", UserRole, org.user_roles),
        ("posts", Post, org.posts),
        ("post_history", PostHistory, org.post_history),
        ("absences", Absence, org.absences),
    ]
    for stage, model, rows in tables:
        done = 0
        for chunk in _chunks(rows, batch_size):
            session.execute(insert(model), chunk)
            done += len(chunk)
            report(stage, done)

    counts = {str(kind): 0 for kind in RecordKind}
    records: list[Row] = []
    changes: list[Row] = []
    done = 0

    def flush() -> None:
        nonlocal done
        if records:
            session.execute(insert(Record), records)
            session.execute(insert(RecordChange), changes)
            done += len(records)
            records.clear()
            changes.clear()
            report("records", done)

    for record, change in rows_iter:
        records.append(record)
        patch = change["patch"]
        if patch.get("answers") is record["answers"]:  # held once in a local store
            change = {**change, "patch": FirstAnswers(patch)}
        changes.append(change)
        counts[str(record["kind"])] += 1
        if len(records) >= batch_size:
            flush()
    flush()
    managers = sum(1 for r in org.user_roles if r["role"] == Role.MANAGER)
    return DemoSummary(
        departments=len(org.departments),
        employees=len(org.employees),
        users=len(org.users),
        managers=managers,
        records=counts,
    )


def summarise(session: Session) -> DemoSummary:
    """The same counts, read back from the database (deleted records left out)."""

    def count(stmt: Any) -> int:
        return int(session.scalar(stmt) or 0)

    counts = {str(kind): 0 for kind in RecordKind}
    by_kind = select(Record.kind, func.count()).where(Record.deleted.is_(False))
    for kind, n in session.execute(by_kind.group_by(Record.kind)):
        counts[str(kind)] = int(n)
    return DemoSummary(
        departments=count(select(func.count(Department.id))),
        employees=count(select(func.count(Employee.id))),
        users=count(select(func.count(User.id))),
        managers=count(
            select(func.count()).select_from(UserRole).where(UserRole.role == Role.MANAGER)
        ),
        records=counts,
    )


def _n(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def format_summary(summary: DemoSummary) -> str:
    """One line for the command line, e.g. 'Demo organisation: 6,087 employees in ...'."""
    kinds = ", ".join(
        _n(summary.records.get(str(kind), 0), *KIND_LABELS[kind]) for kind in RecordKind
    )
    return (
        f"Demo organisation: {_n(summary.employees, 'employee', 'employees')} in "
        f"{_n(summary.departments, 'department', 'departments')}, "
        f"{_n(summary.users, 'user', 'users')} ({_n(summary.managers, 'manager', 'managers')}); "
        f"{_n(summary.total_records, 'record', 'records')}: {kinds}."
    )
