"""Gathering schedule facts from the store in a handful of indexed queries.

Built for HR's scale: the latest supervision per person comes from one look at an
index per person, not by loading every supervision; probation and capability
records are few, so their answers are read whole.

Two ways to read the same rows: on SQLite (the desktop cache) plain SQL answered from
the covering indexes of store migrations 0011 and 0014, through the driver's cursor;
elsewhere, or while a first sync's load has those indexes set aside, SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, func, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlalchemy.sql.operators import custom_op

from lcc_apr.models import Employee, Post, Record, RecordKind
from lcc_apr.models.answers import fact, fact_sql, unpack
from lcc_apr.models.patches import packs

from .attendance_review import KEYS as ATTENDANCE_KEYS
from .model import PersonFacts, RecordFact
from .rules import DONE

# Store migration 0014's index (its expression remade by 0019 in a local store)
SUPERVISION_INDEX = "ix_records_schedule_supervision"
CHUNK = 2000  # ids in one IN (...): well under SQLite's limit on parameters
# (record id, updated_at) -> (form version, mid-year date) of held APRs, read once per
# change: no index holds them, and reading 3,000 rows each time doubled the full demo's
# schedule (bench/schedule.py). Dropped whole past MEMO_MAX entries.
_memo: dict[tuple[str, str], tuple[int, Any]] = {}
# (record id, updated_at) -> the answers KEEP names of a probation, capability or
# attendance record, read once per change (as _memo)
_kept_memo: dict[tuple[str, str], dict[str, Any]] = {}
MEMO_MAX = 200_000
FEW = 200  # held APRs read by id without the memo (a team's)

KEEP = {
    RecordKind.PROBATION: (
        "review_point_weeks",
        "is_final_review",
        "outcome",
        "extension_end_date",
    ),
    RecordKind.CAPABILITY: (
        "review_date",
        "meeting_date",
        "review_period_weeks",
        "improvement_note_outcome_date",
        "final_warning_outcome_date",
    ),
    RecordKind.ATTENDANCE: ATTENDANCE_KEYS,
}

# people: (id, start, job title, probation end, leaving, primary post's start); aprs: (id,
# subject, status, day, form version, mid-year date); supervisions: (subject, id, status,
# day, next date agreed); kept: (kind, id, subject, status, day, answers). Dates as dates.
Rows = tuple[Iterable[Sequence[Any]], ...]


def gather(
    session: Session,
    *,
    today: date,
    employee_ids: Iterable[int] | None = None,
    aprs_since: date | None = None,
) -> dict[int, PersonFacts]:
    """Facts for current employees (all, or those listed), keyed by employee id; APRs from
    `aprs_since` (the schedule's: this cycle's start), else from 800 days back."""
    ids = list(employee_ids) if employee_ids is not None else None
    since = aprs_since or today - timedelta(days=800)
    rows = _sqlite_rows(session, ids, since) if _indexed(session) else None
    people, aprs, supervisions, kept = rows or _core_rows(session, ids, since)
    facts = {
        p[0]: PersonFacts(
            employee_id=p[0],
            start_date=p[1],
            job_title=p[2],
            probation_end_date=p[3],
            leaving_date=p[4],
            post_start=p[5],
        )
        for p in people
    }
    apr = RecordKind.APR
    for record_id, subject, status, day, version, mid_year in aprs:
        if status not in DONE:  # read for the mid-year review of those held only
            version, mid_year = None, None
        answers = {"mid_year_date": mid_year} if mid_year else {}
        _add(facts, subject, RecordFact(record_id, apr, status, day, answers, version))
    supervision = RecordKind.SUPERVISION
    for subject, record_id, status, day, next_date in supervisions:
        answers = {"next_supervision_date": next_date} if next_date else {}
        _add(facts, subject, RecordFact(record_id, supervision, status, day, answers))
    for kind, record_id, subject, status, day, whole in kept:
        answers = {k: whole[k] for k in KEEP[kind] if k in whole}
        _add(facts, subject, RecordFact(record_id, kind, status, day, answers))
    return facts


def _indexed(session: Session) -> bool:
    """SQLite with migration 0014's index in place (a first sync's load sets it aside)."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    found = session.connection().exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (SUPERVISION_INDEX,)
    )
    return found.first() is not None


