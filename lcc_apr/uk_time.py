"""Every time the app shows is UK time (Europe/London: GMT in winter, BST in summer).

Times are stored in UTC; this is the one place they are turned into words.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@cache
def _london() -> ZoneInfo | None:
    try:
        return ZoneInfo("Europe/London")
    except (LookupError, OSError, ValueError):  # no time zone database on this machine
        return None


def uk_time(moment: datetime) -> tuple[datetime, str]:
    """The moment in UK time, and what to call its zone ("UK time"; "UTC" when this
    machine has no time zone database). A time without a zone is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    london = _london()
    if london is None:
        return moment.astimezone(UTC), "UTC"
    return moment.astimezone(london), "UK time"


def time_text(moment: datetime, *, short: bool = False) -> str:
    """'14 May 2025 at 10:32' in UK time ('14 May 2025 at 09:32 UTC' without a zone
    database); short: '14 May 2025 10:32' with a three-letter month, for narrow places."""
    local, zone = uk_time(moment)
    month = MONTHS[local.month - 1]
    if short:
        text = f"{local.day} {month[:3]} {local.year} {local:%H:%M}"
    else:
        text = f"{local.day} {month} {local.year} at {local:%H:%M}"
    return text + (" UTC" if zone == "UTC" else "")
