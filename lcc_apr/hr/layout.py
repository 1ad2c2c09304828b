"""Where the table is in a sheet: the header row (or two), and which rows are not posts.

Exports put a title above the table, repeat the header on each printed page, head groups
of rows with a department's name, add subtotal and total rows and end with a footer. The
header is the first row (in the first HEADER_SEARCH_ROWS) naming a payroll number column
and at least MIN_HEADINGS fields the profile knows; a second header row right below it
(system keys, then labels) is read as well. Every row that is not a post is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from . import values
from .profiles import BY_NAME, FIELDS, MANAGER_FIELDS, Profile, key
from .report import ReadRefused, Skipped

HEADER_SEARCH_ROWS = 30
MIN_HEADINGS = 3

BLANK = "blank row"
TITLE = "title row above the header"
SECOND_HEADER = "second header row"
REPEATED_HEADER = "header repeated"
GROUP_HEADING = "group heading"
SUBTOTAL = "subtotal row"
TOTAL = "total row"
FOOTER = "footer below the table"


Cells = Sequence[object]
Numbered = tuple[int, Cells]


@dataclass(frozen=True)
class Header:
    rows: tuple[int, ...]  # one header row, or two (system keys, then labels)
    columns: dict[str, int]  # field -> column index (0 is A)
    labels: dict[str, str]  # field -> "D (Surname)"

    def cells(self, row: Cells) -> dict[str, object]:
        """The row's cells by field; empty cells are left out."""
        width = len(row)
        return {
            f: row[i] for f, i in self.columns.items() if i < width and not values.empty(row[i])
        }


def letter(index: int) -> str:
    """The spreadsheet column letter: 0 -> A, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def headings(row: Cells, profile: Profile) -> dict[int, str]:
    """Column index -> field, for the cells of a row that name a field."""
    found = {}
    for i, cell in enumerate(row):
        field = profile.field_for(cell) if isinstance(cell, str) else None
        if field is not None:
            found[i] = field
    return found


def is_header(found: dict[int, str]) -> bool:
    fields = set(found.values())
    return "payroll" in fields and len(fields) >= MIN_HEADINGS


def find_header(first: Sequence[Numbered], profile: Profile) -> Header | None:
    """The header in the first rows of a sheet, or None. A header naming one field twice,
    or lacking a column the profile needs, is refused."""
    for at, (number, row) in enumerate(first):
        found = headings(row, profile)
        if not is_header(found):
            continue
        _one_column_each(number, row, found)
        rows: tuple[int, ...] = (number,)
        labels_row = row
        if at + 1 < len(first):
            below_number, below = first[at + 1]
            below_found = headings(below, profile)
            if is_header(below_found):
                _one_column_each(below_number, below, below_found)
                for i, field in below_found.items():
                    if found.setdefault(i, field) != field:
                        raise ReadRefused(
                            f"the header rows {number} and {below_number} name column "
                            f"{letter(i)} differently"
                        )
                _one_column_each(number, row, found)
                rows, labels_row = (number, below_number), below
        columns = {field: i for i, field in found.items()}
        _needed_columns(number, columns, profile)
        labels = {f: f"{letter(i)} ({_label(labels_row, row, i)})" for f, i in columns.items()}
        return Header(rows, dict(sorted(columns.items(), key=lambda c: c[1])), labels)
    return None


def _label(labels_row: Cells, row: Cells, i: int) -> str:
    label = labels_row[i] if i < len(labels_row) and not values.empty(labels_row[i]) else row[i]
    return str(label).strip()


def _one_column_each(number: int, row: Cells, found: dict[int, str]) -> None:
    seen: dict[str, int] = {}
    for i, field in found.items():
        if field in seen:
            raise ReadRefused(
                f"the header (row {number}) has two {BY_NAME[field].label} columns: "
                f"{letter(seen[field])} and {letter(i)}; keep one"
            )
        seen[field] = i


def _needed_columns(number: int, columns: dict[str, int], profile: Profile) -> None:
    missing = [f for f in FIELDS if f.required and f.name not in columns]
    if not any(m in columns for m in MANAGER_FIELDS):
        missing.append(BY_NAME["manager_payroll"])
    if missing:
        named = "; ".join(
            f"{f.label} (such as {', '.join(repr(e) for e in profile.examples(f.name)[:2])})"
            for f in missing
        )
        raise ReadRefused(f"the header (row {number}) has no column for: {named}")


def rows_above(sheet: str, first: Sequence[Numbered], header: Header) -> list[Skipped]:
    """The rows above the header, as skipped (title or blank rows)."""
    return [
        Skipped(sheet, n, BLANK if _blank(row) else TITLE) for n, row in first if n < header.rows[0]
    ]


def classify(
    sheet: str, rows: Iterable[Numbered], header: Header, profile: Profile
) -> Iterator[Skipped | tuple[int, dict[str, object]]]:
    """Each row below the header: a post (its number and cells by field) or a Skipped.
    Rows with no payroll number and at most two filled cells are group headings when
    posts follow them, else the footer. Blank rows at the very end (a sheet's used range
    often runs far past its table) are not rows of the table, and are not reported."""
    last_header = header.rows[-1]
    payroll_at = header.columns["payroll"]
    pending: list[Skipped] = []  # reported once a later row says what they are
    for number, row in rows:
        if number <= last_header:
            if number > header.rows[0]:
                yield Skipped(sheet, number, SECOND_HEADER)
            continue
        if _blank(row):
            pending.append(Skipped(sheet, number, BLANK))
            continue
        payroll = row[payroll_at] if payroll_at < len(row) else None
        if profile.field_for(payroll) == "payroll" and is_header(headings(row, profile)):
            yield Skipped(sheet, number, REPEATED_HEADER)
            continue
        keyed = _looks_like_key(payroll)
        if not keyed or _total([payroll]):
            total = _total(row)
            if total is not None:
                yield from _flush(pending, GROUP_HEADING)
                yield Skipped(sheet, number, total)
                continue
        cells = header.cells(row)
        if not _filled(row, 2) or (not keyed and not _filled(cells.values(), 3)):
            pending.append(Skipped(sheet, number, GROUP_HEADING))
            continue
        yield from _flush(pending, GROUP_HEADING)
        yield number, cells
    while pending and pending[-1].reason == BLANK:
        pending.pop()
    yield from _flush(pending, FOOTER)


def _flush(pending: list[Skipped], reason: str) -> Iterator[Skipped]:
    """The rows held back, each blank row as blank and the others with this reason."""
    for skipped in pending:
        yield skipped if skipped.reason == BLANK else Skipped(skipped.sheet, skipped.row, reason)
    pending.clear()


def _blank(row: Cells) -> bool:
    return not _filled(row, 1)


def _filled(cells: Iterable[object], count: int) -> bool:
    """Whether at least count cells hold something."""
    for cell in cells:
        if not values.empty(cell):
            count -= 1
            if not count:
                return True
    return False


def _looks_like_key(cell: object) -> bool:
    if values.empty(cell) or isinstance(cell, bool):
        return False
    found = str(cell).strip()
    return len(found) <= values.KEY_LENGTH and not values.has_space(found)


def _total(row: Cells) -> str | None:
    """'Adults Total' and 'Subtotal' are subtotals; 'Total', 'Grand total' and
    'Total records: 6,087' are totals."""
    for cell in row:
        if not isinstance(cell, str):
            continue
        words = key(cell)
        if words.startswith(("sub total", "subtotal")) or (
            words.endswith(" total") and not words.startswith("grand")
        ):
            return SUBTOTAL
        if words == "total" or words.startswith(("total ", "grand total")):
            return TOTAL
    return None
