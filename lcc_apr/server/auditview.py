"""HR's audit viewer: the audit log filtered (person, user, record, event, dates) and read a
page at a time by keyset over (at, id), newest first, never OFFSET: each filter has an
index led by its column (tables.AuditEntry), so a page reads about a page of index
entries at any depth. The CSV export walks the same pages. Reading it is audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.orm import Session

from lcc_apr.sync.auditwire import AUDIT_PAGE
from lcc_apr.uk_time import _london

from .tables import AuditEntry

VIEWED = "audit_view"  # HR read a page of the audit log
EXPORTED = "audit_export"  # HR exported a filtered view as CSV
SUBJECT_ACCESS = "subject_access"  # HR gathered one person's data (their audit entries)
NO_PERSON = "A subject access export reads one person's entries: say whose."
CSV_COLUMNS = ["id", "at", "user_id", "event", "route", "outcome", "record_id", "subject_id"]
BAD_CURSOR = "This page cursor is not one the server gave: start again from the first page."


@dataclass(frozen=True)
class AuditFilters:
    person: int | None = None  # the employee an entry is about
    user: int | None = None  # who acted
    record: str | None = None
    event: str | None = None
    date_from: date | None = None  # whole UK days, both ends included
    date_to: date | None = None

    def where(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.person is not None:
            found.append(AuditEntry.subject_id == self.person)
        if self.user is not None:
            found.append(AuditEntry.user_id == self.user)
        if self.record is not None:
            found.append(AuditEntry.record_id == self.record)
        if self.event is not None:
            found.append(AuditEntry.event == self.event)
        if self.date_from is not None:
            found.append(AuditEntry.at >= _day_start(self.date_from))
        if self.date_to is not None:
            found.append(AuditEntry.at < _day_start(self.date_to + timedelta(days=1)))
        return found

    def described(self) -> str:
        """The filters used, for the viewing's own audit entry (ids and dates only)."""
        parts = [f"{k}={v}" for k, v in vars(self).items() if v is not None]
        return ",".join(parts)


def _day_start(day: date) -> datetime:
    """Midnight at the start of a UK day (UTC where the machine has no zone database)."""
    return datetime.combine(day, time(), _london() or UTC)


def parse_cursor(text: str) -> tuple[datetime, int]:
    """(at, id) from a page's `next` (ValueError if it is not one)."""
    at, _, number = text.rpartition("_")
    return datetime.fromisoformat(at).replace(tzinfo=UTC), int(number)


def make_cursor(at: datetime, entry_id: int) -> str:
    return f"{at.astimezone(UTC).replace(tzinfo=None).isoformat()}_{entry_id}"


def page(
    session: Session,
    filters: AuditFilters,
    *,
    cursor: tuple[datetime, int] | None = None,
    limit: int = AUDIT_PAGE,
) -> dict[str, Any]:
    """One page, newest first, and the cursor of the next (None at the end)."""
    stmt = select(AuditEntry).where(*filters.where())
    if cursor is not None:
        stmt = stmt.where(tuple_(AuditEntry.at, AuditEntry.id) < tuple_(*cursor))
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows and more else None
    return {
        "entries": [wire(row) for row in rows],
        "next": make_cursor(last.at, last.id) if last is not None else None,
    }


def wire(row: AuditEntry) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": row.at.isoformat(),
        "user_id": row.user_id,
        "event": row.event,
        "route": row.route,
        "outcome": row.outcome,
        "record_id": row.record_id,
        "subject_id": row.subject_id,
    }


def all_entries(session: Session, filters: AuditFilters) -> Iterator[dict[str, Any]]:
    """Every entry the filters match, newest first, a page at a time."""
    cursor: tuple[datetime, int] | None = None
    while True:
        reply = page(session, filters, cursor=cursor, limit=1000)
        yield from reply["entries"]
        if reply["next"] is None:
            return
        cursor = parse_cursor(reply["next"])


def csv_chunks(session: Session, filters: AuditFilters) -> Iterator[str]:
    """The CSV text: a header, then a line per entry, in chunks of about a page."""
    buffer = io.StringIO()
    out = csv.DictWriter(buffer, CSV_COLUMNS, lineterminator="\r\n")
    out.writeheader()
    for n, entry in enumerate(all_entries(session, filters), start=1):
        out.writerow({k: "" if v is None else v for k, v in entry.items()})
        if n % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
