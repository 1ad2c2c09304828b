"""A letter's finished PDF: filled from the record (lcc_apr.pdf.letters), signed (PAdES)
by the person making it, and checked as a reader would check it. The letters counterpart
of lcc_apr.pdf.records.print_record, for the app's Letters dialog.

Also what the dialog offers: `letter_choices` says which letters the person may make for
a record now (only the line manager or HR make letters; the employee does not), each
with its title in words and the values to give when printing (a meeting's time and
place), and the kind of each value (text, time, date) so a form can ask for it properly.

Called on a worker thread with a session of its own; never imports Qt.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.models import Employee, Record
from lcc_apr.policy import Policy, load_policy
from lcc_apr.workflow import Party

from .document import MONTHS
from .letter_templates import TOKEN, LetterTemplate, letters_dir, load_letter
from .letters import LetterError, filled_values, letter_document, letters_for, plain_title
from .pages import MARGIN_X, PAGE_WIDTH
from .records import PrintedRecord, Printer

__all__ = [
    "LETTER_WRITERS",
    "LetterChoice",
    "LetterInput",
    "letter_choices",
    "letter_time",
    "print_letter",
]

LETTER_WRITERS = frozenset({Party.MANAGER, Party.HR})
"""Who makes letters to the employee: the line manager and HR, never the employee."""

EXAMPLE = re.compile(r",?\s+for example\s+", re.IGNORECASE)
PLACED = re.compile(rb"1 0 0 1 ([\d.]+) ([\d.]+) cm")  # a paragraph's foot, in a letter
FOOTER_TOP = 47.0  # the footer's rule (lcc_apr.pdf.pages.footer_rule); nothing placed below
BOX_SIZE = (240.0, 60.0)  # points: a letter's signature box
BOX_GAP = 8.0  # between the letter's last line and a box below it
LOWEST = 54.0  # a box's lowest edge: clear of the footer


@dataclass(frozen=True)
class LetterInput:
    """A value the person making the letter gives (the template's [inputs."name"])."""

    name: str  # e.g. "meeting.time": the key to give in `extra`
    label: str  # "The time of the meeting"
    example: str  # "10:00am", or ""
    default: str  # "" when there is none
    kind: str  # "time", "date" or "text": how a form asks for it

    @property
    def required(self) -> bool:
        return not self.default


@dataclass(frozen=True)
class LetterChoice:
    name: str  # the template's name, e.g. "capability_invitation"
    title: str  # "Invitation to a formal capability meeting (stage 2)"
    inputs: tuple[LetterInput, ...]


def letter_choices(
    session: Session,
    record_id: str,
    catalogue: Catalogue,
    parties: Iterable[Party],
    *,
    policy: Policy | None = None,
) -> list[LetterChoice]:
    """The letters this person (their `parties` on the record: Actor.parties()) may make
    for the record at its status and answers; [] for the employee, or when none applies."""
    if not LETTER_WRITERS & set(parties):
        return []
    record = session.get(Record, record_id)
    if record is None or record.deleted:
        return []
    names = letters_for(record, catalogue=catalogue)
    if not names:
        return []
    policy = policy or load_policy()
    template = catalogue.get(record.template_id, record.template_version)
    choices = []
    for name in names:
        letter = load_letter(letters_dir() / f"{name}.toml", catalogue)
        choices.append(
            LetterChoice(
                name,
                _title(letter, record, template, policy),
                tuple(_input(key, spec.label, spec.default) for key, spec in letter.inputs.items()),
            )
        )
    return choices


def _title(letter: LetterTemplate, record: Record, template: Any, policy: Policy) -> str:
    """The subject line filled from the record ("Invitation to a formal capability meeting
    (stage 2)"), or the letter's name in words when it needs something not yet known."""
    try:
        values = filled_values(letter, record, template, policy, {})
    except LetterError:  # e.g. a meeting too soon for the notice policy: said on Preview
        return plain_title(letter)
    missing = False

    def one(match: re.Match[str]) -> str:
        nonlocal missing
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        value = values.get(match.group(1) or "")
        if value is None or not value.text.strip():
            missing = True
            return ""
        return value.text

    title = TOKEN.sub(one, letter.title)
    return plain_title(letter) if missing or not title.strip() else title


def _input(name: str, label: str, default: str | None) -> LetterInput:
    text, example = _split(label)
    last = name.rsplit(".", 1)[-1]
    kind = "time" if last == "time" else "date" if last == "date" else "text"
    return LetterInput(name, text[:1].upper() + text[1:], example, default or "", kind)


def _split(label: str) -> tuple[str, str]:
    """ "where it is, for example Room G12" -> ("where it is", "Room G12")."""
    found = EXAMPLE.search(label)
    if not found:
        return label.strip(), ""
    return label[: found.start()].strip(), label[found.end() :].strip()


def letter_time(moment: time) -> str:
    """A time as letters write it: "10:00am", "2:30pm", "12:00pm" (noon)."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d}{'am' if moment.hour < 12 else 'pm'}"


def print_letter(
    session: Session,
    record_id: str,
    name: str,
    catalogue: Catalogue,
    printer: Printer,
    *,
    extra: Mapping[str, Any] | None = None,
    policy: Policy | None = None,
) -> PrintedRecord:
    """The letter `name` for the record, signed by the printer and checked as a reader
    would check it. `extra` gives the template's inputs (a `datetime.time` is written as
    "10:00am", a `date` as "18 March 2024"). Raises LetterError, naming everything missing,
    before anything is made."""
    from .check import check_pdf
    from .export import file_name

    given = {k: letter_time(v) if isinstance(v, time) else v for k, v in (extra or {}).items()}
    doc = letter_document(session, record_id, name, catalogue, extra=given, policy=policy)
    from .render import render_letter_document  # reportlab loads when a letter is made

    pdf = render_letter_document(doc)
    if printer.signer is None:
        check = printer.why_unsigned
    else:
        from .records import time_line
        from .sign import TimestampUnavailable

        box, reason = signature_box(pdf), f"Letter: {doc.title}"
        try:
            pdf = printer.signer.sign(pdf, reason=reason, signer_name=printer.name, box=box)
        except TimestampUnavailable:  # still signed (B-B), and the box says so
            pdf = printer.signer.sign(
                pdf, reason=reason, signer_name=printer.name, box=box, timestamp=False
            )
        checked = check_pdf(
            pdf,
            trust_roots=printer.trust_roots,
            revoked=printer.revoked,
            timestamp_roots=printer.timestamp_roots,
        )
        check = f"{checked.summary} {time_line(checked, printer.signer)}".strip()
    record = session.get(Record, record_id)
    employee = session.get(Employee, record.subject_id) if record else None
    last, first = (employee.last_name, employee.first_name) if employee else ("", "")
    day = _day(doc.date)
    kind = "letter-" + name.replace("_", "-")
    fname = file_name(last, first, kind, day.isoformat() if day else "undated", record_id)
    who = doc.recipient[0] if doc.recipient else ""
    return PrintedRecord(pdf, f"{doc.title}: {who}" if who else doc.title, fname, check)


def signature_box(pdf: bytes) -> tuple[float, float, float, float] | None:
    """Where the visible signature goes on a letter's last page, at the right margin:
    just below the letter's last line when there is room above the footer, else beside
    the closing ("Yours sincerely," and the signatory's lines), its foot level with the
    last line. Sign's default place (the bottom right corner) would cover the footer and
    "Page x of y".

    The letter renderer places each paragraph with "1 0 0 1 x y cm" at the frame's left
    edge; the lowest such y on the last page is the foot of the letter. None (the default
    place) if the page cannot be read that way.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        page = _last_page(PdfFileReader(io.BytesIO(pdf)).root["/Pages"])
        contents = page["/Contents"]
        streams = contents if isinstance(contents, list) else [contents]
        data = b"".join(stream.get_object().data for stream in streams)
    except Exception:  # an unexpected file: the default place is still a valid signature
        return None
    feet = [
        float(y)
        for x, y in PLACED.findall(data)
        if abs(float(x) - MARGIN_X) < 0.5 and float(y) > FOOTER_TOP
    ]
    if not feet:
        return None
    foot = min(feet)
    width, height = BOX_SIZE
    right = PAGE_WIDTH - MARGIN_X
    if foot - BOX_GAP - height >= LOWEST:
        return (right - width, foot - BOX_GAP - height, right, foot - BOX_GAP)
    return (right - width, foot, right, foot + height)


def _last_page(pages: Any) -> Any:
    while "/Kids" in pages:
        pages = pages["/Kids"][-1].get_object()
    return pages


def _day(text: str) -> date | None:
    """'18 March 2024' (as document.long_date writes it) back to a date."""
    parts = text.split()
    if len(parts) != 3 or parts[1] not in MONTHS:
        return None
    try:
        return date(int(parts[2]), MONTHS.index(parts[1]) + 1, int(parts[0]))
    except ValueError:
        return None
