"""Letters to the employee, filled from a record: wording is data in resources/letters/*.toml.

Each template (documented in docs/letters.md) names the kind of record it is for, the
statuses and answers at which it applies, and its wording with placeholders such as
{employee.first_name} or {meeting.date} (lcc_apr.pdf.letter_values lists them). HR
edits the wording without touching code. A template is checked when it is loaded and
every problem is reported as "file:line: meaning", like the form templates.

A letter is never printed half filled: if any value it needs is missing (an answer not
yet given, a meeting time not supplied), render_letter raises LetterError naming each.

Public API: letter_names(), letters_for(record, catalogue=), render_letter(session,
record_id, name, catalogue, *, extra=None), load_letter(path, catalogue). Called on
whichever thread owns the session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue, Template
from lcc_apr.models import Record, RecordKind
from lcc_apr.policy import Policy, load_policy
from lcc_apr.workdays import add_working_days
from lcc_apr.workflow import WORKFLOWS

from .document import ORGANISATION, LetterBlock, LetterDocument, long_date
from .letter_templates import (
    TOKEN,
    LetterTemplate,
    LetterTemplateError,
    Part,
    letters_dir,
    load_letter,
    load_letters,
)
from .letter_values import Value, dated_values, record_values, value_of

__all__ = [
    "LetterError",
    "LetterTemplateError",
    "letter_document",
    "letter_names",
    "letters_for",
    "load_letter",
    "load_letters",
    "render_letter",
]


class LetterError(ValueError):
    """A letter that cannot be written for this record; `missing` names what it needs."""

    def __init__(self, message: str, missing: list[str] | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []


def letter_names(folder: Path | None = None) -> list[str]:
    """Every letter template's name, e.g. ["appeal_outcome", "capability_invitation", ...]."""
    return sorted(p.stem for p in (folder or letters_dir()).glob("*.toml"))


def letters_for(record: Any, *, catalogue: Catalogue, folder: Path | None = None) -> list[str]:
    """The letters that apply to a record (a Record, or anything with its fields) now;
    the templates are checked against `catalogue` (the form templates loaded at start)."""
    templates = _templates(folder or letters_dir(), catalogue)
    return [t.name for t in templates if t.applies_to(record)]


Stamp = tuple[tuple[str, int], ...]
# Loaded letter templates by folder and file times, with the catalogue they were checked
# against: loaded again when a file changes or another catalogue is given.
_loaded: dict[tuple[Path, Stamp], tuple[Catalogue, list[LetterTemplate]]] = {}


