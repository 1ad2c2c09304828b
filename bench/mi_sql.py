"""The baseline of bench/mi.py: the dashboard's aggregates in hand-written SQL on the same
store session, as plain GROUP BY and window-function SQL as far as SQL goes, and no
disclosure control. Each function returns {table key: {row label: [figures]}}, the figures
aligned with the dashboard table's columns (None where the SQL computes nothing: rates,
relative likelihoods, the published 2020 figures, capability's median days).

Simplifications (said in the report): capability's median days per stage are not computed;
a warning's expiry without a date of its own is SQLite's date(given, '+N months'), which
moves an overflowing day on (31 August + 6 months: 3 March) where the core clamps it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lcc_apr.demo.profile import FULL_TIME, PART_TIME, PUBLISHED
from lcc_apr.mi.capability import CLOSED, STAGES
from lcc_apr.mi.config import MiConfig
from lcc_apr.mi.equality import CHARACTERISTIC_ENUMS, NOT_DECLARED, PREFER_NOT, label
from lcc_apr.mi.facts import (
    CHARACTERISTICS,
    HELD,
    SIGNED,
    keeping_in_touch_sql,
    overall_rating_sql,
)
from lcc_apr.mi.profile import NAMES
from lcc_apr.mi.shape import COUNCIL
from lcc_apr.models.answers import json_of
from lcc_apr.policy import Policy
from lcc_apr.schedule.cycles import cycle_starting
from lcc_apr.schedule.rules import cycle_window

KEEPING_IN_TOUCH_SQL = keeping_in_touch_sql(True)  # the cache (a local store) packs answers

Figures = dict[str, dict[str, list[float | None]]]


@dataclass(frozen=True)
class Year:
    year: int
    first: date
    last: date
    end: date  # the last day, or today while the year runs
    title: str
    deadline: date  # APR: signed by both on or before
    starters: date  # APR: started on or before


def years_of(year: int, policy: Policy, config: MiConfig, today: date, count: int) -> list[Year]:
    found = []
    for y in range(year - count + 1, year + 1):
        c = cycle_starting(y, policy)
        deadline = cycle_window(y, policy)[1] + timedelta(days=config.apr.deadline_grace_days)
        starters = deadline - timedelta(days=config.apr.starter_days)
        found.append(Year(y, c.first, c.last, min(c.last, today), c.title, deadline, starters))
    return found


def _q(value: Any) -> str:
    """A literal for SQL made here from dates, numbers and the configuration's words."""
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _in(values: Any) -> str:
    return "(" + ", ".join(_q(v) for v in values) + ")"


def _years_cte(years: list[Year]) -> str:
    rows = ", ".join(
        f"({y.year}, {_q(y.first)}, {_q(y.last)}, {_q(y.end)}, {_q(y.deadline)}, {_q(y.starters)})"
        for y in years
    )
    return f"years(year, first, last, stop, deadline, starters) AS (VALUES {rows})"


# Each person's top department's name (the council dashboard's rows).
AREAS = """tops(id, top) AS (
  SELECT id, id FROM departments WHERE parent_id IS NULL
  UNION ALL SELECT d.id, t.top FROM departments d JOIN tops t ON d.parent_id = t.id),
people AS MATERIALIZED (
  SELECT e.*, a.name AS area FROM employees e
  JOIN tops t ON t.id = e.department_id JOIN departments a ON a.id = t.top)"""


def _in_post(day: str, p: str = "p") -> str:
    return f"({p}.start_date <= {day} AND ({p}.leaving_date IS NULL OR {p}.leaving_date >= {day}))"


def _rows(session: Session, sql: str) -> list[Any]:
    connection = session.connection()
    # A record's answers are packed in the cache (store migration 0019): answers_json(answers)
    # is their JSON text, for the answers the indexes' facts do not hold.
    connection.connection.driver_connection.create_function(
        "answers_json", 1, _answers_json, deterministic=True
    )
    return list(connection.exec_driver_sql(sql).fetchall())


def _answers_json(stored: bytes | str | None) -> str | None:
    return None if stored is None else json_of(stored).decode()


