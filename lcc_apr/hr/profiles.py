"""Profiles: how one HR system's organisation export is laid out, as data HR edits.

A profile (resources/hr/<name>.toml) names, for each field LCC APR reads, the column
headings that system uses (aliases), the codes it writes for closed lists (contract type,
primary post, equality answers) and the date formats it writes. FIELDS below is the one
list of fields; a profile may leave out any optional one.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from lcc_apr.models.enums import (
    AgeBand,
    ContractType,
    Disability,
    Ethnicity,
    Religion,
    Sex,
    SexualOrientation,
)
from lcc_apr.paths import resources_dir

PROFILES = ("generic", "itrent", "successfactors", "resourcelink")


class ProfileError(Exception):
    """A profile file that cannot be used; the message names the file and the setting."""


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # plain words for messages: "payroll number"
    required: bool = False  # the file must have the column and every row a value
    equality: bool = False  # equality monitoring: never echoed in a problem


FIELDS = (
    Field("payroll", "payroll number", required=True),
    Field("post", "post number"),
    Field("first_name", "first name", required=True),
    Field("last_name", "last name", required=True),
    Field("preferred_name", "known as"),
    Field("email", "work email"),
    Field("department", "department", required=True),
    Field("section", "section"),
    Field("job_title", "job title", required=True),
    Field("grade", "grade", required=True),
    Field("manager_payroll", "line manager's payroll number"),
    Field("manager_post", "line manager's post number"),
    Field("contract_type", "contract type"),
    Field("fte", "FTE"),
    Field("weekly_hours", "weekly hours"),
    Field("start_date", "start date", required=True),
    Field("probation_end_date", "probation end date"),
    Field("leaving_date", "leaving date"),
    Field("staff_group", "staff group"),
    Field("primary", "primary post"),
    Field("sex", "sex", equality=True),
    Field("ethnicity", "ethnicity", equality=True),
    Field("disability", "disability", equality=True),
    Field("age_band", "age band", equality=True),
    Field("date_of_birth", "date of birth", equality=True),
    Field("sexual_orientation", "sexual orientation", equality=True),
    Field("religion", "religion", equality=True),
)
BY_NAME = {f.name: f for f in FIELDS}
EQUALITY = frozenset(f.name for f in FIELDS if f.equality)
MANAGER_FIELDS = ("manager_payroll", "manager_post")  # a file needs one of the two

# The closed lists, by field: the values LCC APR holds. A profile's code list maps an HR
# system's codes onto these; the values themselves are always accepted too.
YES, NO = "yes", "no"
CODE_FIELDS: dict[str, tuple[str, ...]] = {
    "contract_type": tuple(ContractType),
    "primary": (YES, NO),
    "sex": tuple(Sex),
    "ethnicity": tuple(Ethnicity),
    "disability": tuple(Disability),
    "age_band": tuple(AgeBand),
    "sexual_orientation": tuple(SexualOrientation),
    "religion": tuple(Religion),
}
CODE_ENUMS: dict[str, type[StrEnum]] = {
    "contract_type": ContractType,
    "sex": Sex,
    "ethnicity": Ethnicity,
    "disability": Disability,
    "age_band": AgeBand,
    "sexual_orientation": SexualOrientation,
    "religion": Religion,
}

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")


def key(text: object) -> str:
    """How headings and codes are compared: 'Payroll No.' and 'payroll  no' are one key."""
    return _key(text) if text.__class__ is str else _NOT_WORD.sub(" ", str(text).casefold()).strip()


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    return _NOT_WORD.sub(" ", text.casefold()).strip()


@dataclass(frozen=True)
class Profile:
    name: str
    label: str
    payroll_width: int  # pad payroll numbers a spreadsheet stripped of leading zeros
    post_width: int
    date_formats: tuple[str, ...]
    aliases: dict[str, str]  # heading key -> field name
    headings: dict[str, tuple[str, ...]]  # field -> its headings as the profile writes them
    codes: dict[str, dict[str, str]]  # field -> {code key -> canonical value}

    def field_for(self, heading: object) -> str | None:
        return self.aliases.get(key(heading)) if heading is not None else None

    def examples(self, field: str) -> list[str]:
        """Headings that name a field, as the profile writes them (for messages)."""
        return list(self.headings.get(field, ()))[:3]

    def code(self, field: str, raw: object) -> str | None:
        """The canonical value of a code, or None when the profile does not know it."""
        k = key(raw)
        return self.codes.get(field, {}).get(k)


def profile_path(name: str) -> Path:
    return resources_dir() / "hr" / f"{name}.toml"


def load_profile(name_or_path: str | Path) -> Profile:
    """A profile by name ('itrent') from resources/hr/, or from a file HR keeps elsewhere."""
    if isinstance(name_or_path, Path):
        path = name_or_path
    elif _NAME.match(name_or_path):
        path = profile_path(name_or_path)
    else:
        raise ProfileError(f"{name_or_path!r} is not a profile name (letters, digits, - and _)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"no profile called {path.stem!r} ({path.name} not found)") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path.name}: cannot be read: {exc}") from exc
    problems: list[str] = []
    profile = _build(path.stem, data, problems)
    if problems:
        raise ProfileError("\n".join(f"{path.name}: {p}" for p in problems))
    return profile


def _build(name: str, data: dict[str, Any], problems: list[str]) -> Profile:
    for unknown in sorted(set(data) - {"profile", "columns", "codes"}):
        problems.append(f"[{unknown}]: unknown table")
    head = data.get("profile", {})
    for unknown in sorted(set(head) - {"label", "payroll_width", "post_width", "date_formats"}):
        problems.append(f"profile.{unknown}: unknown setting")
    widths = [head.get(w, 0) for w in ("payroll_width", "post_width")]
    for setting, width in zip(("payroll_width", "post_width"), widths, strict=True):
        if not isinstance(width, int) or not 0 <= width <= 20:
            problems.append(f"profile.{setting}: a whole number from 0 to 20")
    columns = data.get("columns", {})
    formats = head.get("date_formats", [])
    if not formats or not all(isinstance(f, str) for f in formats):
        problems.append("profile.date_formats: a list of formats such as '%d/%m/%Y'")
        formats = []
    for fmt in formats:
        try:
            datetime(2024, 1, 31).strftime(fmt)
            datetime.strptime(datetime(2024, 1, 31).strftime(fmt), fmt)
        except ValueError:
            problems.append(f"profile.date_formats: {fmt!r} is not a date format")
    return Profile(
        name=name,
        label=str(head.get("label", name)),
        payroll_width=widths[0] if isinstance(widths[0], int) else 0,
        post_width=widths[1] if isinstance(widths[1], int) else 0,
        date_formats=tuple(formats),
        aliases=_aliases(columns, problems),
        headings={f: tuple(h) for f, h in columns.items() if isinstance(h, list)},
        codes=_codes(data.get("codes", {}), problems),
    )


def _aliases(columns: dict[str, Any], problems: list[str]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for field, headings in columns.items():
        if field not in BY_NAME:
            problems.append(f"columns.{field}: not a field LCC APR reads")
            continue
        if not isinstance(headings, list) or not all(isinstance(h, str) for h in headings):
            problems.append(f"columns.{field}: a list of column headings")
            continue
        for heading in headings:
            k = key(heading)
            if aliases.setdefault(k, field) != field:
                problems.append(f"columns.{field}: {heading!r} also names {aliases[k]}")
    for f in FIELDS:
        if f.required and f.name not in columns:
            problems.append(f"columns.{f.name}: missing (a file must have this column)")
    if not any(m in columns for m in MANAGER_FIELDS):
        problems.append("columns: needs manager_payroll or manager_post")
    return aliases


def _codes(codes: dict[str, Any], problems: list[str]) -> dict[str, dict[str, str]]:
    tables: dict[str, dict[str, str]] = {
        f: {key(v): v for v in vs} for f, vs in CODE_FIELDS.items()
    }
    for field, table in codes.items():
        if field not in CODE_FIELDS:
            problems.append(f"codes.{field}: not a field with a code list")
            continue
        for value, raw_codes in table.items():
            if value not in CODE_FIELDS[field]:
                allowed = ", ".join(CODE_FIELDS[field])
                problems.append(f"codes.{field}.{value}: not one of {allowed}")
            elif not isinstance(raw_codes, list) or not all(
                isinstance(c, str | int) for c in raw_codes
            ):
                problems.append(f"codes.{field}.{value}: a list of codes")
            else:
                for raw in raw_codes:
                    k = key(raw)
                    if tables[field].setdefault(k, value) != value:
                        problems.append(f"codes.{field}: {raw!r} means two values")
    return tables
