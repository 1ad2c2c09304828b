"""Reading the HR system's absence export (CSV or XLSX) with an absence profile
(resources/hr/absence-*.toml): each row an episode, or the problems that row has.

A profile names the columns (payroll, first_day, last_day, reason, disability_related,
pregnancy_related) and maps the HR system's reason codes onto HR's categories
(resources/policy/attendance.toml). Problems name the row and the column and never quote
the reason or the flags (health data). Applied by lcc_apr.server.absence_import. Any
thread; no SQL.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic_core import PydanticCustomError

from lcc_apr.attendance.policy import AttendancePolicy
from lcc_apr.paths import resources_dir

from . import values
from .profiles import ProfileError
from .profiles import key as heading_key
from .report import ReadRefused
from .sources import ZIP, _check_zip, _decode, _delimiter

FIELDS = {  # field -> (label, required)
    "payroll": ("payroll number", True),
    "first_day": ("first day", True),
    "last_day": ("last day", False),
    "reason": ("reason", True),
    "disability_related": ("disability related", False),
    "pregnancy_related": ("pregnancy related", False),
}
HEADER_ROWS = 10


@dataclass(frozen=True)
class AbsenceProfile:
    name: str
    label: str
    payroll_width: int
    date_formats: tuple[str, ...]
    aliases: dict[str, str]  # heading key -> field
    reasons: dict[str, str]  # code key -> category code
    flags: dict[str, bool]  # code key -> yes / no


@dataclass(frozen=True)
class AbsenceRowRead:
    row: int  # in the sheet, from 1
    payroll: str
    first_day: date
    last_day: date | None
    reason: str  # a category code
    disability_related: bool
    pregnancy_related: bool


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str  # "B (First day)"
    message: str


def load_absence_profile(name: str, policy: AttendancePolicy) -> AbsenceProfile:
    path = resources_dir() / "hr" / f"absence-{name}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"no absence profile called {name!r} ({path.name} not found)") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path.name}: cannot be read: {exc}") from exc
    head, columns, codes = data.get("profile", {}), data.get("columns", {}), data.get("codes", {})
    aliases = {heading_key(h): f for f, hs in columns.items() if f in FIELDS for h in hs}
    problems = [f"columns.{f}: not a field" for f in columns if f not in FIELDS]
    problems += [
        f"columns.{f}: missing" for f, (_, need) in FIELDS.items() if need and f not in columns
    ]
    reasons = {heading_key(r.code): r.code for r in policy.reasons}
    reasons |= {heading_key(r.label): r.code for r in policy.reasons}
    for code, raws in codes.get("reason", {}).items():
        if policy.reason(code) is None:
            problems.append(f"codes.reason.{code}: not a category of attendance.toml")
        reasons |= {heading_key(raw): code for raw in raws}
    flags = {
        heading_key(raw): value == "yes"
        for value, raws in codes.get("flag", {}).items()
        for raw in raws
    }
    if problems:
        raise ProfileError("\n".join(f"{path.name}: {p}" for p in problems))
    return AbsenceProfile(
        name,
        str(head.get("label", name)),
        int(head.get("payroll_width", 0)),
        tuple(head.get("date_formats", ["%Y-%m-%d"])),
        aliases,
        reasons,
        flags,
    )


def read_absences(
    path: Path, profile: AbsenceProfile
) -> tuple[list[AbsenceRowRead], list[RowProblem]]:
    """Every row of the file's table: the episodes read, and the problems (row order)."""
    rows = _rows(path)
    header_at, columns, labels = _header(rows, profile)
    found: list[AbsenceRowRead] = []
    problems: list[RowProblem] = []
    for number, cells in rows[header_at + 1 :]:
        if all(values.empty(c) for c in cells):
            continue
        got: dict[str, Any] = {}
        for field, i in columns.items():
            cell = cells[i] if i < len(cells) else None
            try:
                got[field] = _value(field, cell, profile)
            except PydanticCustomError as err:
                problems.append(RowProblem(number, labels[field], err.message()))
        for field, (label, need) in FIELDS.items():
            if need and field in got and got[field] is None:
                problems.append(RowProblem(number, labels[field], f"the {label} is missing"))
        if len(got) == len(columns) and all(
            got.get(f) is not None for f, (_, n) in FIELDS.items() if n
        ):
            found.append(
                AbsenceRowRead(
                    number,
                    got["payroll"],
                    got["first_day"],
                    got.get("last_day"),
                    got["reason"],
                    bool(got.get("disability_related")),
                    bool(got.get("pregnancy_related")),
                )
            )
    return found, problems


def _value(field: str, cell: object, profile: AbsenceProfile) -> object:
    if field == "payroll":
        return values.key(cell, profile.payroll_width)
    if field in ("first_day", "last_day"):
        return values.day(cell, profile.date_formats)
    if values.empty(cell):
        return None
    code = heading_key(cell)
    if field == "reason":
        if code not in profile.reasons:
            raise PydanticCustomError("unknown-code", "not a reason the profile lists")
        return profile.reasons[code]
    if code not in profile.flags:
        raise PydanticCustomError("unknown-code", "not yes or no as the profile lists them")
    return profile.flags[code]


def _header(
    rows: list[tuple[int, list[Any]]], profile: AbsenceProfile
) -> tuple[int, dict[str, int], dict[str, str]]:
    for at, (_number, cells) in enumerate(rows[:HEADER_ROWS]):
        columns: dict[str, int] = {}
        for i, cell in enumerate(cells):
            field = profile.aliases.get(heading_key(cell)) if not values.empty(cell) else None
            if field is not None:
                columns.setdefault(field, i)
        if "payroll" in columns and len(columns) >= 3:
            missing = [FIELDS[f][0] for f, (_, need) in FIELDS.items() if need and f not in columns]
            if missing:
                raise ReadRefused(f"has no {', '.join(missing)} column")
            labels = {
                f: f"{chr(65 + i) if i < 26 else i + 1} ({cells[i]})" for f, i in columns.items()
            }
            return at, columns, labels
    raise ReadRefused(
        f"has no header row in its first {HEADER_ROWS} rows: the {profile.label} profile "
        "looks for a payroll number, a first day and a reason column"
    )


def _rows(path: Path) -> list[tuple[int, list[Any]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReadRefused(f"cannot be opened ({exc.strerror or 'unreadable'})") from None
    if not raw:
        raise ReadRefused("is empty")
    if raw.startswith(ZIP):
        return _sheet_rows(path)
    text, _encoding = _decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    return [(n, list(r)) for n, r in enumerate(reader, start=1)]


def _sheet_rows(path: Path) -> list[tuple[int, list[Any]]]:
    _check_zip(path)
    import openpyxl

    if not openpyxl.DEFUSEDXML:
        raise ReadRefused("cannot be read safely: the defusedxml package is not installed")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception:  # many kinds for a broken file; none quotes a cell
        raise ReadRefused("could not be read as an XLSX workbook (it may be damaged)") from None
    try:
        sheet = book.worksheets[0]
        return [(n, list(r)) for n, r in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()
