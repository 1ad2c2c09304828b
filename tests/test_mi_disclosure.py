"""Disclosure control (lcc_apr.mi.disclosure): worked examples by hand, and properties over
random tables checked against a rank test written here with numpy, apart from the module's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcc_apr.mi.disclosure import (
    SECONDARY,
    Protected,
    Rule,
    _close_lines,
    _grid,
    _lines,
    count_cell,
    protect,
    rate,
    recoverable,
)
from lcc_apr.mi.table import NOT_APPLICABLE, WITHHELD, Cell


def texts(p: Protected) -> list[list[str]]:
    """The table as shown, margins included: body rows with their totals, then the bottom."""
    rows = [[c.text for c in row] + [t.text] for row, t in zip(p.cells, p.row_totals, strict=True)]
    return rows + [[c.text for c in p.column_totals] + [p.total.text]]


def with_margins(values: list[list[int]]) -> list[list[int]]:
    bottom = [sum(col) for col in zip(*values, strict=True)]
    return [row + [sum(row)] for row in values] + [bottom + [sum(bottom)]]


def determined_by_rank(values: list[list[int]], hidden: set[tuple[int, int]]) -> set:
    """Independent check: a hidden cell is determined when adding its unit vector to the
    equations (over the hidden cells) leaves the rank unchanged."""
    nrows, ncols = len(values), len(values[0])
    unknowns = sorted(hidden)
    col = {p: k for k, p in enumerate(unknowns)}
    equations = []
    sums = [[(i, j) for j in range(ncols)] + [(i, ncols)] for i in range(nrows + 1)]
    sums += [[(i, j) for i in range(nrows)] + [(nrows, j)] for j in range(ncols + 1)]
    for *parts, total in sums:
        eq = np.zeros(len(unknowns))
        for p in parts:
            if p in col:
                eq[col[p]] += 1
        if total in col:
            eq[col[total]] -= 1
        equations.append(eq)
    a = np.array(equations)
    base = np.linalg.matrix_rank(a)
    found = set()
    for k, p in enumerate(unknowns):
        unit = np.zeros((1, len(unknowns)))
        unit[0, k] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == base:
            found.add(p)
    return found


# Worked examples (threshold 10)


def test_one_count_of_4_in_a_3x2_table():
    # 20  4 | 24      4 is primary. Its row then holds one hidden cell: hide 20 (smaller
    # 15 30 | 45      than 24). Its column too: hide 12. Column 0 now holds one (20): hide 15
    # 25 12 | 37      (smallest). Row 2 holds one (12): hide 25. Row 1 holds one (15): hide 30.
    # 60 46 | 106     With two columns the whole body goes; the margins stay.
    p = protect([[20, 4], [15, 30], [25, 12]], Rule())
    assert texts(p) == [
        ["[c]", "<10", "24"],
        ["[c]", "[c]", "45"],
        ["[c]", "[c]", "37"],
        ["60", "46", "106"],
    ]
    assert p.suppressed == {(i, j) for i in range(3) for j in range(2)}
    assert p.cells[0][1] == Cell("<10") and p.cells[0][1].hidden
    assert p.total == Cell("106", 106.0)


def test_a_small_row_total_cascades_through_the_right_margin():
    # Row 0 (3, 4, total 7) is all primary. Column 0 then holds one hidden cell: hide 20;
    # column 1: hide 30. The right margin (7, 50, 90, 147) holds one: without more, 7 = 147 -
    # 50 - 90; hide 50, the smallest.
    p = protect([[3, 4], [20, 30], [40, 50]], Rule())
    assert texts(p) == [
        ["<10", "<10", "<10"],
        ["[c]", "[c]", "[c]"],
        ["40", "50", "90"],
        ["63", "84", "147"],
    ]
    assert recoverable([[3, 4], [20, 30], [40, 50]], p.suppressed) == set()


def test_the_council_total_is_a_margin_too():
    # 5 is primary, and so is its row total 5. Column 0 holds one: hide 25. The right margin
    # (5, 70, 45 | 120) then holds one: 5 = 120 - 70 - 45, so 45 is hidden too.
    values = [[5, 0], [30, 40], [25, 20]]
    p = protect(values, Rule())
    assert p.suppressed == {(0, 0), (0, 2), (2, 0), (2, 2)}
    assert texts(p)[2] == ["[c]", "20", "[c]"]
    assert p.total.text == "120"
    # without the last step the row total of 5 comes back from the council total
    assert (0, 2) in recoverable(values, {(0, 0), (0, 2), (2, 0)})


def test_a_small_council_total_hides_every_figure():
    p = protect([[2, 3]], Rule())
    assert p.total == Cell("<10")
    assert all(c.hidden for row in p.cells for c in row) and p.row_totals[0].hidden


def test_zero_is_released_and_thousands_are_separated():
    p = protect([[0, 1234], [15, 20]], Rule())
    assert p.suppressed == frozenset()
    assert p.cells[0][0] == Cell("0", 0.0)
    assert p.cells[0][1] == Cell("1,234", 1234.0)
    assert count_cell(1234) == Cell("1,234", 1234.0)
    with pytest.raises(ValueError):
        protect([[3, -1]], Rule())


def test_recoverable_finds_a_lone_hidden_cell_and_not_a_rectangle():
    values = [[20, 4], [15, 30]]
    assert recoverable(values, {(0, 1)}) == {(0, 1)}
    assert recoverable(values, {(0, 0), (0, 1), (1, 0), (1, 1)}) == set()
    assert recoverable(values, {(0, 0), (0, 1)}) == {(0, 0), (0, 1)}  # from the columns


def test_a_line_hiding_only_zeros_gets_a_non_zero_cell_hidden():
    # Rare in protect() (not met in 100,000 random tables), so checked on the step itself:
    # row 0 hides two zeros, so a reader knows both are 0 (counts are never negative).
    grid = _grid([[0, 0, 12], [15, 16, 20]])
    hidden = {(0, 0), (0, 1)}
    _close_lines(grid, _lines(2, 3), hidden)
    assert (0, 2) in hidden  # 12, the first of the smallest non-zero cells in row 0


def test_rounding_to_5_hides_under_the_threshold_and_rounds_the_rest():
    rule = Rule(threshold=8, round_to=5)
    p = protect([[7, 12, 30], [13, 41, 40], [9, 22, 60]], rule)
    assert p.cells[0][0] == Cell("*")
    assert (0, 0) in p.suppressed and len(p.suppressed) >= 4
    assert p.cells[2][2] == Cell("60", 60.0)
    released = [c for row in p.cells for c in row if not c.hidden]
    assert released and all(c.value is not None and c.value % 5 == 0 for c in released)
    assert Rule(threshold=8, round_to=5).shown(12) == 10
    assert Rule(threshold=8, round_to=5).shown(13) == 15
    assert Rule(threshold=8, round_to=5).shown(8) == 10


def test_the_threshold_is_never_below_5():
    with pytest.raises(ValueError):
        Rule(threshold=4)
    with pytest.raises(ValueError):
        Rule(round_to=1)
    assert Rule(threshold=5).threshold == 5


def test_describe_states_the_rule():
    assert Rule().describe().startswith("Counts of 1 to 9 are shown as <10")
    nhs = Rule(threshold=8, round_to=5).describe()
    assert "1 to 7 are shown as *" in nhs and "nearest 5" in nhs


def test_rates():
    rule = Rule()
    assert rate(count_cell(7), count_cell(200), rule) == Cell(WITHHELD)
    assert rate(count_cell(12), count_cell(200), rule) == Cell("6.0%", 6.0)
    assert rate(count_cell(12), count_cell(9), rule) == Cell(WITHHELD)
    assert rate(Cell("<10"), count_cell(200), rule) == Cell(WITHHELD)
    assert rate(count_cell(12), Cell(SECONDARY), rule) == Cell(WITHHELD)
    assert rate(count_cell(0), count_cell(0), rule) == Cell(NOT_APPLICABLE)
    assert rate(count_cell(0), count_cell(200), rule) == Cell(WITHHELD)
    assert rate(count_cell(1), count_cell(3), rule, digits=0) == Cell(WITHHELD)
    assert rate(count_cell(10), count_cell(30), rule, digits=0) == Cell("33%", 33.0)


# Properties over random tables

counts = st.one_of(st.integers(0, 12), st.integers(0, 60))  # weighted toward small counts
tables = st.integers(1, 6).flatmap(
    lambda r: st.integers(1, 5).flatmap(
        lambda c: st.lists(st.lists(counts, min_size=c, max_size=c), min_size=r, max_size=r)
    )
)


@settings(max_examples=300, deadline=None)
@given(values=tables, threshold=st.integers(5, 15), rounding=st.booleans())
def test_no_hidden_cell_can_be_worked_out(values, threshold, rounding):
    rule = Rule(threshold=threshold, round_to=5 if rounding else None)
    p = protect(values, rule)
    full = with_margins(values)
    nrows, ncols = len(values), len(values[0])
    shown = [[*row, total] for row, total in zip(p.cells, p.row_totals, strict=True)] + [
        [*p.column_totals, p.total]
    ]
    hidden = {(i, j) for i in range(nrows + 1) for j in range(ncols + 1) if shown[i][j].hidden}
    assert hidden == p.suppressed
    assert recoverable(values, hidden) == set()
    assert determined_by_rank(values, hidden) == set()
    for i, row in enumerate(full):
        for j, n in enumerate(row):
            cell = shown[i][j]
            if 0 < n < threshold:  # every small count is hidden, margins included
                assert cell == Cell(rule.primary_text)
            elif cell.hidden:
                assert cell == Cell(SECONDARY)
            else:
                assert cell.value is not None
                assert cell.value == 0 or cell.value >= threshold - (2 if rounding else 0)
                assert not rounding or cell.value % 5 == 0
                assert rounding or cell.value == n
    # each line (a row or column with its total) hides none, or at least two cells that are
    # not all zeros (hidden zeros alone would be known: counts are never negative)
    lines = [[(i, j) for j in range(ncols + 1)] for i in range(nrows + 1)]
    lines += [[(i, j) for i in range(nrows + 1)] for j in range(ncols + 1)]
    for line in lines:
        inside = [full[i][j] for i, j in line if (i, j) in hidden]
        assert len(inside) != 1
        if inside and any(full[i][j] for i, j in line):
            assert any(inside)


@settings(max_examples=200, deadline=None)
@given(values=tables, data=st.data())
def test_recoverable_agrees_with_a_rank_test(values, data):
    cells = [(i, j) for i in range(len(values) + 1) for j in range(len(values[0]) + 1)]
    hidden = set(data.draw(st.lists(st.sampled_from(cells), max_size=len(cells))))
    assert recoverable(values, hidden) == determined_by_rank(values, hidden)