def _by_area(rows: list[Any], margin: str, width: int) -> dict[str, list[float | None]]:
    """Rows (area, figures...) and the council margin."""
    found: dict[str, list[float | None]] = {r[0]: list(r[1:]) for r in rows}
    found[margin] = [sum(r[i + 1] for r in rows) for i in range(width)]
    return found


def apr(session: Session, years: list[Year]) -> Figures:
    """Completion per area and year: eligible, completed, not completed."""
    sql = f"""WITH RECURSIVE {AREAS}, {_years_cte(years)},
signed AS (
  SELECT s.record_id,
    max(CASE WHEN s.role = 'employee' THEN s.signed_at END) AS employee,
    max(CASE WHEN s.role = 'manager' THEN s.signed_at END) AS manager
  FROM sign_offs s JOIN records r ON r.id = s.record_id
  WHERE r.kind = 'apr' AND s.superseded_at IS NULL GROUP BY s.record_id),
done AS (
  SELECT DISTINCT y.year, r.subject_id FROM records r INDEXED BY ix_records_mi_apr
  JOIN years y ON r.record_date BETWEEN y.first AND y.last
  LEFT JOIN signed s ON s.record_id = r.id
  WHERE r.kind = 'apr' AND r.deleted = 0 AND r.status IN {_in(SIGNED)}
    AND CASE WHEN s.record_id IS NULL THEN r.record_date
        WHEN s.employee IS NOT NULL AND s.manager IS NOT NULL
        THEN date(max(s.employee, s.manager)) END <= y.deadline)
SELECT y.year, p.area, count(*), count(d.subject_id), count(*) - count(d.subject_id)
FROM people p JOIN years y LEFT JOIN done d ON d.year = y.year AND d.subject_id = p.id
WHERE {_in_post("y.deadline")} AND p.start_date <= y.starters
GROUP BY y.year, p.area"""
    return _per_year(_rows(session, sql), years, "apr_completion", 3)


def _per_year(rows: list[Any], years: list[Year], key: str, width: int) -> Figures:
    """The latest year by area (with its council margin), and every year's council line."""
    now = years[-1]
    mine = [r[1:] for r in rows if r[0] == now.year]
    trend: dict[str, list[float | None]] = {}
    for y in years:
        theirs = [r[2:] for r in rows if r[0] == y.year]
        trend[y.title] = [sum(r[i] for r in theirs) for i in range(width)]
    trend_key = {"apr_completion": "apr_completion_trend"}.get(key, "supervision_trend")
    return {
        key: _by_area(mine, f"{COUNCIL} ({now.title})", width),
        trend_key: trend,
    }


def _due_after(day: str, policy: Policy) -> str:
    """SQL for the day (a julian day number) a supervision after `day` falls due, by the
    policy's staff groups; `p` is the person (start: their start's julian day)."""
    rules = policy.supervision
    weeks = str(rules.every_weeks)
    for group in reversed(rules.groups):
        titles = _in(t.casefold() for t in group.job_titles)
        since = f"({day} - p.start) / 7.0"
        steps = " ".join(
            f"WHEN {since} < {r.until_week} THEN {r.every_weeks}"
            for r in group.rules
            if r.until_week is not None
        )
        last = str(group.rules[-1].every_weeks)
        own = f"CASE {steps} ELSE {last} END" if steps else last  # one rule: no steps
        weeks = f"CASE WHEN lower(trim(p.job_title)) IN {titles} THEN {own} ELSE {weeks} END"
    return f"({day} + 7 * ({weeks}))"


