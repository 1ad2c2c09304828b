"""What attendance management has due: trigger points reached, return-to-work interviews
outstanding, and welfare contact ("keeping in touch") in long-term absence.

Everyone's episodes come from one query (`gather_episodes`); the rules are the pure
functions of lcc_apr.attendance.triggers. The days return-to-work interviews were held
are the RTW interview records' meeting dates (`rtw_days`), or the caller's (`rtw_held`,
employee id -> days); the welfare contacts made are the welfare contact records' dates
and next dates agreed (`contacts_made`), or the caller's. Any worker thread, on the
caller's session.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.attendance.episodes import Episode
from lcc_apr.attendance.policy import AttendancePolicy
from lcc_apr.attendance.triggers import (
    Contact,
    long_term,
    next_welfare_contact,
    rtw_outstanding,
    trigger,
    trigger_of,
    welfare_contacts,
    window_start,
)
from lcc_apr.models import Absence, Employee, Record, RecordKind

from .model import DueState

TRIGGER, RETURN_TO_WORK, KEEPING_IN_TOUCH = "trigger", "return_to_work", "keeping_in_touch"
RTW_LABEL = "Return-to-work interview"
SOON_DAYS = 7  # a welfare contact this near is due soon (before: not yet)


class AttendanceItem(NamedTuple):
    """One thing attendance management has due for a person (as DueItem for records; a
    named tuple, as thousands are made at once)."""

    employee_id: int
    topic: str  # trigger | return_to_work | keeping_in_touch
    label: str  # "Attendance trigger reached (3 episodes)"
    due: date
    state: DueState
    absence_id: str | None = None  # the episode concerned, when there is one


def gather_episodes(
    session: Session, *, today: date, since: date, employee_ids: Iterable[int] | None = None
) -> dict[int, list[Episode]]:
    """Everyone's (or the listed people's) episodes that reach `since` or later, withdrawn
    ones left out, current staff only, each person's oldest first: one query (on SQLite
    through the driver's cursor, its plain tuples, as lcc_apr.schedule.facts)."""
    ids = sorted(set(employee_ids)) if employee_ids is not None else None
    if session.get_bind().dialect.name == "sqlite":
        rows = _sqlite_rows(session, today=today, since=since, ids=ids)
    else:
        rows = _core_rows(session, today=today, since=since, ids=ids)
    found: dict[int, list[Episode]] = {}
    for episode in rows:
        mine = found.get(episode.employee_id)
        if mine is None:
            found[episode.employee_id] = [episode]
        else:
            mine.append(episode)
    return found


COLUMNS = (
    "a.id, a.employee_id, a.first_day, a.last_day, a.reason, a.disability_related,"
    " a.pregnancy_related"
)


def _sqlite_rows(
    session: Session, *, today: date, since: date, ids: list[int] | None
) -> list[Episode]:
    params: tuple[Any, ...] = tuple(ids or ())
    only = f" AND a.employee_id IN ({', '.join('?' * len(params))})" if ids is not None else ""
    cursor = session.connection().connection.cursor()
    try:
        rows = cursor.execute(
            f"SELECT {COLUMNS} FROM absences AS a JOIN employees AS e ON e.id = a.employee_id"
            " WHERE a.deleted = 0 AND (a.last_day IS NULL OR a.last_day >= ?)"
            " AND (e.leaving_date IS NULL OR e.leaving_date > ?)"
            f"{only} ORDER BY a.employee_id, a.first_day",
            (since.isoformat(), today.isoformat(), *params),
        ).fetchall()
    finally:
        cursor.close()
    day, make = date.fromisoformat, tuple.__new__  # Episode(...) without its Python __new__
    return [
        make(Episode, (i, e, day(f), last and day(last), r, bool(d), bool(p)))
        for i, e, f, last, r, d, p in rows
    ]


