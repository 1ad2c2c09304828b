"""The baseline of bench/mi.py for the attendance views: days lost per FTE, return-to-work
interviews on time and attendance reviews by stage, in hand-written SQLite SQL on the same
store session (no disclosure control), aligned with the dashboard tables' columns.

Simplification: a return-to-work record whose answers are packed (a local store) is read
at its record date, as its meeting date is not one of the facts SQL can read; the demo
holds no such records.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from lcc_apr.mi.attendance import CLOSED, STAGES

from .mi_sql import AREAS, COUNCIL, Figures, Year, _in, _in_post, _q, _rows


def days_lost(session: Session, year: Year) -> Figures:
    first, stop = _q(year.first), _q(year.end)
    span = (year.end - year.first).days + 1
    sql = f"""WITH RECURSIVE {AREAS},
staff AS (
  SELECT id, area, fte, max(0, julianday(min(coalesce(leaving_date, '9999-12-31'), {stop}))
    - julianday(max(start_date, {first})) + 1) AS in_post FROM people),
lost AS (
  SELECT employee_id AS id, sum(max(0, julianday(min(coalesce(last_day, {stop}), {stop}))
    - julianday(max(first_day, {first})) + 1)) AS days
  FROM absences WHERE deleted = 0 GROUP BY employee_id)
SELECT s.area, count(*), sum(coalesce(l.days, 0) > 0), sum(s.fte * s.in_post) / {span},
  sum(s.fte * coalesce(l.days, 0))
FROM staff s LEFT JOIN lost l ON l.id = s.id WHERE s.in_post > 0 GROUP BY s.area"""
    rows = _rows(session, sql)
    found: Figures = {}
    for label, staff, absent, fte, lost in [*rows, _margin(year, rows)]:
        per = round(lost / fte, 1) if fte else None
        found[label] = [staff, absent, round(fte, 1), round(lost), per]
    return {"attendance_days_lost": found}


def _margin(year: Year, rows: list) -> tuple:
    return (f"{COUNCIL} ({year.title})", *(sum(r[i] for r in rows) for i in range(1, 5)))


def rtw(session: Session, year: Year, today: date, within: int) -> Figures:
    meeting = "date(iif(typeof(answers) = 'text', json_extract(answers, '$.meeting_date'), NULL))"
    sql = f"""WITH RECURSIVE {AREAS},
eps AS (
  SELECT employee_id AS id, last_day, date(last_day, '+1 day') AS back,
    date(last_day, '+{within + 1} days') AS due,
    coalesce(lead(first_day) OVER (PARTITION BY employee_id ORDER BY first_day), '9999-12-31')
      AS until
  FROM absences WHERE deleted = 0),
held AS (
  SELECT subject_id AS id, coalesce({meeting}, record_date) AS day FROM records
  WHERE kind = 'return_to_work' AND deleted = 0),
judged AS (
  SELECT e.id, e.back, e.due, (SELECT min(h.day) FROM held h
    WHERE h.id = e.id AND h.day BETWEEN e.back AND e.until) AS met
  FROM eps e WHERE e.last_day IS NOT NULL AND e.back BETWEEN {_q(year.first)} AND {_q(year.last)}
    AND e.due <= {_q(today)})
SELECT p.area, count(*), coalesce(sum(j.met <= j.due), 0), coalesce(sum(j.met > j.due), 0),
  sum(j.met IS NULL)
FROM judged j JOIN people p ON p.id = j.id WHERE {_in_post("j.back")} GROUP BY p.area"""
    rows = _rows(session, sql)
    found: Figures = {r[0]: [*r[1:], None] for r in rows}
    found[f"{COUNCIL} ({year.title})"] = [*(sum(r[i] for r in rows) for i in range(1, 5)), None]
    return {"attendance_rtw": found}


def stages(session: Session, year: Year) -> Figures:
    known = [s for _, statuses in STAGES for s in statuses]
    counts = ", ".join(f"sum(r.status IN {_in(statuses)})" for _, statuses in STAGES)
    sql = f"""WITH RECURSIVE {AREAS}
SELECT p.area, count(*), {counts} FROM records r JOIN people p ON p.id = r.subject_id
WHERE r.kind = 'attendance' AND r.deleted = 0 AND r.record_date IS NOT NULL
  AND r.record_date <= {_q(year.end)} AND r.status IN {_in(known)}
  AND (r.status NOT IN {_in(sorted(CLOSED))} OR r.record_date >= {_q(year.first)})
GROUP BY p.area"""
    rows = _rows(session, sql)
    found: Figures = {r[0]: list(r[1:]) for r in rows}
    if rows:
        width = len(rows[0]) - 1
        found[f"{COUNCIL} ({year.title})"] = [sum(r[i + 1] for r in rows) for i in range(width)]
    return {"attendance_stages": found}


def attendance(session: Session, year: Year, today: date, within: int) -> Figures:
    return {
        **days_lost(session, year),
        **rtw(session, year, today, within),
        **stages(session, year),
    }
