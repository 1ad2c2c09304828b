"""The organisation now beside the council's published 2020 workforce profile (People
Strategy 2020-24, 'Our workforce (2020 figures)', transcribed with its misprints noted in
lcc_apr.demo.profile), and HR's equality targets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lcc_apr.demo.profile import FULL_TIME, NOTES, PART_TIME, PUBLISHED

from .config import MiConfig, definitions
from .disclosure import Rule, count_cell, protect_together
from .facts import Facts, Person
from .shape import NO_PEOPLE, chart_for, describe, empty, pct, protected
from .table import Cell, Row, Table

if TYPE_CHECKING:
    from .measures import Period

NAMES = {
    "working_pattern": "Working pattern",
    "sex": "Sex",
    "age_band": "Age",
    "disability": "Disability",
    "sexual_orientation": "Sexual orientation",
    "ethnicity": "Ethnicity",
}


def _value(person: Person, table: str) -> str | None:
    if table == "working_pattern":
        return FULL_TIME if person.full_time else PART_TIME
    return person.traits.get(table)


def _in_post(facts: Facts, people: set[int], period: Period) -> list[Person]:
    return [facts.people[i] for i in people if facts.people[i].in_post(period.end)]


def profile_2020(facts: Facts, people: set[int], period: Period, rule: Rule) -> Table:
    """Each published category: the 2020 count and percentage as printed (over the
    published table's own total), beside the count and share now (over the people holding
    one of the table's categories: no monitoring return is left out, as in the print)."""
    d = definitions()["profile_2020"]
    chart = chart_for("profile_2020", column=3)
    columns = ("Published 2020", "Published 2020 (%)", "Now", "Now (%)")
    staff = _in_post(facts, people, period)
    if not staff:
        return empty("profile_2020", NO_PEOPLE, chart, "Group")
    rows = []
    blocks = [
        [[sum(1 for p in staff if _value(p, table) == k)] for k in figures]
        for table, figures in PUBLISHED.items()
    ]
    done = protect_together(blocks, rule)
    for (table, figures), p in zip(PUBLISHED.items(), done, strict=True):
        total = p.total
        for i, key in enumerate(figures):
            fig = figures[key]
            cells = (
                count_cell(fig.count),
                Cell(f"{fig.percent:.1f}%", fig.percent),
                p.cells[i][0],
                pct(p.cells[i][0], total, rule),
            )
            rows.append(Row(f"{NAMES[table]}: {fig.label}", cells))
        base = sum(f.count for f in figures.values())
        rows.append(
            Row(
                f"{NAMES[table]}: total",
                (count_cell(base), Cell("100.0%", 100.0), total, Cell("100.0%", 100.0)),
                total=True,
            )
        )
    notes = ("Religion is not in the published profile.", *NOTES[:-1])
    return Table(
        "profile_2020",
        d.title,
        "Group",
        columns,
        tuple(rows),
        chart,
        d.definition,
        describe(rule),
        "",
        notes,
    )


def targets(facts: Facts, people: set[int], period: Period, config: MiConfig, rule: Rule) -> Table:
    from .equality import grade_on, senior

    d = definitions()["equality_targets"]
    chart = chart_for("equality_targets", column=1)
    columns = ("Target (%)", "Everyone now (%)", "Grade 13+ now (%)", "Source")
    staff = _in_post(facts, people, period)
    if not config.equality.targets:
        return empty("equality_targets", "HR has set no equality targets.", chart, "Target")
    if not staff:
        return empty("equality_targets", NO_PEOPLE, chart, "Target")
    top = [p for p in staff if senior(grade_on(facts, p, period.end), config)]
    rows = []
    for t in config.equality.targets:
        shares = []
        for group in (staff, top):
            hits = sum(1 for p in group if p.traits.get(t.characteristic) in t.groups)
            body, _, _, total = protected([[hits, len(group) - hits]], rule)
            shares.append(pct(body[0][0], total, rule))
        rows.append(Row(t.label, (Cell(f"{t.percent:.1f}%", t.percent), *shares, Cell(t.source))))
    return Table(
        "equality_targets",
        d.title,
        "Target",
        columns,
        tuple(rows),
        chart,
        d.definition,
        describe(rule),
    )
