"""The performance measures: APR completion, supervisions on time and their keeping in
touch check, probation reviews on time and outcomes, capability by stage and area,
warnings, and attendance (lcc_apr.mi.attendance); and `dashboard`, which puts every view
for a set of filters together."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, timedelta
from functools import cache, partial

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from lcc_apr.attendance.policy import AttendancePolicy, default_attendance_policy
from lcc_apr.policy import Policy
from lcc_apr.schedule.cycles import cycle_starting
from lcc_apr.schedule.rules import cycle_window

from . import attendance, capability, equality, supervision
from .config import MiConfig
from .disclosure import Rule
from .facts import SIGNED, Facts, final_outcome, gather
from .shape import Areas, areas, split_table
from .table import ChartKind, Dashboard, Filters, Table

TREND_YEARS = 5


class Period:
    """A year of the council (1 April to 31 March), cut at today while it runs."""

    def __init__(self, year: int, policy: Policy, today: date) -> None:
        cycle = cycle_starting(year, policy)
        self.year, self.first, self.last = year, cycle.first, cycle.last
        self.end = min(cycle.last, today)
        self.title = cycle.title

    def holds(self, day: date | None) -> bool:
        return day is not None and self.first <= day <= self.end


def rule_of(config: MiConfig) -> Rule:
    d = config.disclosure
    return Rule(threshold=d.threshold, round_to=d.round_to or None)


def dashboard(
    session: Session,
    *,
    filters: Filters,
    policy: Policy,
    config: MiConfig,
    today: date,
    people: ColumnElement[bool] | None = None,
    exclude_id: int | None = None,
    cases_of: Collection[int] | None = None,
    attendance_policy: AttendancePolicy | None = None,
) -> Dashboard:
    """Every view for `filters`: HR's (people None) or a manager's own area. `cases_of`:
    the people whose capability cases and attendance (absences, interviews, reviews) count
    (None: all of `people`); the server passes a manager's direct reports, as it never
    shows them their reports' reports' cases. `attendance_policy`: None, the shipped one."""
    facts = gather(session, people=people)
    if exclude_id is not None:
        facts.people.pop(exclude_id, None)
    if cases_of is not None:
        facts.capability = [c for c in facts.capability if c.subject_id in cases_of]
    own = people is not None
    where = areas(facts, filters, own_area=own)
    period = Period(filters.year, policy, today)
    years = [Period(filters.year - k, policy, today) for k in range(TREND_YEARS - 1, -1, -1)]
    rule = rule_of(config)
    judged = cache(lambda: supervision.judge(facts, policy, config.supervision.grace_days))
    # Attendance: only the people whose cases count (a manager's direct reports).
    own_cases = where if cases_of is None else where.only(cases_of)
    absence = cache(lambda: attendance.gather(session, own_cases.people))
    rtw_policy = attendance_policy or default_attendance_policy()
    kinds: dict[str, list[Callable[[], Table]]] = {
        "apr": [
            lambda: apr_completion(facts, where, period, policy, config),
            lambda: apr_trend(facts, where, years, policy, config),
        ],
        "supervision": [
            lambda: supervision_on_time(facts, where, [period], policy, config, judged()),
            lambda: supervision_on_time(facts, where, years, policy, config, judged()),
            lambda: keeping_in_touch(facts, where, period),
        ],
        "probation": [
            lambda: probation_on_time(facts, where, period, policy, config),
            lambda: probation_outcomes(facts, where, period),
        ],
        "capability": [
            lambda: capability.stages(facts, where, period, policy, rule),
            lambda: capability.by_area(facts, where, period, rule),
            lambda: capability.warnings(facts, where, period, policy, rule),
        ],
        "attendance": [
            lambda: attendance.days_lost(facts, absence(), own_cases, period, rule),
            lambda: attendance.rtw_on_time(
                facts, absence(), own_cases, period, rtw_policy, today, rule
            ),
            lambda: attendance.stages(absence(), own_cases, period, rule),
        ],
    }
    if not own:
        kinds["equality"] = [
            partial(equality.view, v, facts, where, period, policy, config, rule)
            for v in equality.VIEWS
        ]
    chosen = [filters.kind] if filters.kind else list(kinds)
    tables = tuple(make() for k in chosen for make in kinds.get(k, []))
    return Dashboard(filters, where.title, tables)


def _apr_counts(
    facts: Facts, where: Areas, period: Period, policy: Policy, config: MiConfig
) -> list[list[int]]:
    rules = config.apr
    deadline = cycle_window(period.year, policy)[1] + timedelta(days=rules.deadline_grace_days)
    starters = deadline - timedelta(days=rules.starter_days)
    done = {
        a.subject_id
        for a in facts.aprs
        if a.status in SIGNED
        and period.first <= a.record_date <= period.last
        and a.signed_on is not None
        and a.signed_on <= deadline
    }
    counts = [[0, 0] for _ in where.labels]
    for pid, row in where.row_of.items():
        person = facts.people[pid]
        if person.in_post(deadline) and person.start_date <= starters:
            counts[row][0 if pid in done else 1] += 1
    return counts


def apr_completion(
    facts: Facts, where: Areas, period: Period, policy: Policy, config: MiConfig
) -> Table:
    return split_table(
        "apr_completion",
        stub="Area",
        labels=where.labels,
        total_label="Eligible",
        parts=("Completed", "Not completed"),
        values=_apr_counts(facts, where, period, policy, config),
        rate_of=0,
        rule=None,
        margin=f"{where.title} ({period.title})",
    )


def apr_trend(
    facts: Facts, where: Areas, years: list[Period], policy: Policy, config: MiConfig
) -> Table:
    values = [_sum_rows(_apr_counts(facts, where, p, policy, config)) for p in years]
    return split_table(
        "apr_completion_trend",
        stub="Year",
        labels=[p.title for p in years],
        total_label="Eligible",
        parts=("Completed", "Not completed"),
        values=values,
        rate_of=0,
        rule=None,
        kind=ChartKind.LINE,
        margin=None,
        message="No eligible staff in these years.",
    )


def _sum_rows(values: list[list[int]]) -> list[int]:
    """A by-area table's columns summed: one year's line of a trend."""
    return [sum(col) for col in zip(*values, strict=True)]


def supervision_on_time(
    facts: Facts,
    where: Areas,
    years: list[Period],
    policy: Policy,
    config: MiConfig,
    judged: tuple[dict[int, supervision.History], date | None],
) -> Table:
    histories, begin = judged
    grace = config.supervision.grace_days
    trend = len(years) > 1
    if trend:
        values = [_sum_rows(supervision.counts(histories, facts, where, p, grace)) for p in years]
        labels: list[str] | tuple[str, ...] = [p.title for p in years]
    else:
        values = supervision.counts(histories, facts, where, years[0], grace)
        labels = where.labels
    note = (
        "The first supervision on record of someone who started before records begin "
        f"({begin:%d %B %Y}) is not judged: nothing earlier is known."
        if begin
        else ""
    )
    return split_table(
        "supervision_trend" if trend else "supervision_on_time",
        stub="Year" if trend else "Area",
        labels=labels,
        total_label="Due",
        parts=("On time", "Late", "Missed"),
        values=values,
        rate_of=0,
        rule=None,
        kind=ChartKind.LINE if trend else ChartKind.BAR,
        margin=None if trend else f"{where.title} ({years[0].title})",
        message="No supervisions due in this area and year.",
        notes=(note,) if begin else (),
    )


def keeping_in_touch(facts: Facts, where: Areas, period: Period) -> Table:
    return split_table(
        "keeping_in_touch",
        stub="Area",
        labels=where.labels,
        total_label="Supervisions held",
        parts=("With the check", "Without"),
        values=supervision.keeping_in_touch(facts, where, period),
        rate_of=0,
        rule=None,
        margin=f"{where.title} ({period.title})",
        message="No supervisions held in this area and year.",
    )


def probation_points(person_start: date, cases: list, policy: Policy) -> list[tuple[int, date]]:
    """Review points (week, day): the policy's, and an extension's final review."""
    points = [(w, person_start + timedelta(weeks=w)) for w in policy.probation.review_weeks]
    gap = policy.probation.length_weeks - policy.probation.review_weeks[-1]
    for case in cases:
        a = case.answers
        if a.get("is_final_review") is True and a.get("outcome") == "extend":
            end = _day(a.get("extension_end_date"))
            if end:
                points.append(((end - person_start).days // 7 - gap, end - timedelta(weeks=gap)))
    return points


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def probation_on_time(
    facts: Facts, where: Areas, period: Period, policy: Policy, config: MiConfig
) -> Table:
    slack = timedelta(days=config.probation.grace_days)
    counts = [[0, 0, 0] for _ in where.labels]
    for pid, row in where.row_of.items():
        person = facts.people[pid]
        cases = facts.probation.get(pid, [])
        if not cases and person.probation_end_date is None:
            continue
        held: dict[int, date] = {}
        for c in cases:
            week, met = c.answers.get("review_point_weeks"), _day(c.answers.get("meeting_date"))
            if isinstance(week, int) and (met or c.record_date):
                held.setdefault(week, met or c.record_date)  # type: ignore[arg-type]
        for week, day in probation_points(person.start_date, cases, policy):
            if not period.holds(day):
                continue
            met = held.get(week)
            if met is not None:
                counts[row][0 if met <= day + slack else 1] += 1
            elif day + slack < period.end and person.in_post(day):
                counts[row][2] += 1
    return split_table(
        "probation_on_time",
        stub="Area",
        labels=where.labels,
        total_label="Reviews due",
        parts=("On time", "Late", "Missed"),
        values=counts,
        rate_of=0,
        rule=None,
        margin=f"{where.title} ({period.title})",
        message="No probation reviews due in this area and year.",
    )


def probation_outcomes(facts: Facts, where: Areas, period: Period) -> Table:
    order = {"pass": 0, "extend": 1, "fail": 2}
    counts = [[0, 0, 0] for _ in where.labels]
    for pid, row in where.row_of.items():
        for c in facts.probation.get(pid, []):
            outcome = final_outcome(c)
            if outcome and period.holds(c.record_date):
                counts[row][order[outcome]] += 1
    return split_table(
        "probation_outcomes",
        stub="Area",
        labels=where.labels,
        total_label="Final reviews",
        parts=("Pass", "Extend", "Fail"),
        values=counts,
        rate_of=0,
        rule=None,
        margin=f"{where.title} ({period.title})",
        message="No final probation reviews in this area and year.",
    )
