"""Attendance management: trigger points on hand-made histories, long-term absence's
welfare contact, return-to-work interviews outstanding, the manager's ops and their bad
input, and the store's migration."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import select, text

from lcc_apr.attendance.episodes import Episode, episode_problems
from lcc_apr.attendance.policy import default_attendance_policy, load_attendance_policy
from lcc_apr.attendance.triggers import (
    bradford,
    long_term,
    rtw_outstanding,
    trigger,
    welfare_contacts,
    window_start,
)
from lcc_apr.models import Absence, Employee, Role
from lcc_apr.ops.absences import (
    AbsenceRefused,
    absences_of,
    correct_absence,
    end_absence,
    record_absence,
    withdraw_absence,
)
from lcc_apr.ops.audit import audit_entries
from lcc_apr.ops.user import CurrentUser
from lcc_apr.policy import PolicyError
from lcc_apr.schedule.attendance import (
    KEEPING_IN_TOUCH,
    RETURN_TO_WORK,
    TRIGGER,
    _items_quick,
    attendance_due_for,
    attendance_items,
)
from lcc_apr.store import migrate

POLICY = default_attendance_policy()
TODAY = date(2026, 11, 30)
BRADFORD_ON = replace(POLICY, bradford_enabled=True)


def ep(first: date, last: date | None, *, n: int = 0, reason="infection", **flags) -> Episode:
    return Episode(f"e{n}-{first}", 1, first, last, reason, **flags)


def spells(*pairs: tuple[date, int]) -> list[Episode]:
    """Episodes of (first day, days long)."""
    return [ep(d, d + timedelta(days=n - 1), n=i) for i, (d, n) in enumerate(pairs)]


# -- the shipped policy -------------------------------------------------------------


def test_the_shipped_policy_marks_its_product_defaults_and_has_bradford_off():
    shipped = (Path(__file__).parents[1] / "resources/policy/attendance.toml").read_text()
    assert "PRODUCT DEFAULT" in shipped and "keeping in touch" in shipped
    assert POLICY.bradford_enabled is False
    assert not POLICY.count_disability_related and not POLICY.count_pregnancy_related
    assert (
        POLICY.reason("Stress, depression, anxiety or other mental health").code == "mental_health"
    )


def test_an_unknown_or_missing_policy_key_is_named(tmp_path):
    shipped = (Path(__file__).parents[1] / "resources/policy/attendance.toml").read_text()
    path = tmp_path / "attendance.toml"
    path.write_text(shipped.replace("episodes = 3", "episode = 3"))
    with pytest.raises(PolicyError) as err:
        load_attendance_policy(path)
    assert "triggers.episode: unknown setting" in str(err.value)
    assert "triggers.episodes: missing" in str(err.value)


# -- triggers --------------------------------------------------------------------------


def test_three_short_episodes_in_twelve_months_reach_the_trigger_on_the_third():
    history = spells((date(2026, 2, 2), 1), (date(2026, 6, 1), 2), (date(2026, 10, 5), 1))
    found = trigger(history, POLICY, TODAY)
    assert found is not None and found.why == ("3 episodes",)
    assert found.reached_on == date(2026, 10, 5) and found.days == 4 and found.bradford is None
    assert trigger(history[:2], POLICY, TODAY) is None


def test_eight_days_reach_the_trigger_on_the_eighth_day():
    found = trigger(spells((date(2026, 3, 2), 5), (date(2026, 8, 10), 5)), POLICY, TODAY)
    assert found.why == ("10 days",) and found.reached_on == date(2026, 8, 12)


def test_the_rolling_twelve_months_boundaries():
    # window: 1 December 2025 to 30 November 2026, both days in
    assert window_start(POLICY, TODAY) == date(2025, 12, 1)
    inside = spells((date(2025, 12, 1), 1), (date(2026, 5, 1), 1), (date(2026, 11, 30), 1))
    assert trigger(inside, POLICY, TODAY).episodes == 3
    outside = spells((date(2025, 11, 30), 1), (date(2026, 5, 1), 1), (date(2026, 11, 30), 1))
    assert trigger(outside, POLICY, TODAY) is None
    # an episode across the window's start counts, only its days inside
    across = spells((date(2025, 11, 20), 15))  # 20 Nov to 4 Dec 2025: 4 days inside
    assert trigger(across, POLICY, TODAY) is None
    assert trigger(across, POLICY, TODAY + timedelta(days=-1)) is None
    longer = spells((date(2025, 11, 20), 19))  # to 8 Dec: 8 days inside
    assert trigger(longer, POLICY, TODAY).days == 8


def test_disability_and_pregnancy_related_absences_are_kept_out_by_default():
    history = spells((date(2026, 2, 2), 1), (date(2026, 6, 1), 2), (date(2026, 10, 5), 1))
    history[1] = history[1]._replace(disability_related=True)
    assert trigger(history, POLICY, TODAY) is None
    history[1] = history[1]._replace(disability_related=False, pregnancy_related=True)
    assert trigger(history, POLICY, TODAY) is None
    counting = replace(POLICY, count_pregnancy_related=True)
    assert trigger(history, counting, TODAY).episodes == 3


def test_bradford_is_off_by_default_and_scores_s_squared_times_d_when_on():
    # 4 one-day spells: S=4, D=4, 64; 5 two-day spells: S=5, D=10, 250
    four = spells(*((date(2026, m, 1), 1) for m in (1, 3, 5, 7)))
    five = spells(*((date(2026, m, 1), 2) for m in (1, 3, 5, 7, 9)))
    assert bradford(four, POLICY, TODAY) == 64 and bradford(five, POLICY, TODAY) == 250
    assert trigger(five, POLICY, TODAY).bradford is None
    assert "Bradford factor 250" not in trigger(five, POLICY, TODAY).why
    on = trigger(five, BRADFORD_ON, TODAY)
    assert on.bradford == 250 and "Bradford factor 250" in on.why
    # two spells of 50 days each: 2 x 2 x 50 = 200 reaches the threshold on its own
    few = replace(BRADFORD_ON, episodes=9, days=999)
    two = spells((date(2026, 1, 1), 50), (date(2026, 6, 1), 50))
    assert trigger(two, few, TODAY).why == ("Bradford factor 400",)
    assert trigger(two, few, TODAY).reached_on == date(2026, 6, 1)  # 2 x 2 x 50 on its first day


# -- long-term absence and keeping in touch ---------------------------------------------


def test_long_term_absence_prompts_welfare_contact_every_two_weeks_while_off():
    open_one = ep(date(2026, 10, 1), None)
    assert long_term(open_one, POLICY, TODAY)
    assert not long_term(ep(date(2026, 11, 10), None), POLICY, TODAY)
    contacts = welfare_contacts(open_one, POLICY, TODAY)
    assert contacts == [
        date(2026, 10, 29),
        date(2026, 11, 12),
        date(2026, 11, 26),
        date(2026, 12, 10),
    ]
    ended = ep(date(2026, 9, 1), date(2026, 10, 20))
    assert welfare_contacts(ended, POLICY, TODAY) == [date(2026, 9, 29), date(2026, 10, 13)]
    items = attendance_items([open_one], POLICY, TODAY, [])
    [kit] = [i for i in items if i.topic == KEEPING_IN_TOUCH]
    assert kit.due == date(2026, 11, 26) and "10 Dec" in kit.label
    assert not [
        i for i in attendance_items([ended], POLICY, TODAY, []) if i.topic == KEEPING_IN_TOUCH
    ]


# -- return-to-work interviews outstanding (pure) --------------------------------------------


def test_a_return_to_work_interview_is_outstanding_until_one_is_held_after_the_return():
    first = ep(date(2026, 10, 5), date(2026, 10, 7), n=1)
    second = ep(date(2026, 11, 16), date(2026, 11, 20), n=2)
    found = rtw_outstanding([first, second], [], POLICY, TODAY)
    assert [(r.episode_id, r.back_on, r.due) for r in found] == [
        (first.id, date(2026, 10, 8), date(2026, 10, 11)),
        (second.id, date(2026, 11, 21), date(2026, 11, 24)),
    ]
    # one held on the day back covers the first only; one held before the return none
    assert [
        r.episode_id for r in rtw_outstanding([first, second], [date(2026, 10, 8)], POLICY, TODAY)
    ] == [second.id]
    assert len(rtw_outstanding([first, second], [date(2026, 10, 6)], POLICY, TODAY)) == 2
    assert (
        rtw_outstanding([first, second], [date(2026, 10, 9), date(2026, 11, 23)], POLICY, TODAY)
        == []
    )
    # still off, or back only tomorrow: nothing yet; back over 12 months ago: no longer asked
    assert rtw_outstanding([ep(date(2026, 11, 25), None)], [], POLICY, TODAY) == []
    assert rtw_outstanding([ep(date(2026, 11, 25), TODAY)], [], POLICY, TODAY) == []
    assert rtw_outstanding([ep(date(2025, 11, 1), date(2025, 11, 3))], [], POLICY, TODAY) == []


# -- bad input -------------------------------------------------------------------------


def test_bad_episodes_get_a_plain_message():
    held = [ep(date(2026, 11, 2), date(2026, 11, 6), n=1)]

    def problems(episode):
        return " ".join(episode_problems(episode, held, today=TODAY, policy=POLICY))

    assert "before the first day" in problems(ep(date(2026, 11, 20), date(2026, 11, 19)))
    assert "after today" in problems(ep(TODAY + timedelta(days=1), None))
    assert "overlaps the absence already recorded from 2 November 2026 to 6 November 2026" in (
        problems(ep(date(2026, 11, 6), date(2026, 11, 9)))
    )
    assert "overlaps" in problems(ep(date(2026, 10, 1), None))  # open: runs on
    assert "categories HR has set up" in problems(ep(date(2026, 11, 10), None, reason="hangover"))
    assert problems(ep(date(2026, 11, 7), None)) == ""
    assert problems(held[0]) == ""  # itself, when corrected


# -- the manager's ops on the demo store ---------------------------------------------------------


def manager_and_report(store) -> tuple[CurrentUser, int, int]:
    with store.session() as s:
        report = s.scalars(select(Employee).where(Employee.line_manager_id.is_not(None))).first()
        other = s.scalars(
            select(Employee.id).where(
                Employee.line_manager_id != report.line_manager_id,
                Employee.id != report.line_manager_id,
            )
        ).first()
        user = CurrentUser(99, "A manager", frozenset({Role.MANAGER}), report.line_manager_id)
        return user, report.id, other


def test_the_manager_records_corrects_and_ends_an_episode_audited_with_ids_only(demo_store_copy):
    store = demo_store_copy
    user, person, _ = manager_and_report(store)
    saved = record_absence(
        store,
        user=user,
        employee_id=person,
        first_day=date(2026, 11, 23),
        reason="Stomach",
        today=TODAY,
        policy=POLICY,
    )
    assert saved.changes.listed and saved.changes.unsent and saved.changes.people == {person}
    corrected = correct_absence(
        store,
        user=user,
        absence_id=saved.absence_id,
        first_day=date(2026, 11, 24),
        last_day=None,
        reason="stomach",
        disability_related=True,
        pregnancy_related=False,
        today=TODAY,
        policy=POLICY,
    )
    end_absence(
        store,
        user=user,
        absence_id=corrected.absence_id,
        last_day=date(2026, 11, 27),
        today=TODAY,
        policy=POLICY,
    )
    [row] = [
        r
        for r in absences_of(store, employee_id=person, policy=POLICY)
        if r.absence_id == saved.absence_id
    ]
    assert (row.first_day, row.last_day, row.reason_code, row.disability_related, row.unsent) == (
        date(2026, 11, 24),
        date(2026, 11, 27),
        "stomach",
        True,
        True,
    )
    with store.session() as s:
        stored = s.get(Absence, saved.absence_id)
        assert stored.dirty and stored.base_rev is None and stored.source == "manager"
    events = [e for e in audit_entries(store) if e["event"].startswith("absence_")]
    assert [e["event"] for e in events] == [
        "absence_recorded",
        "absence_corrected",
        "absence_ended",
    ]
    assert all(set(e) == {"at", "user_id", "event", "absence_id", "employee_id"} for e in events)
    withdraw_absence(store, user=user, absence_id=saved.absence_id)
    assert saved.absence_id not in {
        r.absence_id for r in absences_of(store, employee_id=person, policy=POLICY)
    }


def test_bad_input_is_refused_whole_and_changes_nothing(demo_store_copy):
    store = demo_store_copy
    user, person, stranger = manager_and_report(store)
    kept = record_absence(
        store,
        user=user,
        employee_id=person,
        first_day=date(2026, 11, 2),
        last_day=date(2026, 11, 6),
        reason="injury",
        today=TODAY,
        policy=POLICY,
    )
    with store.session() as s:
        before = s.execute(text("SELECT * FROM absences ORDER BY id")).all()
    bad = [
        dict(employee_id=person, first_day=date(2026, 11, 5), last_day=None),
        dict(employee_id=person, first_day=date(2026, 11, 20), last_day=date(2026, 11, 18)),
        dict(employee_id=person, first_day=TODAY + timedelta(days=2), last_day=None),
        dict(employee_id=stranger, first_day=date(2026, 11, 20), last_day=None),
        dict(employee_id=user.employee_id, first_day=date(2026, 11, 20), last_day=None),
    ]
    words = []
    for b in bad:
        with pytest.raises(AbsenceRefused) as err:
            record_absence(store, user=user, reason="injury", today=TODAY, policy=POLICY, **b)
        words.append(str(err.value))
    assert (
        "overlaps" in words[0] and "before the first day" in words[1] and "after today" in words[2]
    )
    assert "people you line manage" in words[3] and "Your own absences" in words[4]
    with pytest.raises(AbsenceRefused, match="before the first day"):
        end_absence(
            store,
            user=user,
            absence_id=kept.absence_id,
            last_day=date(2026, 11, 1),
            today=TODAY,
            policy=POLICY,
        )
    with store.session() as s:
        assert s.execute(text("SELECT * FROM absences ORDER BY id")).all() == before


def test_the_schedule_reads_everyones_episodes_in_one_query(demo_store_copy):
    store = demo_store_copy
    user, person, _ = manager_and_report(store)
    with store.session() as s:
        s.execute(text("DELETE FROM absences"))
    for first, last in (
        (date(2026, 2, 2), date(2026, 2, 3)),
        (date(2026, 6, 1), date(2026, 6, 1)),
        (date(2026, 11, 16), date(2026, 11, 18)),
    ):
        record_absence(
            store,
            user=user,
            employee_id=person,
            first_day=first,
            last_day=last,
            reason="infection",
            today=TODAY,
            policy=POLICY,
        )
    statements: list[str] = []
    with store.session() as s:
        driver = s.connection().connection.driver_connection
        driver.set_trace_callback(statements.append)  # every statement SQLite runs
        try:
            due = attendance_due_for(
                s, POLICY, today=TODAY, rtw_held={person: [date(2026, 2, 4), date(2026, 6, 2)]}
            )
        finally:
            driver.set_trace_callback(None)
    statements = [q for q in statements if "absences" in q]
    assert len(statements) == 1
    assert sorted(i.topic for i in due[person]) == [RETURN_TO_WORK, TRIGGER]


def test_an_rtw_interview_record_in_the_store_settles_the_outstanding_interview(
    demo_store_copy,
):
    """Read from the store (no `rtw_held`): the return-to-work interview records' meeting
    dates; a deleted one does not count, nor one held before the person came back."""
    from lcc_apr.history import create_record
    from lcc_apr.models import Record, RecordKind
    from lcc_apr.schedule.attendance import rtw_days

    store = demo_store_copy
    user, person, _ = manager_and_report(store)
    with store.session() as s:
        s.execute(text("DELETE FROM absences"))
    record_absence(
        store,
        user=user,
        employee_id=person,
        first_day=date(2026, 11, 16),
        last_day=date(2026, 11, 18),
        reason="infection",
        today=TODAY,
        policy=POLICY,
    )

    def interview(meeting: str) -> str:
        with store.session() as s:
            made = create_record(
                s,
                kind=RecordKind.RETURN_TO_WORK,
                subject_id=person,
                author_id=None,
                template_id="return_to_work",
                template_version=1,
                answers={"meeting_date": meeting, "absence_first_day": "2026-11-16"},
                status="draft",
                record_date=TODAY,
                at=datetime(2026, 11, 30, 9, tzinfo=UTC),
            )
            return made.id

    def topics() -> list[str]:
        with store.session() as s:
            return sorted(i.topic for i in attendance_due_for(s, POLICY, today=TODAY)[person])

    assert topics() == [RETURN_TO_WORK]
    interview("2026-11-10")  # before the absence: not this one's interview
    assert topics() == [RETURN_TO_WORK]
    held = interview("2026-11-19")
    with store.session() as s:
        assert sorted(rtw_days(s, since=date(2026, 1, 1))[person]) == [
            date(2026, 11, 10),
            date(2026, 11, 19),
        ]
        assert person not in attendance_due_for(s, POLICY, today=TODAY)
        s.get(Record, held).deleted = True
    assert topics() == [RETURN_TO_WORK]


def test_everyones_rtw_days_answered_again_follow_every_change_to_the_rtw_records(
    demo_store_copy,
):
    """rtw_days gives everyone's last answer again while the RTW records' fingerprint holds:
    an edit (its last change moves), a deletion, a purge or another `since` reads again."""
    from lcc_apr.history import purge_records, update_record
    from lcc_apr.models import Record, RecordKind
    from lcc_apr.schedule import attendance

    since = date(2025, 1, 1)

    def read_afresh(s) -> dict:
        attendance._held_memo.clear()
        attendance._whole.clear()
        return attendance.rtw_days(s, since=since)

    with demo_store_copy.session() as s:
        live = Record.kind == RecordKind.RETURN_TO_WORK, Record.deleted.is_(False)
        edited, deleted, purged = s.scalars(
            select(Record).where(*live, Record.record_date >= since).limit(3)
        ).all()
        first = attendance.rtw_days(s, since=since)
        assert attendance.rtw_days(s, since=since) == first == read_afresh(s)
        answer = attendance.rtw_days(s, since=since)
        answer[edited.subject_id] = []  # a caller's copy: the next answer is whole
        assert attendance.rtw_days(s, since=since) == first

        update_record(
            s,
            edited,
            user_id=None,
            at=datetime(2026, 11, 30, 10, tzinfo=UTC),
            answers={"meeting_date": "2026-11-27"},
        )
        s.flush()
        after_edit = attendance.rtw_days(s, since=since)
        assert date(2026, 11, 27) in after_edit[edited.subject_id]
        assert after_edit == read_afresh(s) != first
        deleted.deleted = True
        s.flush()
        assert attendance.rtw_days(s, since=since) == read_afresh(s)
        purge_records(s, [purged.id])
        assert attendance.rtw_days(s, since=since) == read_afresh(s)
        later = date(2026, 11, 28)
        assert attendance.rtw_days(s, since=later) == {
            person: [d for d in days if d >= later]
            for person, days in read_afresh(s).items()
            if any(d >= later for d in days)
        }


# -- migrations --------------------------------------------------------------------------


def test_a_store_at_0019_upgrades_to_hold_absences(db_engine):
    from alembic import command

    migrate.upgrade(db_engine)
    with db_engine.begin() as c:
        command.downgrade(migrate._config(c), "0019")
    with db_engine.connect() as c:
        assert migrate.current(c) == "0019"
        assert "absences" not in {t for t in db_engine.dialect.get_table_names(c)}
    migrate.upgrade(db_engine)
    with db_engine.connect() as c:
        assert migrate.current(c) == migrate.HEAD  # 0020 and any after
        assert "absences" in set(db_engine.dialect.get_table_names(c))


def test_the_core_query_reads_what_the_sqlite_one_reads(demo_store_copy):
    """PostgreSQL (or a cache whose driver is not SQLite's) reads through SQLAlchemy Core."""
    from lcc_apr.schedule.attendance import _core_rows, _sqlite_rows

    with demo_store_copy.session() as s:
        since = date(2025, 11, 30)
        plain = _sqlite_rows(s, today=TODAY, since=since, ids=None)
        core = _core_rows(s, today=TODAY, since=since, ids=None)
        assert plain and plain == core
        some = sorted({r[1] for r in plain})[:3]
        assert _sqlite_rows(s, today=TODAY, since=since, ids=some) == _core_rows(
            s, today=TODAY, since=since, ids=some
        )


def test_the_absence_sample_reads_without_a_problem_and_names_demo_people():
    from lcc_apr.hr.absences import load_absence_profile, read_absences
    from lcc_apr.paths import resources_dir

    samples = resources_dir() / "hr" / "samples"
    rows, problems = read_absences(
        samples / "absences.csv", load_absence_profile("generic", POLICY)
    )
    assert problems == [] and len(rows) == 4
    assert [r.reason for r in rows] == [
        "infection",
        "musculoskeletal",
        "mental_health",
        "infection",
    ]
    assert rows[2].disability_related and rows[3].last_day is None
    staff = {line.split(",")[0] for line in (samples / "generic.csv").read_text().splitlines()}
    assert {r.payroll for r in rows} <= staff


@cache
def demo_episodes() -> dict[int, list[Episode]]:
    """The full demo's episodes by person, oldest first (made once for the tests below)."""
    from lcc_apr.demo.organisation import build_organisation

    org = build_organisation(seed=2020, size=6087, as_of=TODAY)
    keys = ("id", "employee_id", "first_day", "last_day", "reason")
    keys += ("disability_related", "pregnancy_related")
    by: dict[int, list[Episode]] = {}
    for a in sorted(org.absences, key=lambda a: (a["employee_id"], a["first_day"])):
        by.setdefault(a["employee_id"], []).append(Episode(*(a[k] for k in keys)))
    return by


@pytest.mark.parametrize(
    "policy", [POLICY, BRADFORD_ON, replace(POLICY, count_disability_related=True)]
)
def test_the_schedules_one_pass_gives_what_the_rules_give_on_the_whole_demo(policy):
    """attendance_due_for's quick path against attendance_items (the rules composed), for
    everyone of the full demo, with RTW interviews held for some."""

    by = demo_episodes()
    start = window_start(policy, TODAY)
    compared = 0
    for person, episodes in by.items():
        held = (
            [e.last_day + timedelta(days=2) for e in episodes[::3] if e.last_day]
            if person % 2
            else []
        )
        quick = _items_quick(episodes, policy, TODAY, held, start)
        assert quick == attendance_items(episodes, policy, TODAY, held), person
        compared += bool(quick)
    assert compared > 2000
