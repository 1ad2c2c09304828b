"""The values a letter template can place: facts from the record, the organisation and policy.

A value has the text that prints, the raw value conditions compare (an option's value,
True/False, a date), and a description used when it is missing ("Improvement required
(form field improvement_note_improvement_required)"). Wording never lives here: it is
in resources/letters/*.toml; this module only looks facts up.

Names by namespace (docs/letters.md lists them all):
  organisation.*, employee.*, manager.*, record.*, letter.date  every kind
  answers.<field key>                     any answer field of the record's form
  probation.*                             probation reviews
  stage.*, meeting.*, appeal.*            capability cases and attendance reviews (the
                                          stage from the status)
  policy.*                                HR's policy settings (resources/policy)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lcc_apr.attendance_review import WARNINGS, warning_expiry
from lcc_apr.forms import Field, FieldType, Template
from lcc_apr.models import Record, RecordKind
from lcc_apr.policy import Policy
from lcc_apr.workdays import add_working_days

from .document import ORGANISATION, answer_text, employee_details, long_date, text


@dataclass(frozen=True)
class Value:
    text: str  # what prints; "" means missing
    raw: Any  # what `when` conditions compare
    source: str  # what to fill in when it is missing


COMMON = {
    "organisation.name": "the organisation's name",
    "employee.name": "the employee's name",
    "employee.first_name": "the employee's first name",
    "employee.known_as": "the employee's preferred name (else first name)",
    "employee.last_name": "the employee's last name",
    "employee.job_title": "the employee's job title",
    "employee.department": "the employee's department",
    "employee.section": "the employee's section",
    "employee.number": "the employee's payroll number",
    "employee.start_date": "the employee's start date",
    "manager.name": "the employee's line manager (none is recorded)",
    "manager.job_title": "the line manager's job title",
    "record.id": "the record's id",
    "record.date": "the record's date",
    "record.title": "the form's title",
    "letter.date": "the date of the letter",
}
PROBATION = {
    "probation.review_date": "Date of the review meeting (form field meeting_date)",
    "probation.review_weeks": "Review point (form field review_point_weeks)",
    "probation.decision_date": "the date of the decision (meeting_date, or hr_letter_date "
    "when HR decided)",
    "probation.extension_end_date": "Extended probation ends on (extension_end_date, or "
    "hr_extension_end_date when HR decided)",
    "probation.extension_reasons": "why probation is extended (extension_reasons, or "
    "hr_decision_reasons when HR decided)",
    "policy.probation_length_weeks": "policy: probation length",
    "policy.max_extension_weeks": "policy: longest extension",
    "policy.probation_appeal_working_days": "policy: time to appeal a probation not passed",
    "policy.probation_appeal_heard_by": "policy: who hears an appeal on probation",
    "probation.appeal_deadline": "the date of the letter, to count the appeal's time limit",
}
# Capability and attendance: each formal stage keeps its answers under its own prefix.
STAGES = {
    "improvement_note": "improvement_note",
    "final_warning": "final_warning",
    "final_hearing": "hearing",
    "closed_hearing": "hearing",
    "appeal": "hearing",
    "appeal_decided": "hearing",
}
APPEALED = {
    "improvement_note": "improvement_note",
    "final_warning": "final_warning",
    "hearing_decision": "hearing",
}
ATTENDANCE_STAGES = {**STAGES, "first_warning": "first_warning"}
del ATTENDANCE_STAGES["improvement_note"]
ATTENDANCE_APPEALED = {**APPEALED, "first_warning": "first_warning"}
del ATTENDANCE_APPEALED["improvement_note"]
STAGE_FIELDS = {
    "meeting.letter_date": "letter_date",
    "meeting.original_date": "meeting_date",
    "stage.concerns": "concerns_in_writing",
    "stage.companion_name": "companion_name",
    "stage.meeting_notes": "meeting_notes",
    "stage.improvement_required": "improvement_required",
    "stage.review_date": "review_date",
    "stage.support": "support",
    "stage.consequences": "consequences",
    "stage.outcome_date": "outcome_date",
    "stage.expiry_date": "expiry_date",
}
CAPABILITY = {
    "stage.key": "the capability stage (improvement_note, final_warning or hearing)",
    "meeting.date": "the meeting date (the new date if it was postponed)",
    **{name: f"the stage's {field.replace('_', ' ')}" for name, field in STAGE_FIELDS.items()},
    "appeal.deadline": "the last day to appeal (the letter's date plus the appeal period)",
    "appeal.against": "Appeal against (form field appeal_against)",
    "policy.notice_working_days": "policy: notice of a formal meeting",
    "policy.postponement_working_days": "policy: postponement window",
    "policy.appeal_working_days": "policy: time to appeal",
    "policy.improvement_note_expiry_months": "policy: how long an improvement note lasts",
    "policy.final_warning_expiry_months": "policy: how long a final written warning lasts",
}
ATTENDANCE = {
    **{k: v for k, v in CAPABILITY.items() if k != "policy.improvement_note_expiry_months"},
    "stage.key": "the attendance stage (first_warning, final_warning or hearing)",
    "policy.first_warning_expiry_months": "policy: how long a first written warning lasts",
}
KIND_NAMES: dict[RecordKind, dict[str, str]] = {
    RecordKind.APR: {},
    RecordKind.SUPERVISION: {},
    RecordKind.PROBATION: PROBATION,
    RecordKind.CAPABILITY: CAPABILITY,
    RecordKind.RETURN_TO_WORK: {},
    RecordKind.ATTENDANCE: ATTENDANCE,
    RecordKind.WELFARE_CONTACT: {},
}
# A staged case's stage prefixes, appeal choices, value names and policy settings.
CASES = {
    RecordKind.CAPABILITY: (STAGES, APPEALED, CAPABILITY, "capability"),
    RecordKind.ATTENDANCE: (
        ATTENDANCE_STAGES,
        ATTENDANCE_APPEALED,
        ATTENDANCE,
        "attendance_review",
    ),
}


def known_names(kind: RecordKind, templates: list[Template]) -> set[str]:
    """Every name a letter for this kind may use (besides its own inputs and wording)."""
    names = set(COMMON) | set(KIND_NAMES[kind])
    for template in templates:
        names |= {f"answers.{f.key}" for f in template.fields() if _placeable(f)}
    return names


def _placeable(field: Field) -> bool:
    return field.type not in (FieldType.GROUP, FieldType.GUIDANCE)


def record_values(
    record: Record,
    template: Template,
    policy: Policy,
    *,
    stage: str | None = None,
) -> dict[str, Value]:
    """The values of one record; `stage` picks a case's stage other than its status's."""
    e = employee_details(record.subject)
    values: dict[str, Value] = {}

    def put(name: str, value: Any, source: str | None = None) -> None:
        shown = (
            long_date(value)
            if isinstance(value, date)
            else ""
            if value is None
            else text(str(value))
        )
        values[name] = Value(shown, value, source or COMMON.get(name, name))

    put("organisation.name", ORGANISATION)
    put("employee.name", e.name)
    put("employee.first_name", e.first_name)
    put("employee.known_as", e.known_as)
    put("employee.last_name", e.last_name)
    put("employee.job_title", e.job_title)
    put("employee.department", e.department)
    put("employee.section", e.section)
    put("employee.number", e.employee_number)
    put("employee.start_date", e.start_date)
    put("manager.name", e.line_manager)
    put("manager.job_title", e.line_manager_job_title)
    put("record.id", record.id)
    put("record.date", record.record_date)
    put("record.title", template.title)
    answers = record.answers
    for field in template.fields():
        if _placeable(field):
            raw = answers.get(field.key)
            values[f"answers.{field.key}"] = Value(
                answer_text(field, raw), _raw(field, raw), f"{field.label} (form field {field.key})"
            )
    if record.kind == RecordKind.PROBATION:
        _probation(values, answers, template, policy)
    elif record.kind in CASES:
        _case(values, record, policy, stage)
    return values


def _raw(field: Field, value: Any) -> Any:
    if field.type is FieldType.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _from(values: dict[str, Value], name: str, key: str) -> None:
    """Copy an answer's value under another name, keeping where it comes from."""
    values[name] = values.get(f"answers.{key}", Value("", None, f"form field {key}"))