def _sqlite_rows(session: Session, ids: list[int] | None, since: date) -> Rows:
    """Plain SQL through the driver's cursor: its plain tuples, without a Row made for each
    and with dates read by date.fromisoformat (as lcc_apr.mi.facts)."""
    params: tuple[Any, ...] = tuple(ids or ())
    marks = ", ".join("?" * len(params))
    people_of = f" WHERE e.id IN ({marks})" if ids is not None else ""
    mine = f" AND subject_id IN ({marks})" if ids is not None else ""
    packed = packs(session.get_bind().dialect)
    next_supervision = fact_sql("next_supervision_date", packed)
    mid_year = fact_sql("mid_year_date", packed)
    cursor = session.connection().connection.cursor()
    try:
        people = cursor.execute(
            "SELECT id, start_date, job_title, probation_end_date, leaving_date,"
            # the post's start only for those in probation (its exemption): 12 ms -> 1
            " CASE WHEN probation_end_date IS NOT NULL THEN (SELECT MAX(p.start_date)"
            " FROM posts AS p WHERE p.employee_id = e.id AND p.is_primary) END"
            f" FROM employees AS e{people_of}",
            params,
        ).fetchall()
        # The unary + keeps SQLite off ix_records_kind_date: the covering index is quicker.
        aprs = cursor.execute(
            "SELECT id, subject_id, status, record_date FROM records"
            f" WHERE kind = 'apr' AND deleted = 0 AND +record_date >= ?{mine}",
            (since.isoformat(), *params),
        ).fetchall()
        held = {row[0] for row in aprs if row[2] in DONE}
        extra = _held_aprs(cursor, held, mid_year, since)
        # One look in 0014's index for each person's latest date, one for its rows.
        supervisions = cursor.execute(
            f"SELECT r.subject_id, r.id, r.status, r.record_date, {next_supervision}"
            " FROM (SELECT e.id AS sid, (SELECT record_date"
            f" FROM records INDEXED BY {SUPERVISION_INDEX}"
            " WHERE kind = 'supervision' AND subject_id = e.id AND deleted = 0"
            " AND record_date IS NOT NULL ORDER BY record_date DESC LIMIT 1) AS day"
            f" FROM employees AS e{people_of}) AS latest"
            f" CROSS JOIN records AS r INDEXED BY {SUPERVISION_INDEX}"
            " WHERE r.kind = 'supervision' AND r.subject_id = latest.sid AND r.deleted = 0"
            " AND r.record_date = latest.day",
            params,
        ).fetchall()
        kept = _kept_rows(cursor, mine, params)
    finally:
        cursor.close()
    day = date.fromisoformat
    return (
        [(i, day(s), t, p and day(p), g and day(g), o and day(o)) for i, s, t, p, g, o in people],
        [(i, s, st, d and day(d), *extra.get(i, (None, None))) for i, s, st, d in aprs],
        [(s, i, st, day(d), n) for s, i, st, d, n in supervisions],
        [(RecordKind(k), i, s, st, d and day(d), a) for k, i, s, st, d, a in kept],
    )