def _templates(folder: Path, catalogue: Catalogue) -> list[LetterTemplate]:
    key = (folder, tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.toml"))))
    found = _loaded.get(key)
    if found is None or found[0] is not catalogue:
        if len(_loaded) >= 8:
            _loaded.clear()
        found = _loaded[key] = (catalogue, load_letters(folder, catalogue=catalogue))
    return found[1]


# --- filling and printing ----------------------------------------------------------------


def render_letter(
    session: Session,
    record_id: str,
    name: str,
    catalogue: Catalogue,
    *,
    extra: Mapping[str, Any] | None = None,
    policy: Policy | None = None,
    folder: Path | None = None,
    invariant: bool = False,
) -> bytes:
    """The letter `name` for a record, as PDF bytes.

    `extra` gives values the record does not hold (a template's inputs such as
    "meeting.time") and may override any other (e.g. "letter.date": date(2024, 3, 18),
    or "stage.key": "improvement_note" to reprint an earlier capability stage's letter).
    Raises LetterError if the letter does not apply to the record or anything is missing.
    """
    from .render import render_letter_document  # reportlab loads when a letter is made

    return render_letter_document(
        letter_document(
            session, record_id, name, catalogue, extra=extra, policy=policy, folder=folder
        ),
        invariant=invariant,
    )


def letter_document(
    session: Session,
    record_id: str,
    name: str,
    catalogue: Catalogue,
    *,
    extra: Mapping[str, Any] | None = None,
    policy: Policy | None = None,
    folder: Path | None = None,
) -> LetterDocument:
    """The filled letter as plain data (what render_letter prints)."""
    folder = folder or letters_dir()
    path = folder / f"{name}.toml"
    if not path.is_file():
        raise LetterError(
            f"There is no letter called {name!r} (known: {', '.join(letter_names(folder))})"
        )
    letter = load_letter(path, catalogue)
    record = session.get(Record, record_id)
    if record is None:
        raise LetterError(f"No record {record_id!r}")
    extra = dict(extra or {})
    if not letter.applies_to(record) and "stage.key" not in extra:
        state = WORKFLOWS[RecordKind(record.kind)].state(record.status).label
        raise LetterError(
            f"The letter '{plain_title(letter)}' does not apply to this {record.kind} record "
            f"at '{state}' with its current answers."
        )
    policy = policy or load_policy()
    template = catalogue.get(record.template_id, record.template_version)
    values = filled_values(letter, record, template, policy, extra)
    return _fill(letter, values)


def filled_values(
    letter: LetterTemplate,
    record: Record,
    template: Template,
    policy: Policy,
    extra: dict[str, Any],
) -> dict[str, Value]:
    stage = extra.get("stage.key")
    values = record_values(record, template, policy, stage=str(stage) if stage else None)
    for name, spec in letter.inputs.items():
        values[name] = Value(spec.default or "", spec.default, f"{spec.label} (give {name!r})")
    given = {name: value_of(raw) for name, raw in extra.items()}
    for name, value in given.items():
        if value.text or name not in values:
            values[name] = Value(value.text, value.raw, values.get(name, value).source)
    if "letter.date" in given and isinstance(given["letter.date"].raw, date):
        day: date | None = given["letter.date"].raw
    elif letter.dated == "today":
        day = date.today()
    else:
        raw = values.get(letter.dated, Value("", None, "")).raw
        day = raw if isinstance(raw, date) else None
    dated_values(values, day, policy)
    if day is None:
        source = values.get(letter.dated, Value("", None, letter.dated)).source
        values["letter.date"] = Value("", None, f"the letter's date: {source}")
    for name, wording in letter.wording.items():
        by = values.get(wording.by)
        key = _key(by.raw) if by else ""
        values[f"wording.{name}"] = Value(
            wording.choices.get(key, ""),
            key,
            f"wording.{name}: no text for {wording.by} = {key or 'nothing'}",
        )
    if letter.check_notice:
        _check_notice(values, policy)
    return values


def _key(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return "" if raw is None else str(raw)


def _check_notice(values: dict[str, Value], policy: Policy) -> None:
    sent = values["letter.date"].raw
    meeting = values.get("meeting.original_date", values.get("meeting.date"))
    if not isinstance(sent, date) or meeting is None or not isinstance(meeting.raw, date):
        return  # reported as missing when filled
    days = values["policy.notice_working_days"].raw  # the kind's own policy (letter_values)
    earliest = add_working_days(sent, days)
    if meeting.raw < earliest:
        raise LetterError(
            f"The meeting on {long_date(meeting.raw)} gives less than {days} working days' "
            f"notice from the letter of {long_date(sent)}: HR's policy needs the meeting on "
            f"or after {long_date(earliest)}."
        )


def _fill(letter: LetterTemplate, values: dict[str, Value]) -> LetterDocument:
    missing: dict[str, str] = {}

    def fill(template_text: str) -> str:
        def one(match: re.Match[str]) -> str:
            token = match.group(0)
            if token in ("{{", "}}"):
                return token[0]
            name = match.group(1)
            value = values.get(name)
            if value is None or not value.text.strip():
                missing.setdefault(name, value.source if value else name)
                return ""
            return value.text

        return TOKEN.sub(one, template_text)

    def shown(part: Part) -> bool:
        return all(c.holds(values.get(c.field, Value("", None, "")).raw) for c in part.when)

    blocks = tuple(
        LetterBlock(fill(p.heading), fill(p.text), tuple(fill(b) for b in p.bullets))
        for p in letter.body
        if shown(p)
    )
    title = fill(letter.title)
    v = {name: values[name].text for name in ("employee.name", "employee.job_title")}
    place = ", ".join(
        x for x in (values["employee.section"].text, values["employee.department"].text) if x
    )
    document = LetterDocument(
        name=letter.name,
        organisation=ORGANISATION,
        department=values["employee.department"].text,
        title=title,
        date=fill("{letter.date}"),
        recipient=tuple(x for x in (v["employee.name"], v["employee.job_title"], place) if x),
        references=(f"Reference: record {values['record.id'].text}",),
        salutation=fill(letter.salutation),
        blocks=blocks,
        closing=fill(letter.closing),
        signature=tuple(fill(p.text) for p in letter.signature if shown(p)),
        copies=tuple(fill(c) for c in letter.copies),
        footer=f"{ORGANISATION}  ·  {title}",
        draft_note=""
        if letter.reviewed
        else (
            f"Product default wording based on ACAS guidance, not yet reviewed by HR "
            f"(resources/letters/{letter.path.name})."
        ),
    )
    if missing:
        if any(f"{{{name}}}" in letter.title for name in missing):
            title = plain_title(letter)
        raise LetterError(
            f"The letter '{title}' cannot be written yet. Missing: " + "; ".join(missing.values()),
            sorted(missing),
        )
    return document


def plain_title(letter: LetterTemplate) -> str:
    """The letter's name in words, for messages ("Capability outcome")."""
    return letter.name.replace("_", " ").capitalize()
