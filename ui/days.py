"""How the lists write a day (no Qt, no schedule: the first page uses it before either)."""

from __future__ import annotations

from datetime import date


def day_text(day: date) -> str:
    """'8 Jan 2027': how every date in these lists is written."""
    return f"{day.day} {day:%b %Y}"
