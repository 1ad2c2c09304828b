"""What a printed record says, as plain data: read from the store, laid out by render.py.

`record_document` reads one record with its employee, template and sign-offs and
returns a RecordDocument: plain frozen dataclasses holding text only (no SQLAlchemy
objects), so rendering needs no session and tests can build one by hand. The
template decides what prints and in which order, exactly as on screen: sections
and fields in template order, each field's `print` flag and `visible_when` honoured.
Called on whichever thread owns the session.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue, Field, FieldType, Template, is_visible
from lcc_apr.models import Department, Employee, Record, RecordKind, SignOff, User
from lcc_apr.policy import Policy, load_policy
from lcc_apr.posts import in_post_since, post_held_on
from lcc_apr.schedule.cycles import cycle_of
from lcc_apr.signing.content import content_hash
from lcc_apr.uk_time import MONTHS, uk_time
from lcc_apr.workflow import WORKFLOWS

ORGANISATION = "Leicestershire County Council"
ROLE_LABELS = {"employee": "Employee", "manager": "Line manager", "hr": "HR"}
DECISION_LABELS = {"agree": "Agreed", "disagree": "Disagreed", "confirm": "Confirmed"}
NOT_ANSWERED = "Not answered"
# Kinds titled with their day: a meeting or contact that repeats.
DATED = (RecordKind.SUPERVISION, RecordKind.RETURN_TO_WORK, RecordKind.WELFARE_CONTACT)


@dataclass(frozen=True)
class FieldText:
    """One printed field: its label and its answer in words ("" when not answered)."""

    label: str
    text: str
    long: bool = False  # long text: printed under its label rather than beside it
    guidance: bool = False  # read-only text from the template, not an answer


@dataclass(frozen=True)
class GroupItem:
    number: int  # 1, 2, 3...
    fields: tuple[FieldText, ...]


@dataclass(frozen=True)
class GroupText:
    """A repeating group (e.g. objectives): numbered items with their sub-fields."""

    label: str
    items: tuple[GroupItem, ...]


Entry = FieldText | GroupText


@dataclass(frozen=True)
class SectionText:
    key: str
    title: str
    entries: tuple[Entry, ...]

    @property
    def answered(self) -> bool:
        return any(
            isinstance(e, GroupText)
            and e.items
            or isinstance(e, FieldText)
            and e.text
            and not e.guidance
            for e in self.entries
        )


@dataclass(frozen=True)
class EmployeeDetails:
    name: str
    first_name: str
    known_as: str  # the preferred name, else the first name
    last_name: str
    job_title: str  # the post held on the record's date (lcc_apr.posts.held_on)
    department: str
    section: str | None
    employee_number: str
    line_manager: str | None
    line_manager_job_title: str | None
    start_date: date | None = None
    probation_end_date: date | None = None
    grade: str = ""  # on the record's date too
    post_number: str = ""  # the post held on the record's date ("" when none is recorded)
    date_in_post: date | None = None  # since when they had that job title in it

    @property
    def post(self) -> str:
        """'Social Worker (grade 8)', or the job title alone when no grade is known."""
        return f"{self.job_title} (grade {self.grade})" if self.grade else self.job_title


@dataclass(frozen=True)
class SignOffLine:
    name: str
    role: str  # "Employee", "Line manager", "HR"
    decision: str  # "Agreed", "Disagreed", "Confirmed"
    reason: str
    when: str  # "14 May 2025, 10:32 (UK time)"
    state: str  # "signed", "not digitally signed", "superseded on 3 June 2025", ...


@dataclass(frozen=True)
class RecordDocument:
    organisation: str
    title: str
    kind: str  # a RecordKind value: "apr", "supervision", "return_to_work"...
    record_id: str
    template_id: str
    template_version: int
    template_title: str
    status: str
    status_label: str
    employee: EmployeeDetails
    record_date: str  # "14 May 2025", or "" when the record has none
    sections: tuple[SectionText, ...]
    sign_offs: tuple[SignOffLine, ...]
    content_hash: str
    # What the template's print_header adds to 'About this record', as (label, value).
    header: tuple[tuple[str, str], ...] = ()

    @property
    def version_label(self) -> str:
        return f"{self.template_title} form, version {self.template_version}"


def load_record(session: Session, record_id: str) -> Record:
    """The record to print. Raises KeyError for an unknown record."""
    record = session.get(Record, record_id)
    if record is None:
        raise KeyError(f"No record {record_id!r}")
    return record


def record_document(
    session: Session,
    record_id: str,
    catalogue: Catalogue,
    *,
    describe_signature: Callable[[SignOff], str] | None = None,
    policy: Policy | None = None,
) -> RecordDocument:
    """Everything the PDF of one record says. Raises KeyError for an unknown record.
    `policy` (default: the shipped one) gives the APR cycle a period covered is."""
    record = load_record(session, record_id)
    template = catalogue.get(record.template_id, record.template_version)
    kind = RecordKind(record.kind)
    employee = record.subject
    details = employee_details(employee, session=session, day=record.record_date)
    return RecordDocument(
        organisation=ORGANISATION,
        title=text(title_of(template, record.answers, record.record_date)),
        kind=kind.value,
        record_id=record.id,
        template_id=template.id,
        template_version=template.version,
        template_title=template.title,
        status=record.status,
        status_label=WORKFLOWS[kind].state(record.status).label,
        employee=details,
        record_date=long_date(record.record_date) if record.record_date else "",
        sections=sections_of(template, record.answers, record.status),
        sign_offs=tuple(_sign_off(session, s, describe_signature) for s in record.sign_offs),
        content_hash=content_hash(record),
        header=header_items(template, details, record.record_date, policy),
    )


def header_items(
    template: Template, e: EmployeeDetails, day: date | None, policy: Policy | None
) -> tuple[tuple[str, str], ...]:
    """The details the template asks 'About this record' to print, as of the record's
    date: the grade, the post and the date in it held then, and the APR cycle covered."""
    found = []
    for item in template.print_header:
        if item == "grade":
            found.append(("Grade", e.grade or "Not recorded"))
        elif item == "post":
            number = f" (post {e.post_number})" if e.post_number else ""
            found.append(("Post", f"{e.job_title}{number}"))
        elif item == "date_in_post":
            since = long_date(e.date_in_post) if e.date_in_post else "Not recorded"
            found.append(("Date in post", since))
        elif item == "period_covered":
            found.append(("Period covered", period_covered(day, policy or load_policy())))
    return tuple(found)


def period_covered(day: date | None, policy: Policy) -> str:
    """The APR cycle the record's date falls in, in words (the council's year)."""
    if day is None:
        return "Not set"
    cycle = cycle_of(day, policy)
    return f"{long_date(cycle.first)} to {long_date(cycle.last)}"


def title_of(template: Template, answers: dict[str, Any], day: date | None) -> str:
    """'Annual Performance Review 2025/26', 'Supervision, 10 September 2025', ..."""
    kind = template.kind
    if kind is RecordKind.APR and day is not None:
        start = day.year if day.month >= 4 else day.year - 1  # the council's year, from April
        return f"{template.title} {start}/{(start + 1) % 100:02d}"
    if kind in DATED and day is not None:
        return f"{template.title}, {long_date(day)}"
    weeks = answers.get("review_point_weeks")
    if kind is RecordKind.PROBATION and isinstance(weeks, int) and not isinstance(weeks, bool):
        return f"{template.title} at {weeks} weeks"
    return template.title


def employee_details(
    employee: Employee, *, session: Session | None = None, day: date | None = None
) -> EmployeeDetails:
    """The employee as a record prints them: with `session` and `day`, the job title,
    grade, department and line manager they held on `day` (a record's date: an old APR
    shows the grade of its time, not today's); otherwise, or when no post is held that
    day, as the employee row says now."""
    department, manager = employee.department, employee.line_manager
    job_title, grade = employee.job_title, employee.grade
    held = post_held_on(session, employee.id, day) if session and day else None
    number, since = "", None
    if session is not None and day is not None:
        number, since = in_post_since(session, employee.id, day) or ("", None)
    if session is not None and held is not None:
        job_title, grade = held.job_title, held.grade
        department = session.get(Department, held.department_id) or department
        manager = session.get(Employee, held.line_manager_id) if held.line_manager_id else None
    parent = department.parent if department is not None else None
    return EmployeeDetails(
        name=text(f"{employee.first_name} {employee.last_name}"),
        first_name=text(employee.first_name),
        known_as=text(employee.preferred_name or employee.first_name),
        last_name=text(employee.last_name),
        job_title=text(job_title),
        department=text(parent.name if parent else department.name if department else ""),
        section=text(department.name) if parent and department else None,
        employee_number=employee.payroll_number,
        line_manager=text(f"{manager.first_name} {manager.last_name}") if manager else None,
        line_manager_job_title=text(manager.job_title) if manager else None,
        start_date=employee.start_date,
        probation_end_date=employee.probation_end_date,
        grade=text(grade),
        post_number=text(number),
        date_in_post=since,
    )


def sections_of(
    template: Template, answers: dict[str, Any], status: str = ""
) -> tuple[SectionText, ...]:
    """The printed sections: visible ones in template order, printable fields only; a
    section private at the record's `status` (its author is still writing it) is left out."""
    result = []
    for section in template.sections:
        if status in section.private_in or not is_visible(section.visible_when, answers):
            continue
        entries = _entries(section.fields, answers, (answers,))
        result.append(SectionText(section.key, text(section.title), tuple(entries)))
    return tuple(result)


def _entries(
    fields: tuple[Field, ...], scope: dict[str, Any], scopes: tuple[dict[str, Any], ...]
) -> list[Entry]:
    entries: list[Entry] = []
    for field in fields:
        if not field.prints or not is_visible(field.visible_when, *scopes):
            continue
        if field.type is FieldType.GUIDANCE:
            entries.append(FieldText(text(field.label), text(field.text), long=True, guidance=True))
        elif field.type is FieldType.GROUP:
            value = scope.get(field.key)
            items = value if isinstance(value, list) else []
            entries.append(
                GroupText(
                    text(field.label),
                    tuple(
                        GroupItem(
                            number,
                            tuple(
                                e
                                for e in _entries(field.fields, item, (item, *scopes))
                                if isinstance(e, FieldText)
                            ),
                        )
                        for number, item in enumerate(items, start=1)
                        if isinstance(item, dict)
                    ),
                )
            )
        else:
            entries.append(
                FieldText(
                    text(field.label),
                    answer_text(field, scope.get(field.key)),
                    long=field.type is FieldType.LONG_TEXT,
                )
            )
    return entries


def answer_text(field: Field, value: Any) -> str:
    """An answer in words: choices by label, 'Yes'/'No', dates as '1 May 2026'."""
    if value is None or value == "" or value == []:
        return ""
    kind = field.type
    if kind is FieldType.YES_NO:
        return "Yes" if value is True else "No" if value is False else text(str(value))
    if kind in (FieldType.CHOICE, FieldType.RATING):
        return text(field.label_of(value))  # a rating by its scale's label
    if kind is FieldType.MULTI_CHOICE and isinstance(value, list):
        return text(", ".join(field.label_of(v) for v in value))
    if kind is FieldType.DATE and isinstance(value, str):
        try:
            return long_date(date.fromisoformat(value))
        except ValueError:
            return text(value)
    if kind is FieldType.NUMBER and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return text(str(value))


def long_date(day: date) -> str:
    """'1 May 2026' (no leading zero, English month names whatever the locale)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def long_time(moment: datetime) -> str:
    """'14 May 2025, 10:32 (UK time)'; UTC when the time zone database is missing."""
    local, zone = uk_time(moment)
    return f"{long_date(local.date())}, {local:%H:%M} ({zone})"


def text(value: str) -> str:
    """Text normalised to NFC, so accented letters print as one glyph where the font has it."""
    return unicodedata.normalize("NFC", value)


def _sign_off(
    session: Session, sign_off: SignOff, describe: Callable[[SignOff], str] | None
) -> SignOffLine:
    user = session.get(User, sign_off.user_id)
    name = user.display_name if user else f"User {sign_off.user_id}"
    if user is not None and user.employee is not None:
        name = f"{user.employee.first_name} {user.employee.last_name}"
    if describe is not None:
        state = describe(sign_off)
    elif sign_off.superseded_at is not None:
        state = f"superseded on {long_date(uk_time(sign_off.superseded_at)[0].date())}"
    elif sign_off.signature is None:
        state = "not digitally signed"
    else:
        state = "signed"
    role, decision = str(sign_off.role), str(sign_off.decision)
    return SignOffLine(
        name=text(name),
        role=ROLE_LABELS.get(role, role),
        decision=DECISION_LABELS.get(decision, decision),
        reason=text(sign_off.reason or ""),
        when=long_time(sign_off.signed_at),
        state=text(state),
    )


@dataclass(frozen=True)
class LetterBlock:
    """A part of a letter's body: an optional heading, then text and/or bullet points."""

    heading: str = ""
    text: str = ""
    bullets: tuple[str, ...] = ()


@dataclass(frozen=True)
class LetterDocument:
    """A filled letter, ready to print (see lcc_apr.pdf.letters)."""

    name: str  # the template's name, e.g. "capability_outcome"
    organisation: str
    department: str  # shown in the letterhead
    title: str  # the subject line
    date: str  # "18 March 2024"
    recipient: tuple[str, ...]  # name, job title, department
    references: tuple[str, ...]
    salutation: str  # "Dear Chris,"
    blocks: tuple[LetterBlock, ...]
    closing: str  # "Yours sincerely,"
    signature: tuple[str, ...]  # the sender's name and job title
    copies: tuple[str, ...]
    footer: str
    draft_note: str  # printed while the wording is the product default, not reviewed by HR
