"""Checking answers against their template version, and who may change what.

`validate` returns every problem as (field path, plain-English message):
leniently while drafting (types and limits only), strictly before a
workflow step that needs a complete record (required fields too). Hidden
fields (their visible_when does not hold) are neither required nor checked.

`warnings` returns what deserves a second look but never blocks a step or a save
(a field's `warn_below`, against limits HR sets in policy).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from lcc_apr.models import Role

from .model import Field, FieldType, Template, is_visible

# Ceilings for absurd input when a template sets none.
DEFAULT_MAX_LENGTH = {FieldType.SHORT_TEXT: 300, FieldType.LONG_TEXT: 20_000}
DEFAULT_MAX_ITEMS = 50
QUOTED = 40  # characters of a wrong key or value quoted back in a problem


@dataclass(frozen=True)
class Problem:
    path: str  # e.g. "new_objectives[2].target_date"
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def validate(
    template: Template,
    answers: dict[str, Any],
    *,
    reference: date,
    strict: bool = False,
    step: str | None = None,
) -> list[Problem]:
    """Every problem in `answers`. `reference` anchors date windows (the record's date)."""
    problems: list[Problem] = []
    known = {f.key for f in template.fields()}
    for key in answers:
        if key not in known:
            problems.append(Problem(_quoted(key), "is not a field of this form"))
    for section in template.sections:
        if not is_visible(section.visible_when, answers):
            continue
        for field in section.fields:
            _check(field, answers, (answers,), field.key, problems, reference, strict, step)
    return problems


def warnings(
    template: Template, answers: dict[str, Any], *, limits: Mapping[str, float]
) -> list[Problem]:
    """Visible answers below a `warn_below` limit; `limits` holds those that apply to this
    record (policy for its staff group), and a limit not given warns about nothing."""
    found: list[Problem] = []
    for section in template.sections:
        if is_visible(section.visible_when, answers):
            for field in section.fields:
                _warn(field, answers, (answers,), field.key, limits, found)
    return found


def _warn(
    field: Field,
    scope: dict[str, Any],
    scopes: tuple[dict[str, Any], ...],
    path: str,
    limits: Mapping[str, float],
    found: list[Problem],
) -> None:
    if not is_visible(field.visible_when, *scopes):
        return
    value = scope.get(field.key)
    if field.type is FieldType.GROUP and isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                for sub in field.fields:
                    _warn(sub, item, (item, *scopes), f"{path}[{index}].{sub.key}", limits, found)
        return
    rule = field.warn_below
    limit = limits.get(rule.setting) if rule else None
    if rule is None or limit is None or isinstance(value, bool):
        return
    if isinstance(value, int | float) and value < limit:
        found.append(Problem(path, rule.message.format(limit=_num(limit))))


def _check(
    field: Field,
    scope: dict[str, Any],
    scopes: tuple[dict[str, Any], ...],
    path: str,
    problems: list[Problem],
    reference: date,
    strict: bool,
    step: str | None,
) -> None:
    if not field.holds_answer or not is_visible(field.visible_when, *scopes):
        return
    value = scope.get(field.key)
    if value in (None, "", []):
        needed = field.required or (step is not None and step in field.required_at)
        if strict and needed:
            problems.append(Problem(path, _required(field)))
        elif strict and field.type is FieldType.GROUP and field.min_items:
            problems.append(Problem(path, _add_at_least(field, field.min_items)))
        return
    message = _type_problem(field, value, reference)
    if message:
        problems.append(Problem(path, f"{field.label}: {message}"))
        return
    if field.type is FieldType.GROUP:
        if strict and len(value) < field.min_items:
            problems.append(Problem(path, _add_at_least(field, field.min_items)))
        entry = field.fields[0].label if field.fields else "Entry"
        for index, item in enumerate(value):
            item_keys = {f.key for f in field.fields}
            for key in item:
                if key not in item_keys:
                    where = f"{path}[{index}].{_quoted(key)}"
                    problems.append(Problem(where, "is not part of this group"))
            found: list[Problem] = []
            for sub in field.fields:
                _check(
                    sub,
                    item,
                    (item, *scopes),
                    f"{path}[{index}].{sub.key}",
                    found,
                    reference,
                    strict,
                    step,
                )
            # which entry: "Objective 2: evidence is required"
            problems += [
                Problem(p.path, f"{entry} {index + 1}: {_lower(p.message)}") for p in found
            ]


def _required(field: Field) -> str:
    """A missing answer asked for in plain words."""
    if field.type is FieldType.GROUP:
        return _add_at_least(field, max(field.min_items, 1))
    if field.label.rstrip().endswith("?"):
        return f"Answer '{field.label}'"
    if field.type is FieldType.RATING:
        return f"Choose a rating for '{field.label}'"
    if field.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.YES_NO):
        return f"Choose an answer for '{field.label}'"
    return f"{field.label} is required"


def _add_at_least(field: Field, count: int) -> str:
    """'Add at least one new objective' (a plural label), else entries to the label."""
    label = field.label
    if label.endswith("s"):
        what = _lower(label)
        return f"Add at least one {what[:-1]}" if count == 1 else f"Add at least {count} {what}"
    entries = "one entry" if count == 1 else f"{count} entries"
    return f"Add at least {entries} to '{label}'"


