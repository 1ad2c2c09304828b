"""Welfare contacts recorded in long-term absence and attendance reviews opened (issue 19):
the next contact counted from the latest recorded, and a review settling the trigger that
prompted it; pure, and read from the store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from sqlalchemy import text

from lcc_apr.attendance.triggers import Contact, trigger, window_start
from lcc_apr.ops.absences import record_absence
from lcc_apr.schedule import DueState
from lcc_apr.schedule.attendance import (
    KEEPING_IN_TOUCH,
    TRIGGER,
    _items_quick,
    attendance_due_for,
    attendance_items,
)

from .test_attendance import POLICY, TODAY, ep, manager_and_report, spells


def test_the_next_welfare_contact_counts_from_the_last_one_recorded():
    """Issue 19: the agreed next date when given (after the contact), else HR's interval
    after the contact; never before the absence is long-term; a contact outside the
    episode does not count. The schedule's one pass says the same."""
    off = ep(date(2026, 10, 1), None)

    def kit(*made: Contact):
        items = attendance_items([off], POLICY, TODAY, [], contacts=made)
        quick = _items_quick([off], POLICY, TODAY, [], window_start(POLICY, TODAY), made)
        assert items == quick
        [found] = [i for i in items if i.topic == KEEPING_IN_TOUCH]
        return found.due, found.state

    assert kit() == (date(2026, 11, 26), DueState.DUE_SOON)  # none recorded: as before
    assert kit(Contact(date(2026, 9, 20))) == kit()  # before the absence: not its contact
    assert kit(Contact(date(2026, 11, 20))) == (date(2026, 12, 4), DueState.DUE_SOON)
    agreed = Contact(date(2026, 11, 20), date(2026, 12, 18))
    assert kit(agreed) == (date(2026, 12, 18), DueState.OK)
    assert kit(Contact(date(2026, 11, 10))) == (date(2026, 11, 24), DueState.OVERDUE)
    assert kit(Contact(date(2026, 11, 10)), agreed) == (date(2026, 12, 18), DueState.OK)
    # an agreed date on or before the contact is ignored: the interval applies
    assert kit(Contact(date(2026, 11, 20), date(2026, 11, 20)))[0] == date(2026, 12, 4)
    # an early contact: the next is due when the absence becomes long-term, at the latest
    assert kit(Contact(date(2026, 10, 3))) == (date(2026, 10, 29), DueState.OVERDUE)
    items = attendance_items([off], POLICY, TODAY, [], contacts=[agreed])
    [item] = [i for i in items if i.topic == KEEPING_IN_TOUCH]
    assert "next by 18 Dec" in item.label and "last contact 20 Nov" in item.label


def test_an_attendance_review_opened_on_or_after_the_trigger_settles_it():
    """The trigger prompts a review: one opened (its informal meeting) on or after the day
    the trigger was reached settles it; one from before does not. Both paths agree."""
    three = spells((date(2026, 3, 2), 1), (date(2026, 6, 1), 1), (date(2026, 9, 7), 1))
    reached = trigger(three, POLICY, TODAY)
    assert reached is not None and reached.reached_on == date(2026, 9, 7)

    def triggered(*reviews: date) -> bool:
        items = attendance_items(three, POLICY, TODAY, [], in_order=True, reviews=reviews)
        quick = _items_quick(three, POLICY, TODAY, [], window_start(POLICY, TODAY), (), reviews)
        assert items == quick
        return any(i.topic == TRIGGER for i in items)

    assert triggered()
    assert triggered(date(2026, 2, 1))  # an earlier review: this trigger is new
    assert not triggered(date(2026, 9, 7))
    assert not triggered(date(2026, 2, 1), date(2026, 9, 21))


def test_hr_can_keep_a_trigger_shown_while_its_review_runs():
    """`triggers.review_settles = false`: a review does not settle the trigger."""
    three = spells((date(2026, 3, 2), 1), (date(2026, 6, 1), 1), (date(2026, 9, 7), 1))
    kept = replace(POLICY, review_settles_trigger=False)
    review = (date(2026, 9, 21),)
    items = attendance_items(three, kept, TODAY, [], in_order=True, reviews=review)
    quick = _items_quick(three, kept, TODAY, [], window_start(kept, TODAY), (), review)
    assert items == quick
    assert any(i.topic == TRIGGER for i in items)


def test_a_welfare_contact_record_in_the_store_moves_the_next_contact(demo_store_copy):
    """Read from the store: the welfare contact records' dates and agreed next dates; a
    deleted one does not count (the next is then counted from the absence's start)."""
    from lcc_apr.history import create_record
    from lcc_apr.models import Record, RecordKind
    from lcc_apr.schedule.attendance import contacts_made

    store = demo_store_copy
    user, person, _ = manager_and_report(store)
    with store.session() as s:
        s.execute(text("DELETE FROM absences"))
    record_absence(
        store,
        user=user,
        employee_id=person,
        first_day=date(2026, 10, 1),
        last_day=None,
        reason="mental_health",
        today=TODAY,
        policy=POLICY,
    )

    def kit() -> tuple[date, DueState]:
        with store.session() as s:
            items = attendance_due_for(s, POLICY, today=TODAY)[person]
        [found] = [i for i in items if i.topic == KEEPING_IN_TOUCH]
        return found.due, found.state

    assert kit() == (date(2026, 11, 26), DueState.DUE_SOON)
    with store.session() as s:
        made = create_record(
            s,
            kind=RecordKind.WELFARE_CONTACT,
            subject_id=person,
            author_id=None,
            template_id="welfare_contact",
            template_version=1,
            answers={"meeting_date": "2026-11-27", "next_contact_date": "2026-12-11"},
            status="draft",
            record_date=TODAY,
            at=datetime(2026, 11, 30, 9, tzinfo=UTC),
        ).id
    with store.session() as s:
        assert contacts_made(s)[person] == [Contact(date(2026, 11, 27), date(2026, 12, 11))]
    assert kit() == (date(2026, 12, 11), DueState.OK)
    with store.session() as s:
        s.get(Record, made).deleted = True
    assert kit() == (date(2026, 11, 26), DueState.DUE_SOON)


def test_an_attendance_review_in_the_store_settles_the_trigger(demo_store_copy):
    from lcc_apr.history import create_record
    from lcc_apr.models import Record, RecordKind

    store = demo_store_copy
    user, person, _ = manager_and_report(store)
    with store.session() as s:
        s.execute(text("DELETE FROM absences"))
        s.execute(text("UPDATE records SET deleted = 1 WHERE kind = 'attendance'"))
    for first in (date(2026, 3, 2), date(2026, 6, 1), date(2026, 9, 7)):
        record_absence(store, user=user, employee_id=person, first_day=first, last_day=first,
                       reason="infection", today=TODAY, policy=POLICY)  # fmt: skip

    def topics() -> list[str]:
        with store.session() as s:
            return [i.topic for i in attendance_due_for(s, POLICY, today=TODAY).get(person, [])]

    assert TRIGGER in topics()
    with store.session() as s:
        review = create_record(
            s,
            kind=RecordKind.ATTENDANCE,
            subject_id=person,
            author_id=None,
            template_id="attendance",
            template_version=1,
            answers={"stage": "informal", "meeting_date": "2026-09-21"},
            status="informal",
            record_date=date(2026, 9, 21),
            at=datetime(2026, 9, 21, 9, tzinfo=UTC),
        ).id
    assert TRIGGER not in topics()
    with store.session() as s:
        s.get(Record, review).deleted = True
    assert TRIGGER in topics()