def _core_rows(
    session: Session, *, today: date, since: date, ids: list[int] | None
) -> list[Episode]:
    stmt = (
        select(
            Absence.id,
            Absence.employee_id,
            Absence.first_day,
            Absence.last_day,
            Absence.reason,
            Absence.disability_related,
            Absence.pregnancy_related,
        )
        .join(Employee, Employee.id == Absence.employee_id)
        .where(
            ~Absence.deleted,
            (Absence.last_day.is_(None)) | (Absence.last_day >= since),
            (Employee.leaving_date.is_(None)) | (Employee.leaving_date > today),
        )
        .order_by(Absence.employee_id, Absence.first_day)
    )
    if ids is not None:
        stmt = stmt.where(Absence.employee_id.in_(ids))
    return [Episode(*r) for r in session.connection().execute(stmt)]


# Each RTW record's meeting date and the last change it was read at, by id: its answers
# are packed in a local store, so they are read once, not at every schedule
# (bench/schedule.py).
_held_memo: dict[str, tuple[Any, date | None]] = {}
MEMO_MAX = 200_000
CHUNK = 500


# Everyone's last answer on SQLite, with the RTW records' fingerprint and `since` it was
# for: while no RTW record was added, changed, deleted or purged, it is the answer again.
_whole: dict[str, Any] = {}


# What the schedule reads of each RTW interview, welfare contact and attendance review,
# by (kind, id, last change): its answers are packed in a local store, so they are read
# once, not at every schedule (bench/schedule.py).
_memo: dict[tuple[str, str, Any], Any] = {}


def _read(
    session: Session,
    kind: RecordKind,
    ids: Iterable[int] | None,
    pick: Callable[[date | None, dict[str, Any]], Any],
) -> dict[int, list[Any]]:
    """`pick(record date, answers)` of each live record of `kind` (None: left out), per
    subject; read through the memo."""
    wanted = sorted(set(ids)) if ids is not None else None
    rows = _kind_rows(session, kind, wanted)
    unread = [i for i, _subject, stamp in rows if (kind, i, stamp) not in _memo]
    if len(_memo) + len(unread) > MEMO_MAX:
        _memo.clear()
    stamps = {record_id: stamp for record_id, _subject, stamp in rows}
    for start in range(0, len(unread), CHUNK):
        read = select(Record.id, Record.record_date, Record.answers).where(
            Record.id.in_(unread[start : start + CHUNK])
        )
        for record_id, record_date, answers in session.execute(read):
            _memo[(kind, record_id, stamps[record_id])] = pick(record_date, answers)
    found: dict[int, list[Any]] = {}
    for record_id, subject_id, stamp in rows:
        value = _memo.get((kind, record_id, stamp))
        if value is not None:
            found.setdefault(subject_id, []).append(value)
    return found


def _meeting(record_date: date | None, answers: dict[str, Any]) -> date | None:
    return _a_date(answers.get("meeting_date")) or record_date


def _contact(record_date: date | None, answers: dict[str, Any]) -> Contact | None:
    day = _meeting(record_date, answers)
    return Contact(day, _a_date(answers.get("next_contact_date"))) if day else None


def rtw_days(
    session: Session, *, since: date, employee_ids: Iterable[int] | None = None
) -> dict[int, list[date]]:
    """The days return-to-work interviews were held from `since` on, per employee: each RTW
    record's meeting date (its record date while none is written), deleted ones left out,
    each person's in order. A draft counts: the interview took place, its record is being
    written up."""
    ids = sorted(set(employee_ids)) if employee_ids is not None else None
    key = (_rtw_fingerprint(session), since) if ids is None else None
    last = _whole.get("last")  # (key, days), replaced whole: another thread may read it
    if key is not None and key[0] is not None and last is not None and last[0] == key:
        held_on = last[1]
    else:
        held_on = _read_rtw_days(session, since=since, ids=ids)
        if key is not None and key[0] is not None:
            _whole["last"] = (key, held_on)
    return {subject: list(days) for subject, days in held_on.items()}


