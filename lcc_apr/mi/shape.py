"""Turning counts into Tables: the areas a view's rows are, and count tables with their
totals, rates and disclosure control. Every view is built here, so every view releases
figures the same way."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.models import Department

from . import disclosure
from .config import definitions
from .disclosure import Protected, Rule, count_cell, rate
from .facts import Facts
from .table import NOT_APPLICABLE, Cell, Chart, ChartKind, Filters, Row, Table

COUNCIL = "Leicestershire County Council"
NO_PEOPLE = "No staff in this area."
EQUALITY_LEVELS = "Equality monitoring is shown for the whole council and for departments only."


@dataclass(frozen=True)
class Areas:
    """The rows of a by-area view: their labels, and each person's row."""

    title: str  # the area the dashboard covers
    labels: tuple[str, ...]
    row_of: dict[int, int]  # person id -> row index (people outside the area absent)
    council: bool  # the whole council (margins are council totals)
    section: bool  # a section: below department level

    @property
    def people(self) -> set[int]:
        return set(self.row_of)

    def only(self, people: Collection[int]) -> Areas:
        """The same rows, holding only `people`."""
        kept = set(people)
        rows = {p: r for p, r in self.row_of.items() if p in kept}
        return Areas(self.title, self.labels, rows, self.council, self.section)


def areas(facts: Facts, filters: Filters, *, own_area: bool) -> Areas:
    """Council: rows are departments. A department: its sections (and people placed in the
    department itself). A section, or a manager's own area: rows are sections."""
    names = facts.departments

    def top(dept: int) -> int:
        seen = 0
        while names[dept][1] is not None and seen < 50:
            dept, seen = names[dept][1], seen + 1  # type: ignore[assignment]
        return dept

    chosen = filters.department_id
    if own_area:
        keys = {p.id: p.department_id for p in facts.people.values()}
        title, council, section = "My area", False, True
    elif chosen is None:
        keys = {p.id: top(p.department_id) for p in facts.people.values()}
        title, council, section = COUNCIL, True, False
    else:
        inside = {d for d in names if d == chosen or names[d][1] == chosen}
        keys = {p.id: p.department_id for p in facts.people.values() if p.department_id in inside}
        title = names[chosen][0] if chosen in names else "Unknown area"
        council, section = False, names.get(chosen, ("", None))[1] is not None
    order = sorted(set(keys.values()), key=lambda d: names[d][0])
    index = {d: i for i, d in enumerate(order)}
    labels = tuple(names[d][0] for d in order)
    return Areas(title, labels, {p: index[d] for p, d in keys.items()}, council, section)


def area_choices(session: Session) -> tuple[tuple[int | None, str], ...]:
    """HR's areas to choose from: (None, the whole council), then each department by name,
    each followed by its sections ("Department - Section")."""
    rows = session.execute(
        select(Department.id, Department.name, Department.parent_id).order_by(Department.name)
    ).all()
    found: list[tuple[int | None, str]] = [(None, "Whole council")]
    for top in (r for r in rows if r.parent_id is None):
        found.append((top.id, top.name))
        found += [(r.id, f"{top.name} - {r.name}") for r in rows if r.parent_id == top.id]
    return tuple(found)


def chart_for(
    key: str,
    *,
    column: int,
    kind: ChartKind = ChartKind.BAR,
    percent: bool = True,
    band: tuple[float, float] | None = None,
) -> Chart:
    return Chart(kind, column, definitions()[key].axis, percent, band)


def empty(key: str, message: str, chart: Chart, stub: str = "Area") -> Table:
    d = definitions()[key]
    return Table(key, d.title, stub, (), (), chart, d.definition, "None", message)


def split_table(
    key: str,
    *,
    stub: str,
    labels: Sequence[str],
    total_label: str,
    parts: Sequence[str],
    values: Sequence[Sequence[int]],
    rate_of: int,
    rule: Rule | None,
    kind: ChartKind = ChartKind.BAR,
    margin: str | None = "Total",
    message: str = NO_PEOPLE,
    notes: tuple[str, ...] = (),
) -> Table:
    """A view whose rows split a total into parts (completed / not completed...): the
    total, each part, and the rate of part `rate_of` in the total. With a rule, the counts
    go through disclosure control (margins included); the rate only from released counts."""
    d = definitions()[key]
    columns = (total_label, *parts, d.axis)
    chart = Chart(kind, len(parts) + 1, d.axis, True)
    if not labels or not any(sum(r) for r in values):
        return Table(key, d.title, stub, columns, (), chart, d.definition, "None", message, notes)
    cells, row_totals, col_totals, total = protected(values, rule)
    rows = [
        Row(label, (row_totals[i], *cells[i], pct(cells[i][rate_of], row_totals[i], rule)))
        for i, label in enumerate(labels)
    ]
    if margin:
        share = pct(col_totals[rate_of], total, rule)
        rows.append(Row(margin, (total, *col_totals, share), total=True))
    return Table(
        key, d.title, stub, columns, tuple(rows), chart, d.definition, describe(rule), "", notes
    )


def protected(
    values: Sequence[Sequence[int]], rule: Rule | None
) -> tuple[list[list[Cell]], list[Cell], list[Cell], Cell]:
    """Body, row totals, column totals and grand total: protected with a rule, else plain."""
    if rule is not None:
        p: Protected = disclosure.protect(values, rule)
        return [list(r) for r in p.cells], list(p.row_totals), list(p.column_totals), p.total
    body = [[count_cell(v) for v in row] for row in values]
    width = len(values[0]) if values else 0
    columns = [count_cell(sum(row[j] for row in values)) for j in range(width)]
    return body, [count_cell(sum(r)) for r in values], columns, count_cell(sum(map(sum, values)))


def pct(part: Cell, whole: Cell, rule: Rule | None) -> Cell:
    if rule is not None:
        return rate(part, whole, rule)
    if whole.value in (None, 0) or part.value is None:
        return Cell(NOT_APPLICABLE)
    share = 100 * part.value / whole.value
    return Cell(f"{share:.1f}%", round(share, 1))


def describe(rule: Rule | None) -> str:
    return rule.describe() if rule is not None else "None: no personal characteristic shown."
