"""Disclosure control for count tables: primary and secondary suppression, optional rounding.

Called by the measures (equality views at every level, capability counts below council level)
before a `Table` is built, so screens, tooltips, exports, charts and the PDF pack only ever see
the cells returned here. Pure Python, no Qt; runs on whichever thread builds the figures.

The rule (`Rule`, threshold 10 by default, never below 5):
- primary: a count of 1 to threshold-1 is hidden and shown as "<10" (as "*" when rounding);
- zero is released as 0 (standard practice at the ONS and NHS Digital: an empty cell is not a
  person), so "0" may say that nobody in a group had an outcome;
- secondary: a table is protected with both margins and the grand total (the council total).
  Each line (a row with its total, a column with its total, the bottom margin with the grand
  total, the right margin with the grand total) holding exactly one hidden cell, or only hidden
  zeros, gets its smallest released non-zero cell hidden (ties: the first; a zero only when the
  line has no other), until no line needs more; then `recoverable` checks that no hidden cell is
  exactly determined by the released cells and margins, and more cells are hidden until none is.
  Secondary cells show "[c]". "[c]" therefore says "0 or at least the threshold", "<10" says
  "1 to 9"; that is the issue's wording, and it allows bounds (not exact values) to be worked out.
  The check is exact determination by the linear sum equations, not interval bounds.
- rounding (`round_to=5`, NHS Digital's practice with `threshold=8`): counts under the threshold
  are hidden as above and every released count, margins included, is rounded on its own to the
  nearest 5, so totals may not add up. Secondary suppression still applies (on the true counts).
- a rate is worked out from released counts only, and withheld when either count is hidden or
  under the threshold, a zero numerator included (as the issue's rule reads: a 0% rate of a
  small group is withheld too, though its zero count is shown).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from lcc_apr.mi.table import NOT_APPLICABLE, WITHHELD, Cell

MIN_THRESHOLD = 5
SECONDARY = "[c]"  # a cell hidden so that a small count cannot be worked out from the totals

Pos = tuple[int, int]  # (row, column) in the table with margins: len(rows) / len(cols) = margin


@dataclass(frozen=True)
class Rule:
    threshold: int = 10  # counts 1 to threshold-1 are hidden; ValueError if under 5
    round_to: int | None = None  # 5: NHS-style, released counts rounded to the nearest 5

    def __post_init__(self) -> None:
        if self.threshold < MIN_THRESHOLD:
            raise ValueError(f"disclosure threshold {self.threshold} is under {MIN_THRESHOLD}")
        if self.round_to is not None and self.round_to < 2:
            raise ValueError(f"rounding base {self.round_to} must be at least 2")

    @property
    def primary_text(self) -> str:
        return "*" if self.round_to else f"<{self.threshold}"

    def hides(self, n: int) -> bool:
        return 0 < n < self.threshold

    def shown(self, n: int) -> int:
        """The released figure for a count that is not hidden."""
        if not self.round_to:
            return n
        base = self.round_to
        return (n + base // 2) // base * base  # integers: no ties when base is odd (5)

    def describe(self) -> str:
        """One sentence for docs/mi.md, table notes and exports."""
        t = self.threshold
        text = (
            f"Counts of 1 to {t - 1} are shown as {self.primary_text}, and counts that would "
            f"let one be worked out from the totals as {SECONDARY}; "
        )
        if self.round_to:
            text += (
                f"other counts are rounded to the nearest {self.round_to}, so totals may not "
                f"add up; rates use the rounded counts and are withheld when either is under {t}"
            )
        else:
            text += f"a rate is withheld when its numerator or denominator is under {t}"
        return text + "; zero is shown as 0."


@dataclass(frozen=True)
class Protected:
    """A count table with both margins, after disclosure control."""

    cells: tuple[tuple[Cell, ...], ...]  # body, rows x columns
    row_totals: tuple[Cell, ...]  # one per row (right margin)
    column_totals: tuple[Cell, ...]  # one per column (bottom margin)
    total: Cell  # the grand total (the council total)
    # positions withheld, margins included: row index len(rows) is the bottom margin,
    # column index len(cols) the right margin
    suppressed: frozenset[tuple[int, int]]


def count_cell(n: int) -> Cell:
    """An unprotected count (council-level figures that need no control): "1,234"."""
    if n < 0:
        raise ValueError("a count cannot be negative")
    return Cell(f"{n:,}", float(n))


def protect(values: Sequence[Sequence[int]], rule: Rule, *, also: Iterable[Pos] = ()) -> Protected:
    """Counts (rows x columns, no margins) through primary and secondary suppression;
    `also`: positions hidden from the start (a margin another table hides)."""
    grid = _grid(values)
    lines = _lines(len(grid) - 1, len(grid[0]) - 1)
    primary = {(i, j) for i, row in enumerate(grid) for j, n in enumerate(row) if rule.hides(n)}
    hidden = primary | set(also)
    while True:
        _close_lines(grid, lines, hidden)
        found = _recoverable(grid, lines, hidden)
        if not found:
            break
        cell = min(found)
        near = {p for line in lines if cell in line for p in line}
        if not _hide_smallest(grid, near, hidden) and not _hide_smallest(
            grid, _positions(grid), hidden
        ):
            raise AssertionError("a hidden cell is recoverable with every cell hidden")

    def shown(i: int, j: int) -> Cell:
        if (i, j) in primary:
            return Cell(rule.primary_text)
        if (i, j) in hidden:
            return Cell(SECONDARY)
        n = rule.shown(grid[i][j])
        return Cell(f"{n:,}", float(n))

    nrows, ncols = len(grid) - 1, len(grid[0]) - 1
    return Protected(
        cells=tuple(tuple(shown(i, j) for j in range(ncols)) for i in range(nrows)),
        row_totals=tuple(shown(i, ncols) for i in range(nrows)),
        column_totals=tuple(shown(nrows, j) for j in range(ncols)),
        total=shown(nrows, ncols),
        suppressed=frozenset(hidden),
    )


def rate(numerator: Cell, denominator: Cell, rule: Rule, *, digits: int = 1) -> Cell:
    """A percentage from two released counts: "6.0%"; WITHHELD when either is hidden or
    under the threshold (zero included); "-" when the denominator is 0."""
    num, den = numerator.value, denominator.value
    if num is None or den is None:
        return Cell(WITHHELD)
    if den == 0:
        return Cell(NOT_APPLICABLE)
    if den < rule.threshold or num < rule.threshold:
        return Cell(WITHHELD)
    percent = 100 * num / den
    return Cell(f"{percent:.{digits}f}%", round(percent, digits))


def protect_together(blocks: Sequence[Sequence[Sequence[int]]], rule: Rule) -> list[Protected]:
    """Tables of the same people split different ways (by sex, by age...): their bottom
    margins (the column totals and the grand total) are the same figures, so a margin hidden
    in one is hidden in all, until none hides more. Each block has the same columns."""
    hidden: set[int] = set()  # bottom-margin columns hidden somewhere (the total: width)
    while True:
        done = [protect(b, rule, also=((len(b), j) for j in hidden)) for b in blocks]
        now = {j for b, p in zip(blocks, done, strict=True) for i, j in p.suppressed if i == len(b)}
        if now <= hidden:
            return done
        hidden |= now


def recoverable(values: Sequence[Sequence[int]], suppressed: Iterable[Pos]) -> set[Pos]:
    """The hidden cells (positions as in `Protected.suppressed`) exactly determined by the
    released cells and margins: those whose unit vector lies in the row space of the sum
    equations restricted to the hidden cells (exact arithmetic, no tolerance)."""
    grid = _grid(values)
    hidden = set(suppressed)
    if not hidden <= set(_positions(grid)):
        raise ValueError("a suppressed position lies outside the table")
    return _recoverable(grid, _lines(len(grid) - 1, len(grid[0]) - 1), hidden)


def _grid(values: Sequence[Sequence[int]]) -> list[list[int]]:
    """The table with a right margin (row totals) and a bottom margin (column totals)."""
    rows = [list(row) for row in values]
    ncols = len(rows[0]) if rows else 0
    if any(len(row) != ncols for row in rows):
        raise ValueError("rows of different lengths")
    if any(n < 0 for row in rows for n in row):
        raise ValueError("a count cannot be negative")
    bottom = [sum(row[j] for row in rows) for j in range(ncols)]
    return [row + [sum(row)] for row in rows] + [bottom + [sum(bottom)]]


def _positions(grid: list[list[int]]) -> list[Pos]:
    return [(i, j) for i in range(len(grid)) for j in range(len(grid[0]))]


def _lines(nrows: int, ncols: int) -> list[list[Pos]]:
    """Each line's cells then its total: rows (the last is the bottom margin), then columns
    (the last is the right margin). Every line is one equation: the cells sum to the total."""
    rows = [[(i, j) for j in range(ncols + 1)] for i in range(nrows + 1)]
    return rows + [[(i, j) for i in range(nrows + 1)] for j in range(ncols + 1)]


def _hide_smallest(grid: list[list[int]], cells: Iterable[Pos], hidden: set[Pos]) -> bool:
    """Hide the smallest released non-zero cell (ties: the first), else a released zero."""
    released = [p for p in cells if p not in hidden]
    if not released:
        return False
    hidden.add(min(released, key=lambda p: (grid[p[0]][p[1]] == 0, grid[p[0]][p[1]], p)))
    return True


def _close_lines(grid: list[list[int]], lines: list[list[Pos]], hidden: set[Pos]) -> None:
    """Until no line holds exactly one hidden cell, or hidden zeros only beside a released
    non-zero cell (the zeros would be known: counts are never negative)."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            inside = [p for p in line if p in hidden]
            if not inside:
                continue
            only_zeros = all(grid[i][j] == 0 for i, j in inside)
            released_nonzero = [p for p in line if p not in hidden and grid[p[0]][p[1]]]
            if len(inside) == 1 or (only_zeros and released_nonzero):
                changed |= _hide_smallest(grid, line, hidden)


