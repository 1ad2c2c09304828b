"""The attendance screens' reads: a person's absences page, the team's attendance items."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from lcc_apr.attendance.policy import default_attendance_policy
from lcc_apr.models import Employee, User
from lcc_apr.ops.absence_view import absence_page, flags_note, with_attendance
from lcc_apr.ops.absences import NOT_YOURS, record_absence
from lcc_apr.ops.people import team_rows
from lcc_apr.ops.user import CurrentUser
from lcc_apr.policy import load_policy
from lcc_apr.schedule.attendance import KEEPING_IN_TOUCH, TRIGGER, attendance_due_for
from tests.conftest import DEMO_AS_OF

POLICY = default_attendance_policy()


def manager(store, username: str = "rtebbutt") -> tuple[CurrentUser, list[int], int]:
    """The manager, their reports, and someone who is not one of them."""
    with store.session() as s:
        user = CurrentUser.from_user(s.scalars(select(User).where(User.username == username)).one())
        reports = sorted(
            s.scalars(select(Employee.id).where(Employee.line_manager_id == user.employee_id))
        )
        other = s.scalars(
            select(Employee.id).where(
                Employee.line_manager_id != user.employee_id, Employee.id != user.employee_id
            )
        ).first()
    return user, reports, other


def test_the_page_names_the_person_lists_their_episodes_and_says_who_may_record(demo):
    user, reports, other = manager(demo)
    mine = absence_page(demo, user=user, employee_id=reports[0], policy=POLICY)
    assert mine.may_record and not mine.why_not
    assert mine.name and not mine.name.startswith("Employee ")
    assert [c for c, _label in mine.reasons] == [r.code for r in POLICY.reasons]
    days = [r.first_day for r in mine.rows]
    assert days == sorted(days, reverse=True)
    not_mine = absence_page(demo, user=user, employee_id=other, policy=POLICY)
    assert not not_mine.may_record and not_mine.why_not == NOT_YOURS
    me = absence_page(demo, user=user, employee_id=user.employee_id, policy=POLICY)
    assert not me.may_record and "own" in me.why_not


def test_the_note_follows_the_policy():
    assert "not counted" in flags_note(POLICY)
    counted = replace(POLICY, count_disability_related=True)
    assert flags_note(counted).startswith("Pregnancy-related absences are recorded but not")
    both = replace(counted, count_pregnancy_related=True)
    assert "both kinds of absence count" in flags_note(both)


def test_the_team_rows_carry_the_schedules_attendance_items(demo):
    user, reports, _other = manager(demo)
    first = DEMO_AS_OF - timedelta(days=40)
    rows = team_rows(demo, policy=load_policy(), today=DEMO_AS_OF, manager_id=user.employee_id)
    assert {r.employee_id for r in rows} == set(reports)
    free = [
        r.employee_id
        for r in with_attendance(demo, rows, policy=POLICY, today=DEMO_AS_OF)
        if not r.attendance
    ]
    person = free[0]
    record_absence(
        demo,
        user=user,
        employee_id=person,
        first_day=first,
        reason="infection",
        today=DEMO_AS_OF,
        policy=POLICY,
    )
    found = with_attendance(demo, rows, policy=POLICY, today=DEMO_AS_OF)
    with demo.session() as s:
        expected = attendance_due_for(s, POLICY, today=DEMO_AS_OF, employee_ids=reports)
    assert {r.employee_id: r.attendance for r in found} == {
        p: tuple(expected.get(p, ())) for p in reports
    }
    mine = next(r for r in found if r.employee_id == person)
    assert [i.topic for i in mine.attendance] == [TRIGGER, KEEPING_IN_TOUCH]  # 40 days off