def _rtw_fingerprint(session: Session) -> tuple[int, ...] | None:
    """On SQLite: the live RTW records' count, and the sums of their row ids and of their
    last changes in milliseconds (from the covering index, no row read): any record added,
    changed (its `updated_at` moves), deleted or purged changes it. None elsewhere."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    cursor = session.connection().connection.cursor()
    try:
        row = cursor.execute(
            "SELECT count(*), sum(rowid),"
            " sum(CAST((julianday(updated_at) - 2460000) * 86400000 AS INTEGER))"
            " FROM records WHERE kind = 'return_to_work' AND deleted = 0"
        ).fetchone()
    finally:
        cursor.close()
    return tuple(row)


def _read_rtw_days(
    session: Session, *, since: date, ids: list[int] | None
) -> dict[int, list[date]]:
    """rtw_days read: each live RTW record's (id, last change), its meeting date taken from
    the memo while its last change is the one read, else from its answers."""
    memo = _held_memo
    held_on: dict[int, list[date]] = {}
    unread: dict[str, tuple[int, Any]] = {}  # id -> (subject, last change)
    for record_id, subject_id, stamp in _kind_rows(session, RecordKind.RETURN_TO_WORK, ids):
        known = memo.get(record_id)
        if known is None or known[0] != stamp:
            unread[record_id] = (subject_id, stamp)
            continue
        held = known[1]
        if held is not None and held >= since:
            mine = held_on.get(subject_id)
            if mine is None:
                held_on[subject_id] = [held]
            else:
                mine.append(held)
    if len(memo) + len(unread) > MEMO_MAX:
        memo.clear()
    waiting = list(unread)
    for start in range(0, len(waiting), CHUNK):
        read = select(Record.id, Record.record_date, Record.answers).where(
            Record.id.in_(waiting[start : start + CHUNK])
        )
        for record_id, record_date, answers in session.execute(read):
            subject_id, stamp = unread[record_id]
            held = _a_date(answers.get("meeting_date")) or record_date
            memo[record_id] = (stamp, held)
            if held is not None and held >= since:
                held_on.setdefault(subject_id, []).append(held)
    for days in held_on.values():
        if len(days) > 1:
            days.sort()
    return held_on


def contacts_made(
    session: Session, *, employee_ids: Iterable[int] | None = None
) -> dict[int, list[Contact]]:
    """The welfare contacts recorded, per employee: each welfare contact record's date of
    the contact (its record date while none is written) and the next contact agreed,
    deleted ones left out. A draft counts: the contact was made, its record is being
    written up."""
    return _read(session, RecordKind.WELFARE_CONTACT, employee_ids, _contact)


def reviews_opened(
    session: Session, *, employee_ids: Iterable[int] | None = None
) -> dict[int, list[date]]:
    """The days attendance reviews were opened, per employee: each review's informal
    meeting date (its record date while none is written), deleted ones left out."""
    return _read(session, RecordKind.ATTENDANCE, employee_ids, _meeting)


def _kind_rows(session: Session, kind: RecordKind, ids: list[int] | None) -> list[tuple[Any, ...]]:
    """(id, subject, last change as stored) of the live records of `kind`: on SQLite through
    the driver's cursor from store migration 0010's covering index (ix_records_waiting), so
    no record's row is read (on the full demo the rows' pages made it 0.15 s, not 0.01)."""
    if session.get_bind().dialect.name != "sqlite":
        stmt = select(Record.id, Record.subject_id, Record.updated_at).where(
            Record.kind == kind, Record.deleted.is_(False)
        )
        if ids is not None:
            stmt = stmt.where(Record.subject_id.in_(ids))
        return [tuple(r) for r in session.execute(stmt)]
    params: tuple[Any, ...] = tuple(ids or ())
    only = f" AND subject_id IN ({', '.join('?' * len(params))})" if ids is not None else ""
    cursor = session.connection().connection.cursor()
    try:
        return cursor.execute(
            "SELECT id, subject_id, updated_at FROM records WHERE kind = ? AND deleted = 0" + only,
            (kind.value, *params),
        ).fetchall()
    finally:
        cursor.close()


def _a_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def attendance_due_for(
    session: Session,
    policy: AttendancePolicy,
    *,
    today: date,
    rtw_held: Mapping[int, Sequence[date]] | None = None,
    employee_ids: Iterable[int] | None = None,
    contacts: Mapping[int, Sequence[Contact]] | None = None,
    reviews: Mapping[int, Sequence[date]] | None = None,
) -> dict[int, list[AttendanceItem]]:
    """Attendance items per employee (those with any), soonest first. `rtw_held`: the days
    RTW interviews were held, when the caller has them; else read (`rtw_days`); the same
    for `contacts`, the welfare contacts recorded (`contacts_made`), and `reviews`, the
    days attendance reviews were opened (`reviews_opened`)."""
    start = window_start(policy, today)
    since = start - timedelta(days=1)
    enabled = gc.isenabled()
    gc.disable()  # many young objects, none in a cycle (as due_for)
    try:
        episodes = gather_episodes(session, today=today, since=since, employee_ids=employee_ids)
        if rtw_held is None:
            rtw_held = rtw_days(session, since=since, employee_ids=employee_ids)
        if contacts is None:
            contacts = contacts_made(session, employee_ids=employee_ids)
        if reviews is None:
            reviews = reviews_opened(session, employee_ids=employee_ids)
        items_of, held_by = _quick(policy, today, start), rtw_held.get
        made_by, opened_by = contacts.get, reviews.get
        found: dict[int, list[AttendanceItem]] = {}
        for employee_id, mine in episodes.items():
            made, opened = made_by(employee_id, ()), opened_by(employee_id, ())
            items = items_of(mine, held_by(employee_id, ()), made, opened)
            if items:
                found[employee_id] = items
        return found
    finally:
        if enabled:
            gc.enable()


def attendance_items(
    episodes: Sequence[Episode],
    policy: AttendancePolicy,
    today: date,
    held: Sequence[date],
    *,
    start: date | None = None,
    in_order: bool = False,
    contacts: Sequence[Contact] = (),
    reviews: Sequence[date] = (),
) -> list[AttendanceItem]:
    """One person's attendance items (pure). `start`: the window's first day, if known;
    `in_order`: the episodes come oldest first (as gather_episodes gives them);
    `contacts`: the welfare contacts recorded for them; `reviews`: the days attendance
    reviews were opened for them (one opened on or after a trigger's day settles it)."""
    if not episodes:
        return []
    start = start or window_start(policy, today)
    person = episodes[0].employee_id
    items: list[AttendanceItem] = []
    reached = trigger(episodes, policy, today, start=start, in_order=in_order)
    if reached is not None and not _settled(reached.reached_on, reviews, policy):
        label = f"Attendance trigger reached ({', '.join(reached.why)})"
        items.append(AttendanceItem(person, TRIGGER, label, reached.reached_on, DueState.OVERDUE))
    for rtw in rtw_outstanding(episodes, held, policy, today, start=start, in_order=in_order):
        state = DueState.OVERDUE if rtw.due < today else DueState.DUE_SOON
        items.append(
            AttendanceItem(person, RETURN_TO_WORK, RTW_LABEL, rtw.due, state, rtw.episode_id)
        )
    for episode in episodes:
        if episode.last_day is not None and episode.last_day < today:
            continue  # back: welfare contact ends
        if long_term(episode, policy, today):
            kit = _keeping_in_touch(episode, policy, today, contacts)
            if kit is not None:
                items.append(kit)
    if len(items) > 1:
        items.sort(key=_due)
    return items


def _due(item: AttendanceItem) -> tuple[date, str, str]:
    """Soonest first; on the same day, in one order whichever way the items were made."""
    return item.due, item.topic, item.absence_id or ""


def _keeping_in_touch(
    episode: Episode, policy: AttendancePolicy, today: date, made: Sequence[Contact] = ()
) -> AttendanceItem | None:
    """The welfare contact due in a long-term absence still going on. With a contact
    recorded in it, the next counts from the latest (next_welfare_contact): overdue once
    its day has passed, due soon within SOON_DAYS, else not yet due. With none, the
    contact whose day has come (from the absence's start, every few weeks) is due."""
    weeks = ((today - episode.first_day).days + 1) // 7
    latest = next_welfare_contact(episode, policy, today, made) if made else None
    if latest is not None:
        last, due = latest
        label = (
            f"Keeping in touch: long-term absence ({weeks} weeks), next by {due:%d %b}"
            f" (last contact {last.day:%d %b})"
        )
        if due < today:
            state = DueState.OVERDUE
        elif (due - today).days <= SOON_DAYS:
            state = DueState.DUE_SOON
        else:
            state = DueState.OK
        return AttendanceItem(episode.employee_id, KEEPING_IN_TOUCH, label, due, state, episode.id)
    contacts = welfare_contacts(episode, policy, today)
    come = [d for d in contacts if d <= today]
    if not come:
        return None  # a last day ahead: long-term only later
    label = f"Keeping in touch: long-term absence ({weeks} weeks), next by {contacts[-1]:%d %b}"
    return AttendanceItem(
        episode.employee_id, KEEPING_IN_TOUCH, label, come[-1], DueState.DUE_SOON, episode.id
    )


def _items_quick(
    episodes: Sequence[Episode],
    policy: AttendancePolicy,
    today: date,
    held: Sequence[date],
    start: date,
    contacts: Sequence[Contact] = (),
    reviews: Sequence[date] = (),
) -> list[AttendanceItem]:
    """attendance_items on the schedule's path (`_quick`), for one person."""
    return _quick(policy, today, start)(episodes, held, contacts, reviews)


def _quick(
    policy: AttendancePolicy, today: date, start: date
) -> Callable[
    [Sequence[Episode], Sequence[date], Sequence[Contact], Sequence[date]], list[AttendanceItem]
]:
    """attendance_items as one pass over a person's episodes coming oldest first, on day
    numbers (ordinals) rather than dates, the policy's figures read once for everyone: the
    schedule's path (tests/test_attendance.py checks it gives the same on the whole demo).
    The trigger's details are worked out (`trigger_of`, on the spans counted on the way)
    only for someone who may have reached one."""
    no_disability = not policy.count_disability_related
    no_pregnancy = not policy.count_pregnancy_related
    now, window = today.toordinal(), start.toordinal()
    long_days, rtw_within = 7 * policy.long_term_weeks, policy.rtw_due_within_days
    least_spells, least_days = policy.episodes, policy.days
    bradford = policy.bradford_enabled
    overdue, soon, day_of = DueState.OVERDUE, DueState.DUE_SOON, date.fromordinal
    never = date.max.toordinal()

    def items(
        episodes: Sequence[Episode],
        held: Sequence[date],
        contacts: Sequence[Contact],
        reviews: Sequence[date],
    ) -> list[AttendanceItem]:
        person = episodes[0].employee_id
        spans: list[tuple[int, int]] = []
        days = 0
        found: list[AttendanceItem] = []
        held_on: list[int] | None = None  # the interviews' day numbers, once needed
        last_index = len(episodes) - 1
        for i, e in enumerate(episodes):
            first_day = e.first_day.toordinal()
            last_day = e.last_day.toordinal() if e.last_day is not None else None
            if not (
                (e.disability_related and no_disability) or (e.pregnancy_related and no_pregnancy)
            ):
                last = last_day if last_day is not None and last_day < now else now
                first = first_day if first_day > window else window
                if first <= last:
                    spans.append((first, last))
                    days += last - first + 1
            if last_day is not None and last_day < now:
                back = last_day + 1
                if back < window:
                    continue
                if held:  # one held from the day back to the next episode's first day
                    if held_on is None:
                        held_on = [d.toordinal() for d in held]
                    until = episodes[i + 1].first_day.toordinal() if i < last_index else never
                    if any(back <= d <= until for d in held_on):
                        continue
                due = back + rtw_within
                state = overdue if due < now else soon
                found.append(
                    AttendanceItem(person, RETURN_TO_WORK, RTW_LABEL, day_of(due), state, e.id)
                )
            elif now - first_day >= long_days:
                kit = _keeping_in_touch(e, policy, today, contacts)
                if kit is not None:
                    found.append(kit)
        if spans and (len(spans) >= least_spells or days >= least_days or bradford):
            reached = trigger_of(spans, policy)
            if reached is not None and not _settled(reached.reached_on, reviews, policy):
                label = f"Attendance trigger reached ({', '.join(reached.why)})"
                found.append(AttendanceItem(person, TRIGGER, label, reached.reached_on, overdue))
        if len(found) > 1:
            found.sort(key=_due)
        return found

    return items


def _settled(reached_on: date, reviews: Sequence[date], policy: AttendancePolicy) -> bool:
    """An attendance review opened on or after the day the trigger was reached, where the
    policy lets a review settle its trigger (`triggers.review_settles`)."""
    return policy.review_settles_trigger and any(day >= reached_on for day in reviews)
