"""The council's year of reviews: a cycle runs from the policy's cycle start (1 April)
to the day before the next one, and is named by its two years: '2026-27'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from lcc_apr.policy import Policy


@dataclass(frozen=True, order=True)
class Cycle:
    year: int  # the year it starts in
    first: date
    last: date

    @property
    def label(self) -> str:
        """For a folder name: '2026-27'."""
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    @property
    def title(self) -> str:
        """In words: '2026/27'."""
        return f"{self.year}/{(self.year + 1) % 100:02d}"


def cycle_starting(year: int, policy: Policy) -> Cycle:
    return _cycle(year, policy.apr.cycle_start)


def cycle_of(day: date, policy: Policy) -> Cycle:
    here = _cycle(day.year, policy.apr.cycle_start)
    return here if day >= here.first else _cycle(day.year - 1, policy.apr.cycle_start)


@lru_cache(maxsize=256)
def _cycle(year: int, cycle_start: str) -> Cycle:
    """Cached: the schedule asks for the same few cycles once per person."""
    month, day = (int(x) for x in cycle_start.split("-"))
    first = date(year, month, day)
    return Cycle(year, first, date(year + 1, month, day) - timedelta(days=1))
