"""HR's batch export: the chosen completed records, one PDF each, and an index.

A `Selection` names departments (each with every section under it), kinds, cycles and
dates. `count` says how many records that is and about how big, by SQL alone.
`export_records` writes `<folder>/<kind plural>/<cycle>/<file>.pdf` and `index.csv`
beside them: one row per record, saying what happened to it.

`make_pdf(session, record_id) -> bytes` does the rendering and signing (see
lcc_apr.pdf.records); this module picks the records, names the files, writes each one
whole (a temporary file, then renamed), reports progress and stops cleanly on cancel:
files already written stay, a second run skips them and writes the whole index again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from lcc_apr.models import Department, Employee, Record, RecordKind, SignOff, User
from lcc_apr.paths import sha256_of
from lcc_apr.policy import Policy
from lcc_apr.schedule.cycles import Cycle, cycle_of
from lcc_apr.workflow import WORKFLOWS

MakePdf = Callable[[Session, str], bytes]
Progress = Callable[[int, int], None]  # (done, total)

# The size estimate: the mean size of one signed PDF of each kind, measured once on the
# 50-person demo (40 records a kind, signed as HR; 2026-12-04; capability from its one
# open case, the demo having no closed one), times the count of each kind.
AVERAGE_PDF_BYTES = {
    RecordKind.APR: 62_200,
    RecordKind.SUPERVISION: 61_300,
    RecordKind.PROBATION: 82_700,
    RecordKind.CAPABILITY: 85_600,
    # The demo held none of these two then (it holds RTW interviews now): measured on
    # tests/examples.py's records (2026-12-06; RTW 72,489, attendance 100,616 bytes signed)
    # times the demo's ratio to the examples for the nearest kind (supervision
    # 61,300/75,784; capability 85,600/100,865).
    RecordKind.RETURN_TO_WORK: 58_600,
    RecordKind.ATTENDANCE: 85_400,
    # The RTW interview's times welfare contact / RTW of tests/examples.py's records
    # unsigned (48,776 / 49,203 bytes; 2026-12-06).
    RecordKind.WELFARE_CONTACT: 58_100,
}
INDEX = "index.csv"
COLUMNS = (
    "Payroll number",
    "Name",
    "Department",
    "Kind",
    "Cycle",
    "Date",
    "Stage",
    "Signed by",
    "File",
    "SHA-256",
    "Result",
)


@dataclass(frozen=True)
class Selection:
    departments: frozenset[int]  # each taken with every section under it
    kinds: frozenset[RecordKind] = frozenset(RecordKind)
    cycles: tuple[Cycle, ...] = ()  # none: any cycle
    first: date | None = None  # record dates from, inclusive
    last: date | None = None  # to, inclusive


@dataclass(frozen=True)
class ExportCount:
    by_kind: tuple[tuple[RecordKind, int], ...]

    @property
    def records(self) -> int:
        return sum(n for _k, n in self.by_kind)

    @property
    def estimated_bytes(self) -> int:
        return sum(AVERAGE_PDF_BYTES[k] * n for k, n in self.by_kind)

    def summary(self) -> str:
        """'9,902 records, about 608 MB'."""
        n = self.records
        noun = "record" if n == 1 else "records"
        if not n:
            return "No records match."
        return f"{n:,} {noun}, about {size_text(self.estimated_bytes)}"


def size_text(size: int) -> str:
    if size >= 1_000_000_000:
        return f"{size / 1e9:.1f} GB"
    if size >= 10_000_000:
        return f"{size / 1e6:,.0f} MB"
    return f"{size / 1e6:.1f} MB"


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    skipped: int = 0  # already in the folder from an earlier run
    failed: list[tuple[str, str]] = field(default_factory=list)  # (record id, why)
    cancelled: bool = False
    problem: str = ""  # the folder could not be written to: the batch stopped
    index: Path | None = None  # index.csv, once written

    def summary(self) -> str:
        parts = [f"{len(self.written):,} PDF{'s' if len(self.written) != 1 else ''} written"]
        if self.skipped:
            parts.append(f"{self.skipped:,} already there")
        if self.failed:
            parts.append(f"{len(self.failed):,} could not be made (listed)")
        text = "; ".join(parts) + "."
        if self.index is not None:
            text += f" The index is {self.index.name}."
        if self.problem:
            return f"Stopped: {self.problem} {text}"
        return ("Stopped: " + text) if self.cancelled else text


def department_ids(session: Session, chosen: Iterable[int]) -> list[int]:
    """The departments and every section under them."""
    rows = session.execute(select(Department.id, Department.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for child, parent in rows:
        children.setdefault(parent, []).append(child)
    found: set[int] = set()
    todo = list(chosen)
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return sorted(found)


def _where(session: Session, selection: Selection) -> list[Any]:
    """The SQL conditions on Record and Employee for the selection's completed records."""
    finals = {
        kind: [s.name for s in w.states if s.final]
        for kind, w in WORKFLOWS.items()
        if kind in selection.kinds
    }
    conditions: list[Any] = [
        Employee.department_id.in_(department_ids(session, selection.departments)),
        ~Record.deleted,
        or_(
            false(),  # no kind chosen: nothing
            *(and_(Record.kind == kind, Record.status.in_(s)) for kind, s in finals.items()),
        ),
    ]
    if selection.cycles:
        conditions.append(
            or_(*(Record.record_date.between(c.first, c.last) for c in selection.cycles))
        )
    if selection.first is not None:
        conditions.append(Record.record_date >= selection.first)
    if selection.last is not None:
        conditions.append(Record.record_date <= selection.last)
    return conditions


