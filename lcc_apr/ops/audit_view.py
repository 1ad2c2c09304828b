"""HR's audit viewer on the desktop: pages of the server's audit log (GET /hr/audit), each
user and person named from the organisation this computer holds, and the filtered view
saved as CSV (GET /hr/audit.csv, names added). The server audits every view and export.
`connection` is HR's signed-in lcc_apr.sync.transport.Connection (None: offline, and
every call says so). Any worker thread; no Qt."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lcc_apr.models import Employee, Record, User
from lcc_apr.paths import write_private
from lcc_apr.store import Store

from .audit_events import EVENT_LABELS, AuditQuery

OFFLINE = "Reading the audit log needs a connection to the server: sign in and try again."


class AuditUnavailable(Exception):
    """No connection to the server: the audit log is kept there."""


@dataclass(frozen=True)
class AuditRow:
    entry_id: int
    at: datetime
    who: str  # the user's name ("" for nobody signed in)
    event: str  # in words
    outcome: str
    person: str  # the person the entry is about ("" when none)
    record: str  # the record's kind and date, or its id when not held here


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    next: str | None  # the cursor of the next page; None: the end


@dataclass(frozen=True)
class Choice:
    value: int
    label: str


@dataclass(frozen=True)
class Names:
    users: dict[int, str]
    people: dict[int, str]
    records: dict[str, str]


def people_choices(store: Store) -> list[Choice]:
    """Read: everyone in the organisation, by surname: "Smith, Sam (12345)"."""
    with store.session() as s:
        rows = s.execute(
            select(
                Employee.id, Employee.last_name, Employee.first_name, Employee.payroll_number
            ).order_by(Employee.last_name, Employee.first_name, Employee.id)
        ).all()
    return [Choice(eid, f"{last}, {first} ({payroll})") for eid, last, first, payroll in rows]


def user_choices(store: Store) -> list[Choice]:
    """Read: every account, by name."""
    with store.session() as s:
        rows = s.execute(select(User.id, User.display_name).order_by(User.display_name)).all()
    return [Choice(uid, name) for uid, name in rows]


def _names(store: Store, entries: list[Any]) -> Names:
    users = {e.user_id for e in entries if e.user_id is not None}
    people = {e.subject_id for e in entries if e.subject_id is not None}
    records = {e.record_id for e in entries if e.record_id is not None}
    with store.session() as s:
        named = s.execute(select(User.id, User.display_name).where(User.id.in_(users)))
        user_names = {uid: shown for uid, shown in named}
        people_rows = s.execute(
            select(Employee.id, Employee.first_name, Employee.last_name).where(
                Employee.id.in_(people)
            )
        )
        people_names = {eid: f"{first} {last}" for eid, first, last in people_rows}
        record_rows = s.execute(
            select(Record.id, Record.kind, Record.record_date).where(Record.id.in_(records))
        )
        record_names = {
            rid: f"{kind.label} {day.isoformat() if day else 'undated'}"
            for rid, kind, day in record_rows
        }
    return Names(user_names, people_names, record_names)


def audit_page(
    store: Store, connection: Any, query: AuditQuery, *, cursor: str | None = None
) -> AuditPage:
    """Read: one page of the audit log, newest first (the server audits the first)."""
    if connection is None:
        raise AuditUnavailable(OFFLINE)
    params = {k: v for k, v in query.params().items() if v is not None}
    if cursor:
        params["cursor"] = cursor
    reply = connection.audit_page(params)
    names = _names(store, reply.entries)
    rows = [
        AuditRow(
            entry_id=e.id,
            at=datetime.fromisoformat(e.at),
            who=names.users.get(e.user_id, f"user {e.user_id}") if e.user_id else "",
            event=EVENT_LABELS.get(e.event, e.event),
            outcome=e.outcome,
            person=names.people.get(e.subject_id, f"employee {e.subject_id}")
            if e.subject_id
            else "",
            record=names.records.get(e.record_id, e.record_id) if e.record_id else "",
        )
        for e in reply.entries
    ]
    return AuditPage(rows, reply.next)


def export_audit_csv(store: Store, connection: Any, query: AuditQuery, path: Path) -> int:
    """Read (writes only the file): every entry the filters match as CSV at `path`, with
    each user and person named; returns the number of entries. Audited by the server."""
    if connection is None:
        raise AuditUnavailable(OFFLINE)
    params = {k: v for k, v in query.params().items() if v is not None}
    text = connection.audit_csv(params).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    with store.session() as s:
        users = {uid: shown for uid, shown in s.execute(select(User.id, User.display_name))}
        people = {
            eid: f"{first} {last}"
            for eid, first, last in s.execute(
                select(Employee.id, Employee.first_name, Employee.last_name)
            )
        }
    out = io.StringIO()
    columns = ["at", "who", "event", "outcome", "person", "record_id", "user_id", "subject_id"]
    writer = csv.DictWriter(out, columns + ["route", "id"], lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        user = int(row["user_id"]) if row["user_id"] else None
        subject = int(row["subject_id"]) if row["subject_id"] else None
        writer.writerow(
            {
                **row,
                "who": _cell(users.get(user, "") if user else ""),
                "person": _cell(people.get(subject, "") if subject else ""),
            }
        )
    write_private(path, out.getvalue().encode("utf-8-sig"))
    return len(rows)


def _cell(text: str) -> str:
    """A name never starts a spreadsheet formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