def supervision(session: Session, years: list[Year], policy: Policy, grace: int) -> Figures:
    """On time, late (LAG over each person's supervisions) and missed, per area and year;
    the keeping-in-touch check per area in the latest year. Days as julian day numbers."""
    held = (
        "kind = 'supervision' AND deleted = 0 AND record_date IS NOT NULL "
        f"AND status IN {_in(HELD)}"
    )
    counted = (
        "((p.start <= y.first AND coalesce(p.leaving, y.first) >= y.first)"
        " OR (p.start <= y.stop AND coalesce(p.leaving, y.stop) >= y.stop))"
    )
    jd_years = ", ".join(
        f"({y.year}, julianday({_q(y.first)}), julianday({_q(y.end)}))" for y in years
    )
    year_of = " ".join(
        f"WHEN p.day >= julianday({_q(y.first)}) THEN {y.year}" for y in reversed(years)
    )
    sql = f"""WITH RECURSIVE {AREAS},
years(year, first, stop) AS MATERIALIZED (VALUES {jd_years}),
held AS (
  SELECT e.department_id AS dept, julianday(e.start_date) AS start,
    julianday(e.leaving_date) AS leaving, e.job_title, julianday(r.record_date) AS day,
    lag(julianday(r.record_date)) OVER (PARTITION BY r.subject_id ORDER BY r.record_date)
      AS prev
  FROM records r INDEXED BY ix_records_mi_supervision JOIN employees e ON e.id = r.subject_id
  WHERE {held}),
start AS MATERIALIZED (SELECT julianday(min(record_date)) AS day
  FROM records INDEXED BY ix_records_mi_supervision WHERE {held}),
judged AS (
  SELECT CASE {year_of} END AS year, p.day, p.dept, p.start, p.leaving,
    CASE WHEN p.prev IS NOT NULL THEN {_due_after("p.prev", policy)}
    WHEN p.start >= start.day THEN {_due_after("p.start", policy)} END + {grace} AS due
  FROM held p, start WHERE p.day >= julianday({_q(years[0].first)})),
verdicts AS (
  SELECT y.year, p.dept, sum(p.day <= p.due) AS on_time, sum(p.day > p.due) AS late
  FROM judged p JOIN years y ON y.year = p.year
  WHERE p.day <= y.stop AND {counted} GROUP BY y.year, p.dept),
latest AS MATERIALIZED (
  SELECT y.year, y.first, min(y.stop, coalesce(p.leaving, y.stop)) AS stop, p.dept, p.start,
    p.job_title, (SELECT julianday(max(record_date)) FROM records
      INDEXED BY ix_records_mi_supervision
      WHERE subject_id = p.id AND {held} AND record_date <= date(y.stop)) AS last
  FROM (SELECT id, department_id AS dept, job_title, julianday(start_date) AS start,
    julianday(leaving_date) AS leaving FROM employees) p JOIN years y WHERE {counted}),
next AS (
  SELECT p.year, p.first, p.stop, p.dept,
    CASE WHEN p.last IS NOT NULL THEN {_due_after("p.last", policy)}
    WHEN p.start >= start.day THEN {_due_after("p.start", policy)} END AS due
  FROM latest p, start),
missed AS (
  SELECT year, dept, sum(due IS NOT NULL AND first <= due AND due + {grace} < stop) AS n
  FROM next GROUP BY year, dept),
both AS (
  SELECT m.year, m.dept, coalesce(v.on_time, 0) AS on_time, coalesce(v.late, 0) AS late, m.n
  FROM missed m LEFT JOIN verdicts v ON v.year = m.year AND v.dept = m.dept)
SELECT b.year, a.name, sum(b.on_time + b.late + b.n), sum(b.on_time), sum(b.late), sum(b.n)
FROM both b JOIN tops t ON t.id = b.dept JOIN departments a ON a.id = t.top
GROUP BY b.year, a.name"""
    found = _per_year(_rows(session, sql), years, "supervision_on_time", 4)
    now = years[-1]
    kit = f"""WITH RECURSIVE {AREAS}
SELECT p.area, count(*), sum({KEEPING_IN_TOUCH_SQL}), count(*) - sum({KEEPING_IN_TOUCH_SQL})
FROM records INDEXED BY ix_records_mi_supervision JOIN people p ON p.id = subject_id
WHERE {held} AND record_date BETWEEN {_q(now.first)} AND {_q(now.end)}
GROUP BY p.area"""
    found["keeping_in_touch"] = _by_area(_rows(session, kit), f"{COUNCIL} ({now.title})", 3)
    return found


