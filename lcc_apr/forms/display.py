"""Answers in words, as a person reads them on screen: the editor's read-only answers
and both versions in the conflicts dialog. Any thread; no Qt."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .model import Field, FieldType


def iso_date(value: Any) -> date | None:
    """A stored date answer ('2026-11-02') as a date; None when it is not one."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def display_text(field: Field, value: Any) -> str:
    """An answer as a person reads it: option labels, dates in words, yes or no."""
    if value is None:
        return ""
    t = field.type
    if t is FieldType.YES_NO:
        return "Yes" if value else "No"
    if t is FieldType.DATE:
        day = iso_date(value)
        return f"{day.day} {day:%B %Y}" if day else str(value)
    if t is FieldType.MULTI_CHOICE:
        return "; ".join(field.label_of(v) for v in value) if isinstance(value, list) else ""
    if t in (FieldType.CHOICE, FieldType.RATING):
        return field.label_of(value)
    if t is FieldType.NUMBER and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# "HR configuration: ... ." notes in templates tell HR what they may configure; a sentence
# after one may begin "Until then," (until HR has configured it), which others do not need.
_HR_NOTE = re.compile(r"\s*HR configuration:.*?(?:\.(?=\s|$)|$)(\s*Until then, (\w))?", re.DOTALL)


def for_reader(text: str, *, hr: bool) -> str:
    """Template text as this reader sees it: HR configuration notes for HR only."""
    if hr:
        return text
    return _HR_NOTE.sub(lambda m: f" {m.group(2).upper()}" if m.group(2) else "", text).strip()
