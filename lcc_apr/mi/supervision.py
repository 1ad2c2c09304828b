"""Supervisions on time against each staff group's frequency, and the keeping-in-touch
check. Each supervision is judged once (on time or late against the one before); a year
then counts its own, and the supervisions that fell due and were missed."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from lcc_apr.policy import Policy

from .facts import Facts

if TYPE_CHECKING:
    from .measures import Period
    from .shape import Areas

ON_TIME, LATE = 0, 1


@dataclass(frozen=True)
class History:
    """One person's supervisions: their dates, each one's verdict (None: not judged, the
    first on record of someone who started before records begin), and each one's next due
    date (the start date's first, at index -1 when the start date counts)."""

    days: list[date]
    verdicts: list[int | None]
    next_due: list[date]
    first_due: date | None  # from the start date; None when records begin after it


def judge(facts: Facts, policy: Policy, grace: int) -> tuple[dict[int, History], date | None]:
    """Every person's supervisions judged once; and when records begin."""
    firsts = [held[0][0] for held in facts.supervisions.values() if held]
    begin = min(firsts) if firsts else None
    slack = timedelta(days=grace)
    found: dict[int, History] = {}
    rules = policy.supervision
    every = timedelta(weeks=rules.every_weeks)
    for pid, person in facts.people.items():
        group = rules.group_for(person.job_title)
        start = person.start_date

        def due_after(day: date, start: date = start, group: Any = group) -> date:
            return day + timedelta(weeks=group.every_weeks((day - start).days / 7))

        start_counts = begin is not None and start >= begin
        first_due = (due_after(start) if group else start + every) if start_counts else None
        days = [day for day, _ in facts.supervisions.get(pid, [])]
        # Each one's next due date: the staff group's frequency, else the policy's.
        next_due = [due_after(day) for day in days] if group else [day + every for day in days]
        verdicts: list[int | None] = [
            None if due is None else (ON_TIME if day <= due + slack else LATE)
            for day, due in zip(days, [first_due, *next_due], strict=False)
        ]
        found[pid] = History(days, verdicts, next_due, first_due)
    return found, begin


def counts(
    histories: dict[int, History], facts: Facts, where: Areas, period: Period, grace: int
) -> list[list[int]]:
    """Per row of `where`: on time, late, missed in `period`."""
    slack = timedelta(days=grace)
    found = [[0, 0, 0] for _ in where.labels]
    for pid, row in where.row_of.items():
        person = facts.people[pid]
        if not (person.in_post(period.first) or person.in_post(period.end)):
            continue
        h = histories[pid]
        lo, hi = (
            bisect_right(h.days, period.first - timedelta(days=1)),
            bisect_right(h.days, period.end),
        )
        for verdict in h.verdicts[lo:hi]:
            if verdict is not None:
                found[row][verdict] += 1
        due = h.next_due[hi - 1] if hi else h.first_due
        stop = min(period.end, person.leaving_date or period.end)
        if due is not None and period.first <= due and due + slack < stop:
            found[row][2] += 1
    return found


def keeping_in_touch(facts: Facts, where: Areas, period: Period) -> list[list[int]]:
    """Per row: supervisions held in `period` with the check filled in, and without."""
    found = [[0, 0] for _ in where.labels]
    first, end = period.first, period.end
    for pid, row in where.row_of.items():
        for day, check in facts.supervisions.get(pid, []):
            if first <= day <= end:
                found[row][0 if check else 1] += 1
    return found
