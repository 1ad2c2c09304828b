"""Exporting accepted records to the HR system: CSV files or one XLSX workbook.

An export holds the register entries (lcc_apr.hr.register) after the cursor, the last
entry of the last export. It writes a file (CSV) or sheet (XLSX) per form template and
version: the fixed columns, then the template's answers whose `export` flag is on, in
template order; each repeating group goes in its own file or sheet, an entry per row
keyed by record id and revision. Answers are written as the HR system reads them: option
values, multiple choices joined with ';', yes/no, ISO dates (real dates in XLSX).

Everything is written under a temporary name, then renamed; only then does the log gain
the export (which moves the cursor). A cancelled or failed export leaves no file and
the cursor where it was. Entries never change, and an XLSX carries the export's own time
(zip entries and document properties: `save_fixed`), so `export_again` makes any past
export byte for byte. Text a spreadsheet would run as a formula stays text: in CSV it is
prefixed with an apostrophe, in XLSX its cell is typed as a string.

Runs on any worker thread; the database is written only briefly (the register, then the
log), never while files are written.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue, Field, FieldType, Template
from lcc_apr.models import HrExport, HrRegisterEntry
from lcc_apr.progress import Step

from .register import REGISTER, Cancelled, Progress, check_cancel, take_accepted

FORMATS = ("csv", "xlsx")
FIXED = (
    "record_id",
    "revision",
    "payroll_number",
    "post_number",
    "status",
    "record_date",
    "accepted_at",
    "content_hash",
    "signature_state",
)
GROUP_FIXED = ("record_id", "revision", "item")
RISKY = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may take as a formula
STEP = "Writing the HR export"
EVERY = 200  # entries between progress reports
Sessions = Callable[[], AbstractContextManager[Session]]

__all__ = ["FORMATS", "Cancelled", "ExportGone", "Made", "export_again", "export_new"]


class ExportGone(LookupError):
    """No such export in the log."""


@dataclass(frozen=True)
class Made:
    export_id: int
    path: Path  # the XLSX file, or the folder of CSV files
    entries: int
    first_entry: int
    last_entry: int
    format: str
    digest: str  # SHA-256 of what was written (the log's, for a past export made again)


# -- what goes in which column --------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One file or sheet: a template version's records, or one repeating group's entries."""

    name: str  # file stem: "apr-v1", "apr-v1-new_objectives"
    sheet: str  # XLSX sheet title (at most 31 characters)
    header: tuple[str, ...]
    fields: tuple[Field, ...]
    group: str | None = None  # the group's answer key


def _cells_of(fields: tuple[Field, ...]) -> tuple[Field, ...]:
    return tuple(
        f for f in fields if f.exports and f.holds_answer and f.type is not FieldType.GROUP
    )


def tables_of(template: Template) -> list[Table]:
    """The template version's own table, then one per exported repeating group."""
    stem, title = f"{template.id}-v{template.version}", f"{template.id} v{template.version}"
    fields = _cells_of(tuple(template.fields()))
    tables = [Table(stem, title, FIXED + tuple(f.key for f in fields), fields)]
    for group in template.fields():
        if group.type is FieldType.GROUP and group.exports:
            inner = _cells_of(group.fields)
            tables.append(
                Table(
                    f"{stem}-{group.key}",
                    f"{title} {group.key}",
                    GROUP_FIXED + tuple(f.key for f in inner),
                    inner,
                    group.key,
                )
            )
    return tables


def answer_cell(field: Field, value: Any, *, real_dates: bool) -> Any:
    """One answer as the HR system reads it (None: an empty cell)."""
    if value is None:
        return None
    kind = field.type
    if kind is FieldType.MULTI_CHOICE and isinstance(value, list):
        return ";".join(str(v) for v in value)
    if kind is FieldType.YES_NO and isinstance(value, bool):
        return "yes" if value else "no"
    if kind is FieldType.NUMBER and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if kind is FieldType.DATE and real_dates and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value if isinstance(value, str) else str(value)


