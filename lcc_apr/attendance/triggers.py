"""Trigger points, return-to-work interviews outstanding and welfare contact ("keeping in
touch") during long-term absence: pure functions of a person's episodes, HR's attendance
policy and today. Any thread.

The window is the rolling `rolling_months` ending today: from the day after the same date
that many months ago, to today, both included. An episode counts when any of its days
falls in the window, and only its days in the window are counted (calendar days: the app
holds no working patterns). Episodes related to a disability or to pregnancy are left out
unless HR's policy counts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from lcc_apr.workdays import add_months

from .episodes import Episode
from .policy import AttendancePolicy

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Trigger:
    """A person at or past a trigger point in the window ending today."""

    episodes: int
    days: int
    bradford: int | None  # S x S x D, when HR's policy has it on
    reached_on: date  # the day the first trigger point was reached within the window
    why: tuple[str, ...]  # "3 episodes", "8 days", "Bradford factor 216"


def window_start(policy: AttendancePolicy, today: date) -> date:
    return add_months(today, -policy.rolling_months) + ONE_DAY


Span = tuple[int, int]  # a counted episode's first and last day in the window, as ordinals


def _spans(
    episodes: Iterable[Episode],
    policy: AttendancePolicy,
    start: date,
    today: date,
    in_order: bool = False,
) -> list[Span]:
    """The counted episodes' days within [start, today], in order (`in_order`: the
    episodes come oldest first, and so do their spans)."""
    spans = []
    disability, pregnancy = policy.count_disability_related, policy.count_pregnancy_related
    now, window = today.toordinal(), start.toordinal()
    for e in episodes:
        if (e.disability_related and not disability) or (e.pregnancy_related and not pregnancy):
            continue
        last = e.last_day.toordinal() if e.last_day is not None and e.last_day < today else now
        first = e.first_day.toordinal()
        first = first if first > window else window
        if first <= last:
            spans.append((first, last))
    if not in_order and len(spans) > 1:
        spans.sort()
    return spans


def bradford(episodes: Sequence[Episode], policy: AttendancePolicy, today: date) -> int:
    """The Bradford factor over the window: spells squared times days (counted ones only)."""
    spans = _spans(episodes, policy, window_start(policy, today), today)
    days = sum(last - first + 1 for first, last in spans)
    return len(spans) * len(spans) * days


def trigger(
    episodes: Sequence[Episode],
    policy: AttendancePolicy,
    today: date,
    *,
    start: date | None = None,
    in_order: bool = False,
) -> Trigger | None:
    """The trigger reached by these episodes (one person's) in the window, or None.
    `start`: the window's first day, when the caller has it already; `in_order`: the
    episodes come oldest first."""
    start = start or window_start(policy, today)
    return trigger_of(_spans(episodes, policy, start, today, in_order), policy)


def trigger_of(spans: Sequence[Span], policy: AttendancePolicy) -> Trigger | None:
    """The trigger reached by one person's counted spans in the window (oldest first), or
    None: `trigger` once the spans are known (the schedule works them out as it goes)."""
    if not spans:
        return None
    total = sum(last - first + 1 for first, last in spans)
    score = len(spans) * len(spans) * total if policy.bradford_enabled else None
    if len(spans) < policy.episodes and total < policy.days and score is None:
        return None  # the common case, quickly
    why: list[str] = []
    if len(spans) >= policy.episodes:
        why.append(f"{len(spans)} episodes")
    if total >= policy.days:
        why.append(f"{total} days")
    if score is not None and score >= policy.bradford_threshold:
        why.append(f"Bradford factor {score}")
    if not why:
        return None
    return Trigger(len(spans), total, score, _reached_on(spans, policy), tuple(why))


def _reached_on(spans: Sequence[Span], policy: AttendancePolicy) -> date:
    """The first day within the window on which a trigger point was met."""
    days = 0
    for count, (first, last) in enumerate(spans, start=1):
        if count >= policy.episodes:
            return date.fromordinal(first)
        if days + last - first + 1 >= policy.days:
            return date.fromordinal(first + policy.days - days - 1)
        if policy.bradford_enabled:
            for day in range(last - first + 1):
                if count * count * (days + day + 1) >= policy.bradford_threshold:
                    return date.fromordinal(first + day)
        days += last - first + 1
    return date.fromordinal(spans[-1][1])


def long_term(episode: Episode, policy: AttendancePolicy, today: date) -> bool:
    """Whether the episode has reached (or, still open, reaches by today) the long-term
    weeks: its first welfare contact falls on or before its last day."""
    return (episode.end(today) - episode.first_day).days >= 7 * policy.long_term_weeks


def welfare_contacts(episode: Episode, policy: AttendancePolicy, today: date) -> list[date]:
    """The days welfare contact is due while a long-term absence lasts: from the day it
    becomes long-term, every `contact_every_weeks`, up to its last day (an open one: up to
    and including the next one after today)."""
    first = episode.first_day + timedelta(weeks=policy.long_term_weeks)
    every = timedelta(weeks=policy.contact_every_weeks)
    until = episode.last_day if episode.last_day is not None else today
    found: list[date] = []
    day = first
    while day <= until:
        found.append(day)
        day += every
    if episode.last_day is None:
        found.append(day)  # the next one, still to come
    return found


class Contact(NamedTuple):
    """A welfare contact recorded (a welfare_contact record): its day and the next contact
    agreed then, if one was."""

    day: date
    next_day: date | None = None


def next_welfare_contact(
    episode: Episode, policy: AttendancePolicy, today: date, contacts: Sequence[Contact]
) -> tuple[Contact, date] | None:
    """The latest contact recorded in the episode (from its first day to today and to its
    last day) and the day the next is due: the date agreed then, when it is after the
    contact; else `contact_every_weeks` after it; never before the absence is long-term.
    None when no contact is recorded in it (welfare_contacts' days then apply)."""
    until = min(today, episode.last_day) if episode.last_day is not None else today
    made = [c for c in contacts if episode.first_day <= c.day <= until]
    if not made:
        return None
    last = max(made, key=lambda c: (c.day, c.next_day or date.min))
    if last.next_day is not None and last.next_day > last.day:
        due = last.next_day
    else:
        due = last.day + timedelta(weeks=policy.contact_every_weeks)
    return last, max(due, episode.first_day + timedelta(weeks=policy.long_term_weeks))


def _first_day(episode: Episode) -> date:
    return episode.first_day


class RtwOutstanding(NamedTuple):
    episode_id: str
    back_on: date  # the day after the last day off
    due: date  # back_on + HR's days


def rtw_outstanding(
    episodes: Sequence[Episode],
    held: Sequence[date],
    policy: AttendancePolicy,
    today: date,
    *,
    start: date | None = None,
    in_order: bool = False,
) -> list[RtwOutstanding]:
    """One person's ended episodes, back in the window and by today, with no return-to-work
    interview held from the day they came back to the next episode's first day (both
    included). `held`: the days of the person's interviews (from the RTW records);
    `in_order`: the episodes come oldest first already."""
    days = sorted(held) if held else ()
    ordered = episodes if in_order or len(episodes) < 2 else sorted(episodes, key=_first_day)
    start = start or window_start(policy, today)
    found: list[RtwOutstanding] = []
    for i, episode in enumerate(ordered):
        if episode.last_day is None or episode.last_day >= today:
            continue
        back = episode.last_day + ONE_DAY
        if back < start:
            continue
        nxt = ordered[i + 1].first_day if i + 1 < len(ordered) else date.max
        if not days or not any(back <= d <= nxt for d in days):
            due = back + timedelta(days=policy.rtw_due_within_days)
            found.append(RtwOutstanding(episode.id, back, due))
    return found
