"""Opening an organisation file: a CSV or an XLSX workbook, found out from its first bytes.

Refused, with a plain message: an old .xls, an encrypted workbook (both OLE files), a PDF,
anything else posing as a workbook, a zip whose entries would unpack past
MAX_UNCOMPRESSED (a zip bomb; checked in the zip's directory before anything is opened),
XML declaring a document type or entities (checked in each part's prolog, and by
defusedxml inside openpyxl), an empty workbook, a workbook
where several visible sheets hold a table the profile knows (unless one is chosen), and a
sheet without a header.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any
from xml.parsers import expat

from defusedxml import DefusedXmlException

from .layout import HEADER_SEARCH_ROWS, Cells, Header, Numbered, find_header, rows_above
from .profiles import Profile
from .report import ReadRefused, Skipped

MAX_FILE_BYTES = 200 * 1024 * 1024  # a CSV, or an XLSX as stored
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # everything in an XLSX, unpacked
MAX_ZIP_ENTRIES = 10_000
PROLOG_CHUNK = 64 * 1024

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003, and encrypted workbooks
ZIP = (b"PK\x03\x04", b"PK\x05\x06")
PDF = b"%PDF"
ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
DELIMITERS = ",;\t|"


@dataclass
class Table:
    """The table in a file: its sheet (or the CSV file's name), header and rows."""

    sheet: str
    header: Header
    rows: Iterator[Numbered]  # every row from the first, numbered from 1
    encoding: str | None  # how a CSV was written ("UTF-8", "Windows-1252"...); None for XLSX
    total: int | None  # about how many rows, when known
    above: list[Skipped] = field(default_factory=list)  # title and blank rows above the header


@contextmanager
def open_table(path: Path, profile: Profile, sheet: str | None = None) -> Iterator[Table]:
    """The table in a CSV or XLSX file; ReadRefused says why there is none."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise ReadRefused(f"cannot be opened ({exc.strerror or 'unreadable'})") from None
    if size == 0:
        raise ReadRefused("is empty")
    if size > MAX_FILE_BYTES:
        raise ReadRefused(f"is larger than {MAX_FILE_BYTES // 2**20} MB")
    suffix = path.suffix.lower()
    if head.startswith(OLE):
        if ENCRYPTED in path.read_bytes():
            raise ReadRefused(
                "is a password-protected workbook: remove the password in Excel, save it as "
                ".xlsx, and import that copy"
            )
        raise ReadRefused("is an Excel 97-2003 workbook (.xls): save it as .xlsx or CSV")
    if head.startswith(PDF):
        raise ReadRefused("is a PDF, not a spreadsheet: export the report as XLSX or CSV")
    if head.startswith(ZIP):
        with _workbook(path, profile, sheet) as table:
            yield table
        return
    if suffix in WORKBOOK_SUFFIXES:
        raise ReadRefused(f"is named {suffix} but is not an Excel workbook (not a zip file)")
    yield _csv(path, profile)


# CSV


def _csv(path: Path, profile: Profile) -> Table:
    text, encoding = _decode(path.read_bytes())
    if "\x00" in text:
        raise ReadRefused("is not a text file (it holds binary data)")
    delimiter = _delimiter(text)
    rows = enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)
    table = _table(path.name, rows, profile, "")
    if table is None:
        raise ReadRefused(_no_header(profile))
    table.encoding = encoding
    table.total = text.count("\n") + 1
    return table


def _decode(raw: bytes) -> tuple[str, str]:
    """The text, and the encoding found: a BOM says, else UTF-8 if it decodes, else
    Windows-1252 (what Excel writes as "CSV" on a UK Windows machine)."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "UTF-8 with BOM"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise ReadRefused("is not readable text (broken UTF-16)") from None
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise ReadRefused("is not text in UTF-8 or Windows-1252") from None


def _delimiter(text: str) -> str:
    """The character that splits the first lines most often: comma, semicolon, tab or |."""
    sample = "\n".join(islice(io.StringIO(text), HEADER_SEARCH_ROWS))
    return max(DELIMITERS, key=sample.count)


# XLSX


@contextmanager
def _workbook(path: Path, profile: Profile, wanted: str | None) -> Iterator[Table]:
    _check_zip(path)
    import openpyxl  # loaded when first needed

    if not openpyxl.DEFUSEDXML:
        raise ReadRefused("cannot be read safely: the defusedxml package is not installed")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken file; none quotes a cell
        if _defused(exc):
            raise ReadRefused(_ENTITIES) from None
        raise ReadRefused("could not be read as an XLSX workbook (it may be damaged)") from None
    try:
        yield _sheet_table(path, book, profile, wanted)
    finally:
        book.close()


_ENTITIES = (
    "holds XML document type or entity declarations, a known attack on XML readers; it was not read"
)


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ReadRefused("is not an Excel workbook (a damaged zip file)") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ReadRefused(f"holds more than {MAX_ZIP_ENTRIES:,} parts; it was not opened")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_UNCOMPRESSED:
        raise ReadRefused(
            f"would unpack to more than {MAX_UNCOMPRESSED // 2**20} MB (a zip bomb?); "
            "it was not opened"
        )
    if "xl/workbook.xml" not in {e.filename for e in entries}:
        raise ReadRefused("is a zip file but not an Excel .xlsx workbook")
    with zipfile.ZipFile(path) as archive:
        for entry in entries:
            if entry.filename.endswith((".xml", ".rels")) and _declares_a_doctype(archive, entry):
                raise ReadRefused(_ENTITIES)


class _Stop(Exception):
    pass


def _declares_a_doctype(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    """Whether an XML part declares a document type (where entities live), read only up to
    its root element. openpyxl parses some parts with lxml, which does not expand entities
    but does not refuse them either; an XLSX never needs a DTD."""
    parser = expat.ParserCreate()
    found: list[bool] = []

    def doctype(*_: object) -> None:
        found.append(True)
        raise _Stop

    def root(*_: object) -> None:
        raise _Stop

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    with archive.open(entry) as part:
        while chunk := part.read(PROLOG_CHUNK):
            try:
                parser.Parse(chunk, False)
            except _Stop:
                break
            except expat.ExpatError:
                break  # broken XML: openpyxl refuses it
    return bool(found)


def _sheet_table(path: Path, book: Any, profile: Profile, wanted: str | None) -> Table:
    sheets = {ws.title: ws for ws in book.worksheets}
    if wanted is not None and wanted not in sheets:
        raise ReadRefused(f"has no sheet called {wanted!r} (its sheets: {_names(sheets)})")
    found: dict[str, Table] = {}
    any_cells = False
    for title, ws in sheets.items():
        if title != wanted and (wanted is not None or ws.sheet_state != "visible"):
            continue  # a hidden sheet (lookups, workings) is read only when chosen
        total = ws.max_row if isinstance(ws.max_row, int) else None
        ws.reset_dimensions()  # a wrong <dimension> must not cut rows short
        first = _guarded(title, ws.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True))
        rows = list(enumerate(first, start=1))
        any_cells = any_cells or any(c is not None for _, row in rows for c in row)
        table = _table(title, iter(rows), profile, f"sheet {title!r}: ")
        if table is not None:
            table.rows = enumerate(_guarded(title, ws.iter_rows(values_only=True)), start=1)
            table.total = total
            found[title] = table
    if not any_cells:
        where = f"sheet {wanted!r}" if wanted else "every sheet"
        raise ReadRefused(f"is empty: the first {HEADER_SEARCH_ROWS} rows of {where} are blank")
    if not found:
        raise ReadRefused(_no_header(profile, "on any sheet" if wanted is None else None))
    if len(found) > 1:
        raise ReadRefused(
            f"has several sheets that look like the organisation ({_names(found)}): "
            "choose one, or keep one sheet in the file"
        )
    return found.popitem()[1]


def _guarded(sheet: str, rows: Iterator[Cells]) -> Iterator[Cells]:
    """openpyxl's rows; an XML attack or a broken sheet met while reading is refused."""
    try:
        yield from rows
    except Exception as exc:
        if _defused(exc):
            raise ReadRefused(_ENTITIES) from None
        raise ReadRefused(f"sheet {sheet!r} could not be read (it may be damaged)") from None


def _defused(exc: BaseException | None) -> bool:
    """Whether defusedxml stopped the parse (openpyxl wraps its error in a ValueError)."""
    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _names(sheets: dict[str, Any]) -> str:
    return ", ".join(repr(s) for s in sheets)


# Both


def _table(sheet: str, rows: Iterator[Numbered], profile: Profile, where: str) -> Table | None:
    """The table, when its header is in the first rows; the rows read so far stay first."""
    first = list(islice(rows, HEADER_SEARCH_ROWS))
    try:
        header = find_header(first, profile)
    except ReadRefused as refused:
        raise ReadRefused(f"{where}{refused}") from None
    if header is None:
        return None
    above = rows_above(sheet, first, header)
    return Table(sheet, header, chain(first, rows), None, None, above)


def _no_header(profile: Profile, where: str | None = None) -> str:
    examples = ", ".join(repr(e) for e in profile.examples("payroll")[:2])
    return (
        f"has no header row {where or ''} in its first {HEADER_SEARCH_ROWS} rows: the "
        f"{profile.label} profile looks for a payroll number column ({examples}) and at "
        "least two more it knows"
    ).replace("  ", " ")
