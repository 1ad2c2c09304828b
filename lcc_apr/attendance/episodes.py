"""An absence episode as the rules see it, and the checks every way in makes (the manager's
op, the server's push, HR's import): one wording for each problem. Pure; any thread."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from .policy import AttendancePolicy


class Episode(NamedTuple):
    """One episode (a named tuple: everyone's are made at once for the schedule)."""

    id: str
    employee_id: int
    first_day: date
    last_day: date | None  # None: still off
    reason: str
    disability_related: bool = False
    pregnancy_related: bool = False

    def end(self, today: date) -> date:
        """The last day off as it stands today (an open episode runs to today)."""
        return self.last_day if self.last_day is not None else max(today, self.first_day)

    def overlaps(self, other: Episode) -> bool:
        mine = self.last_day or date.max
        theirs = other.last_day or date.max
        return self.first_day <= theirs and other.first_day <= mine


def spell(episode: Episode) -> str:
    """'from 3 March 2026 to 7 March 2026', or 'from 3 March 2026 (still off)'."""
    start = f"{episode.first_day.day} {episode.first_day:%B %Y}"
    if episode.last_day is None:
        return f"from {start} (still off)"
    return f"from {start} to {episode.last_day.day} {episode.last_day:%B %Y}"


def episode_problems(
    episode: Episode, others: Iterable[Episode], *, today: date, policy: AttendancePolicy
) -> list[str]:
    """What is wrong with `episode` beside the same person's `others` (any of theirs; the
    episode itself, by id, is skipped), in plain words; empty when it may be kept."""
    problems: list[str] = []
    if episode.last_day is not None and episode.last_day < episode.first_day:
        problems.append("The last day of absence is before the first day.")
    if episode.first_day > today:
        problems.append("The absence starts after today: record an absence once it has begun.")
    if policy.reason(episode.reason) is None:
        problems.append("The reason is not one of the categories HR has set up.")
    if problems:
        return problems
    for other in sorted(others, key=lambda o: o.first_day):
        mine = other.id != episode.id and other.employee_id == episode.employee_id
        if mine and episode.overlaps(other):
            problems.append(f"It overlaps the absence already recorded {spell(other)}.")
            break
    return problems