def _recoverable(grid: list[list[int]], lines: list[list[Pos]], hidden: set[Pos]) -> set[Pos]:
    unknowns = sorted(hidden)
    index = {p: k for k, p in enumerate(unknowns)}
    matrix = []
    for line in lines:
        row = [Fraction(0)] * len(unknowns)
        for p in line[:-1]:
            if p in index:
                row[index[p]] += 1
        if line[-1] in index:
            row[index[line[-1]]] -= 1
        if any(row):
            matrix.append(row)
    found = set()
    for row in _reduced(matrix, len(unknowns)):
        nonzero = [k for k, x in enumerate(row) if x]
        if len(nonzero) == 1:  # a reduced row that is a unit vector: that cell is determined
            found.add(unknowns[nonzero[0]])
    return found


def _reduced(matrix: list[list[Fraction]], width: int) -> list[list[Fraction]]:
    """The non-zero rows of the reduced row echelon form (Gauss-Jordan, exact fractions)."""
    rows = [row[:] for row in matrix]
    top = 0
    for col in range(width):
        if top == len(rows):
            break
        pick = next((r for r in range(top, len(rows)) if rows[r][col]), None)
        if pick is None:
            continue
        rows[top], rows[pick] = rows[pick], rows[top]
        lead = rows[top][col]
        rows[top] = [x / lead for x in rows[top]]
        for r, row in enumerate(rows):
            if r != top and row[col]:
                factor = row[col]
                rows[r] = [a - factor * b for a, b in zip(row, rows[top], strict=True)]
        top += 1
    return rows[:top]