def probation(session: Session, year: Year, policy: Policy, grace: int) -> Figures:
    """Reviews on time, late and missed per area (the policy's review points and each
    extension's final review); final reviews by outcome per area."""
    rule = policy.probation
    gap = rule.length_weeks - rule.review_weeks[-1]
    weeks = ", ".join(f"({w})" for w in rule.review_weeks)
    first, stop = _q(year.first), _q(year.end)
    final = "json_type(answers_json(answers), '$.is_final_review') = 'true'"
    sql = f"""WITH RECURSIVE {AREAS},
cases AS MATERIALIZED (
  SELECT subject_id, id, record_date,
    json_extract(answers_json(answers), '$.review_point_weeks') AS week,
    json_type(answers_json(answers), '$.review_point_weeks') AS week_type,
    date(json_extract(answers_json(answers), '$.meeting_date')) AS met,
    {final} AS final, json_extract(answers_json(answers), '$.outcome') AS outcome,
    date(json_extract(answers_json(answers), '$.extension_end_date')) AS extension
  FROM records WHERE kind = 'probation' AND deleted = 0 AND record_date IS NOT NULL),
points AS (
  SELECT p.id, w.column1 AS week, date(p.start_date, '+' || (7 * w.column1) || ' days') AS day
  FROM people p, (VALUES {weeks}) w
  WHERE p.probation_end_date IS NOT NULL OR p.id IN (SELECT subject_id FROM cases)
  UNION ALL
  SELECT p.id, CAST((julianday(c.extension) - julianday(p.start_date)) / 7 AS INTEGER) - {gap},
    date(c.extension, '-{7 * gap} days')
  FROM cases c JOIN people p ON p.id = c.subject_id
  WHERE c.final AND c.outcome = 'extend' AND c.extension IS NOT NULL),
held AS (
  SELECT subject_id, week, day FROM (
    SELECT subject_id, week, coalesce(met, record_date) AS day,
      row_number() OVER (PARTITION BY subject_id, week ORDER BY record_date, id) AS n
    FROM cases WHERE week_type = 'integer') WHERE n = 1)
SELECT p.area,
  sum(h.day IS NOT NULL AND h.day <= date(x.day, '+{grace} days')),
  sum(h.day IS NOT NULL AND h.day > date(x.day, '+{grace} days')),
  sum(h.day IS NULL AND date(x.day, '+{grace} days') < {stop} AND {_in_post("x.day")})
FROM points x JOIN people p ON p.id = x.id
LEFT JOIN held h ON h.subject_id = x.id AND h.week = x.week
WHERE x.day BETWEEN {first} AND {stop} GROUP BY p.area"""
    rows = [(r[0], r[1] + r[2] + r[3], *r[1:]) for r in _rows(session, sql)]
    margin = f"{COUNCIL} ({year.title})"
    found = {"probation_on_time": _by_area(rows, margin, 4)}
    outcomes = f"""WITH RECURSIVE {AREAS}
SELECT p.area, count(*), sum(outcome = 'pass'), sum(outcome = 'extend'), sum(outcome = 'fail')
FROM (SELECT subject_id, json_extract(answers_json(answers), '$.outcome') AS outcome FROM records
  WHERE kind = 'probation' AND deleted = 0 AND record_date BETWEEN {first} AND {stop}
  AND {final} AND status IN {_in((*SIGNED, "referred_to_hr"))}) r
JOIN people p ON p.id = r.subject_id
WHERE outcome IN ('pass', 'extend', 'fail') GROUP BY p.area"""
    found["probation_outcomes"] = _by_area(_rows(session, outcomes), margin, 4)
    return found


def _day(key: str) -> str:
    return f"date(json_extract(answers_json(answers), '$.{key}'))"


def _latest(*days: str) -> str:
    """The latest of some days (NULL when none): SQLite's max() of several is NULL if any is."""
    return "nullif(max(" + ", ".join(f"coalesce({d}, '')" for d in days) + "), '')"


