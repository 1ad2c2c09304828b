"""The organisation import's wire shapes (POST /hr/org-import, HR only), gathered into
lcc_apr.sync.protocol with the rest; docs/sync-protocol.md has a table for each.

The reply is the dry run's report the command line prints, as data: the reading (file,
sheet, encoding, rows, skipped rows), then adds, changes (an equality field's old and
new values are never sent: null, `equality` true), leavers with their open items,
movers, new accounts and errors (sheet, row, column, rule, and the cell unless it is
equality data), and, once applied, what was done.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StrictBool

from .wirebase import Wire

# The file travels as base64 inside the JSON body, under the server's 32 MB body limit:
# at most about 24 MB of file.
MOST_UPLOAD_CHARS = 32 * 1024 * 1024
DIGEST = r"^[0-9a-f]{64}$"
PROFILE_NAME = r"^[A-Za-z0-9_-]{1,40}$"


class OrgImportBody(Wire):
    """POST /hr/org-import: the HR system's organisation file and what to do with it."""

    file_name: Annotated[str, Field(min_length=1, max_length=200)]
    content: Annotated[str, Field(min_length=1, max_length=MOST_UPLOAD_CHARS)]  # base64
    profile: Annotated[str, Field(pattern=PROFILE_NAME)] = "generic"
    sheet: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    as_of: date | None = None  # the file's date; default: the server's today
    dry_run: StrictBool = True
    complete: StrictBool = False
    confirm_leavers: StrictBool = False
    expect: Annotated[str, Field(pattern=DIGEST)] | None = None  # the dry run's digest


class OrgSkippedWire(Wire):
    sheet: str
    row: int
    reason: str


class OrgProblemWire(Wire):
    sheet: str
    row: int
    column: str  # "D (Surname)"
    rule: str
    value: str | None = None  # never for an equality field
    message: str = ""


class OrgAddWire(Wire):
    row: int
    payroll: str
    post: str
    name: str
    new_person: bool


class OrgChangeWire(Wire):
    row: int | None  # None: a post held, absent from a complete file
    payroll: str
    post: str | None  # None: a field of the person
    field: str
    column: str
    old: str | None = None
    new: str | None = None
    equality: bool = False  # an equality field: old and new are never sent


class OrgOpenItemWire(Wire):
    record_id: str
    kind: str
    status: str


class OrgLeaverWire(Wire):
    payroll: str
    name: str
    leaving_date: date
    row: int | None  # None: absent from a complete file
    open_items: list[OrgOpenItemWire] = []


class OrgMoverWire(Wire):
    row: int
    payroll: str
    name: str
    old_manager: str | None  # payroll numbers
    new_manager: str | None


class OrgAccountWire(Wire):
    row: int
    payroll: str
    username: str
    existing_user: bool


class OrgAppliedWire(Wire):
    adds: int
    changes: int
    movers: int
    leavers: int
    accounts: int
    scope_events: int


class OrgImportReply(Wire):
    """The dry run's report, and what was applied (null for a dry run or a file with errors)."""

    file: str
    profile: str
    sheet: str
    encoding: str | None  # a CSV's encoding as found; null for a workbook
    rows: int  # rows of posts that passed their own checks
    as_of: date
    complete: bool
    staff: int  # current staff held before the import
    new_people: int
    ignored: int  # rows of people who left before the file's date
    needs_confirmation: bool  # more leavers than leaver_share of staff
    leaver_share: float
    digest: str  # hand back as `expect` to apply what this dry run showed
    skipped: list[OrgSkippedWire]
    adds: list[OrgAddWire]
    changes: list[OrgChangeWire]
    leavers: list[OrgLeaverWire]
    movers: list[OrgMoverWire]
    accounts: list[OrgAccountWire]
    errors: list[OrgProblemWire]
    applied: OrgAppliedWire | None = None
