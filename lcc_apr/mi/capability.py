"""Capability cases by stage (with the days spent at each), by area, and warnings live and
expired. Capability counts are under disclosure control at every level: the council's
figures are the by-area table's margins."""

from __future__ import annotations

import statistics
from datetime import date
from typing import TYPE_CHECKING

from lcc_apr.policy import Policy
from lcc_apr.workdays import add_months

from .config import definitions
from .disclosure import Rule
from .facts import Case, Facts
from .shape import Areas, chart_for, describe, protected
from .table import NOT_APPLICABLE, WITHHELD, Cell, Row, Table

if TYPE_CHECKING:
    from .measures import Period

# Each stage, the answer dating its start, and its label.
STAGES = (
    ("informal", "meeting_date", "Informal stage"),
    ("improvement_note", "improvement_note_outcome_date", "Formal stage 1: improvement note"),
    ("final_warning", "final_warning_outcome_date", "Formal stage 2: final written warning"),
    ("final_hearing", "hearing_letter_date", "Final hearing"),
)
CLOSED = (
    ("closed_improved", "Closed: performance improved"),
    ("closed_hearing", "Closed after the final hearing or an appeal"),
)
REVIEWS = ("review_date", "improvement_note_review_date", "final_warning_review_date")
WARNING_MONTHS = {
    "improvement_note": "improvement_note_expiry_months",
    "final_warning": "final_warning_expiry_months",
}


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def starts(case: Case) -> list[tuple[str, date]]:
    """The stages the case entered, with the day each began, in order."""
    found = []
    for key, field, _ in STAGES:
        day = _day(case.answers.get(field)) or (case.record_date if key == "informal" else None)
        if day is not None:
            found.append((key, day))
    return found


def closed(case: Case) -> tuple[str, date] | None:
    """How and when the case closed (None: open). A case closed with performance improved
    closes on its last review date."""
    a = case.answers
    if case.status == "closed_improved":
        days = [d for d in (_day(a.get(k)) for k in REVIEWS) if d]
        return ("closed_improved", max(days)) if days else None
    if case.status in ("closed_hearing", "appeal_decided"):
        day = _day(a.get("appeal_outcome_date")) or _day(a.get("hearing_outcome_date"))
        return ("closed_hearing", day) if day else None
    return None


def _open_in(case: Case, period: Period) -> bool:
    begun = starts(case)
    end = closed(case)
    return bool(begun) and begun[0][1] <= period.end and (end is None or end[1] >= period.first)


def reached(case: Case, period: Period) -> str:
    end = closed(case)
    if end is not None and end[1] <= period.end:
        return end[0]
    return [k for k, d in starts(case) if d <= period.end][-1]


def _in_area(facts: Facts, where: Areas, period: Period) -> list[tuple[int, Case]]:
    return [
        (where.row_of[c.subject_id], c)
        for c in facts.capability
        if c.subject_id in where.row_of and _open_in(c, period)
    ]


def _reached_counts(facts: Facts, where: Areas, period: Period) -> list[list[int]]:
    keys = [k for k, _, _ in STAGES] + [k for k, _ in CLOSED]
    counts = [[0] * len(keys) for _ in where.labels]
    for row, case in _in_area(facts, where, period):
        counts[row][keys.index(reached(case, period))] += 1
    return counts


