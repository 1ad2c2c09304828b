"""What an attendance review makes due: the review date of the stage it is at, and the
expiry of the warning it is under. Pure functions, any thread (as lcc_apr.schedule.rules)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from lcc_apr.attendance_review import expiries
from lcc_apr.models import RecordKind
from lcc_apr.policy import Policy

from .model import DueItem, DueState, PersonFacts, RecordFact

OPEN = ("informal", "first_warning", "final_warning")
WARNING_LABELS = {
    "first_warning": "First written warning expires",
    "final_warning": "Final written warning expires",
}
# The answers the schedule reads (lcc_apr.schedule.facts.KEEP).
KEYS = (
    "review_date",
    "meeting_date",
    "review_period_weeks",
    "first_warning_review_date",
    "final_warning_review_date",
    "first_warning_outcome_date",
    "first_warning_expiry_date",
    "final_warning_outcome_date",
    "final_warning_expiry_date",
)


def attendance_review_items(
    facts: PersonFacts, reviews: Sequence[RecordFact], policy: Policy, today: date
) -> list[DueItem]:
    """Review dates of open attendance reviews and the expiry of the warning each is under."""
    items = []
    soon = policy.attendance_review.due_soon_days
    for review in reviews:
        day = review_date(review) if review.status in OPEN else None
        if day is not None:
            items.append(_item(facts, review, "Attendance review", day, today, soon))
        expiry = expiries(review.answers, policy).get(review.status)
        if expiry is not None:
            label = WARNING_LABELS[review.status]
            items.append(_item(facts, review, label, expiry, today, soon))
    return items


def review_date(review: RecordFact) -> date | None:
    """The review date of the stage the review is at (formal stages have their own)."""
    a = review.answers
    if review.status in WARNING_LABELS:
        return _day(a.get(f"{review.status}_review_date"))
    day = _day(a.get("review_date"))
    met, weeks = _day(a.get("meeting_date")), a.get("review_period_weeks")
    if day is None and met and isinstance(weeks, int) and not isinstance(weeks, bool):
        day = met + timedelta(weeks=weeks)
    return day


def _item(
    facts: PersonFacts, review: RecordFact, label: str, due: date, today: date, soon: int
) -> DueItem:
    state = (
        DueState.OVERDUE
        if due < today
        else DueState.DUE_SOON
        if (due - today).days <= soon
        else DueState.OK
    )
    return DueItem(facts.employee_id, RecordKind.ATTENDANCE, label, due, state, review.id)


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
