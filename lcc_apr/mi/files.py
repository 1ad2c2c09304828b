"""A view exported to a file: its chart as PNG, SVG or PDF, its table as CSV or XLSX.

Each writer makes the bytes in memory, writes them whole (a temporary file in the same
folder, then renamed: never a half file) and returns the SHA-256 hex of what it wrote,
for the audit. Only `Cell.text` is written to a table file, so "<10" stays "<10".
Any worker thread; no Qt.

Reproducible: the same table gives the same SVG, PDF and PNG bytes (no dates, a fixed
SVG id salt); an XLSX holds the time it was made, so its bytes differ each time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import matplotlib

from lcc_apr.pdf.export import safe_cell, write_whole

from .charts import new_figure
from .table import Table

CHART_FORMATS = ("png", "svg", "pdf")
TABLE_FORMATS = ("csv", "xlsx")
PNG_DPI = 150
FLAG_COLUMN = "Outside band"
_NUMBER = re.compile(r"-?[\d,]*\.?\d+%?|-")  # "-3.2", "-12%", the lone "-" (not applicable)


def write_chart(table: Table, path: Path | str, fmt: str, *, scale: float = 1.0) -> str:
    """The table's chart saved as `fmt` (png, svg or pdf) at `path`; its SHA-256 hex."""
    return _write(Path(path), chart_bytes(table, fmt, scale=scale))


def write_table(table: Table, path: Path | str, fmt: str) -> str:
    """The table saved as `fmt` (csv or xlsx) at `path`; its SHA-256 hex."""
    return _write(Path(path), table_bytes(table, fmt))


def chart_bytes(table: Table, fmt: str, *, scale: float = 1.0) -> bytes:
    if fmt not in CHART_FORMATS:
        raise ValueError(f"A chart is saved as {', '.join(CHART_FORMATS)}, not “{fmt}”.")
    figure = new_figure(table, scale=scale)
    metadata: dict[str, str | None] = {"Title": table.title}
    metadata.update({"png": {"Software": None}, "svg": {"Date": None}}.get(fmt, {}))
    if fmt == "pdf":
        metadata["CreationDate"] = None
    out = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": table.key}):
        figure.savefig(out, format=fmt, dpi=PNG_DPI, metadata=metadata)
    return out.getvalue()


def table_rows(table: Table) -> list[list[str]]:
    """What a table file holds: the heading, one row per row (label, then each cell's
    text), a blank row, then the title, definition, disclosure rule and notes. A table
    with a band gets a last column saying which rows fall outside it."""
    band = table.chart.band is not None
    heading = [table.stub, *table.columns, *([FLAG_COLUMN] if band else [])]
    rows = [heading]
    if table.message:
        rows.append([table.message])
    for row in table.rows:
        flag = ["yes" if row.flagged else ""] if band else []
        rows.append([row.label, *(cell.text for cell in row.cells), *flag])
    rows += [[], ["Title:", table.title], ["Definition:", table.definition]]
    rows.append(["Disclosure:", table.disclosure])
    rows += [["Note:", note] for note in table.notes]
    return [[safe_text(text) for text in row] for row in rows]


def safe_text(text: str) -> str:
    """Never run as a formula in a spreadsheet: text starting = + - @ gets a leading
    apostrophe (lcc_apr.pdf.export.safe_cell), but a plain number or "-" is left alone."""
    return text if _NUMBER.fullmatch(text) else safe_cell(text)


def table_bytes(table: Table, fmt: str) -> bytes:
    if fmt not in TABLE_FORMATS:
        raise ValueError(f"A table is saved as {', '.join(TABLE_FORMATS)}, not “{fmt}”.")
    rows = table_rows(table)
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text).writerows(rows)
        return text.getvalue().encode("utf-8-sig")  # the mark: Excel reads it as UTF-8
    return _xlsx(table, rows)


def _xlsx(table: Table, rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook  # loaded when first used
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("View")
    widest = max((len(row.label) for row in table.rows), default=20)
    sheet.column_dimensions["A"].width = max(12, min(48, widest + 2))
    bold = Font(bold=True)
    totals = {i + 1 + bool(table.message) for i, row in enumerate(table.rows) if row.total}
    for number, row in enumerate(rows):
        cells = []
        for text in row:
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"  # text, never a formula or a number
            if number == 0 or number in totals:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(path: Path, data: bytes) -> str:
    write_whole(path, data)
    return hashlib.sha256(data).hexdigest()
