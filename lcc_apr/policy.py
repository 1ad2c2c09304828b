"""HR's policy settings (resources/policy/policy.toml), read and checked once.

Each setting is declared here once with its type; an unknown or missing key
in the file is an error naming it, so a typing mistake never passes silently.
"""

from __future__ import annotations

import tomllib
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, get_type_hints

from lcc_apr.paths import resources_dir


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class AprPolicy:
    cycle_start: str  # "MM-DD"
    cycle_end: str
    due_soon_days: int
    mid_year_months: int = 6  # a mid-year review after the APR meeting (APR form v2 on)


@dataclass(frozen=True)
class FrequencyRule:
    every_weeks: int
    until_week: int | None = None


@dataclass(frozen=True)
class StaffGroup:
    key: str
    label: str
    job_titles: tuple[str, ...]
    rules: tuple[FrequencyRule, ...]

    def every_weeks(self, weeks_in_post: float) -> int:
        for rule in self.rules:
            if rule.until_week is None or weeks_in_post < rule.until_week:
                return rule.every_weeks
        return self.rules[-1].every_weeks


@dataclass(frozen=True)
class MinimumSession:
    """The shortest supervision session before the form warns, for some staff groups."""

    minutes: int
    staff_groups: tuple[str, ...]  # keys of supervision.groups


@dataclass(frozen=True)
class SupervisionPolicy:
    every_weeks: int
    due_soon_days: int
    groups: tuple[StaffGroup, ...] = ()
    minimum_session: MinimumSession | None = None

    def form_limits(self, job_title: str) -> dict[str, float]:
        """The `warn_below` limits of a supervision form for someone with this job title."""
        group = self.group_for(job_title)
        rule = self.minimum_session
        if rule is None or group is None or group.key not in rule.staff_groups:
            return {}
        return {"supervision.minimum_session_minutes": rule.minutes}

    def group_for(self, job_title: str) -> StaffGroup | None:
        return self._groups_by_title.get(job_title.strip().casefold())

    @cached_property
    def _groups_by_title(self) -> dict[str, StaffGroup]:
        """Each job title (casefolded) to its group; the first group naming it wins."""
        found: dict[str, StaffGroup] = {}
        for group in self.groups:
            for title in group.job_titles:
                found.setdefault(title.casefold(), group)
        return found


@dataclass(frozen=True)
class ProbationPolicy:
    length_weeks: int
    review_weeks: tuple[int, ...]
    max_extensions: int
    max_extension_weeks: int
    due_soon_days: int
    # The appeal against a probation not passed: lodged within this many working days of
    # the written decision, heard by (words for the form and letters).
    appeal_working_days: int = 10
    appeal_heard_by: str = ""
    # No probation reviews are scheduled for these (lcc_apr.schedule).
    exempt_internal_movers: bool = False
    exempt_job_titles: tuple[str, ...] = ()

    def exempt(self, job_title: str, *, internal_mover: bool) -> bool:
        """Whether someone with this job title (and move) has no probation reviews."""
        if internal_mover and self.exempt_internal_movers:
            return True
        title = job_title.strip().casefold()
        return any(title == t.strip().casefold() for t in self.exempt_job_titles)


@dataclass(frozen=True)
class CapabilityPolicy:
    notice_working_days: int
    postponement_working_days: int
    appeal_working_days: int
    improvement_note_expiry_months: int
    final_warning_expiry_months: int
    due_soon_days: int


@dataclass(frozen=True)
class AttendanceReviewPolicy:
    notice_working_days: int
    postponement_working_days: int
    appeal_working_days: int
    first_warning_expiry_months: int
    final_warning_expiry_months: int
    due_soon_days: int


@dataclass(frozen=True)
class PeoplePolicy:
    # Managers find, open and export the people their reports manage too, at any depth
    # (as the server's indirect_reports setting lets them see those people's records).
    indirect_reports: bool = False