def _kept_rows(cursor: Any, mine: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """(kind, id, subject, status, day, the answers KEEP names) of the live records of the
    kinds KEEP names: those answers read once per change (_kept_memo by id and last
    change), not unpacked at every schedule (the full demo's 2,300: about 10% of it)."""
    kinds = ", ".join(f"'{kind.value}'" for kind in KEEP)
    rows = cursor.execute(
        "SELECT kind, id, subject_id, status, record_date, updated_at FROM records"
        f" WHERE kind IN ({kinds}) AND deleted = 0{mine}",
        params,
    ).fetchall()
    found: dict[str, dict[str, Any]] = {}
    unread: dict[str, str] = {}
    for row in rows:
        known = _kept_memo.get((row[1], row[5]))
        if known is None:
            unread[row[1]] = row[5]
        else:
            found[row[1]] = known
    if len(_kept_memo) + len(unread) > MEMO_MAX:
        _kept_memo.clear()
    ids = list(unread)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        read = cursor.execute(
            f"SELECT id, kind, answers FROM records WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        for record_id, kind, answers in read:
            whole = unpack(answers)
            kept = {k: whole[k] for k in KEEP[RecordKind(kind)] if k in whole}
            found[record_id] = _kept_memo[(record_id, unread[record_id])] = kept
    return [(k, i, s, st, d, found[i]) for k, i, s, st, d, _stamp in rows]


def _held_aprs(
    cursor: Any, held: set[str], mid_year: str, since: date
) -> dict[str, tuple[int, Any]]:
    """The form version and mid-year date of the held APRs `held` (ids, dated from
    `since`): those unchanged since last asked from the memo (their last change read from
    migration 0010's covering index, ix_records_waiting), the rest read by id."""
    found: dict[str, tuple[int, Any]] = {}
    unread: dict[str, str | None] = dict.fromkeys(held)  # a team's few: read, not memoised
    if len(held) > FEW:
        states = ", ".join(f"'{state}'" for state in sorted(DONE))
        # Changed since a little before `since` (a record signed before its date is read
        # by id below, as is anything else the memo does not know).
        stamps = cursor.execute(
            "SELECT id, updated_at FROM records"
            f" WHERE kind = 'apr' AND status IN ({states}) AND deleted = 0 AND updated_at >= ?",
            ((since - timedelta(days=90)).isoformat(),),
        ).fetchall()
        for record_id, stamp in stamps:
            if record_id in unread:
                known = _memo.get((record_id, stamp))
                if known is None:
                    unread[record_id] = stamp
                else:
                    found[record_id] = known
                    del unread[record_id]
        if len(_memo) + len(unread) > MEMO_MAX:
            _memo.clear()
    ids = list(unread)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = cursor.execute(
            f"SELECT id, template_version, {mid_year} FROM records"
            f" WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        for record_id, version, day in rows:
            found[record_id] = (version, day)
            stamp = unread[record_id]
            if stamp is not None:
                _memo[(record_id, stamp)] = (version, day)
    return found


def _core_rows(session: Session, ids: list[int] | None, since: date) -> Rows:
    # Core rows, not the ORM's: the same values at a third of the cost per row.
    execute = session.connection().execute
    post_start = case(
        (
            Employee.probation_end_date.is_not(None),
            select(func.max(Post.start_date))
            .where(Post.employee_id == Employee.id, Post.is_primary)
            .scalar_subquery(),
        ),
    )
    people = select(
        Employee.id,
        Employee.start_date,
        Employee.job_title,
        Employee.probation_end_date,
        Employee.leaving_date,
        post_start,
    )
    if ids is not None:
        people = people.where(Employee.id.in_(ids))
    live = ~Record.deleted
    mine = Record.subject_id.in_(ids) if ids is not None else true()
    aprs = select(
        Record.id,
        Record.subject_id,
        Record.status,
        Record.record_date,
        Record.template_version,
        fact("mid_year_date", Record.answers, session.get_bind().dialect),
    ).where(live, mine, Record.kind == RecordKind.APR, _dated(session) >= since)
    latest = (
        select(Record.subject_id, func.max(Record.record_date).label("day"))
        .where(live, mine, Record.kind == RecordKind.SUPERVISION)
        .group_by(Record.subject_id)
        .subquery()
    )
    supervisions = (
        select(
            Record.subject_id,
            Record.id,
            Record.status,
            Record.record_date,
            fact("next_supervision_date", Record.answers, session.get_bind().dialect),
        )
        .join(
            latest,
            and_(Record.subject_id == latest.c.subject_id, Record.record_date == latest.c.day),
        )
        .where(live, Record.kind == RecordKind.SUPERVISION)
    )
    kept = select(
        Record.kind, Record.id, Record.subject_id, Record.status, Record.record_date, Record.answers
    ).where(live, mine, Record.kind.in_(list(KEEP)))
    return execute(people), execute(aprs), execute(supervisions), execute(kept)


def _dated(session: Session) -> ColumnElement[Any]:
    """The record date for a range test that SQLite will not answer from an index: then
    it reads the APRs from a covering index, which holds every column the APR query
    needs, instead of reading each record (full demo: 110 ms -> 4)."""
    if session.get_bind().dialect.name != "sqlite":
        return Record.__table__.c.record_date
    return UnaryExpression(Record.__table__.c.record_date, operator=custom_op("+"), type_=Date())


def _add(facts: dict[int, PersonFacts], employee_id: int, record: RecordFact) -> None:
    person = facts.get(employee_id)
    if person is not None:
        person.records.append(record)