# Each capability case: its stages' start days, how and when it closed.
CASES = f"""cases AS MATERIALIZED (
  SELECT subject_id, status, coalesce({_day("meeting_date")}, record_date) AS informal,
    {_day("improvement_note_outcome_date")} AS improvement_note,
    {_day("final_warning_outcome_date")} AS final_warning,
    {_day("hearing_letter_date")} AS final_hearing,
    CASE WHEN status = 'closed_improved' THEN 'closed_improved'
      WHEN status IN ('closed_hearing', 'appeal_decided') THEN 'closed_hearing' END AS how,
    CASE WHEN status = 'closed_improved' THEN
      {
    _latest(
        _day("review_date"), _day("improvement_note_review_date"), _day("final_warning_review_date")
    )
}
      WHEN status IN ('closed_hearing', 'appeal_decided') THEN
      coalesce({_day("appeal_outcome_date")}, {_day("hearing_outcome_date")}) END AS closed,
    {_day("improvement_note_outcome_date")} AS note_given,
    {_day("improvement_note_expiry_date")} AS note_expiry,
    {_day("final_warning_outcome_date")} AS warning_given,
    {_day("final_warning_expiry_date")} AS warning_expiry
  FROM records WHERE kind = 'capability' AND deleted = 0 AND record_date IS NOT NULL)"""


def capability(session: Session, year: Year, policy: Policy) -> Figures:
    """Cases open in the year by the stage reached, per area (no median days); warnings
    live and expired."""
    first, stop = _q(year.first), _q(year.end)
    stages = [k for k, _, _ in STAGES] + [k for k, _ in CLOSED]
    reached = " ".join(f"WHEN {k} <= {stop} THEN '{k}'" for k, _, _ in reversed(STAGES))
    sql = f"""WITH RECURSIVE {AREAS}, {CASES},
open AS (
  SELECT subject_id, CASE WHEN closed <= {stop} THEN how {reached} END AS stage FROM cases
  WHERE informal <= {stop} AND (closed IS NULL OR how IS NULL OR closed >= {first}))
SELECT p.area, count(*), {", ".join(f"sum(stage = '{k}')" for k in stages)}
FROM open o JOIN people p ON p.id = o.subject_id GROUP BY p.area"""
    margin = f"{COUNCIL} ({year.title})"
    by_area = _by_area(_rows(session, sql), margin, 1 + len(stages))
    labels = [label for _, _, label in STAGES] + [label for _, label in CLOSED]
    total = by_area[margin]
    found: Figures = {
        "capability_by_area": by_area,
        "capability_stages": {lab: [total[i + 1], None] for i, lab in enumerate(labels)},
    }
    found["capability_stages"][margin] = [total[0], None]
    cap = policy.capability
    warns = []
    for given, expiry, months in (
        ("note_given", "note_expiry", cap.improvement_note_expiry_months),
        ("warning_given", "warning_expiry", cap.final_warning_expiry_months),
    ):
        ends = f"coalesce({expiry}, date({given}, '+{months} months'))"
        warns.append(
            f"SELECT sum({ends} > {stop}), sum({ends} <= {stop} AND {ends} >= {first})"
            f" FROM cases WHERE {given} IS NOT NULL AND {given} <= {stop}"
        )
    rows = [
        [(a or 0) + (b or 0), a or 0, b or 0]
        for a, b in (_rows(session, f"WITH {CASES} {q}")[0] for q in warns)
    ]
    found["warnings"] = {
        "Improvement notes": rows[0],
        "Final written warnings": rows[1],
        margin: [sum(col) for col in zip(*rows, strict=True)],
    }
    return found


def _senior(grade: str, config: MiConfig) -> str:
    return (
        f"({grade} != '' AND {grade} NOT GLOB '*[^0-9]*' "
        f"AND CAST({grade} AS INTEGER) >= {config.grades.senior_from})"
    )


EQUALITY_SUMS = (
    "in_end",
    "in_end AND senior_end",
    "in_end AND in_first AND below_first",
    "in_end AND in_first AND below_first AND senior_end",
    "apr_rated",
    "apr_hit",
    "final",
    "not_passed",
    "in_end AND entered",
    "closed",
    "after_hearing",
)