def _quoted(text: str) -> str:
    """Text sent to us, cut short: a problem names it, never repeats all of it."""
    return text if len(text) <= QUOTED else text[: QUOTED - 1] + "…"


def _lower(text: str) -> str:
    """The first letter in lower case, unless the first word is an abbreviation (HR)."""
    first = text.split(" ", 1)[0]
    return text if first.isupper() else text[:1].lower() + text[1:]


def _type_problem(f: Field, value: Any, reference: date) -> str | None:
    t = f.type
    if t in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT):
        if not isinstance(value, str):
            return "must be text"
        longest = f.max_length or DEFAULT_MAX_LENGTH[t]
        if len(value) > longest:
            return f"is {len(value):,} characters long; the most allowed is {longest:,}"
        if f.min_length and len(value.strip()) < f.min_length:
            return f"needs at least {f.min_length} characters"
    elif t is FieldType.NUMBER:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            return "must be a number"
        if f.integer and value != int(value):
            return "must be a whole number"
        if f.minimum is not None and value < f.minimum:
            return f"must be at least {_num(f.minimum)}"
        if f.maximum is not None and value > f.maximum:
            return f"must be at most {_num(f.maximum)}"
    elif t is FieldType.DATE:
        return _date_problem(f, value, reference)
    elif t is FieldType.YES_NO:
        if not isinstance(value, bool):
            return "must be yes or no"
    elif t in (FieldType.CHOICE, FieldType.RATING):
        if value not in {o.value for o in f.choices()}:
            return f"{_quoted(repr(value))} is not one of the choices"
    elif t is FieldType.MULTI_CHOICE:
        allowed = {o.value for o in f.choices()}
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of choices"
        if len(set(value)) != len(value):
            return "lists a choice twice"
        wrong = [v for v in value if v not in allowed]
        if wrong:
            return f"{_quoted(repr(wrong[0]))} is not one of the choices"
    elif t is FieldType.GROUP:
        if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
            return "must be a list of entries"
        most = f.max_items or DEFAULT_MAX_ITEMS
        if len(value) > most:
            return f"has {len(value)} entries; the most allowed is {most}"
    return None


def _date_problem(f: Field, value: Any, reference: date) -> str | None:
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        return "must be a date (YYYY-MM-DD)"
    if f.earliest_days is not None and day < reference + timedelta(days=f.earliest_days):
        return f"must be on or after {_long(reference + timedelta(days=f.earliest_days))}"
    if f.latest_days is not None and day > reference + timedelta(days=f.latest_days):
        return f"must be on or before {_long(reference + timedelta(days=f.latest_days))}"
    return None


def editors(field: Field, inherited: frozenset[Role] | None = None) -> frozenset[Role]:
    """Who may edit a field: its own list, else its group's, else managers."""
    return field.editable_by or inherited or frozenset({Role.MANAGER})


def edit_problems(
    template: Template,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    roles: frozenset[Role],
    locked: bool = False,
    statuses: Iterable[str] | None = None,
) -> list[Problem]:
    """Changes from `before` to `after` that someone with `roles` may not make.

    A locked (signed) record accepts changes only to fields marked
    editable_after_signoff. Group entries are compared position by position.
    `statuses`: the workflow states the change is made at (a push that takes steps passes
    every one); a section's `editable_in` then limits when its fields change.
    """
    problems: list[Problem] = []
    at = frozenset(statuses) if statuses is not None else None
    for section in template.sections:
        if at is not None and not template.changes_in(section, at):
            for field in section.fields:
                if field.holds_answer and before.get(field.key) != after.get(field.key):
                    problems.append(
                        Problem(field.key, f"{field.label} cannot change at this stage")
                    )
            continue
        for field in section.fields:
            _edit(
                field,
                before.get(field.key),
                after.get(field.key),
                field.key,
                roles,
                locked,
                None,
                problems,
            )
    return problems


def _edit(
    field: Field,
    old: Any,
    new: Any,
    path: str,
    roles: frozenset[Role],
    locked: bool,
    inherited: frozenset[Role] | None,
    problems: list[Problem],
) -> None:
    if old == new:
        return
    allowed = editors(field, inherited)
    if locked and not field.editable_after_signoff:
        problems.append(Problem(path, f"{field.label} cannot change after sign-off"))
        return
    if field.type is FieldType.GROUP and isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            if not roles & allowed:
                problems.append(Problem(path, f"you may not add or remove {field.label} entries"))
            return
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            for sub in field.fields:
                _edit(
                    sub,
                    _get(a, sub.key),
                    _get(b, sub.key),
                    f"{path}[{i}].{sub.key}",
                    roles,
                    locked,
                    allowed,
                    problems,
                )
        return
    if not roles & allowed:
        who = " or ".join(sorted(r.value for r in allowed))
        problems.append(Problem(path, f"{field.label} can only be changed by the {who}"))


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else None


def _num(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
