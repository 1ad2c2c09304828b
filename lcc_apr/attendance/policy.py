"""HR's attendance settings (resources/policy/attendance.toml), read and checked once.

Every key is declared here; an unknown or missing one is an error naming it (as
lcc_apr.policy does for policy.toml). Any thread.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lcc_apr.paths import resources_dir
from lcc_apr.policy import PolicyError


@dataclass(frozen=True)
class Reason:
    code: str
    label: str


@dataclass(frozen=True)
class AttendancePolicy:
    rolling_months: int
    episodes: int
    days: int
    count_disability_related: bool
    count_pregnancy_related: bool
    review_settles_trigger: bool
    bradford_enabled: bool
    bradford_threshold: int
    long_term_weeks: int
    contact_every_weeks: int
    rtw_due_within_days: int
    reasons: tuple[Reason, ...]

    def reason(self, text: str) -> Reason | None:
        """The category whose code or label is `text` (case and spaces ignored)."""
        wanted = " ".join(text.split()).casefold()
        for reason in self.reasons:
            if wanted in (reason.code.casefold(), reason.label.casefold()):
                return reason
        return None

    def label(self, code: str) -> str:
        found = self.reason(code)
        return found.label if found else code


SECTIONS: dict[str, dict[str, type]] = {
    "triggers": {
        "rolling_months": int,
        "episodes": int,
        "days": int,
        "count_disability_related": bool,
        "count_pregnancy_related": bool,
        "review_settles": bool,
    },
    "bradford": {"enabled": bool, "threshold": int},
    "long_term": {"weeks": int, "contact_every_weeks": int},
    "return_to_work": {"due_within_days": int},
}
FIELD = {  # (section, key) -> AttendancePolicy field
    ("triggers", "review_settles"): "review_settles_trigger",
    ("bradford", "enabled"): "bradford_enabled",
    ("bradford", "threshold"): "bradford_threshold",
    ("long_term", "weeks"): "long_term_weeks",
    ("return_to_work", "due_within_days"): "rtw_due_within_days",
}


def attendance_path() -> Path:
    return resources_dir() / "policy" / "attendance.toml"


@cache
def default_attendance_policy() -> AttendancePolicy:
    """The shipped file, read once."""
    return load_attendance_policy()


def load_attendance_policy(path: Path | None = None) -> AttendancePolicy:
    path = path or attendance_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{path.name}: cannot be read: {exc}") from exc
    problems: list[str] = []
    values = _values(data, problems)
    reasons = _reasons(data.get("reasons"), problems)
    if problems:
        raise PolicyError("\n".join(f"{path.name}: {p}" for p in problems))
    return AttendancePolicy(**values, reasons=reasons)


def _values(data: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    for unknown in sorted(set(data) - set(SECTIONS) - {"reasons"}):
        problems.append(f"{unknown}: unknown setting")
    values: dict[str, Any] = {}
    for section, keys in SECTIONS.items():
        table = data.get(section)
        if not isinstance(table, dict):
            problems.append(f"{section}: missing (a table)")
            continue
        for unknown in sorted(set(table) - set(keys)):
            problems.append(f"{section}.{unknown}: unknown setting")
        for key, kind in keys.items():
            raw = table.get(key)
            if raw is None:
                problems.append(f"{section}.{key}: missing")
            elif kind is int and (isinstance(raw, bool) or not isinstance(raw, int) or raw < 1):
                problems.append(f"{section}.{key}: must be a whole number, 1 or more")
            elif kind is bool and not isinstance(raw, bool):
                problems.append(f"{section}.{key}: must be true or false")
            values[FIELD.get((section, key), key)] = raw
    return values


def _reasons(raw: Any, problems: list[str]) -> tuple[Reason, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append("reasons: at least one [[reasons]] with a code and a label")
        return ()
    found: list[Reason] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) != {"code", "label"}:
            problems.append(f"reasons[{i}]: needs exactly a code and a label")
            continue
        code, label = item["code"], item["label"]
        if not (isinstance(code, str) and code and len(code) <= 40 and isinstance(label, str)):
            problems.append(f"reasons[{i}]: code must be text of 1 to 40 characters")
            continue
        found.append(Reason(code, label))
    if len({r.code for r in found}) != len(found):
        problems.append("reasons: two have the same code")
    return tuple(found)