def equality(session: Session, year: Year, config: MiConfig) -> dict[tuple[str, Any], list[int]]:
    """Per characteristic and raw value (None: no return): the sums of EQUALITY_SUMS, from
    one row per person (GROUP BY each characteristic)."""
    first, stop, last = _q(year.first), _q(year.end), _q(year.last)

    def valid(day: str) -> str:
        return f"(h.valid_from <= {day} AND (h.valid_to IS NULL OR h.valid_to > {day}))"

    def in_post(day: str) -> str:
        return f"(e.start_date <= {day} AND (e.leaving_date IS NULL OR e.leaving_date >= {day}))"

    grade = _senior("h.grade", config)
    apr_rating = overall_rating_sql(True)
    base = f"""WITH {CASES},
grades AS (
  SELECT p.employee_id AS id, max({valid(first)}) AS known_first,
    max({valid(first)} AND {grade}) AS senior_first, max({valid(stop)} AND {grade}) AS senior_end
  FROM post_history h JOIN posts p ON p.id = h.post_id GROUP BY p.employee_id),
rated AS (
  SELECT subject_id AS id, rating FROM (
    SELECT subject_id, {apr_rating} AS rating, row_number() OVER (PARTITION BY subject_id
      ORDER BY record_date DESC, status DESC, id DESC) AS n
    FROM records INDEXED BY ix_records_mi_apr
    WHERE kind = 'apr' AND deleted = 0 AND record_date BETWEEN {first} AND {last}
      AND coalesce({apr_rating}, '') != '') WHERE n = 1),
finals AS (
  SELECT subject_id AS id, outcome FROM (
    SELECT subject_id, json_extract(answers_json(answers), '$.outcome') AS outcome,
      row_number() OVER (PARTITION BY subject_id ORDER BY record_date DESC, id DESC) AS n
    FROM records WHERE kind = 'probation' AND deleted = 0
      AND record_date BETWEEN {first} AND {stop}
      AND json_type(answers_json(answers), '$.is_final_review') = 'true'
      AND status IN {_in((*SIGNED, "referred_to_hr"))}) WHERE n = 1),
ended AS (
  SELECT subject_id AS id, count(*) AS closed, sum(how = 'closed_hearing') AS after_hearing
  FROM cases WHERE how IS NOT NULL AND closed BETWEEN {first} AND {stop} GROUP BY subject_id),
everyone AS MATERIALIZED (
  SELECT {", ".join(CHARACTERISTICS)}, e.fte >= 1 AS full_time,
    {in_post(stop)} AS in_end, {in_post(first)} AS in_first,
    CASE WHEN g.id IS NULL THEN {in_post(stop)} AND {_senior("e.grade", config)}
      ELSE g.senior_end END AS senior_end,
    CASE WHEN g.id IS NULL THEN {in_post(first)} AND NOT {_senior("e.grade", config)}
      ELSE g.known_first AND NOT g.senior_first END AS below_first,
    r.id IS NOT NULL AS apr_rated,
    coalesce(r.rating IN {_in(config.apr.monitored_ratings)}, 0) AS apr_hit,
    f.id IS NOT NULL AS final, coalesce(f.outcome IN ('extend', 'fail'), 0) AS not_passed,
    e.id IN (SELECT subject_id FROM cases WHERE informal BETWEEN {first} AND {stop}) AS entered,
    coalesce(x.closed, 0) AS closed, coalesce(x.after_hearing, 0) AS after_hearing
  FROM employees e LEFT JOIN grades g ON g.id = e.id LEFT JOIN rated r ON r.id = e.id
  LEFT JOIN finals f ON f.id = e.id LEFT JOIN ended x ON x.id = e.id)
"""
    sums = ", ".join(f"sum({s})" for s in EQUALITY_SUMS)
    parts = [
        f"SELECT '{c}', {c}, {sums} FROM everyone GROUP BY {c}"
        for c in (*CHARACTERISTICS, "full_time")
    ]
    rows = _rows(session, base + "\nUNION ALL\n".join(parts))
    return {(r[0], r[1]): list(r[2:]) for r in rows}


