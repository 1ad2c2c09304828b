"""The scheduling rules: pure functions from facts, policy and today to due items.

Periods come from HR's policy (resources/policy/policy.toml). Dates in
answers are ISO strings written by the forms; a malformed one is ignored
rather than trusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from lcc_apr.models import RecordKind
from lcc_apr.policy import Policy
from lcc_apr.workdays import add_months

from .attendance_review import attendance_review_items
from .cycles import cycle_of
from .model import DueItem, DueState, PersonFacts, RecordFact

DONE = {"completed", "accepted", "employee_signed", "referred_to_hr"}
MID_YEAR_FROM = 2  # the first APR form version with a mid-year review
CAPABILITY_OPEN = {
    "informal",
    "improvement_note",
    "final_warning",
    "final_hearing",
    "appeal",
    "amending",
}
# Warnings live for a policy-set number of months from the stage's outcome.
WARNINGS = {
    "improvement_note": (
        "improvement_note_outcome_date",
        "improvement_note_expiry_months",
        "Improvement note expires",
    ),
    "final_warning": (
        "final_warning_outcome_date",
        "final_warning_expiry_months",
        "Final written warning expires",
    ),
}


def schedule(facts: PersonFacts, policy: Policy, today: date) -> list[DueItem]:
    """Everything due for one employee, soonest first."""
    if facts.leaving_date and facts.leaving_date <= today:
        return []
    mine = _by_kind(facts.records)
    frame = _frame(policy, today)
    aprs = mine.get(RecordKind.APR, ())
    items = [
        apr_item(facts, aprs, frame),
        supervision_item(facts, mine.get(RecordKind.SUPERVISION, ()), policy, today),
    ]
    mid_year = mid_year_item(facts, aprs, frame)
    if mid_year is not None:
        items.append(mid_year)
    if facts.probation_end_date is not None:
        items += probation_items(facts, mine.get(RecordKind.PROBATION, []), policy, today)
    if RecordKind.CAPABILITY in mine:
        items += capability_items(facts, mine[RecordKind.CAPABILITY], policy, today)
    if RecordKind.ATTENDANCE in mine:
        items += attendance_review_items(facts, mine[RecordKind.ATTENDANCE], policy, today)
    items.sort(key=_due)
    return items


def _due(item: DueItem) -> date:
    return item.due


def _by_kind(records: list[RecordFact]) -> dict[RecordKind, list[RecordFact]]:
    """A person's records by kind, each oldest first (as PersonFacts.of_kind)."""
    found: dict[RecordKind, list[RecordFact]] = {}
    for record in records:
        found.setdefault(record.kind, []).append(record)
    for same in found.values():
        if len(same) > 1:
            same.sort(key=lambda r: (r.record_date or date.min, r.id))
    return found


@dataclass(frozen=True, slots=True)
class _Cycle:
    """An APR cycle as the schedule shows it on a given day."""

    start: date
    end: date
    next_start: date
    label: str
    state: DueState


@dataclass(frozen=True, slots=True)
class _Frame:
    """What the rules work out once for a policy and a day, not once per person."""

    policy: Policy
    today: date
    first_start: date  # this cycle's window opens
    cycles: tuple[_Cycle, ...]  # this cycle, the next, the one after


_last_frame: list[_Frame | None] = [None]


def _frame(policy: Policy, today: date) -> _Frame:
    """The frame of the last call when it is for the same policy (immutable) and day."""
    last = _last_frame[0]  # read once: another thread may replace it
    if last is not None and last.policy is policy and last.today == today:
        return last
    year = cycle_of(today, policy).year
    cycles = []
    for k in range(3):
        start, end = cycle_window(year + k, policy)
        soon = max(policy.apr.due_soon_days, (end - start).days)  # the whole window is soon
        cycles.append(
            _Cycle(
                start,
                end,
                cycle_window(year + k + 1, policy)[0],
                f"APR {cycle_of(start, policy).title}",
                _state(end, today, soon),
            )
        )
    frame = _Frame(policy, today, cycles[0].start, tuple(cycles))
    _last_frame[0] = frame
    return frame


