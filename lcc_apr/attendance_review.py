"""The attendance review's dates: notice of a meeting, the appeal deadline, warning expiry.

Periods come from HR's policy (resources/policy/policy.toml, `[attendance_review]`); notice
and appeal periods count working days (weekends and England and Wales bank holidays
skipped, lcc_apr.workdays). Pure functions: any thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from lcc_apr.policy import Policy
from lcc_apr.workdays import add_months, add_working_days

# The warnings an attendance review gives: stage prefix -> the policy setting of its length.
WARNINGS = {
    "first_warning": "first_warning_expiry_months",
    "final_warning": "final_warning_expiry_months",
}


def earliest_meeting(letter_date: date, policy: Policy) -> date:
    """The first day a formal meeting may be held after an invitation sent on `letter_date`."""
    return add_working_days(letter_date, policy.attendance_review.notice_working_days)


def appeal_deadline(outcome_date: date, policy: Policy) -> date:
    """The last day to lodge an appeal against an outcome confirmed on `outcome_date`."""
    return add_working_days(outcome_date, policy.attendance_review.appeal_working_days)


def warning_expiry(stage: str, given: date, policy: Policy) -> date:
    """The day a warning given on `given` at `stage` (first_warning, final_warning) expires."""
    if stage not in WARNINGS:
        raise ValueError(f"{stage!r} gives no warning (known: {', '.join(WARNINGS)})")
    return add_months(given, getattr(policy.attendance_review, WARNINGS[stage]))


def expiries(answers: Mapping[str, Any], policy: Policy) -> dict[str, date]:
    """Each warning given in a review and the day it expires: the date written on the
    form when there is one, else the date given plus HR's policy."""
    found = {}
    for stage in WARNINGS:
        given = _day(answers.get(f"{stage}_outcome_date"))
        if given is None:
            continue
        written = _day(answers.get(f"{stage}_expiry_date"))
        found[stage] = written or warning_expiry(stage, given, policy)
    return found


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