@dataclass(frozen=True)
class Policy:
    apr: AprPolicy
    supervision: SupervisionPolicy
    probation: ProbationPolicy
    capability: CapabilityPolicy
    attendance_review: AttendanceReviewPolicy
    people: PeoplePolicy = field(default_factory=PeoplePolicy)


def policy_path() -> Path:
    return resources_dir() / "policy" / "policy.toml"


def load_policy(path: Path | None = None) -> Policy:
    path = path or policy_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{path.name}: cannot be read: {exc}") from exc
    problems: list[str] = []
    policy = _build(Policy, data, "", problems)
    if problems:
        raise PolicyError("\n".join(f"{path.name}: {p}" for p in problems))
    _check(policy, problems)
    if problems:
        raise PolicyError("\n".join(f"{path.name}: {p}" for p in problems))
    return policy


def _build(cls: Any, data: Any, where: str, problems: list[str]) -> Any:
    if not isinstance(data, dict):
        problems.append(f"{where or 'top level'}: must be a table")
        return None
    hints = get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    for unknown in sorted(set(data) - names):
        problems.append(f"{where}{unknown}: unknown setting")
    values = {}
    for f in fields(cls):
        key = f"{where}{f.name}"
        if f.name not in data:
            if f.default is MISSING and f.default_factory is MISSING:
                problems.append(f"{key}: missing")
            continue
        values[f.name] = _value(hints[f.name], data[f.name], key, problems)
    if any(p.startswith(where) for p in problems) and where:
        return None
    try:
        return cls(**values)
    except TypeError:
        return None


def _value(hint: Any, raw: Any, key: str, problems: list[str]) -> Any:
    nested = {
        AprPolicy,
        SupervisionPolicy,
        ProbationPolicy,
        CapabilityPolicy,
        AttendanceReviewPolicy,
        PeoplePolicy,
        StaffGroup,
        FrequencyRule,
        MinimumSession,
        MinimumSession | None,
    }
    if hint in nested:
        inner = hint.__args__[0] if hint == MinimumSession | None else hint
        return _build(inner, raw, key + ".", problems)
    text = str(hint)
    if "tuple" in text:
        if not isinstance(raw, list):
            problems.append(f"{key}: must be a list")
            return ()
        inner = hint.__args__[0]
        return tuple(_value(inner, item, f"{key}[{i}]", problems) for i, item in enumerate(raw))
    if hint is bool:
        if not isinstance(raw, bool):
            problems.append(f"{key}: must be true or false")
        return raw
    expected = int if "int" in text else str
    if isinstance(raw, bool) or not isinstance(raw, expected):
        problems.append(f"{key}: must be {'a whole number' if expected is int else 'text'}")
    return raw


def _check(p: Policy, problems: list[str]) -> None:
    for name in ("cycle_start", "cycle_end"):
        value = getattr(p.apr, name)
        try:
            month, day = (int(x) for x in value.split("-"))
            date(2024, month, day)
        except ValueError:
            problems.append(f"apr.{name}: {value!r} is not a month-day like 04-01")
    if not 1 <= p.apr.mid_year_months <= 11:
        problems.append("apr.mid_year_months: must be between 1 and 11")
    if sorted(p.probation.review_weeks) != list(p.probation.review_weeks):
        problems.append("probation.review_weeks: must be in increasing order")
    if any(w > p.probation.length_weeks for w in p.probation.review_weeks):
        problems.append("probation.review_weeks: a review falls after the probation ends")
    minimum = p.supervision.minimum_session
    known = {g.key for g in p.supervision.groups}
    for key in minimum.staff_groups if minimum else ():
        if key not in known:
            problems.append(f"supervision.minimum_session.staff_groups: no group {key!r}")
    for group in p.supervision.groups:
        if not group.rules or group.rules[-1].until_week is not None:
            problems.append(
                f"supervision.groups.{group.key}: the last rule must have no until_week"
            )
