"""Working days: weekends and England and Wales bank holidays (the `holidays` library)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache


def load_calendar() -> None:
    """Load the bank holidays' library now (about 0.1-0.15 s), e.g. in a worker's start-up;
    otherwise it loads when a working day is first asked (not at the window's start)."""
    import holidays  # noqa: F401


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.UK(subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself not counted)."""
    day = start
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def add_months(day: date, months: int) -> date:
    """Same day of the month `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
