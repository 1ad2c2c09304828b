"""Dates as people in the UK type them: '31/03/2027', '31/3/27', '31 Mar 2027'.

Day first, always. A two-digit year is in this century. Any thread; no Qt.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_NUMBERS = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})")
_WORDS = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?\s*[ \-/]?\s*([a-z]+)\.?,?\s*[ \-/]?\s*(\d{2}|\d{4})"
)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
DATE_HINT = "Type the date day first, such as 31/03/2027 or 31 Mar 2027."


def parse_day(text: str) -> date | None:
    """The date typed, or None when `text` is not a whole date (or not a real one)."""
    typed = text.strip().lower()
    if match := _ISO.fullmatch(typed):
        year, month, day = (int(x) for x in match.groups())
    elif match := _NUMBERS.fullmatch(typed):
        day, month, year = (int(x) for x in match.groups())
    elif (match := _WORDS.fullmatch(typed)) and match.group(2) in _MONTHS:
        day, month, year = int(match.group(1)), _MONTHS[match.group(2)], int(match.group(3))
    else:
        return None
    if year < 100:
        year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        return None


def day_text(day: date) -> str:
    """A date as the date box shows it: 31/03/2027."""
    return f"{day:%d/%m/%Y}"