def _state(due: date, today: date, soon_days: int) -> DueState:
    if due < today:
        return DueState.OVERDUE
    return DueState.DUE_SOON if (due - today).days <= soon_days else DueState.OK


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def cycle_window(year: int, policy: Policy) -> tuple[date, date]:
    return _window(year, policy.apr.cycle_start, policy.apr.cycle_end)


@lru_cache(maxsize=256)
def _window(year: int, cycle_start: str, cycle_end: str) -> tuple[date, date]:
    """Cached: the schedule asks for the same few windows once per person."""
    start = date(year, *(int(x) for x in cycle_start.split("-")))
    end = date(year, *(int(x) for x in cycle_end.split("-")))
    return start, end if end >= start else date(year + 1, end.month, end.day)


def apr_item(facts: PersonFacts, aprs: Sequence[RecordFact], frame: _Frame) -> DueItem:
    """This cycle's APR, or next cycle's once this one is held (signed by the employee;
    the manager's countersignature is theirs to give, listed in 'Needs my action')."""
    k = 1 if facts.start_date >= frame.first_start else 0  # joined after it opened: next
    cycle = frame.cycles[k]
    this_cycle = [
        r for r in aprs if r.record_date and cycle.start <= r.record_date < cycle.next_start
    ]
    if any(r.status in DONE for r in this_cycle):  # signed by the employee: held
        cycle = frame.cycles[k + 1]
        this_cycle = []
    label, record_id = cycle.label, None
    if this_cycle:
        label += f" ({this_cycle[-1].status.replace('_', ' ')})"
        record_id = this_cycle[-1].id
    return DueItem(facts.employee_id, RecordKind.APR, label, cycle.end, cycle.state, record_id)


def mid_year_item(facts: PersonFacts, aprs: Sequence[RecordFact], frame: _Frame) -> DueItem | None:
    """The mid-year review of this cycle's APR, once held (form version 2 on): due the
    policy's months after its meeting, until its date is recorded. None when there is
    none to hold (no such APR, an older form, or held already)."""
    if not aprs:
        return None
    cycle = frame.cycles[0]
    held = None
    for record in aprs:  # oldest first: the latest held one wins
        day = record.record_date
        if record.status in DONE and day and cycle.start <= day < cycle.next_start:
            held = record
    version = held.template_version if held is not None else None
    if held is None or version is None or version < MID_YEAR_FROM or held.record_date is None:
        return None
    if held.answers.get("mid_year_date"):
        return None
    policy = frame.policy.apr
    due = add_months(held.record_date, policy.mid_year_months)
    return DueItem(
        facts.employee_id,
        RecordKind.APR,
        f"Mid-year review ({cycle.label})",
        due,
        _state(due, frame.today, policy.due_soon_days),
    )  # no record_id: the APR is held, so 'Needs my action' keeps this item (ops.inbox)


def supervision_item(
    facts: PersonFacts, supervisions: Sequence[RecordFact], policy: Policy, today: date
) -> DueItem:
    """The next supervision: as agreed at the last one, else by the staff group's frequency."""
    rules = policy.supervision
    group = rules.group_for(facts.job_title)
    last, last_record = facts.start_date, None
    for record in reversed(supervisions):  # the latest dated one
        if record.record_date:
            last, last_record = record.record_date, record
            break
    weeks_in_post = (last - facts.start_date).days / 7
    every = group.every_weeks(weeks_in_post) if group else rules.every_weeks
    due = last + timedelta(weeks=every)
    agreed = _day(last_record.answers.get("next_supervision_date")) if last_record else None
    if agreed and agreed > last:
        due = min(agreed, due) if group else agreed
    return DueItem(
        facts.employee_id,
        RecordKind.SUPERVISION,
        "Next supervision",
        due,
        _state(due, today, rules.due_soon_days),
    )


