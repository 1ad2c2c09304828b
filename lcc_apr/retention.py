"""Retention: how long each kind of record is kept, and which records are due to go.

The rules are HR configuration (resources/policy/retention.toml, product defaults
explained in docs/retention.md): per record kind, a trigger and a number of years.
A record is due once its trigger date plus those years has passed. Some due records
may not be purged: one under a legal hold, an open capability case, an unsigned APR;
`refusal` says why in plain words. Nothing here touches a database: the server's
lcc_apr.server.retention feeds it rows and acts on the answers.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from lcc_apr.models import RecordKind
from lcc_apr.paths import resources_dir
from lcc_apr.workdays import add_months
from lcc_apr.workflow import WORKFLOWS

TRIGGERS = {
    "record_completed": "record completed",
    "person_left": "person left",
    "warning_expired": "warning expired",
    "case_closed": "case closed",
}
# Capability warnings: answer key of the date given -> policy setting of its length.
WARNINGS = {
    "improvement_note": "improvement_note_expiry_months",
    "final_warning": "final_warning_expiry_months",
}
# Attendance review warnings: the same, the settings named with their policy table.
ATTENDANCE_WARNINGS = {
    "first_warning": "attendance_review.first_warning_expiry_months",
    "final_warning": "attendance_review.final_warning_expiry_months",
}
# Staged cases: the kinds that have warnings and closed states, and their warnings.
CASE_WARNINGS = {RecordKind.CAPABILITY: WARNINGS, RecordKind.ATTENDANCE: ATTENDANCE_WARNINGS}
# Why a legal hold is placed (no free text: the reason may name people).
HOLD_REASONS = {
    "tribunal": "Employment tribunal claim",
    "grievance": "Grievance",
    "litigation": "Other legal proceedings",
    "investigation": "Investigation or audit",
    "subject_access": "Subject access request in progress",
    "other": "Other (recorded in HR's own case file)",
}


class RetentionError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    kind: RecordKind
    trigger: str
    keep_years: int

    @property
    def text(self) -> str:
        """'apr: 6 years after record completed'."""
        return f"{self.kind.value}: {self.keep_years} years after {TRIGGERS[self.trigger]}"


def rules_path() -> Path:
    return resources_dir() / "policy" / "retention.toml"


def load_rules(path: Path | None = None) -> dict[RecordKind, Rule]:
    """The rules, every kind present and every value checked; problems named."""
    path = path or rules_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RetentionError(f"{path.name}: cannot be read: {exc}") from exc
    problems: list[str] = []
    found: dict[RecordKind, Rule] = {}
    for unknown in sorted(set(data) - {k.value for k in RecordKind}):
        problems.append(f"{unknown}: not a record kind")
    for kind in RecordKind:
        table = data.get(kind.value)
        if not isinstance(table, dict):
            problems.append(f"{kind.value}: missing")
            continue
        for unknown in sorted(set(table) - {"trigger", "keep_years"}):
            problems.append(f"{kind.value}.{unknown}: unknown setting")
        trigger, years = table.get("trigger"), table.get("keep_years")
        if trigger not in TRIGGERS:
            problems.append(f"{kind.value}.trigger: must be one of {', '.join(TRIGGERS)}")
        elif trigger in ("warning_expired", "case_closed") and kind not in CASE_WARNINGS:
            problems.append(
                f"{kind.value}.trigger: {trigger} is for capability cases and attendance "
                "reviews only"
            )
        if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 100:
            problems.append(f"{kind.value}.keep_years: must be a whole number from 1 to 100")
        if not problems:
            found[kind] = Rule(kind, str(trigger), int(years))  # type: ignore[arg-type]
    if problems:
        raise RetentionError("\n".join(f"{path.name}: {p}" for p in problems))
    return found


@cache
def final_states(kind: RecordKind) -> frozenset[str]:
    return frozenset(s.name for s in WORKFLOWS[kind].states if s.final)


@dataclass(frozen=True)
class Facts:
    """What retention needs to know of one record (no content but capability dates)."""

    record_id: str
    kind: RecordKind
    subject_id: int
    status: str
    deleted: bool
    last_changed: date  # the record's last change: its completion, once final
    leaving_date: date | None
    signed: bool  # it holds a sign-off in force
    answers: Mapping[str, Any]  # capability, attendance: the warning dates; others: may be empty


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def closed(facts: Facts) -> bool:
    return facts.deleted or facts.status in final_states(facts.kind)


def warning_expiry(facts: Facts, months: Mapping[str, int]) -> date | None:
    """The day the case's last warning expires (None: no warning was given). `months`
    holds each warning's length by its setting (WARNINGS, ATTENDANCE_WARNINGS)."""
    expiries = []
    for stage, setting in CASE_WARNINGS.get(facts.kind, {}).items():
        given = _day(facts.answers.get(f"{stage}_outcome_date"))
        if given is None:
            continue
        expiry = _day(facts.answers.get(f"{stage}_expiry_date"))
        expiries.append(expiry or add_months(given, months[setting]))
    return max(expiries, default=None)


def trigger_date(rule: Rule, facts: Facts, months: Mapping[str, int]) -> date | None:
    """When the rule's clock started for this record (None: not yet)."""
    if rule.trigger == "person_left":
        return facts.leaving_date
    if not closed(facts):
        return None
    if rule.trigger == "warning_expired":
        expiry = warning_expiry(facts, months)
        return max(expiry, facts.last_changed) if expiry else facts.last_changed
    return facts.last_changed  # record_completed, case_closed


def due_on(rule: Rule, trigger: date) -> date:
    return add_months(trigger, 12 * rule.keep_years)


def refusal(facts: Facts, holds: list[str]) -> str | None:
    """Why this record may not be purged, in plain words; None when it may.

    `holds` are the reason codes of the legal holds on the record or its subject.
    """
    if holds:
        names = ", ".join(HOLD_REASONS.get(code, code) for code in sorted(set(holds)))
        return f"A legal hold is in force ({names}): it must be released first."
    if facts.kind in CASE_WARNINGS and not closed(facts):
        return f"The {facts.kind.label.lower()} is still open: it is kept until it is closed."
    complete = facts.status in final_states(facts.kind) and facts.signed
    if facts.kind is RecordKind.APR and not facts.deleted and not complete:
        return "The APR has not been signed off: it is kept until it is completed."
    return None


@dataclass(frozen=True)
class Due:
    record_id: str
    kind: RecordKind
    subject_id: int
    rule: str
    trigger_on: date
    due_on: date
    blocked: str | None  # the refusal, if it may not be purged now


def due(
    rules: Mapping[RecordKind, Rule],
    records: list[Facts],
    holds: Mapping[str, list[str]],
    held_people: Mapping[int, list[str]],
    months: Mapping[str, int],
    today: date,
) -> list[Due]:
    """The records whose retention has run out by `today`, oldest due first.

    `holds`: record id -> hold reason codes; `held_people`: employee id -> codes.
    """
    found = []
    for facts in records:
        rule = rules[facts.kind]
        start = trigger_date(rule, facts, months)
        if start is None or due_on(rule, start) > today:
            continue
        codes = [*holds.get(facts.record_id, ()), *held_people.get(facts.subject_id, ())]
        found.append(
            Due(
                facts.record_id,
                facts.kind,
                facts.subject_id,
                rule.text,
                start,
                due_on(rule, start),
                refusal(facts, codes),
            )
        )
    found.sort(key=lambda d: (d.due_on, d.record_id))
    return found
