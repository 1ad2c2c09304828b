"""Absence episodes on the wire: GET /absences (the episodes the user may see, whole or
changed since a cursor) and POST /absences (a laptop's unsent ones). docs/sync-protocol.md
has a table for each."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictInt

from .wirebase import Wire

ABSENCE_PUSH_LIMIT = 200
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
Number = Annotated[StrictInt, Field(ge=0, le=2**31 - 1)]


class AbsenceWire(Wire):
    id: Annotated[str, Field(pattern=UUID)]
    employee_id: Number
    first_day: date
    last_day: date | None = None  # null: still off
    reason: Annotated[str, Field(min_length=1, max_length=40)]
    disability_related: StrictBool = False
    pregnancy_related: StrictBool = False
    deleted: StrictBool = False  # withdrawn (recorded in error)
    source: Literal["manager", "hr_import"] = "manager"  # replies only; a push's is ignored
    server_rev: Number | None = None  # replies: the server's version
    base_rev: Number | None = None  # pushes: the version the edit started from (null: new)


class AbsencePushBody(Wire):
    absences: Annotated[list[AbsenceWire], Field(max_length=ABSENCE_PUSH_LIMIT)]


class AbsenceResult(Wire):
    id: str
    outcome: Literal["applied", "refused"]
    server_rev: int | None  # applied: the new version
    reason: str | None = None  # refused: why, in plain words
    absence: AbsenceWire | None = None  # refused: the server's copy (null: none you may see)


class AbsencePushReply(Wire):
    results: list[AbsenceResult]


class AbsencesReply(Wire):
    """GET /absences. Asked with a cursor (a newer laptop): `full` says whether `absences`
    is the whole list (it replaces what is held) or what changed since the cursor, with
    `removed` the ids gone for good; `cursor`, `epoch` and `view` go back next time. Asked
    without one (an older laptop), or from an older server: the whole list alone."""

    absences: list[AbsenceWire]
    full: StrictBool = True
    removed: list[str] = []
    cursor: Number | None = None  # None: the server pulls no changes (older): whole again
    epoch: str | None = None
    view: Literal["hr", "team"] | None = None


class AbsenceImportBody(Wire):
    """POST /hr/absence-import: the HR system's absence export, and whether to apply it."""

    file_name: Annotated[str, Field(min_length=1, max_length=200)]
    content: Annotated[str, Field(min_length=1, max_length=32 * 1024 * 1024)]  # base64
    profile: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")] = "generic"
    dry_run: StrictBool = True


class AbsenceProblemWire(Wire):
    row: int
    column: str  # "" when the problem is the row's episode as a whole
    message: str


class AbsenceImportReply(Wire):
    rows: int
    adds: int
    changes: int
    problems: list[AbsenceProblemWire]
    applied: bool


CONTENT = (
    "id",
    "employee_id",
    "first_day",
    "last_day",
    "reason",
    "disability_related",
    "pregnancy_related",
    "deleted",
)


def wire_of(row: Any, **more: Any) -> AbsenceWire:
    """An absence row (lcc_apr.models.Absence) on the wire: its content, and `more` (the
    server's source and version, or a laptop's base version)."""
    return AbsenceWire(**{name: getattr(row, name) for name in CONTENT}, **more)
