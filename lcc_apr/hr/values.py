"""One cell's value, as a spreadsheet or CSV gives it, made into what LCC APR holds.

Each function takes what openpyxl or the csv module gives (str, int, float, bool, date,
datetime or None), returns None for an empty cell, and raises PydanticCustomError with a
rule name and plain words that never quote the value (the row model passes them on).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from pydantic_core import PydanticCustomError

from .profiles import Profile

EXCEL_EPOCH = date(1899, 12, 30)  # serial day 1 is 1900-01-01 (Excel's 1900 leap-year slip)
FIRST_SERIAL = 61  # 1900-03-01: serials before it are off by one in Excel
LAST_SERIAL = 73050  # 2099-12-31
FIRST_YEAR, LAST_YEAR = 1900, 2099
KEY_LENGTH = 20

_SERIAL = re.compile(r"^\d{5}(\.0+)?$")
_WHOLE_FLOAT = re.compile(r"^(\d+)\.0+$")
_DATE_SHAPE = re.compile(r"^\d{1,4}[-/. ]\d{1,2}[-/. ]\d{1,4}$")
_SPACE = re.compile(r"\s")
_SPACES = re.compile(r"\s+")
_ODD_SPACE = re.compile(r"\s\s|[^\S ]")  # two spaces, or a tab or line break
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def has_space(found: str) -> bool:
    return _SPACE.search(found) is not None


def empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: object) -> str | None:
    """Trimmed text with runs of spaces made one; a whole number 7.0 reads as '7'."""
    if empty(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        raise PydanticCustomError("not-text", "a date where text was expected")
    found = str(value).strip()
    return _SPACES.sub(" ", found) if _ODD_SPACE.search(found) else found


def key(value: object, width: int) -> str | None:
    """A payroll or post number. Digits a spreadsheet stored as a number (1234, 1234.0)
    read as text, and get back the leading zeros it stripped when width says how many."""
    if empty(value):
        return None
    if isinstance(value, bool):
        raise PydanticCustomError("bad-key", "not a payroll or post number")
    if isinstance(value, float):
        if not value.is_integer() or value < 0:
            raise PydanticCustomError("bad-key", "not a payroll or post number")
        value = int(value)
    if isinstance(value, datetime | date):
        raise PydanticCustomError("bad-key", "a date where a payroll or post number belongs")
    found = str(value).strip()
    if "." in found:
        whole = _WHOLE_FLOAT.match(found)
        found = whole.group(1) if whole else found
    if len(found) > KEY_LENGTH or has_space(found):
        raise PydanticCustomError(
            "bad-key", "a payroll or post number has no spaces and at most 20 characters"
        )
    if found.isdigit() and len(found) < width:
        found = found.zfill(width)
    return found


def email(value: object) -> str | None:
    found = text(value)
    if found is None:
        return None
    found = found.lower()
    if len(found) > 254 or not _EMAIL.match(found):
        raise PydanticCustomError("bad-email", "not an email address")
    return found


def number(value: object, rule: str, low: Decimal, high: Decimal) -> Decimal | None:
    """A number more than low and at most high, to three decimal places."""
    if empty(value):
        return None
    if isinstance(value, bool | datetime | date):
        raise PydanticCustomError("not-a-number", "not a number")
    try:
        found = Decimal(str(value).strip())
    except InvalidOperation:
        raise PydanticCustomError("not-a-number", "not a number") from None
    if not found.is_finite():
        raise PydanticCustomError("not-a-number", "not a number")
    found = found.quantize(Decimal("0.001"))
    if not low < found <= high:
        raise PydanticCustomError(
            rule, "must be more than {low} and at most {high}", {"low": str(low), "high": str(high)}
        )
    return found


def code(value: object, field: str, profile: Profile) -> str | None:
    """The value LCC APR holds for a code the profile lists (or the value itself)."""
    if empty(value):
        return None
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    found = profile.code(field, value)
    if found is None:
        raise PydanticCustomError("unknown-code", "not a code the profile lists")
    return found


def flag(value: object, profile: Profile) -> bool | None:
    found = code(value, "primary", profile)
    return None if found is None else found == "yes"


def day(value: object, formats: tuple[str, ...]) -> date | None:
    """A date from a date cell, an Excel serial day number, or text in one of the formats.
    Text two formats read as different days is ambiguous; a day that does not exist
    (31/02/2024) is impossible."""
    if empty(value):
        return None
    if isinstance(value, datetime):
        return _plausible(value.date())
    if isinstance(value, date):
        return _plausible(value)
    if isinstance(value, bool):
        raise PydanticCustomError("not-a-date", "not a date")
    if isinstance(value, int | float):
        return _serial(float(value))
    return _day_from_text(str(value).strip(), formats)


@lru_cache(maxsize=8192)
def _day_from_text(found: str, formats: tuple[str, ...]) -> date:
    if _SERIAL.match(found):
        return _serial(float(found))
    days = set()
    for fmt in formats:
        try:
            days.add(datetime.strptime(found, fmt).date())
        except ValueError:
            continue
    if len(days) > 1:
        raise PydanticCustomError(
            "ambiguous-date", "could be day/month or month/day: the profile must fix the order"
        )
    if days:
        return _plausible(days.pop())
    if _DATE_SHAPE.match(found):
        raise PydanticCustomError("impossible-date", "no such day, in the profile's date formats")
    raise PydanticCustomError("not-a-date", "not a date in a format the profile lists")


def _serial(serial: float) -> date:
    if not FIRST_SERIAL <= serial <= LAST_SERIAL:
        raise PydanticCustomError("impossible-date", "a day number outside 1900 to 2099")
    return EXCEL_EPOCH + timedelta(days=int(serial))


def _plausible(found: date) -> date:
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise PydanticCustomError("impossible-date", "a year outside 1900 to 2099")
    return found
