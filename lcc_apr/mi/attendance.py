"""Attendance measures: days lost per FTE, return-to-work interviews on time, and
attendance review cases by stage, each by area and under disclosure control (sickness
absence is health information). Read on demand (`gather`): only a dashboard showing
attendance pays for the queries. Any worker thread, on the caller's session."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.attendance.policy import AttendancePolicy
from lcc_apr.models import Absence, Record, RecordKind
from lcc_apr.schedule.attendance import rtw_days

from .config import definitions
from .disclosure import Rule, protect
from .facts import Facts
from .shape import Areas, chart_for, describe, split_table
from .table import NOT_APPLICABLE, WITHHELD, Cell, Row, Table

if TYPE_CHECKING:
    from .measures import Period

# An attendance review's status -> its stage column. Every state after a close (HR's
# register, an amendment, a return for correction) is closed.
STAGES = (
    ("Informal", ("informal",)),
    ("First written warning", ("first_warning",)),
    ("Final written warning", ("final_warning",)),
    ("Final hearing", ("final_hearing",)),
    ("Appeal", ("appeal",)),
    (
        "Closed",
        ("closed_improved", "closed_hearing", "appeal_decided", "accepted", "amending", "returned"),
    ),
)
CLOSED = frozenset(STAGES[-1][1])
NO_ABSENCE = "No staff in post in this area and year."


@dataclass(frozen=True)
class Spell:
    """An absence episode as counted (withdrawn ones are never read)."""

    employee_id: int
    first_day: date
    last_day: date | None  # None: still off


@dataclass
class AttendanceFacts:
    spells: dict[int, list[Spell]] = field(default_factory=dict)  # each person's, oldest first
    rtw: dict[int, list[date]] = field(default_factory=dict)  # days interviews were held
    cases: list[tuple[int, str, date]] = field(default_factory=list)  # person, status, opened


def gather(session: Session, people: Collection[int]) -> AttendanceFacts:
    """The episodes, interviews held and attendance reviews of `people`: three queries."""
    wanted = set(people)
    found = AttendanceFacts()
    for employee, first, last in session.execute(
        select(Absence.employee_id, Absence.first_day, Absence.last_day)
        .where(~Absence.deleted)
        .order_by(Absence.employee_id, Absence.first_day)
    ):
        if employee in wanted:
            found.spells.setdefault(employee, []).append(Spell(employee, first, last))
    held = rtw_days(session, since=date.min)
    found.rtw = {k: sorted(v) for k, v in held.items() if k in wanted}
    for subject, status, opened in session.execute(
        select(Record.subject_id, Record.status, Record.record_date).where(
            Record.kind == RecordKind.ATTENDANCE,
            ~Record.deleted,
            Record.record_date.is_not(None),
        )
    ):
        if subject in wanted and opened is not None:
            found.cases.append((subject, status, opened))
    return found


def _overlap(first: date, last: date, start: date, end: date) -> int:
    """Calendar days of [first, last] within [start, end]."""
    return max(0, (min(last, end) - max(first, start)).days + 1)


def days_lost(
    facts: Facts, att: AttendanceFacts, where: Areas, period: Period, rule: Rule
) -> Table:
    """FTE days lost per FTE: calendar days off in the year, each weighted by the person's
    FTE, over the average FTE in post in the year. Every episode counts, disability- and
    pregnancy-related ones included (a workforce fact, not a trigger)."""
    d = definitions()["attendance_days_lost"]
    columns = ("Staff in the year", "People absent", "Average FTE", "FTE days lost", d.axis)
    chart = chart_for("attendance_days_lost", column=4, percent=False)
    span = (period.end - period.first).days + 1
    n = len(where.labels)
    absent, present = [0] * n, [0] * n
    fte, lost = [0.0] * n, [0.0] * n
    for pid, row in where.row_of.items():
        person = facts.people[pid]
        leaving = person.leaving_date or date.max
        in_post = _overlap(person.start_date, leaving, period.first, period.end)
        if not in_post:
            continue
        fte[row] += person.fte * in_post / span
        off = sum(
            _overlap(s.first_day, s.last_day or period.end, period.first, period.end)
            for s in att.spells.get(pid, ())
        )
        lost[row] += off * person.fte
        if off:
            absent[row] += 1
        else:
            present[row] += 1
    if not any(absent) and not any(present):
        return Table(
            "attendance_days_lost",
            d.title,
            "Area",
            columns,
            (),
            chart,
            d.definition,
            describe(rule),
            NO_ABSENCE,
        )
    p = protect([[a, b] for a, b in zip(absent, present, strict=True)], rule)
    rows = [
        Row(label, _lost_cells(p.row_totals[i], p.cells[i][0], fte[i], lost[i], rule))
        for i, label in enumerate(where.labels)
    ]
    margin = _lost_cells(p.total, p.column_totals[0], sum(fte), sum(lost), rule)
    rows.append(Row(f"{where.title} ({period.title})", margin, total=True))
    return Table(
        "attendance_days_lost",
        d.title,
        "Area",
        columns,
        tuple(rows),
        chart,
        d.definition,
        describe(rule),
        notes=(
            "Calendar days: the app holds no working patterns, so these figures are not "
            "comparable with working-day figures published elsewhere.",
        ),
    )


def _lost_cells(staff: Cell, absent: Cell, fte: float, lost: float, rule: Rule) -> tuple:
    """Days lost only beside a released count of at least `threshold` people absent: one
    person's days are never shown. The FTE only beside a released staff count (it would
    tell the count)."""
    average = Cell(f"{fte:,.1f}", round(fte, 1)) if fte else Cell(NOT_APPLICABLE)
    if staff.value is None:
        average = Cell(WITHHELD)
    if absent.value is None or absent.value < rule.threshold:
        return (staff, absent, average, Cell(WITHHELD), Cell(WITHHELD))
    per = lost / fte if fte else None
    per_cell = Cell(f"{per:.1f}", round(per, 1)) if per is not None else Cell(NOT_APPLICABLE)
    return (staff, absent, average, Cell(f"{lost:,.0f}", round(lost)), per_cell)


def rtw_counts(
    facts: Facts,
    att: AttendanceFacts,
    where: Areas,
    period: Period,
    policy: AttendancePolicy,
    today: date,
) -> list[list[int]]:
    """Per area: interviews held on time, late, not held, for the episodes whose return
    (the day after the last day off) falls in the year and whose interview was due by today.
    An interview counts for an episode when held from the return to the next episode's
    first day (as the schedule judges it)."""
    within = timedelta(days=policy.rtw_due_within_days)
    counts = [[0, 0, 0] for _ in where.labels]
    for pid, row in where.row_of.items():
        person = facts.people[pid]
        spells = att.spells.get(pid, [])
        held = att.rtw.get(pid, [])
        for i, s in enumerate(spells):
            if s.last_day is None:
                continue
            back = s.last_day + timedelta(days=1)
            due = back + within
            if not (period.first <= back <= period.last) or due > today:
                continue
            if not person.in_post(back):
                continue
            until = spells[i + 1].first_day if i + 1 < len(spells) else date.max
            days = [h for h in held if back <= h <= until]
            if not days:
                counts[row][2] += 1
            else:
                counts[row][0 if days[0] <= due else 1] += 1
    return counts


def rtw_on_time(
    facts: Facts,
    att: AttendanceFacts,
    where: Areas,
    period: Period,
    policy: AttendancePolicy,
    today: date,
    rule: Rule,
) -> Table:
    return split_table(
        "attendance_rtw",
        stub="Area",
        labels=where.labels,
        total_label="Returns",
        parts=("On time", "Late", "Not held"),
        values=rtw_counts(facts, att, where, period, policy, today),
        rate_of=0,
        rule=rule,
        margin=f"{where.title} ({period.title})",
        message="No returns from absence with an interview due in this area and year.",
        notes=(
            f"On time: held within {policy.rtw_due_within_days} days of the return "
            "(HR's attendance policy).",
        ),
    )


def stage_counts(att: AttendanceFacts, where: Areas, period: Period) -> list[list[int]]:
    """Per area and stage: cases open now and opened by the year's end, or closed now and
    opened in the year; each at its stage now (its status)."""
    column = {status: j for j, (_, statuses) in enumerate(STAGES) for status in statuses}
    counts = [[0] * len(STAGES) for _ in where.labels]
    for pid, status, opened in att.cases:
        row = where.row_of.get(pid)
        if row is None or opened > period.end or status not in column:
            continue
        if status in CLOSED and opened < period.first:
            continue
        counts[row][column[status]] += 1
    return counts


def stages(att: AttendanceFacts, where: Areas, period: Period, rule: Rule) -> Table:
    d = definitions()["attendance_stages"]
    counts = stage_counts(att, where, period)
    chart = chart_for("attendance_stages", column=0, percent=False)
    columns = ("All cases", *(label for label, _ in STAGES))
    if not any(map(sum, counts)):
        return Table(
            "attendance_stages",
            d.title,
            "Area",
            columns,
            (),
            chart,
            d.definition,
            describe(rule),
            "No attendance reviews in this area and year.",
        )
    p = protect(counts, rule)
    rows = [Row(label, (p.row_totals[i], *p.cells[i])) for i, label in enumerate(where.labels)]
    rows.append(Row(f"{where.title} ({period.title})", (p.total, *p.column_totals), total=True))
    return Table(
        "attendance_stages",
        d.title,
        "Area",
        columns,
        tuple(rows),
        chart,
        d.definition,
        describe(rule),
    )