def count(session: Session, selection: Selection) -> ExportCount:
    """How many completed records the selection holds, by kind (one SQL query)."""
    rows = session.execute(
        select(Record.kind, func.count(Record.id))
        .join(Employee, Employee.id == Record.subject_id)
        .where(*_where(session, selection))
        .group_by(Record.kind)
    )
    found = {RecordKind(kind): n for kind, n in rows}
    return ExportCount(tuple((k, found[k]) for k in RecordKind if found.get(k)))


@dataclass(frozen=True)
class Chosen:
    """One record to export, with what its index row says of it."""

    record_id: str
    kind: RecordKind
    day: date | None
    payroll_number: str
    name: str
    department: str
    stage: str
    signed_by: str
    path: str  # relative to the folder, with '/'
    cycle: str


def chosen_records(session: Session, selection: Selection, policy: Policy) -> list[Chosen]:
    """The selection's completed records, oldest first."""
    where = _where(session, selection)
    signed: dict[str, list[str]] = {}
    for record_id, role, name in session.execute(
        select(SignOff.record_id, SignOff.role, User.display_name)
        .join(User, User.id == SignOff.user_id)
        .join(Record, Record.id == SignOff.record_id)
        .join(Employee, Employee.id == Record.subject_id)
        .where(SignOff.superseded_at.is_(None), *where)
        .order_by(SignOff.id)
    ):
        signed.setdefault(record_id, []).append(f"{name} ({role.value})")
    rows = session.execute(
        select(
            Record.id,
            Record.kind,
            Record.status,
            Record.record_date,
            Employee.payroll_number,
            Employee.first_name,
            Employee.last_name,
            Department.name,
        )
        .join(Employee, Employee.id == Record.subject_id)
        .join(Department, Department.id == Employee.department_id)
        .where(*where)
        .order_by(Record.record_date, Record.id)
    )
    found = []
    for rid, kind, status, day, payroll, first, last, department in rows:
        kind = RecordKind(kind)
        cycle = cycle_of(day, policy).label if day else "undated"
        name = file_name(last, first, kind.value, day.isoformat() if day else "undated", rid)
        found.append(
            Chosen(
                record_id=rid,
                kind=kind,
                day=day,
                payroll_number=payroll,
                name=f"{first} {last}",
                department=department,
                stage=WORKFLOWS[kind].state(status).label,
                signed_by="; ".join(signed.get(rid, [])),
                path=f"{kind.plural}/{cycle}/{name}",
                cycle=cycle,
            )
        )
    return found


def file_name(last: str, first: str, kind: str, day: str, record_id: str) -> str:
    """ASCII, safe on every file system: 'Nguyen-Thao-apr-2026-05-01-1a2b3c4d.pdf'."""

    def plain(text: str) -> str:
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-") or "x"

    return f"{plain(last)}-{plain(first)}-{kind}-{day}-{record_id[:8]}.pdf"


def safe_cell(value: str) -> str:
    """A spreadsheet never runs a cell as a formula: '=', '+', '-', '@' (and tab, CR)
    at the start get a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def index_row(item: Chosen, sha256: str, result: str) -> list[str]:
    cells = [
        item.payroll_number,
        item.name,
        item.department,
        item.kind.label,
        item.cycle,
        item.day.isoformat() if item.day else "",
        item.stage,
        item.signed_by,
        item.path if sha256 else "",
        sha256,
        result,
    ]
    return [safe_cell(c) for c in cells]


def export_records(
    session_factory: Callable[[], AbstractContextManager[Session]],
    *,
    selection: Selection,
    folder: Path,
    make_pdf: MakePdf,
    policy: Policy,
    progress: Progress = lambda done, total: None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    cancel = cancel or threading.Event()
    folder.mkdir(parents=True, exist_ok=True)
    with session_factory() as session:
        todo = chosen_records(session, selection, policy)
    result = ExportResult()
    rows: list[list[str]] = []
    progress(0, len(todo))
    for done, item in enumerate(todo, start=1):
        if cancel.is_set():
            result.cancelled = True
            break
        target = folder / item.path
        if target.exists():
            result.skipped += 1
            rows.append(index_row(item, sha256_of(target), "already there"))
        else:
            try:
                with session_factory() as session:
                    data = make_pdf(session, item.record_id)
            except Exception as exc:  # one bad record never stops the batch
                why = str(exc) or type(exc).__name__
                result.failed.append((item.record_id, why))
                rows.append(index_row(item, "", f"not made: {why}"))
            else:
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    write_whole(target, data)
                except OSError as exc:  # a full disk or a lost folder stops it
                    result.problem = f"{folder} could not be written to ({exc.strerror or exc})."
                    break
                result.written.append(target)
                rows.append(index_row(item, hashlib.sha256(data).hexdigest(), "written"))
        progress(done, len(todo))
    try:
        write_whole(folder / INDEX, index_bytes(rows))
    except OSError as exc:  # open in a spreadsheet, or the disk is full
        result.problem = (
            result.problem or f"{folder / INDEX} could not be written ({exc.strerror or exc})."
        )
    else:
        result.index = folder / INDEX
    return result


def index_bytes(rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark, so a spreadsheet reads names with accents right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def write_whole(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