def _utc_text(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def rows_of(
    entry: Any, tables: list[Table], *, real_dates: bool
) -> Iterator[tuple[int, list[Any]]]:
    """(table index, row) for one register entry: its own row, then its group entries."""
    answers = entry.answers
    day = entry.record_date
    fixed = [
        entry.record_id,
        entry.revision,
        entry.payroll_number,
        entry.post_number,
        entry.status,
        day if real_dates or day is None else day.isoformat(),
        _utc_text(entry.accepted_at),
        entry.content_hash,
        entry.signature_state,
    ]
    own = tables[0]
    yield 0, fixed + [answer_cell(f, answers.get(f.key), real_dates=real_dates) for f in own.fields]
    for index, table in enumerate(tables[1:], 1):
        items = answers.get(table.group or "")
        for number, item in enumerate(items if isinstance(items, list) else [], 1):
            item = item if isinstance(item, dict) else {}
            yield (
                index,
                [entry.record_id, entry.revision, number]
                + [answer_cell(f, item.get(f.key), real_dates=real_dates) for f in table.fields],
            )


# -- writers ----------------------------------------------------------------------------


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(RISKY) else value
    if isinstance(value, date):
        return value.isoformat()
    return value


class CsvWriter:
    """A folder of CSV files (UTF-8 with BOM, which Excel reads), one per table."""

    real_dates = False

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.folder = folder
        self.files: list[Any] = []
        self.writers: list[Any] = []

    def add(self, table: Table) -> None:
        out = (self.folder / f"{table.name}.csv").open("w", encoding="utf-8-sig", newline="")
        self.files.append(out)
        self.writers.append(csv.writer(out))
        self.writers[-1].writerow(table.header)

    def row(self, index: int, cells: list[Any]) -> None:
        self.writers[index].writerow([csv_cell(c) for c in cells])

    def close(self) -> None:
        for out in self.files:
            out.close()

    def finish(self, made_at: datetime) -> str:
        self.close()
        digest = hashlib.sha256()
        for path in sorted(self.folder.iterdir()):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()


class XlsxWriter:
    """One workbook (openpyxl write-only), a sheet per table."""

    real_dates = True

    def __init__(self, path: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

        self.path = path
        self.saved = False
        self.book = Workbook(write_only=True)
        self.sheets: list[Any] = []
        self.titles: set[str] = set()
        self._cell, self._errors, self._illegal = WriteOnlyCell, ERROR_CODES, ILLEGAL_CHARACTERS_RE

    def add(self, table: Table) -> None:
        title, n = table.sheet[:31], 1
        while title in self.titles:
            n += 1
            title = f"{table.sheet[: 31 - len(str(n)) - 1]}~{n}"
        self.titles.add(title)
        sheet = self.book.create_sheet(title)
        sheet.append(list(table.header))
        self.sheets.append(sheet)

    def row(self, index: int, cells: list[Any]) -> None:
        sheet = self.sheets[index]
        sheet.append([self._text(sheet, c) if isinstance(c, str) else c for c in cells])

    def _text(self, sheet: Any, text: str) -> Any:
        """A text cell that stays text: never a formula or an error value."""
        if self._illegal.search(text):
            text = self._illegal.sub("", text)  # characters a worksheet cannot hold
        if text.startswith("=") or text in self._errors:
            cell = self._cell(sheet, value=text)
            cell.data_type = "s"
            return cell
        return text

    def close(self) -> None:
        """After a failure: the workbook saved nowhere, so that openpyxl removes the
        temporary files its sheets were being written to."""
        if not self.saved:
            self.saved = True
            with contextlib.suppress(Exception):
                self.book.save(io.BytesIO())

    def finish(self, made_at: datetime) -> str:
        self.book.properties.creator = "LCC APR"
        self.saved = True
        save_fixed(self.book, self.path, made_at)
        digest = hashlib.sha256()
        with self.path.open("rb") as written:
            for block in iter(lambda: written.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


class _FixedTimeZip(zipfile.ZipFile):
    """A zip every entry of which is dated `when` (openpyxl's writer adds them)."""

    def __init__(self, file: Path | IO[bytes], when: tuple[int, int, int, int, int, int]) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.when = when

    def _entry(self, name: str, size: int = 0) -> zipfile.ZipInfo:
        entry = zipfile.ZipInfo(name, self.when)
        entry.compress_type, entry.file_size = zipfile.ZIP_DEFLATED, size
        return entry

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: Any,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        super().writestr(self._entry(str(name)), data)

    def write(
        self,
        filename: Any,
        arcname: Any = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        """A sheet openpyxl wrote to a temporary file, streamed in."""
        entry = self._entry(str(arcname or filename), Path(filename).stat().st_size)
        with open(filename, "rb") as source, self.open(entry, "w") as target:
            shutil.copyfileobj(source, target, 1 << 20)


def save_fixed(book: Any, target: Path | IO[bytes], when: datetime) -> None:
    """Save an openpyxl workbook with every time in it `when` (UTC, whole seconds): its
    zip entries and its document properties. The same cells give the same bytes."""
    from openpyxl.writer.excel import ExcelWriter

    moment = when.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    book.properties.created = book.properties.modified = moment
    year, month, day, hour, minute, second = moment.timetuple()[:6]
    ExcelWriter(book, _FixedTimeZip(target, (year, month, day, hour, minute, second))).save()


# -- one range of the register, written --------------------------------------------------


def export_name(first: int, last: int, fmt: str) -> str:
    """The XLSX file, or the folder of CSV files, an export of entries first..last is."""
    return f"hr-export-{first:06d}-{last:06d}" + (".xlsx" if fmt == "xlsx" else "")


def _templates_in(session: Session, first: int, last: int) -> list[tuple[str, int]]:
    stmt = (
        select(HrRegisterEntry.template_id, HrRegisterEntry.template_version)
        .where(HrRegisterEntry.id.between(first, last))
        .distinct()
    )
    return sorted((t, v) for t, v in session.execute(stmt))


def write_range(
    sessions: Sessions,
    *,
    catalogue: Catalogue,
    first: int,
    last: int,
    fmt: str,
    folder: Path,
    made_at: datetime,
    progress: Progress = lambda step: None,
    cancel: threading.Event | None = None,
) -> tuple[Path, str, int]:
    """Write entries first..last under `folder` (a temporary name, then renamed; nothing
    left behind on failure). Returns the path, its digest and the number of entries."""
    if fmt not in FORMATS:
        raise ValueError(f"Export as csv or xlsx, not {fmt!r}.")
    name = export_name(first, last, fmt)
    final, partial = folder / name, folder / f".{name}.partial"
    _remove(partial)
    count = 0
    writer: CsvWriter | XlsxWriter = CsvWriter(partial) if fmt == "csv" else XlsxWriter(partial)
    try:
        with sessions() as session:
            total = session.scalar(
                select(func.count()).where(HrRegisterEntry.id.between(first, last))
            )
            keys = _templates_in(session, first, last)
            tables = {key: tables_of(catalogue.get(*key)) for key in keys}
            offset, added = {}, 0
            for key in keys:
                offset[key] = added
                for table in tables[key]:
                    writer.add(table)
                    added += 1
            entries = session.execute(
                select(REGISTER)
                .where(HrRegisterEntry.id.between(first, last))
                .order_by(HrRegisterEntry.id)
                .execution_options(yield_per=1000)
            )
            for entry in entries:
                key = (entry.template_id, entry.template_version)
                for index, cells in rows_of(entry, tables[key], real_dates=writer.real_dates):
                    writer.row(offset[key] + index, cells)
                count += 1
                if count % EVERY == 0:
                    check_cancel(cancel)
                    progress(Step(STEP, count, total))
        check_cancel(cancel)
        digest = writer.finish(made_at)
        if final.exists():  # left by an export that stopped before its log was written
            _remove(final)
        partial.rename(final)
    except BaseException:
        writer.close()
        _remove(partial)
        raise
    progress(Step(STEP, count, count))
    return final, digest, count


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


# -- the cursor and the log ---------------------------------------------------------------


def cursor(session: Session) -> int:
    """The last register entry exported (0: none yet)."""
    return session.scalar(select(func.max(HrExport.last_entry))) or 0


def export_new(
    sessions: Sessions,
    *,
    catalogue: Catalogue,
    user_id: int,
    folder: Path,
    fmt: str,
    at: datetime,
    progress: Progress = lambda step: None,
    cancel: threading.Event | None = None,
) -> Made | None:
    """Take in what HR accepted, then export the entries after the cursor into `folder`
    and log it (moving the cursor). None when there is nothing new."""
    if fmt not in FORMATS:
        raise ValueError(f"Export as csv or xlsx, not {fmt!r}.")
    made_at = at.astimezone(UTC).replace(microsecond=0)
    with sessions() as session:
        take_accepted(session, at=made_at, progress=progress, cancel=cancel)
    with sessions() as session:
        start = cursor(session)
        last = session.scalar(select(func.max(HrRegisterEntry.id))) or 0
    if last <= start:
        return None
    path, digest, count = write_range(
        sessions,
        catalogue=catalogue,
        first=start + 1,
        last=last,
        fmt=fmt,
        folder=folder,
        made_at=made_at,
        progress=progress,
        cancel=cancel,
    )
    try:
        with sessions() as session:
            if cursor(session) != start:
                raise RuntimeError("Another export was made meanwhile: export again.")
            log = HrExport(
                first_entry=start + 1,
                last_entry=last,
                entries=count,
                format=fmt,
                made_at=made_at,
                made_by=user_id,
                digest=digest,
            )
            session.add(log)
            session.flush()
            export_id = log.id
    except BaseException:
        _remove(path)
        raise
    return Made(export_id, path, count, start + 1, last, fmt, digest)


def export_again(
    sessions: Sessions,
    *,
    catalogue: Catalogue,
    export_id: int,
    folder: Path,
    progress: Progress = lambda step: None,
    cancel: threading.Event | None = None,
) -> Made:
    """Make a past export again into `folder`: the same entries, the same bytes (its
    digest is checked against the log's). The cursor does not move."""
    with sessions() as session:
        log = session.get(HrExport, export_id)
        if log is None:
            raise ExportGone(f"There is no export {export_id}.")
        first, last, fmt, made_at, digest = (
            log.first_entry,
            log.last_entry,
            log.format,
            log.made_at,
            log.digest,
        )
        held = session.scalar(select(func.count()).where(HrRegisterEntry.id.between(first, last)))
        if held != log.entries:  # purge_cached took records out of the register
            raise ExportGone(
                f"Export {export_id} held records since purged under the retention rules: "
                "it cannot be made again as it was."
            )
    name = export_name(first, last, fmt)
    if (folder / name).exists():
        raise FileExistsError(f"{name} is already in that folder: choose another.")
    path, again, count = write_range(
        sessions,
        catalogue=catalogue,
        first=first,
        last=last,
        fmt=fmt,
        folder=folder,
        made_at=made_at,
        progress=progress,
        cancel=cancel,
    )
    if again != digest:
        _remove(path)
        raise RuntimeError(f"Export {export_id} could not be made again as it was.")
    return Made(export_id, path, count, first, last, fmt, digest)


def past_exports(session: Session) -> list[HrExport]:
    """Every export made on this computer, newest first."""
    return list(session.scalars(select(HrExport).order_by(HrExport.id.desc())))