def _probation(
    values: dict[str, Value], answers: dict[str, Any], template: Template, policy: Policy
) -> None:
    hr = answers.get("hr_decision") is not None
    _from(values, "probation.review_date", "meeting_date")
    _from(values, "probation.review_weeks", "review_point_weeks")
    _from(values, "probation.decision_date", "hr_letter_date" if hr else "meeting_date")
    extended_by_hr = answers.get("hr_decision") == "extend"
    _from(
        values,
        "probation.extension_end_date",
        "hr_extension_end_date" if extended_by_hr else "extension_end_date",
    )
    _from(
        values,
        "probation.extension_reasons",
        "hr_decision_reasons" if extended_by_hr else "extension_reasons",
    )
    p = policy.probation
    values["policy.probation_length_weeks"] = Value(str(p.length_weeks), p.length_weeks, "policy")
    values["policy.max_extension_weeks"] = Value(
        str(p.max_extension_weeks), p.max_extension_weeks, "policy"
    )
    days, heard_by = p.appeal_working_days, p.appeal_heard_by
    values["policy.probation_appeal_working_days"] = Value(str(days), days, "policy")
    values["policy.probation_appeal_heard_by"] = Value(
        text(heard_by), heard_by, PROBATION["policy.probation_appeal_heard_by"]
    )