def stages(facts: Facts, where: Areas, period: Period, policy: Policy, rule: Rule) -> Table:
    """Cases by the stage reached, and the median days spent at each stage. The counts are
    the by-area table's protected margin (one figure, one release: no table undoes another);
    a median only from at least `threshold` cases."""
    d = definitions()["capability_stages"]
    labels = [label for _, _, label in STAGES] + [label for _, label in CLOSED]
    cases = _in_area(facts, where, period)
    chart = chart_for("capability_stages", column=0, percent=False)
    columns = ("Cases", "Median days at stage")
    if not cases:
        return Table(
            "capability_stages",
            d.title,
            "Stage",
            columns,
            (),
            chart,
            d.definition,
            describe(rule),
            "No capability cases open in this area and year.",
        )
    _, _, reached_cells, total = protected(_reached_counts(facts, where, period), rule)
    days: dict[str, list[int]] = {k: [] for k, _, _ in STAGES}
    for _, case in cases:
        begun = [(k, s) for k, s in starts(case) if s <= period.end]
        end = closed(case)
        stop = min(end[1], period.end) if end else period.end
        for i, (key, start) in enumerate(begun):
            until = begun[i + 1][1] if i + 1 < len(begun) else stop
            days[key].append(max(0, (until - start).days))
    rows = []
    for i, label in enumerate(labels):
        spent = days.get(([k for k, _, _ in STAGES] + [k for k, _ in CLOSED])[i], [])
        median = Cell(NOT_APPLICABLE)
        if len(spent) >= rule.threshold:
            median = Cell(f"{statistics.median(spent):.0f}", float(statistics.median(spent)))
        elif spent:
            median = Cell(WITHHELD)
        rows.append(Row(label, (reached_cells[i], median)))
    rows.append(Row(f"{where.title} ({period.title})", (total, Cell(NOT_APPLICABLE)), total=True))
    return Table(
        "capability_stages",
        d.title,
        "Stage",
        columns,
        tuple(rows),
        chart,
        d.definition,
        describe(rule),
        notes=(
            "Capability counts are under disclosure control at every level: the "
            "council's figures are the margins of the by-area table.",
        ),
    )


def by_area(facts: Facts, where: Areas, period: Period, rule: Rule) -> Table:
    d = definitions()["capability_by_area"]
    short = (
        "Informal",
        "Improvement note",
        "Final warning",
        "Final hearing",
        "Closed: improved",
        "Closed: hearing",
    )
    counts = _reached_counts(facts, where, period)
    chart = chart_for("capability_by_area", column=0, percent=False)
    columns = ("All cases", *short)
    if not any(map(sum, counts)):
        return Table(
            "capability_by_area",
            d.title,
            "Area",
            columns,
            (),
            chart,
            d.definition,
            describe(rule),
            "No capability cases open in this area and year.",
        )
    body, row_totals, col_totals, total = protected(counts, rule)
    rows = [Row(label, (row_totals[i], *body[i])) for i, label in enumerate(where.labels)]
    rows.append(Row(f"{where.title} ({period.title})", (total, *col_totals), total=True))
    return Table(
        "capability_by_area",
        d.title,
        "Area",
        columns,
        tuple(rows),
        chart,
        d.definition,
        describe(rule),
    )


def warnings(facts: Facts, where: Areas, period: Period, policy: Policy, rule: Rule) -> Table:
    d = definitions()["warnings"]
    counts = [[0, 0], [0, 0]]
    for case in facts.capability:
        if case.subject_id not in where.row_of:
            continue
        for i, (stage, months) in enumerate(WARNING_MONTHS.items()):
            given = _day(case.answers.get(f"{stage}_outcome_date"))
            if given is None or given > period.end:
                continue
            expiry = _day(case.answers.get(f"{stage}_expiry_date"))
            expiry = expiry or add_months(given, getattr(policy.capability, months))
            if expiry > period.end:
                counts[i][0] += 1
            elif expiry >= period.first:
                counts[i][1] += 1
    chart = chart_for("warnings", column=1, percent=False)
    columns = ("All", "Live at the year's end", "Expired in the year")
    if not any(map(sum, counts)):
        return Table(
            "warnings",
            d.title,
            "Warning",
            columns,
            (),
            chart,
            d.definition,
            "None",
            "No warnings live or expired in this area and year.",
        )
    body, row_totals, col_totals, total = protected(counts, rule)
    labels = ("Improvement notes", "Final written warnings")
    rows = [Row(labels[i], (row_totals[i], *body[i])) for i in range(2)]
    rows.append(Row(f"{where.title} ({period.title})", (total, *col_totals), total=True))
    return Table(
        "warnings", d.title, "Warning", columns, tuple(rows), chart, d.definition, describe(rule)
    )
