"""HR's audit viewer on the wire (GET /hr/audit, GET /hr/audit.csv), gathered into
lcc_apr.sync.protocol with the rest; docs/sync-protocol.md has a table for each.

Entries carry ids only (users, people, records): HR's desktop names them from the
organisation it holds. A page is read by keyset, newest first: `cursor` is the
previous page's `next`, never an offset, so a page costs the same at any depth."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .wirebase import Wire

AUDIT_PAGE = 200  # default and most entries per page
CURSOR_TEXT = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?_\d{1,10}$"  # at_id


class AuditEntryWire(Wire):
    id: int
    at: str  # ISO 8601, UTC
    user_id: int | None  # who (None: nobody signed in, e.g. an unknown username)
    event: str  # login, push, sign_off, viewed, printed, exported, audit_view...
    route: str
    outcome: str  # ok, created, changed, refused:scope...
    record_id: str | None = None  # the record concerned
    subject_id: int | None = None  # the person it is about (an employee id)


class AuditPageReply(Wire):
    entries: list[AuditEntryWire]  # newest first
    next: Annotated[str, Field(max_length=60)] | None  # the cursor of the next page; None: the end