def probation_plan(
    facts: PersonFacts, policy: Policy
) -> tuple[list[tuple[int, date]], date] | None:
    """Review points (week, date) and the end date, after any extension; None when over."""
    return _probation_plan(facts, facts.of_kind(RecordKind.PROBATION), policy)


def _probation_plan(
    facts: PersonFacts, reviews: Sequence[RecordFact], policy: Policy
) -> tuple[list[tuple[int, date]], date] | None:
    if facts.probation_end_date is None:
        return None
    if policy.probation.exempt(facts.job_title, internal_mover=facts.internal_mover):
        return None  # HR's policy: no probation reviews for them (internal movers, say)
    final = [r for r in reviews if r.answers.get("is_final_review") is True and r.status in DONE]
    end = facts.probation_end_date
    points = [(w, facts.start_date + timedelta(weeks=w)) for w in policy.probation.review_weeks]
    extensions = 0
    for review in final:
        outcome = review.answers.get("outcome")
        if outcome in ("pass", "fail"):
            return None
        new_end = _day(review.answers.get("extension_end_date"))
        if outcome == "extend" and new_end and new_end > end:
            extensions += 1
            if extensions > policy.probation.max_extensions:
                break
            # The final review keeps its distance from the (new) end date.
            gap = policy.probation.length_weeks - policy.probation.review_weeks[-1]
            week = (new_end - facts.start_date).days // 7 - gap
            points.append((week, new_end - timedelta(weeks=gap)))
            end = new_end
    return points, end


def probation_items(
    facts: PersonFacts, reviews: Sequence[RecordFact], policy: Policy, today: date
) -> list[DueItem]:
    plan = _probation_plan(facts, reviews, policy)
    if plan is None:
        return []
    points, end = plan
    held = {r.answers.get("review_point_weeks") for r in reviews}
    soon = policy.probation.due_soon_days
    items = [
        DueItem(
            facts.employee_id,
            RecordKind.PROBATION,
            f"Probation review (week {week})",
            day,
            _state(day, today, soon),
        )
        for week, day in points
        if week not in held
    ]
    items.append(
        DueItem(
            facts.employee_id, RecordKind.PROBATION, "Probation ends", end, _state(end, today, soon)
        )
    )
    return items


def capability_items(
    facts: PersonFacts, cases: Sequence[RecordFact], policy: Policy, today: date
) -> list[DueItem]:
    """Review dates of open cases and the expiry of live warnings."""
    items = []
    soon = policy.capability.due_soon_days
    for case in cases:
        a = case.answers
        if case.status in CAPABILITY_OPEN:
            review = _capability_review(case)
            if review:
                items.append(
                    DueItem(
                        facts.employee_id,
                        RecordKind.CAPABILITY,
                        "Capability review",
                        review,
                        _state(review, today, soon),
                        case.id,
                    )
                )
        warning = WARNINGS.get(case.status)
        given = _day(a.get(warning[0])) if warning else None
        if warning and given:
            expiry = add_months(given, getattr(policy.capability, warning[1]))
            items.append(
                DueItem(
                    facts.employee_id,
                    RecordKind.CAPABILITY,
                    warning[2],
                    expiry,
                    _state(expiry, today, soon),
                    case.id,
                )
            )
    return items


def _capability_review(case: RecordFact) -> date | None:
    """The review date of the stage the case is at (formal stages have their own)."""
    a = case.answers
    if case.status in ("improvement_note", "final_warning"):
        return _day(a.get(f"{case.status}_review_date"))
    review = _day(a.get("review_date"))
    met, weeks = _day(a.get("meeting_date")), a.get("review_period_weeks")
    if review is None and met and isinstance(weeks, int | float):
        review = met + timedelta(weeks=weeks)
    return review
