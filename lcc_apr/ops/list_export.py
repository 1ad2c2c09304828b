"""Exporting a list (a manager's team, HR's everyone, HR's all records, one person's
records) as CSV or XLSX: the rows are read here, within the scope of whoever asks, and
every export is audited (lcc_apr.ops.audit). Any worker thread; no Qt."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from lcc_apr.forms import Catalogue
from lcc_apr.models import RecordKind
from lcc_apr.policy import Policy
from lcc_apr.schedule import DueState
from lcc_apr.store import Store

from .audit import audit
from .people import TeamRow, team_rows
from .profiles import may_see_in
from .records import listed_records, records_about
from .user import CurrentUser

Cell = str | date | None
Progress = Callable[[int], None]  # rows written so far
FORMATS = ("csv", "xlsx")


class ListKind(StrEnum):
    TEAM = "team"  # the manager's team
    EVERYONE = "everyone"  # HR: everyone current
    RECORDS = "records"  # HR: every record, as filtered and sorted
    PERSON = "person_records"  # one person's records


class ExportRefused(PermissionError):
    pass


@dataclass(frozen=True)
class ListChoice:
    """Which list, filtered and ordered as on screen."""

    kind: ListKind
    employee_ids: tuple[int, ...] | None = None  # TEAM, EVERYONE: the rows shown, in order
    employee_id: int | None = None  # PERSON
    sort: str = "date"  # RECORDS: as lcc_apr.ops.records.records_page
    descending: bool = True
    record_kind: str | None = None
    person: str = ""

    @property
    def title(self) -> str:
        return {
            ListKind.TEAM: "My team",
            ListKind.EVERYONE: "Everyone",
            ListKind.RECORDS: "All records",
            ListKind.PERSON: "Records",
        }[self.kind]


@dataclass(frozen=True)
class Exported:
    path: Path
    rows: int
    format: str


def format_of(path: Path) -> str:
    """'csv' or 'xlsx' from the file's ending (ValueError naming both otherwise)."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"Save the list as a .csv or .xlsx file, not “{path.name}”.")
    return suffix


def export_list(
    store: Store,
    *,
    choice: ListChoice,
    path: Path,
    user: CurrentUser,
    policy: Policy,
    catalogue: Catalogue,
    today: date,
    progress: Progress = lambda rows: None,
) -> Exported:
    """Read the list `choice` names within `user`'s scope (ExportRefused otherwise), write
    it to `path` (.csv or .xlsx) and audit the export."""
    fmt = format_of(path)
    header, rows = list_rows(
        store, choice=choice, user=user, policy=policy, catalogue=catalogue, today=today
    )
    written = _write(path, fmt, header, rows, progress)
    audit(store, user, "list_export", list=choice.kind.value, rows=written, format=fmt)
    return Exported(path, written, fmt)


def list_rows(
    store: Store,
    *,
    choice: ListChoice,
    user: CurrentUser,
    policy: Policy,
    catalogue: Catalogue,
    today: date,
) -> tuple[list[str], Iterator[list[Cell]]]:
    """The list's header and rows (scope checked before anything is read)."""
    kind = choice.kind
    if kind is ListKind.TEAM:
        if not user.is_manager or user.employee_id is None:
            raise ExportRefused("Only managers export a team.")
        team = team_rows(store, policy=policy, today=today, manager_id=user.employee_id)
        return _team(team, choice.employee_ids, with_department=False)
    if kind is ListKind.EVERYONE:
        if not user.is_hr:
            raise ExportRefused("Only HR exports the list of everyone.")
        everyone = team_rows(store, policy=policy, today=today, manager_id=None)
        return _team(everyone, choice.employee_ids, with_department=True)
    if kind is ListKind.RECORDS:
        if not user.is_hr:
            raise ExportRefused("Only HR exports the list of every record.")
        return _all_records(store, choice, catalogue)
    return _person_records(store, choice, user, policy, catalogue)


TEAM_HEADER = ["Name", "Payroll no.", "Job title"]


def _team(
    rows: list[TeamRow], only: tuple[int, ...] | None, *, with_department: bool
) -> tuple[list[str], Iterator[list[Cell]]]:
    header = TEAM_HEADER + (["Department"] if with_department else [])
    for kind in RecordKind:
        header += [kind.short_label, f"{kind.short_label} due", f"{kind.short_label} state"]
    by_id = {r.employee_id: r for r in rows}
    chosen = rows if only is None else [by_id[i] for i in only if i in by_id]

    def cells(row: TeamRow) -> list[Cell]:
        found: list[Cell] = [row.name, row.payroll_number, row.job_title]
        if with_department:
            found.append(row.department)
        for kind in RecordKind:
            item = row.most_urgent(kind)
            found += [item.label, item.due, _state(item.state)] if item else ["", None, ""]
        return found

    return header, (cells(r) for r in chosen)


def _state(state: DueState) -> str:
    return state.value.replace("_", " ").capitalize()


RECORD_HEADER = ["Person", "Payroll no.", "Record", "Date", "Stage"]


def _all_records(
    store: Store, choice: ListChoice, catalogue: Catalogue
) -> tuple[list[str], Iterator[list[Cell]]]:
    def rows() -> Iterator[list[Cell]]:
        with store.session() as session:
            for r in listed_records(
                session,
                catalogue=catalogue,
                sort=choice.sort,
                descending=choice.descending,
                kind=choice.record_kind,
                person=choice.person,
            ):
                yield [r.person, r.payroll_number, r.kind, r.record_date, r.status]

    return RECORD_HEADER, rows()


def _person_records(
    store: Store, choice: ListChoice, user: CurrentUser, policy: Policy, catalogue: Catalogue
) -> tuple[list[str], Iterator[list[Cell]]]:
    who = choice.employee_id
    with store.session() as session:
        allowed = (
            who is not None
            and (user.is_hr or user.is_manager)
            and may_see_in(session, who, user, policy)
        )
        if not allowed or who is None:
            raise ExportRefused("That person's records are not yours to export.")
        records = records_about(session, who, catalogue)
    return ["Record", "Date", "Stage"], iter([[r.kind, r.record_date, r.status] for r in records])


def _write(
    path: Path, fmt: str, header: list[str], rows: Iterable[list[Cell]], progress: Progress
) -> int:
    """Write to a file beside `path`, then put it in place: a failed export leaves no
    half-written list."""
    partial = path.with_name(path.name + ".partial")
    count = 0
    try:
        if fmt == "csv":
            with partial.open("w", encoding="utf-8-sig", newline="") as out:  # Excel reads it
                writer = csv.writer(out)
                writer.writerow(header)
                for row in rows:
                    writer.writerow(
                        [
                            "" if c is None else c.isoformat() if isinstance(c, date) else c
                            for c in row
                        ]
                    )
                    count += 1
                    if count % 5000 == 0:
                        progress(count)
        else:
            from openpyxl import Workbook  # loaded when first used, not at start

            book = Workbook(write_only=True)
            sheet = book.create_sheet("List")
            sheet.append(header)
            for row in rows:
                sheet.append(row)
                count += 1
                if count % 5000 == 0:
                    progress(count)
            book.save(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    progress(count)
    return count