def _case(values: dict[str, Value], record: Record, policy: Policy, stage: str | None) -> None:
    """A capability case's or attendance review's stage, meeting, appeal and policy values."""
    stages, appealed, names, section = CASES[RecordKind(record.kind)]
    answers = record.answers
    prefix = stage or stages.get(record.status)
    if record.status in ("appeal", "appeal_decided") and stage is None:
        against = answers.get("appeal_against")
        prefix = appealed.get(against, prefix) if isinstance(against, str) else prefix
    values["stage.key"] = Value(prefix or "", prefix, names["stage.key"])
    for name, field in STAGE_FIELDS.items():
        if prefix:
            _from(values, name, f"{prefix}_{field}")
        else:
            values[name] = Value("", None, f"{names[name]} (the case is at no formal stage)")
    given = values["stage.outcome_date"].raw
    unwritten = not values["stage.expiry_date"].text
    attendance = record.kind == RecordKind.ATTENDANCE
    if attendance and unwritten and prefix in WARNINGS and isinstance(given, date):
        expiry = warning_expiry(prefix, given, policy)  # worked out from HR's policy
        values["stage.expiry_date"] = Value(long_date(expiry), expiry, "policy")
    if prefix:
        postponed = answers.get(f"{prefix}_postponed") is True
        _from(
            values,
            "meeting.date",
            f"{prefix}_new_meeting_date" if postponed else f"{prefix}_meeting_date",
        )
    else:
        values["meeting.date"] = Value("", None, names["meeting.date"])
    against = values.get("answers.appeal_against")
    if against is not None and against.text:
        against = Value(against.text[0].lower() + against.text[1:], against.raw, against.source)
    values["appeal.against"] = against or Value("", None, names["appeal.against"])
    settings = getattr(policy, section)
    for name in names:
        if name.startswith("policy."):
            number = getattr(settings, name.removeprefix("policy."))
            values[name] = Value(str(number), number, "policy")


def dated_values(values: dict[str, Value], letter_date: date | None, policy: Policy) -> None:
    """Values that depend on the letter's own date (the appeal deadline)."""
    values["letter.date"] = Value(
        long_date(letter_date) if letter_date else "", letter_date, COMMON["letter.date"]
    )
    if "policy.probation_appeal_working_days" in values:
        by = (
            add_working_days(letter_date, policy.probation.appeal_working_days)
            if letter_date
            else None
        )
        values["probation.appeal_deadline"] = Value(
            long_date(by) if by else "", by, PROBATION["probation.appeal_deadline"]
        )
    days = values.get("policy.appeal_working_days")
    if days is not None:
        deadline = add_working_days(letter_date, days.raw) if letter_date else None
        values["appeal.deadline"] = Value(
            long_date(deadline) if deadline else "", deadline, CAPABILITY["appeal.deadline"]
        )


def value_of(raw: Any) -> Value:
    """A value given by the caller (`extra`), as printed."""
    if isinstance(raw, date):
        return Value(long_date(raw), raw, "given when printing")
    return Value("" if raw is None else text(str(raw)), raw, "given when printing")