OUTCOMES = {  # view: the EQUALITY_SUMS index of its people and of those with the outcome
    "eq_apr_rating": (4, 5),
    "eq_probation": (6, 7),
    "eq_capability_entry": (0, 8),
    "eq_capability_outcome": (9, 10),
    "eq_grade13": (0, 1),
    "eq_progression": (2, 3),
}


def equality_tables(
    sums: dict[tuple[str, Any], list[int]], year: Year, config: MiConfig
) -> Figures:
    """The equality views' figures from the per-group sums."""
    found: Figures = {}
    groups: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for (characteristic, value), figures in sums.items():
        if characteristic in CHARACTERISTIC_ENUMS:
            merged = groups[characteristic].setdefault(value or NOT_DECLARED, [0] * len(figures))
            for i, v in enumerate(figures):
                merged[i] += v
    for key, (n, hit) in OUTCOMES.items():
        table: dict[str, list[float | None]] = {}
        for characteristic, (name, _) in CHARACTERISTIC_ENUMS.items():
            for value, figures in groups[characteristic].items():
                table[f"{name}: {label(value)}"] = [figures[n], figures[hit], None, None]
        first = groups[CHARACTERISTICS[0]].values()
        table[f"Everyone counted ({year.title})"] = [
            sum(f[n] for f in first),
            sum(f[hit] for f in first),
            None,
            None,
        ]
        found[key] = table
    declared: dict[str, list[float | None]] = {}
    for characteristic, (name, _) in CHARACTERISTIC_ENUMS.items():
        counts = {value: figures[0] for value, figures in groups[characteristic].items()}
        prefer, nothing = counts.get(PREFER_NOT, 0), counts.get(NOT_DECLARED, 0)
        everyone = sum(counts.values())
        declared[name] = [everyone, everyone - prefer - nothing, prefer, nothing, None]
    found["eq_declaration"] = declared
    profile: dict[str, list[float | None]] = {}
    for table_name, published in PUBLISHED.items():
        now = {
            value: counts[0]
            for (characteristic, value), counts in sums.items()
            if characteristic == ("full_time" if table_name == "working_pattern" else table_name)
        }
        if table_name == "working_pattern":
            now = {FULL_TIME: now.get(1, 0), PART_TIME: now.get(0, 0)}
        for key, fig in published.items():
            profile[f"{NAMES[table_name]}: {fig.label}"] = [None, None, now.get(key, 0), None]
        profile[f"{NAMES[table_name]}: total"] = [
            None,
            None,
            sum(now.get(k, 0) for k in published),
            None,
        ]
    found["profile_2020"] = profile
    targets: dict[str, list[float | None]] = {}
    for t in config.equality.targets:
        shares: list[float | None] = [t.percent]
        for column in (0, 1):  # everyone in post, grade 13+ in post
            rows = [(v, f[column]) for (c, v), f in sums.items() if c == t.characteristic]
            whole = sum(n for _, n in rows)
            hits = sum(n for v, n in rows if v in t.groups)
            shares.append(round(100 * hits / whole, 1) if whole else None)
        targets[t.label] = [*shares, None]
    found["equality_targets"] = targets
    return found


def all_figures(
    session: Session,
    years: list[Year],
    policy: Policy,
    config: MiConfig,
    today: date | None = None,
    rtw_within: int = 3,
) -> Figures:
    """Every dashboard view's figures (no disclosure control), for the latest of `years`;
    `today`: the dashboard's (None: the latest year's end); `rtw_within`: the attendance
    policy's days for a return-to-work interview."""
    from .mi_sql_attendance import attendance

    now = years[-1]
    found = apr(session, years)
    found.update(supervision(session, years, policy, config.supervision.grace_days))
    found.update(probation(session, now, policy, config.probation.grace_days))
    found.update(capability(session, now, policy))
    found.update(equality_tables(equality(session, now, config), now, config))
    found.update(attendance(session, now, today or now.end, rtw_within))
    return found
