"""What an organisation import plan says (lcc_apr.hr.plan makes it): adds, changes,
leavers, movers, new accounts and errors, and what applying it needs (the targets)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from lcc_apr.models import Employee, Post, RecordKind

from .reading import Reading
from .report import Problem
from .rows import PostRow

LEAVER_SHARE = 0.05  # more leavers than this share of current staff needs confirming
EQUALITY = ("sex", "ethnicity", "disability", "age_band", "sexual_orientation", "religion")
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "email",
    "probation_end_date",
    "leaving_date",
    *EQUALITY,
)
# post field -> the file's field it comes from (its column)
POST_FIELDS = {
    "is_primary": "primary",
    "job_title": "job_title",
    "grade": "grade",
    "department": "department",
    "manager": "manager_payroll",
    "contract_type": "contract_type",
    "fte": "fte",
    "weekly_hours": "weekly_hours",
    "staff_group": "staff_group",
    "start_date": "start_date",
    "end_date": "leaving_date",
}
# what the employee row takes from the primary post (the rest: PERSON_FIELDS)
MIRRORED = ("job_title", "grade", "department", "contract_type", "fte", "start_date")
OPEN_KINDS = (RecordKind.APR, RecordKind.PROBATION, RecordKind.CAPABILITY, RecordKind.ATTENDANCE)
USERNAME_LENGTH = 100

DepartmentKey = tuple[str, str | None]  # (department, section) as names


class Keep(Enum):
    KEEP = "keep"  # the file does not say: leave it as held


KEEP = Keep.KEEP


@dataclass(frozen=True)
class Add:
    row: int
    payroll: str
    post: str
    name: str
    new_person: bool


@dataclass(frozen=True)
class Change:
    row: int | None  # None: a post held but absent from a complete file
    payroll: str
    post: str | None  # None: a field of the person, not of one post
    field: str
    column: str
    old: str | None  # None for an equality field: never shown
    new: str | None
    equality: bool = False


@dataclass(frozen=True)
class OpenItem:
    record_id: str
    kind: str
    status: str


@dataclass(frozen=True)
class Leaver:
    employee_id: int
    payroll: str
    name: str
    leaving_date: date
    row: int | None  # None: absent from a complete file
    open_items: tuple[OpenItem, ...] = ()


@dataclass(frozen=True)
class Mover:
    row: int
    employee_id: int
    payroll: str
    name: str
    old_manager: str | None  # payroll numbers
    new_manager: str | None


@dataclass(frozen=True)
class NewAccount:
    row: int
    payroll: str
    username: str
    existing_user: bool  # a user made beforehand (for single sign-on) is linked


@dataclass
class PostTarget:
    number: str
    row: PostRow | None  # None: held, absent from a complete file: it ends on as_of
    held: Post | None
    values: dict[str, Any]  # POST_FIELDS the file gives, as compared
    # a held person's first recorded post: their employee row's job title, grade,
    # department and line manager as held, which its history starts from
    before: dict[str, Any] | None = None


@dataclass
class PersonTarget:
    payroll: str
    rows: list[PostRow]
    primary_row: PostRow
    employee: Employee | None
    values: dict[str, Any]  # PERSON_FIELDS the file gives
    mirrored: dict[str, Any]  # MIRRORED, from the primary post
    manager: str | None | Keep  # the primary post's line manager's payroll number
    posts: list[PostTarget]
    leaves_on: date | None = None


@dataclass
class Plan:
    reading: Reading
    complete: bool
    as_of: date
    staff: int  # current staff held before the import
    adds: list[Add] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    leavers: list[Leaver] = field(default_factory=list)
    movers: list[Mover] = field(default_factory=list)
    accounts: list[NewAccount] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    ignored: list[tuple[int, str]] = field(default_factory=list)  # (row, why)
    people: list[PersonTarget] = field(default_factory=list, repr=False)
    departments: list[DepartmentKey] = field(default_factory=list, repr=False)  # to make
    department_ids: dict[DepartmentKey, int] = field(default_factory=dict, repr=False)  # held
    absent_leavers: list[Employee] = field(default_factory=list, repr=False)
    managers: dict[str, str | None] = field(default_factory=dict, repr=False)  # once applied
    successors: dict[str, str | None] = field(default_factory=dict, repr=False)  # leavers'

    @property
    def needs_confirmation(self) -> bool:
        """More than LEAVER_SHARE of current staff would leave."""
        return len(self.leavers) > LEAVER_SHARE * self.staff

    @property
    def empty(self) -> bool:
        return not (self.adds or self.changes or self.leavers or self.movers or self.accounts)

    def outcome(self) -> tuple[Any, ...]:
        """What the plan says, for comparing two plans."""
        return (self.adds, self.changes, self.leavers, self.movers, self.accounts, self.errors)

    def digest(self) -> str:
        """A fingerprint of what the plan says (hex SHA-256), for a dry run to hand back
        with its apply: the apply is refused when the plan made then is not this one."""
        said = (self.outcome(), self.complete, self.as_of, self.staff)
        return hashlib.sha256(repr(said).encode()).hexdigest()
